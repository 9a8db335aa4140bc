"""PostgreSQL (or the SQLite file) briefly unreachable: the citizen still gets the
answer, the turns are queued (api.querylog.pending) and written once when the
database answers again, none lost and none twice."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from api.core.config import Settings
from api.querylog.models import Outcome
from api.querylog.pending import REDIS_KEY, PendingTurns, write_rows
from api.querylog.service import MESSAGE_KEY, MessageKey, TurnRecord, log_turn
from tests.api.conftest import client_for, logged_turns, wait_until
from tests.fakes import FakeRasa

ANSWER = "Anh/Chị đăng ký tài khoản định danh điện tử mức 2 tại công an xã."
REDIS_URL = os.environ.get("BDHVS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def unreachable(engine: Engine) -> Iterator[None]:
    """Every new connection of ``engine`` is refused, as by a database that went
    away, until the block ends (the pool's idle connections are dropped first)."""
    down = [True]
    refused = engine.dialect.loaded_dbapi.OperationalError

    @event.listens_for(engine, "do_connect")
    def refuse(*_: Any) -> None:
        if down[0]:
            raise refused("connection refused (the test's outage)")

    engine.dispose()
    try:
        yield
    finally:
        down[0] = False


def _chat(client: Any, text: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": "citizen-7", "text": text})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _record(text: str) -> TurnRecord:
    return TurnRecord(
        channel="web",
        user_pseudonym="p" * 16,
        conversation_id="p" * 16,
        text_masked=text,
        reply_masked=ANSWER,
        intent="faq",
        confidence=0.9,
        topic=None,
        answer_id=None,
        answer_confidence=None,
        outcome=Outcome.ANSWERED,
        latency_ms=12,
    )


def test_a_queued_turn_whose_first_write_did_arrive_is_written_once(
    seeded_engine: Any,
) -> None:
    pending = PendingTurns(None, max_rows=10)
    arrived, lost = _record("câu hỏi một"), _record("câu hỏi hai")
    pending.put(arrived)
    pending.put(lost)
    # The commit of the first reached the database; only its answer was lost.
    row = {**arrived.__dict__, "outcome": arrived.outcome}
    write_rows(seeded_engine, [row])

    assert pending.flush(seeded_engine) == 2
    assert pending.flush(seeded_engine) == 0
    turns = logged_turns(seeded_engine)
    assert [t.text_masked for t in turns] == ["câu hỏi một", "câu hỏi hai"]
    assert len({t.turn_key for t in turns}) == 2


def test_a_turn_logged_again_under_its_event_key_is_logged_once(
    seeded_engine: Any,
) -> None:
    # As the inbox does while a stored webhook event is handled.
    token = MESSAGE_KEY.set(MessageKey("m0123456789abcde"))
    try:
        first, again = _record("câu hỏi một"), _record("câu hỏi một")
    finally:
        MESSAGE_KEY.reset(token)
    other = _record("câu hỏi hai")  # outside an event: a key of its own
    with Session(seeded_engine) as session:
        ids = [log_turn(session, r) for r in (first, again, other)]

    assert ids[0] == ids[1] != ids[2]
    turns = logged_turns(seeded_engine)
    assert [t.text_masked for t in turns] == ["câu hỏi một", "câu hỏi hai"]
    assert turns[0].turn_key == "m0123456789abcde"


def test_the_memory_queue_is_bounded_and_drops_the_oldest() -> None:
    pending = PendingTurns(None, max_rows=3)
    for n in range(5):
        pending.put(_record(f"câu {n}"))
    assert pending.waiting() == 3


def test_turns_during_an_outage_are_answered_and_logged_once_it_is_over(
    settings: Settings, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.93)
    with client_for(settings, querylog_flush_seconds=0.1) as client:
        _chat(client, "xin chào")
        app_engine = client.app.state.engine  # type: ignore[attr-defined]
        with unreachable(app_engine):
            replies = [_chat(client, f"đăng ký định danh lần {n}") for n in range(4)]
            assert all(r["messages"][0]["text"] == ANSWER for r in replies)
            # Not in the log yet, so not for rating.
            assert all(r["turn_id"] == 0 for r in replies)
            assert len(logged_turns(seeded_engine)) == 1
            assert client.app.state.pending_turns.waiting() == 4  # type: ignore[attr-defined]
            time.sleep(0.3)  # the flusher tries, and fails, meanwhile

        wait_until(lambda: len(logged_turns(seeded_engine)) == 5, timeout=15)
        time.sleep(0.3)  # a second write would have happened by now
        assert client.app.state.pending_turns.waiting() == 0  # type: ignore[attr-defined]

    turns = logged_turns(seeded_engine)
    assert [t.text_masked for t in turns] == ["xin chào"] + [
        f"đăng ký định danh lần {n}" for n in range(4)
    ]
    assert all(t.reply_masked == ANSWER for t in turns)
    assert len({t.turn_key for t in turns}) == 5
    times = [t.created_at for t in turns]
    assert times == sorted(times)  # logged when they happened, not when written


@pytest.fixture
def redis_queue() -> Iterator[Any]:
    """The shared queue in the test Redis, empty before and after."""
    from redis import Redis
    from redis.exceptions import RedisError

    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        redis.delete(REDIS_KEY)
    except (RedisError, OSError):
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield redis
    redis.delete(REDIS_KEY)
    redis.close()


def test_turns_queued_in_redis_outlive_the_worker_that_queued_them(
    settings: Settings, fake_rasa: FakeRasa, seeded_engine: Any, redis_queue: Any
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.93)
    shared = Settings(
        **{
            **settings.model_dump(),
            "redis_url": REDIS_URL,
            "querylog_flush_seconds": 0.1,
        }
    )
    first = client_for(shared).__enter__()
    with unreachable(first.app.state.engine):  # type: ignore[attr-defined]
        for n in range(3):
            assert _chat(first, f"câu hỏi {n}")["messages"][0]["text"] == ANSWER
        assert redis_queue.llen(REDIS_KEY) == 3
        # The worker stops while the database is still away (its last flush fails).
        first.__exit__(None, None, None)
    assert logged_turns(seeded_engine) == []
    assert redis_queue.llen(REDIS_KEY) == 3

    with client_for(shared):
        wait_until(lambda: len(logged_turns(seeded_engine)) == 3, timeout=15)
        time.sleep(0.3)
    assert redis_queue.llen(REDIS_KEY) == 0
    assert [t.text_masked for t in logged_turns(seeded_engine)] == [
        f"câu hỏi {n}" for n in range(3)
    ]
