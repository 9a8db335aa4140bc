"""Inbound Telegram and Zalo event ids: a second delivery is dropped, and the ids are
forgotten after a week (``python -m api purge``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.channels.models import ChannelEvent
from api.channels.store import EVENTS_KEPT_FOR, ChannelStore
from api.core.db import utcnow


def test_event_ids_are_kept_a_week(engine: Any) -> None:
    store = ChannelStore(engine)
    assert store.first_delivery("telegram", "1001")
    assert store.first_delivery("zalo", "1001")
    assert not store.first_delivery("telegram", "1001")
    with Session(engine) as session:
        session.execute(
            update(ChannelEvent)
            .where(ChannelEvent.channel == "telegram")
            .values(received_at=utcnow() - EVENTS_KEPT_FOR - timedelta(hours=1))
        )
        session.commit()

    assert store.forget_events() == 1
    assert not store.first_delivery("zalo", "1001")  # a week not yet past
    assert store.first_delivery("telegram", "1001")
