"""A turn's log row travels alone: one INSERT in autocommit, with no BEGIN and
COMMIT around it, on SQLite as on PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.api.conftest import in_autocommit, logged_turns


def test_the_log_insert_runs_in_autocommit(client: TestClient, engine: Any) -> None:
    seen: list[bool] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO querylog_turn"):
            seen.append(in_autocommit(conn))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        for text in ("làm sao kích hoạt vneid mức 2", "cảm ơn"):
            response = client.post("/api/chat", json={"sender": "log-1", "text": text})
            assert response.status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert seen == [True, True]
    assert [t.text_masked for t in logged_turns(engine)][-2:] == [
        "làm sao kích hoạt vneid mức 2",
        "cảm ơn",
    ]
