"""`python -m api`: the gateway's processes load only what serving needs, and the
commands moved to api/cli.py still check what they are given."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.__main__ import inherited_socket, main
from api.core.config import ROOT
from api.staff.models import StaffUser


def test_the_main_module_loads_no_database_or_report_code() -> None:
    # Every gateway process imports the main module (each worker uvicorn's
    # --workers spawns imports it again): what it imports each of them holds.
    probe = (
        "import sys, api.__main__; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'xlsxwriter', 'api.cli') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[]"


def _create_staff(monkeypatch: pytest.MonkeyPatch, role: str) -> int:
    """``python -m api create-staff`` for "lan", the password on stdin."""
    monkeypatch.setattr("sys.stdin", _Lines("mật-khẩu-đủ-dài-2026\n"))
    return main(
        ["create-staff", "--username", "lan", "--role", role, "--password-stdin"]
    )


def test_create_staff_refuses_an_unknown_role(
    cli_database: None,
    engine: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _create_staff(monkeypatch, "boss") == 2
    assert "admin, analyst, community" in capsys.readouterr().err
    with Session(engine) as session:
        assert session.scalars(select(StaffUser.username)).all() == []


def test_create_staff_with_a_known_role(
    cli_database: None,
    engine: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _create_staff(monkeypatch, "analyst")
    assert code == 0, capsys.readouterr().err
    with Session(engine) as session:
        user = session.scalars(select(StaffUser)).one()
    assert (user.username, user.role.value) == ("lan", "analyst")


class _Lines:
    def __init__(self, text: str) -> None:
        self._lines = iter(text.splitlines(keepends=True))

    def readline(self) -> str:
        return next(self._lines, "")


def test_the_socket_a_supervisor_passes_is_served_as_what_it_is() -> None:
    # A TCP socket taken for a Unix one leaves Nagle's algorithm on for every
    # connection accepted on it.
    with socket.create_server(("127.0.0.1", 0)) as listening:
        served = inherited_socket(listening.fileno())
        try:
            assert served.family == socket.AF_INET
            assert served.type == socket.SOCK_STREAM
            assert served.getsockname() == listening.getsockname()
        finally:
            served.close()
