"""A dead process's claims are given back as soon as PostgreSQL sees it gone
(api.core.liveness), not when their lease runs out; a live process keeps its own;
SQLite keeps the leases alone."""

from __future__ import annotations

from typing import Any

import pytest

from api.channels.inbox import Inbox
from api.channels.outbox_table import Outbox
from api.core.db import utcnow
from api.core.liveness import Liveness
from tests.api.test_relay import ON_POSTGRESQL

KEY = "liveness-test-token-key"
LEASE = 600  # far longer than the test: only the liveness can give a claim back


def _outbox(engine: Any, liveness: Liveness) -> Outbox:
    liveness.check()
    return Outbox(engine, KEY, lease_seconds=LEASE, liveness=liveness)


def _inbox(engine: Any, liveness: Liveness) -> Inbox:
    liveness.check()
    return Inbox(engine, KEY, lease_seconds=LEASE, liveness=liveness)


@ON_POSTGRESQL
def test_a_message_a_dead_sender_held_is_due_again_at_once(engine: Any) -> None:
    first, second = Liveness(engine), Liveness(engine)
    held_by_first, other = _outbox(engine, first), _outbox(engine, second)
    try:
        assert first.holder and second.holder and first.holder != second.holder
        message = held_by_first.put(
            "telegram", "turn", None, "1", [{"text": "a"}], utcnow(), None
        )
        assert held_by_first.claim(["telegram"]) is not None

        assert other.release_orphans() == 0  # its holder lives: its lease holds
        assert other.claim(["telegram"]) is None

        first.close()  # as the process's death closes its connection
        assert other.release_orphans() == 1
        taken = other.claim(["telegram"])
        assert taken is not None and taken.id == message
    finally:
        first.close()
        second.close()


@ON_POSTGRESQL
def test_a_message_released_for_a_retry_is_not_given_back_early(engine: Any) -> None:
    first, second = Liveness(engine), Liveness(engine)
    sender, other = _outbox(engine, first), _outbox(engine, second)
    try:
        sender.put("telegram", "turn", None, "1", [{"text": "a"}], utcnow(), None)
        parcel = sender.claim(["telegram"])
        assert parcel is not None
        later = utcnow().replace(year=utcnow().year + 1)
        sender.retry_at(parcel.id, later, "429 retry_after")
        first.close()
        assert other.release_orphans() == 0  # its back-off is not a claim
        assert other.claim(["telegram"]) is None
    finally:
        first.close()
        second.close()


@ON_POSTGRESQL
def test_an_event_a_dead_worker_was_handling_is_handled_again_at_once(
    engine: Any,
) -> None:
    first, second = Liveness(engine), Liveness(engine)
    dying, other = _inbox(engine, first), _inbox(engine, second)
    try:
        stored = dying.put("telegram", "update-1", {"update_id": 1})
        assert stored is not None and dying.claim(stored) is not None

        assert other.release_orphans() == 0
        assert other.claim(stored) is None  # held by a live worker

        first.close()
        assert other.release_orphans() == 1
        claimed = other.claim(stored)
        assert claimed is not None and claimed.event == {"update_id": 1}
        assert claimed.attempts == 2
    finally:
        first.close()
        second.close()


@ON_POSTGRESQL
def test_a_worker_whose_connection_dropped_takes_a_new_key(engine: Any) -> None:
    liveness = Liveness(engine)
    try:
        before = liveness.check()
        assert before is not None
        liveness.close()
        after = liveness.check()
        assert after is not None and after != before
    finally:
        liveness.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_only_the_lease_gives_a_claim_back(engine: Any) -> None:
    first, second = Liveness(engine), Liveness(engine)
    dying, other = _inbox(engine, first), _inbox(engine, second)
    stored = dying.put("telegram", "update-2", {"update_id": 2})
    assert stored is not None and dying.claim(stored) is not None
    assert first.holder is None
    first.close()
    assert other.release_orphans() == 0
    assert other.claim(stored) is None
