"""The durable inbox of webhook events: nothing acknowledged is lost.

A platform that got a 200 does not send the event again, so the event is written to
the database before the 200 (with its de-duplication record, in one transaction) and
deleted once handled. Each gateway worker runs an :class:`InboxWorker`: it handles
what its own webhook route just stored at once, and claims, about once a second,
events whose claim has lapsed, i.e. events a dead process had accepted or was
handling.

Why a table rather than a queue library: the events must be in the database the
assistant already requires (SQLite on one machine, PostgreSQL for a province), in the
same transaction as the de-duplication record; a queue in Redis would lose them with
Redis (which keeps nothing on disk here) and a PostgreSQL-only library would not run
on the embedded default. Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
workers never handle the same event at once (:func:`api.channels.claims.claim_row`,
shared with the outbox). The poll only looks for lapsed claims;
the normal path does not wait for it.

An event whose handling fails is retried after its claim lapses, at most
``MAX_ATTEMPTS`` times, then dropped with a log line (a poison event must not block
the others).

Once handled, the event's turn is logged and its reply is ready: the channel then
hands the event over to the outbox (:meth:`api.channels.outbox.OutboxWorker.send_held`),
which deletes the event and stores the reply in one transaction, and sends it,
recording each piece delivered. A process that dies after that leaves a reply, not
an event: another worker sends what is left of it, and the citizen's message is not
asked again. A process that dies before it leaves the event, handled again later;
its turn carries a key derived from the event (:class:`api.querylog.service.MessageKey`),
so it is logged once even then, and Rasa, told the message may come again, answers
it from the conversation if it already read it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.channels.claims import ClaimedTable, claim_row
from api.channels.models import ChannelEvent, InboundEvent
from api.core.db import utcnow
from api.querylog.service import MESSAGE_KEY, MessageKey, message_key

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# An event no request has claimed this long after it arrived is an orphan.
ORPHAN_AFTER_SECONDS = 2.0
# Handled at once per process; more wait in the table.
CONCURRENCY = 64

Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Claimed:
    """An event this process now handles."""

    id: int
    channel: str
    event: dict[str, Any]
    # Counts the claims: it tells this claim from a later one of the same event.
    attempts: int
    received_at: datetime

    @property
    def key(self) -> MessageKey:
        """The key of the message this event carries, the same at every claim (ids
        alone may be reused on SQLite once a row is deleted); from the second
        claim on, an earlier one may have reached Rasa."""
        return MessageKey(
            message_key("inbound", self.id, self.received_at.isoformat()),
            again=self.attempts > 1,
        )


@dataclass
class Held:
    """The event the current task is handling, until its reply is handed over."""

    claimed: Claimed
    handed_over: bool = False


# Set by InboxWorker while a handler runs; read where the reply is sent.
HELD: ContextVar[Held | None] = ContextVar("bdhvs_inbox_held", default=None)


class Inbox(ClaimedTable):
    """Synchronous; called through ``asyncio.to_thread``."""

    TABLE = InboundEvent
    UNTIL = "claimed_until"
    PURPOSE = b"bdhvs-channel-inbox"

    @property
    def _grace(self) -> timedelta:
        # A new event belongs to the request that stored it (it claims it by id
        # right after the 200); the poll takes it only if that never happens.
        return min(timedelta(seconds=ORPHAN_AFTER_SECONDS), self._lease)

    def put(self, channel: str, event_id: str, event: dict[str, Any]) -> int | None:
        """Stores a new event; None when ``event_id`` was already received (a
        platform's retry or a replay), so it is handled once across workers."""
        sealed = self._fernet.encrypt(json.dumps(event, ensure_ascii=False).encode())
        with Session(self._engine) as session:
            session.add(ChannelEvent(channel=channel, event_id=event_id[:80]))
            row = InboundEvent(channel=channel, sealed=sealed, attempts=0)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                return None
            return row.id

    def claim(self, event_id: int | None = None) -> Claimed | None:
        """Claims the event ``event_id`` if it is still unclaimed, or else (None) the
        oldest event nobody holds a live claim on."""
        now = utcnow()
        free = or_(
            InboundEvent.claimed_until.is_(None), InboundEvent.claimed_until < now
        )
        which = (
            InboundEvent.id == event_id
            if event_id is not None
            else InboundEvent.received_at < now - self._grace
        )
        row = claim_row(
            self._engine,
            InboundEvent,
            free,
            {
                "claimed_until": now + self._lease,
                "attempts": InboundEvent.attempts + 1,
                "holder": self._holder(),
            },
            (
                InboundEvent.id,
                InboundEvent.channel,
                InboundEvent.sealed,
                InboundEvent.attempts,
                InboundEvent.received_at,
            ),
            which,
        )
        if row is None:
            return None
        try:
            event = json.loads(self._fernet.decrypt(row.sealed))
        except InvalidToken:  # sealed under a token key since rotated
            logger.warning("inbound event %s unreadable (key rotated): dropped", row.id)
            self.done(row.id)
            return None
        return Claimed(row.id, row.channel, event, row.attempts, row.received_at)

    def done(self, event_id: int) -> None:
        """Forgets a handled (or abandoned) event."""
        with Session(self._engine) as session:
            session.execute(delete(InboundEvent).where(InboundEvent.id == event_id))
            session.commit()

    def waiting(self) -> int:
        """Events not yet handled (for tests)."""
        with Session(self._engine) as session:
            return int(
                session.scalar(select(func.count()).select_from(InboundEvent)) or 0
            )


class InboxWorker:
    """Handles this process's new events at once and lapsed claims every
    ``poll_seconds``."""

    def __init__(
        self,
        inbox: Inbox,
        handlers: dict[str, Handler],
        poll_seconds: float = 1.0,
    ) -> None:
        """``handlers`` by channel name."""
        self._inbox = inbox
        self._handlers = handlers
        self._poll = poll_seconds
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(
        self, channel: str, event_id: str, event: dict[str, Any]
    ) -> int | None:
        """Stores an event (before the webhook's 200); its inbox id, or None for a
        repeated event. The route then hands the id to :meth:`handle_new`, run
        after the response is sent."""
        return await asyncio.to_thread(self._inbox.put, channel, event_id, event)

    async def handle_new(self, stored: int) -> None:
        """Handles an event this process just stored, unless another took it."""
        await self._claim_and_handle(stored)

    def _start(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim_and_handle(self, event_id: int) -> None:
        async with self._slots:
            claimed = await asyncio.to_thread(self._inbox.claim, event_id)
            if claimed is not None:
                await self._handle(claimed)

    async def _handle_claimed(self, claimed: Claimed) -> None:
        try:
            await self._handle(claimed)
        finally:
            self._slots.release()

    async def _handle(self, claimed: Claimed) -> None:
        handler = self._handlers.get(claimed.channel)
        held = Held(claimed)
        held_token, key_token = HELD.set(held), MESSAGE_KEY.set(claimed.key)
        try:
            if handler is None:
                raise LookupError(f"no handler for channel {claimed.channel!r}")
            await handler(claimed.event)
            if held.handed_over:  # the outbox deleted the event with it
                return
        except asyncio.CancelledError:
            raise  # shutting down: the claim lapses and another process takes it
        except Exception:
            if held.handed_over:  # the reply is the outbox's: nothing to retry
                logger.exception(
                    "inbound %s event failed after its reply", claimed.channel
                )
                return
            if claimed.attempts < MAX_ATTEMPTS:
                logger.exception(
                    "inbound %s event failed; retried later", claimed.channel
                )
                return
            logger.exception(
                "inbound %s event failed %d times: dropped",
                claimed.channel,
                claimed.attempts,
            )
        finally:
            HELD.reset(held_token)
            MESSAGE_KEY.reset(key_token)
        await asyncio.to_thread(self._inbox.done, claimed.id)

    async def run(self) -> None:
        """Until cancelled: takes over lapsed claims and a dead process's events."""
        while True:
            try:
                await asyncio.to_thread(self._inbox.release_orphans)
            except Exception:  # the database is away: the next poll tries again
                logger.exception("inbox: giving back a dead process's events failed")
            while True:
                await self._slots.acquire()
                claimed = await asyncio.to_thread(self._inbox.claim, None)
                if claimed is None:
                    self._slots.release()
                    break
                self._start(self._handle_claimed(claimed))
            await asyncio.sleep(self._poll)

    async def close(self) -> None:
        """Waits briefly for events under way; the rest are left to a later claim."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
