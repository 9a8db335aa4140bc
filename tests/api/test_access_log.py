"""The gateway writes no line per request (the client's address is personal data)
unless BDHVS_ACCESS_LOG asks for one; then web chat's sender ids stay out of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.core.config import Settings
from tests.api.conftest import SECRET, TOKEN_SECRET
from tests.api.gateway_process import ROOT, Gateway, free_port

SENDER = "web-sender-id-never-logged"


def _served_log(tmp_path: Path, extra: dict[str, str]) -> str:
    """Starts the gateway, asks for its health and a web chat page's updates, stops
    it, and returns everything it wrote."""
    env = {
        **os.environ,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        "BDHVS_SECRET_KEY": SECRET,
        "BDHVS_TOKEN_KEY": TOKEN_SECRET,
        "BDHVS_RASA_URL": "http://127.0.0.1:9",
        "BDHVS_ACTION_SERVER_URL": "http://127.0.0.1:9",
        "BDHVS_ROLLUP_REFRESH_SECONDS": "0",
    }
    env.pop("BDHVS_ACCESS_LOG", None)
    env.update(extra)
    subprocess.run(
        [sys.executable, "-m", "api", "migrate"], cwd=ROOT, env=env, check=True
    )
    gateway = Gateway(env, free_port(), tmp_path / "gateway.log")
    try:
        gateway.start()
        base = f"http://127.0.0.1:{gateway.port}"
        httpx.get(f"{base}/healthz", timeout=10)  # 503 here: no Rasa
        httpx.get(f"{base}/api/chat/updates", params={"sender": SENDER}, timeout=10)
    finally:
        gateway.stop()
    return gateway.log.read_text(encoding="utf-8", errors="replace")


def test_by_default_no_request_is_logged(tmp_path: Path) -> None:
    log = _served_log(tmp_path, {})
    assert "Application startup complete" in log  # the log is the gateway's
    assert "/healthz" not in log
    assert "GET " not in log
    assert SENDER not in log


def test_an_access_log_asked_for_keeps_sender_ids_out(tmp_path: Path) -> None:
    log = _served_log(tmp_path, {"BDHVS_ACCESS_LOG": "1"})
    assert '"GET /healthz HTTP/1.1"' in log
    assert "/api/chat/updates?sender=" in log
    assert SENDER not in log


@pytest.mark.parametrize(
    ("value", "wanted"),
    [("1", True), ("true", True), ("On", True), ("0", False), ("no", False)],
)
def test_the_setting_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, value: str, wanted: bool
) -> None:
    monkeypatch.delenv("BDHVS_ACCESS_LOG", raising=False)
    assert Settings(_env_file=None).access_log is False
    monkeypatch.setenv("BDHVS_ACCESS_LOG", value)
    assert Settings(_env_file=None).access_log is wanted
