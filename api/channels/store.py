"""Database helpers the channels share: de-duplication, contacts, callback payloads."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.channels.models import CallbackPayload, ChannelContact, ChannelEvent
from api.core.db import utcnow

# How long an inbound event's id is kept to drop a second delivery of it.
EVENTS_KEPT_FOR = timedelta(days=7)


class ChannelStore:
    """Synchronous; channels call it through ``asyncio.to_thread``."""

    def __init__(self, engine: Engine) -> None:
        """Uses ``engine`` for every call (one short session each)."""
        self._engine = engine

    def first_delivery(self, channel: str, event_id: str) -> bool:
        """Records ``event_id``; False when it was already received (a retry or a
        replay), so the event is processed once even across gateway workers."""
        with Session(self._engine) as session:
            session.add(ChannelEvent(channel=channel, event_id=event_id[:80]))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def forget_events(self, now: datetime | None = None) -> int:
        """Deletes the de-duplication records older than ``EVENTS_KEPT_FOR``: no
        platform delivers an event again that late (Zalo's signed timestamp is
        refused after minutes), and the table would otherwise only grow."""
        before = (now or utcnow()) - EVENTS_KEPT_FOR
        with Session(self._engine) as session:
            deleted = session.execute(
                delete(ChannelEvent).where(ChannelEvent.received_at < before)
            )
            session.commit()
        return int(deleted.rowcount)  # type: ignore[attr-defined]

    def touch_contact(
        self, channel: str, pseudonym: str, address: str, at: datetime | None = None
    ) -> ChannelContact:
        """Notes that the citizen just wrote (opens Zalo's consultation window)."""
        with Session(self._engine, expire_on_commit=False) as session:
            contact = session.get(ChannelContact, (channel, pseudonym))
            if contact is None:
                contact = ChannelContact(channel=channel, user_pseudonym=pseudonym)
                session.add(contact)
            contact.address = address
            contact.last_inbound_at = at or utcnow()
            try:
                session.commit()
            except IntegrityError:  # created concurrently by another worker
                session.rollback()
                return self.touch_contact(channel, pseudonym, address, at)
            return contact

    def contact(self, channel: str, pseudonym: str) -> ChannelContact | None:
        """The citizen's address on ``channel``, if they ever wrote."""
        with Session(self._engine, expire_on_commit=False) as session:
            return session.get(ChannelContact, (channel, pseudonym))

    def remember_menu(self, channel: str, pseudonym: str, menu: list[str]) -> None:
        """Keeps the payloads of the numbered menu just shown (empty: none)."""
        with Session(self._engine) as session:
            contact = session.get(ChannelContact, (channel, pseudonym))
            if contact is not None:
                contact.menu = menu or None
                session.commit()

    def callback_data(self, payload: str, max_bytes: int) -> str:
        """``payload`` itself when it fits the channel's callback field, else a
        short key under which it is stored."""
        if len(payload.encode()) <= max_bytes:
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        with Session(self._engine) as session:
            if session.get(CallbackPayload, key) is None:
                session.add(CallbackPayload(key=key, payload=payload))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
        return key

    def payload_of(self, data: str) -> str:
        """The payload behind callback ``data`` (itself unless it is a stored key)."""
        if not data.startswith("#"):
            return data
        with Session(self._engine) as session:
            stored = session.scalar(
                select(CallbackPayload.payload).where(CallbackPayload.key == data)
            )
        return stored or data
