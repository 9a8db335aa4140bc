"""The learning loop, end to end: a message the assistant was unsure of is in the
inbox, an analyst links it to the answer it needed, an admin accepts it, `python -m api
export-examples` writes it under nlu_data/, and the next training answers it.

The staff side runs on the stack (its gateway, its database, the real routes). Training
the whole model takes tens of minutes, so the training side runs on a small copy of the
project: the pipeline of bot/config.yml with fewer epochs, the answer the message
needs and the ten answers the retrieval puts closest to it, trained twice, without and
with the exported file, and judged both times by the action server's own decision
(tools/answer.py: the classifier's confidence, or the message being one of an answer's
own phrasings, which an exported message is).

The unsure turn is written into the stack's database, as the gateway logs it: whether
the whole model is unsure of this very message changes with every training, and the
loop starts at the inbox."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from actions.retrieval import RetrievalIndex, knowledge_texts
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from api.staff.service import create_staff
from tools.model import INPUTS, PROJECT_ARGS, ROOT, rasa_env
from tools.stack import BOT_PYTHON, SERVICES_PYTHON, Stack

pytestmark = pytest.mark.stack

ANSWER = "vneid_forgot_password"
# Southern words none of the answer's examples use ("the secret word to open the
# police app, I can't remember it any more").
MESSAGE = "cái chữ bí mật để mở áp công an tui hổng nhớ nổi nữa"
PASSWORD = secrets.token_urlsafe(12)
NEIGHBOURS = 10


def _login(stack: Stack, username: str) -> dict[str, str]:
    response = httpx.post(
        stack.api_url + "/api/staff/login",
        json={"username": username, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _unsure_turn(stack: Stack) -> None:
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        create_staff(session, "loop-analyst", PASSWORD, Role.ANALYST)
        create_staff(session, "loop-admin", PASSWORD, Role.ADMIN)
        session.add(
            Turn(
                created_at=datetime.now(timezone.utc),
                channel="web",
                user_pseudonym="learning-loop",
                conversation_id="learning-loop",
                text_masked=MESSAGE,
                reply_masked="Xin lỗi Anh/Chị, trợ lý chưa chắc…",
                intent="faq",
                confidence=0.2,
                topic=None,
                answer_id=None,
                outcome=Outcome.UNSURE,
                latency_ms=40,
            )
        )
        session.commit()
    engine.dispose()


def _link_and_accept(stack: Stack) -> None:
    """What an analyst and an admin do on the dashboard, through its routes."""
    analyst, admin = _login(stack, "loop-analyst"), _login(stack, "loop-admin")
    inbox = httpx.get(stack.api_url + "/api/staff/inbox", headers=analyst)
    assert inbox.status_code == 200, inbox.text
    [group] = [g for g in inbox.json()["groups"] if MESSAGE in g["sample_texts"]]
    reviewed = httpx.post(
        stack.api_url + "/api/staff/inbox/review",
        json={
            "turn_ids": group["turn_ids"],
            "action": "add_example",
            "answer_id": ANSWER,
        },
        headers=analyst,
    )
    assert reviewed.status_code == 200, reviewed.text
    pending = httpx.get(
        stack.api_url + "/api/staff/training-examples",
        params={"status": "pending"},
        headers=admin,
    ).json()["items"]
    [example] = [e for e in pending if e["text"] == MESSAGE]
    assert example["answer_id"] == ANSWER
    accepted = httpx.post(
        stack.api_url + f"/api/staff/training-examples/{example['id']}/decision",
        json={"decision": "accepted"},
        headers=admin,
    )
    assert accepted.status_code == 200, accepted.text


def _export(stack: Stack, nlu_dir: Path) -> Path:
    """`python -m api export-examples` on the stack's database into ``nlu_dir``."""
    result = subprocess.run(
        [str(SERVICES_PYTHON), "-m", "api", "export-examples"],
        env={**os.environ, **stack.env, "BDHVS_NLU_DIR": str(nlu_dir)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return Path(result.stdout.strip().removeprefix("wrote "))


def _faq_blocks() -> dict[str, str]:
    """answer id -> its training examples block, as written in nlu_data/faq/."""
    blocks = {}
    for path in sorted((ROOT / "nlu_data" / "faq").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            blocks[block["intent"].removeprefix("faq/")] = block["examples"]
    return blocks


def _small_project(root: Path, answers: list[str]) -> tuple[Path, Path, Path]:
    """bot/config.yml, nlu_data/ with core.yml and ``answers``' examples, seeds/
    with their entries: (config, nlu_data, seeds)."""
    config = yaml.safe_load((ROOT / "bot" / "config.yml").read_text(encoding="utf-8"))
    (root / "nlu_data" / "faq").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (root / "nlu_data" / "core.yml").write_text(
        (ROOT / "nlu_data" / "core.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    blocks = _faq_blocks()
    (root / "nlu_data" / "faq" / "answers.yml").write_text(
        yaml.safe_dump(
            {
                "version": "3.1",
                "nlu": [{"intent": f"faq/{a}", "examples": blocks[a]} for a in answers],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    entries = [
        entry
        for path in sorted((ROOT / "seeds" / "knowledge").glob("*.yml"))
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
        if entry["id"] in answers
    ]
    (root / "seeds" / "answers.yml").write_text(
        yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8"
    )
    return root / "config.yml", root / "nlu_data", root / "seeds"


def _train_and_ask(root: Path, answers: list[str], reviewed: Path | None) -> Any:
    """Trains the small project (with the exported file when given) and returns the
    decision on MESSAGE."""
    config, nlu_dir, seeds = _small_project(root, answers)
    if reviewed is not None:
        (nlu_dir / "reviewed").mkdir()
        (nlu_dir / "reviewed" / reviewed.name).write_bytes(reviewed.read_bytes())
    bot_python = str(BOT_PYTHON)
    subprocess.run(
        [
            bot_python,
            *("-m", "rasa", "train", "nlu", "--config", str(config)),
            *("--nlu", str(nlu_dir), "--out", str(root / "models")),
            *("--fixed-model-name", "small"),
        ],
        env=rasa_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=900,
        check=True,
    )
    decided = subprocess.run(
        [
            bot_python,
            *("tools/answer.py", "--model", str(root / "models" / "small.tar.gz")),
            *("--nlu-data", str(nlu_dir), "--seeds", str(seeds), MESSAGE),
        ],
        env=rasa_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(decided.stdout.strip().splitlines()[-1])


def test_a_message_staff_link_to_an_answer_is_answered_after_the_next_training(
    stack: Stack, tmp_path: Path
) -> None:
    _unsure_turn(stack)
    _link_and_accept(stack)
    exported = _export(stack, tmp_path / "export" / "nlu_data")
    assert exported.parent == tmp_path / "export" / "nlu_data" / "reviewed"
    assert f"faq/{ANSWER}" in exported.read_text(encoding="utf-8")
    # `make train` retrains when anything under nlu_data/ changes, and trains on all
    # of it (tools/model.py).
    assert "nlu_data" in INPUTS and "nlu_data" in PROJECT_ARGS

    closest = [a for a, _ in RetrievalIndex(knowledge_texts()).rank(MESSAGE, limit=40)]
    answers = [ANSWER, *[a for a in closest if a != ANSWER][:NEIGHBOURS]]
    before = _train_and_ask(tmp_path / "before", answers, None)
    after = _train_and_ask(tmp_path / "after", answers, exported)

    assert before["answer"] != ANSWER, before
    assert after["answer"] == ANSWER, after
