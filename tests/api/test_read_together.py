"""Reads run together (api.core.db.read_together): on PostgreSQL at the same time on
their own connections, all in the snapshot of the calling session; elsewhere one
after the other in it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.core.db import read_together
from api.querylog.models import Outcome, Turn


def _turn() -> Turn:
    return Turn(
        created_at=datetime.now(timezone.utc),
        channel="web",
        user_pseudonym="r" * 32,
        conversation_id="c-read",
        text_masked="kich hoat vneid",
        reply_masked="…",
        outcome=Outcome.ANSWERED,
        latency_ms=50,
    )


def _turns(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Turn)) or 0)


def test_reads_together_see_what_the_session_sees(engine: Any) -> None:
    with Session(engine) as writer:
        writer.add(_turn())
        writer.commit()
    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as session:
        if postgres:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        seen = _turns(session)
        # Committed after the session's snapshot: none of the reads may count it
        # (on SQLite the reads share the session's own connection and transaction).
        with Session(engine) as writer:
            writer.add(_turn())
            writer.commit()

        # On PostgreSQL the three run at the same time: each waits here for the
        # others (one after the other, they would never all arrive).
        together = threading.Barrier(3, timeout=30)

        def read(s: Session) -> tuple[int, Any]:
            if not postgres:
                return _turns(s), id(s)
            found = _turns(s), s.scalar(text("SELECT pg_backend_pid()"))
            together.wait()
            return found

        results = read_together(session, [read] * 3)
    counts = [n for n, _ in results]
    backends = {b for _, b in results}
    if postgres:
        assert counts == [seen] * 3
        assert len(backends) == 3  # each on its own connection
    else:
        assert len(backends) == 1  # one after the other in the session
        assert counts[0] == counts[1] == counts[2] >= seen


def test_a_failing_read_fails_the_whole(engine: Any) -> None:
    def broken(_: Session) -> int:
        raise ValueError("broken read")

    with Session(engine) as session, pytest.raises(ValueError, match="broken read"):
        read_together(session, [_turns, broken])
