"""Channel state shared by every gateway worker (nothing that matters lives in memory)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class ChannelEvent(Base):
    """An inbound event already accepted: a second delivery of it is dropped."""

    __tablename__ = "channel_event"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )


class ChannelContact(Base):
    """How to reach a citizen on a channel, and what they were last offered.

    ``address`` is the channel's own id (Telegram chat id, Zalo user id), needed to
    reply; it is never written to the query log, which only has the pseudonym.
    """

    __tablename__ = "channel_contact"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    last_inbound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Payloads of the numbered menu last shown on a text-only channel.
    menu: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class CallbackPayload(Base):
    """Button payloads too long for a channel's callback field, by short key."""

    __tablename__ = "channel_callback_payload"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)


class InboundEvent(Base):
    """A webhook event accepted (200) but not yet handled.

    Written in the same transaction as its ``ChannelEvent`` before the platform gets
    its 200, and deleted once handled, so an event survives the death of the process
    that accepted it: another worker, or the same after a restart, claims it when
    ``claimed_until`` has passed. ``sealed`` is the event encrypted with a key derived
    from the token key (the citizen's words are unmasked until the turn is handled).
    """

    __tablename__ = "channel_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The claiming process's key (api.core.liveness): its claim is given back as
    # soon as that process is gone.
    holder: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OutboundMessage(Base):
    """A reply the platform did not take at once (network, 5xx, rate limit): the
    outbox (api.channels.outbox) sends it again until it is delivered or given up.

    ``sealed`` holds the citizen's address and the pieces still to send, encrypted
    with a key derived from the token key (a team member's words are not masked).
    ``due_at`` is when a worker may take it: the next try, or the end of the claim
    of the worker sending it. ``sent`` counts the pieces already delivered, so a
    worker that takes over does not send them again.
    """

    __tablename__ = "channel_outbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    # What the outcome is recorded on: "turn" (ref: the query log's turn id), or a
    # kind the composition root registered (a team's reply, ...).
    kind: Mapped[str] = mapped_column(String(24))
    ref: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # As InboundEvent.holder: the process holding it until ``due_at``, if any.
    holder: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WebChatReply(Base):
    """A web chat message already taken, by the id the page gave it, and the reply it
    got: a page that sends it again (its connection dropped before the reply came)
    gets that reply, and the turn is handled and logged once."""

    __tablename__ = "web_chat_reply"

    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None while the turn is being handled.
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
