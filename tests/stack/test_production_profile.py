"""`make run-prod`'s processes (python -m tools.prod run): two Rasa instances on one
PostgreSQL tracker store and one Redis lock store, the action server and a gateway
with two workers, all under supervisord. A Rasa instance and a gateway worker are
killed with SIGKILL mid-conversation: the conversation goes on (the other instance
serves meanwhile), supervisord and uvicorn bring them back, and every turn is in
Rasa's tracker and in the query log exactly once. With the action server stopped,
the citizen gets the polite "try again" reply and the turn is logged as an error."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.conversation.messages import RASA_UNAVAILABLE
from api.privacy.pseudonym import pseudonymize
from tests.conftest import _fresh_postgres_database, postgres_base_url
from tests.stack.conftest import PORT_OFFSET
from tools.prod import SERVICES_PYTHON, gateway_worker
from tools.stack import ROOT

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

PSEUDONYM_KEY = "production-profile-test-pseudonym-key"
API_PORT = 17100 + PORT_OFFSET


class Profile:
    """The running profile, seen from outside as an operator sees it."""

    def __init__(self, process: subprocess.Popen[bytes], env: dict[str, str]) -> None:
        self.process = process
        self.env = env
        self.url = f"http://127.0.0.1:{API_PORT}"

    def ctl(self, *args: str) -> str:
        """supervisorctl's output for ``args``."""
        result = subprocess.run(
            [str(SERVICES_PYTHON), "-m", "tools.prod", "ctl", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        """The process id supervisord reports for ``program`` (0 when not running)."""
        out = self.ctl("pid", program)
        return int(out) if out.isdigit() else 0

    def health(self) -> dict[str, Any]:
        try:
            response = httpx.get(self.url + "/healthz", timeout=5)
        except httpx.HTTPError:
            return {}
        return dict(response.json()) if response.status_code in (200, 503) else {}

    def wait_until_whole(self, timeout: float) -> None:
        """Until the gateway, the action server and every Rasa instance answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"supervisord exited with {self.process.returncode}")
            health = self.health()
            instances = health.get("rasa_instances", {})
            if health.get("status") == "ok" and set(instances.values()) == {"ok"}:
                return
            time.sleep(1)
        raise TimeoutError(f"not whole after {timeout} s: {self.health()}")


@pytest.fixture(scope="module")
def profile(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Profile, str, str]]:
    base = postgres_base_url()
    app_url, drop_app = _fresh_postgres_database(base)
    tracker_url, drop_tracker = _fresh_postgres_database(base)
    directory: Path = tmp_path_factory.mktemp("prod")
    env = dict(os.environ)
    env.update(
        BDHVS_ENVIRONMENT="production",
        BDHVS_PSEUDONYM_KEY=PSEUDONYM_KEY,
        BDHVS_TOKEN_KEY="production-profile-test-token-key",
        BDHVS_DATABASE_URL=app_url,
        BDHVS_TRACKER_DATABASE_URL=tracker_url,
        BDHVS_REDIS_URL=os.environ.get(
            "BDHVS_TEST_REDIS_URL", "redis://127.0.0.1:6379/4"
        ),
        BDHVS_PROD_DIR=str(directory),
        BDHVS_RASA_INSTANCES="2",
        BDHVS_RASA_BASE_PORT=str(17005 + PORT_OFFSET),
        BDHVS_ACTIONS_PORT=str(17055 + PORT_OFFSET),
        BDHVS_API_PORT=str(API_PORT),
        BDHVS_API_WORKERS="2",
    )
    log = (directory / "run-prod.log").open("wb")
    process = subprocess.Popen(
        [str(SERVICES_PYTHON), "-m", "tools.prod", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = Profile(process, env)
    try:
        running.wait_until_whole(timeout=500)
        yield running, app_url, tracker_url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # supervisord stops its programs
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        drop_app()
        drop_tracker()


def _chat(profile: Profile, text_: str, sender: str = "citizen-prod") -> str:
    response = httpx.post(
        profile.url + "/api/chat",
        json={"sender": sender, "text": text_},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["messages"][0]["text"])


def _wait_for_new_pid(profile: Profile, program: str, old: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = profile.pid(program)
        if pid and pid != old:
            return pid
        time.sleep(1)
    raise TimeoutError(f"{program} was not restarted")


def test_the_conversation_goes_on_while_a_rasa_instance_and_a_gateway_worker_die(
    profile: tuple[Profile, str, str],
) -> None:
    running, app_url, tracker_url = profile
    questions = ["xin chào", "lam sao kich hoat vneid muc 2"]
    replies = [_chat(running, q) for q in questions]

    rasa = running.pid("rasa-0")
    os.kill(rasa, signal.SIGKILL)
    after_rasa = ["chữ ký số là gì", "cảm ơn"]
    replies += [_chat(running, q) for q in after_rasa]

    workers = [running.pid(gateway_worker(n)) for n in range(2)]
    assert all(workers), workers
    os.kill(workers[1], signal.SIGKILL)
    after_worker = ["quên mật khẩu vneid"]
    replies += [_chat(running, q) for q in after_worker]
    questions += after_rasa + after_worker

    assert RASA_UNAVAILABLE not in replies
    assert _wait_for_new_pid(running, "rasa-0", rasa, timeout=60)
    running.wait_until_whole(timeout=300)  # rasa-0 serves again
    # supervisord restarted the worker; the other one served meanwhile
    assert _wait_for_new_pid(running, gateway_worker(1), workers[1], timeout=60)
    assert running.pid(gateway_worker(0)) == workers[0]

    sender = pseudonymize(PSEUDONYM_KEY, "web", "citizen-prod")
    tracker_db = create_engine(tracker_url)
    with tracker_db.connect() as connection:
        user_events = connection.execute(
            text(
                "SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"
            ),
            {"s": sender},
        ).scalar_one()
    tracker_db.dispose()
    app_db = create_engine(app_url)
    with app_db.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT text_masked, outcome FROM querylog_turn "
                "WHERE user_pseudonym = :s ORDER BY id"
            ),
            {"s": sender},
        ).all()
    app_db.dispose()
    assert user_events == len(questions)
    assert [r.text_masked for r in rows] == questions
    assert "error" not in {r.outcome for r in rows}
    assert rows[1].outcome == "answered"


def test_while_the_action_server_is_down_the_citizen_gets_a_polite_answer(
    profile: tuple[Profile, str, str],
) -> None:
    running, app_url, _ = profile
    assert "stopped" in running.ctl("stop", "actions")
    try:
        reply = _chat(running, "quên mật khẩu vneid", sender="citizen-no-actions")
    finally:
        running.ctl("start", "actions")
    assert reply == RASA_UNAVAILABLE
    sender = pseudonymize(PSEUDONYM_KEY, "web", "citizen-no-actions")
    app_db = create_engine(app_url)
    with app_db.connect() as connection:
        outcomes = (
            connection.execute(
                text("SELECT outcome FROM querylog_turn WHERE user_pseudonym = :s"),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    app_db.dispose()
    assert outcomes == ["error"]
    running.wait_until_whole(timeout=120)


def test_the_rasa_instances_answer_without_tensorflow_in_memory(
    profile: tuple[Profile, str, str],
) -> None:
    running, _, _ = profile
    running.wait_until_whole(timeout=300)
    assert (
        _chat(running, "quên mật khẩu vneid", sender="citizen-lean") != RASA_UNAVAILABLE
    )
    for program in ("rasa-0", "rasa-1"):
        maps = Path(f"/proc/{running.pid(program)}/maps").read_text()
        assert "tensorflow" not in maps, program
