"""The durable outbox: a reply the platform did not take at once is sent again,
by any gateway worker, until it is delivered or given up.

A reply is first sent at once, with a few quick in-process retries
(:func:`api.channels.delivery.with_retries`). When the platform still refuses it for
a reason that passes (network, 5xx, a rate limit: Telegram's ``RetryAfter``, Zalo's
429 or its "too many requests" error code), the pieces not yet delivered are stored
in the table (:mod:`api.channels.outbox_table`), sealed, and every worker's :class:`OutboxWorker` takes them when due: after an
exponential back-off with jitter (:func:`~api.channels.delivery.backoff_delay`), and
never before the wait the platform asked for. A row older than ``max_age`` or tried
``max_attempts`` times is given up and its outcome recorded (a turn's reply is marked
"undelivered" in the query log, as a failure at once always was); a permanent refusal
(the citizen blocked the bot, a bad request) is recorded at once.

Why a table, as the inbox: the reply must outlive the process and Redis (which keeps
nothing on disk here), and work on the embedded SQLite as on PostgreSQL; a queue
library would be Redis-only (RQ, arq, Celery with a Redis broker) or PostgreSQL-only
(procrastinate, pgqueuer), and retries are rare (a platform outage), so polling one
indexed column costs next to nothing. Claiming is the inbox's
(:func:`api.channels.claims.claim_row`, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL):
one worker at a time holds a row, until ``due_at`` (pushed ``lease`` ahead by the
claim) passes.

A webhook turn's reply takes the table's road from the start
(:meth:`OutboxWorker.send_held`): the inbox event it answers is deleted and the reply
stored in one transaction, held by this worker for the lease, then sent at once; a
worker that dies while sending leaves the rest to another, and the citizen's message
is not handled twice (:mod:`api.channels.inbox`).

Delivery is at least once, and once in practice: each piece's delivery is recorded
(``sent``) right after the platform accepted it. Neither platform takes an
idempotency key, so one window remains: a worker that dies after the platform
accepted a piece and before that record is committed leaves the piece to be sent
again by the worker that takes the row over (a duplicate of that one piece).

The production profile narrows that window to one small process: the gateway's
workers send no message with a kind themselves (``relayed``: every Telegram and Zalo
message). :meth:`OutboxWorker.send_held` stores a webhook turn's reply due at once, in
the transaction that deletes its inbox event (:meth:`OutboxWorker.hand_over` any other
message), and the relay (``python -m api relay``, :mod:`api.relay`) sends it, woken by
the notification PostgreSQL sends at that commit. A gateway worker, which does a turn's
heavy work and is the likeliest process to die, then never has a piece in flight;
the relay does nothing but send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from api.channels.delivery import (
    PartlySent,
    SendFailed,
    backoff_delay,
    send_pieces,
    with_retries,
)
from api.channels.inbox import HELD, Held
from api.channels.outbox_table import Outbox, Parcel
from api.core.db import utcnow

logger = logging.getLogger(__name__)

# The kind of a webhook turn's reply: its outcome is recorded on the query log's
# turn (ref).
TURN = "turn"
# Sent at once per process; more wait in the table.
CONCURRENCY = 16
# Sends one piece to ``address``; raises SendFailed.
PieceSender = Callable[[str, dict[str, Any]], Awaitable[None]]
# Returns the ids of messages handed over meanwhile, as soon as there are some, or
# nothing after the given seconds.
Wake = Callable[[float], Awaitable[Collection[int]]]
# Records how a message ended: (ref, channel, address, "sent" or "failed:<reason>");
# the address tells apart the recipients of one ref (a notice's).
Settle = Callable[[int | None, str, str, str], Awaitable[None]]


class OutboxWorker:
    """Queues what could not be sent at once, and sends what is due every
    ``poll_seconds``."""

    def __init__(
        self,
        outbox: Outbox,
        poll_seconds: float,
        backoff_seconds: float,
        backoff_cap_seconds: float,
        max_attempts: int,
        max_age_seconds: float,
        *,
        relayed: bool = False,
        wake: Wake | None = None,
    ) -> None:
        """Senders and outcome recorders are registered after (:meth:`sender`,
        :meth:`on_settled`): the channels are built with the worker. ``relayed``:
        a webhook turn's reply is handed over to the relay, not sent here
        (:meth:`send_held`). ``wake(seconds)`` returns the ids of messages handed
        over as soon as it hears of some, or nothing after ``seconds`` (a sleep by
        default; the relay's listens to PostgreSQL)."""
        self._outbox = outbox
        self._poll = poll_seconds
        self._backoff = backoff_seconds
        self._cap = backoff_cap_seconds
        self._max_attempts = max_attempts
        self._max_age = timedelta(seconds=max_age_seconds)
        self._senders: dict[str, PieceSender] = {}
        self._settle: dict[str, Settle] = {}
        self._relayed = relayed
        self._wake = wake or _sleep
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def outbox(self) -> Outbox:
        """The table (for tests and the health of the queue)."""
        return self._outbox

    def sender(self, channel: str, send: PieceSender) -> None:
        """How pieces of ``channel`` are sent (one try; the worker retries)."""
        self._senders[channel] = send

    def on_settled(self, kind: str, settle: Settle) -> None:
        """Where the outcome of a message of ``kind`` is recorded."""
        self._settle[kind] = settle

    def due_after(self, attempts: int, failure: SendFailed) -> datetime:
        """When a message refused ``attempts`` times is tried again: the back-off
        with jitter, and never before the platform's own "retry after"."""
        delay = backoff_delay(attempts, self._backoff, self._cap)
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        return utcnow() + timedelta(seconds=delay)

    async def queue(
        self,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        pieces: list[dict[str, Any]],
        failure: SendFailed,
    ) -> None:
        """Stores ``pieces`` (the first was just refused with ``failure``) for a
        later try."""
        await asyncio.to_thread(
            self._outbox.put,
            channel,
            kind,
            ref,
            address,
            pieces,
            self.due_after(1, failure),
            failure.reason,
        )
        logger.info("%s reply queued for another try: %s", channel, failure.reason)

    @property
    def relayed(self) -> bool:
        """Whether the relay sends this process's messages."""
        return self._relayed

    async def hand_over(
        self,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        pieces: list[dict[str, Any]],
    ) -> None:
        """Stores ``pieces`` due at once, for the relay to send."""
        await asyncio.to_thread(
            self._outbox.put, channel, kind, ref, address, pieces, utcnow(), None, True
        )

    async def send_held(
        self,
        held: Held,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        pieces: list[dict[str, Any]],
        *,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        attempts: int,
        backoff_seconds: float,
    ) -> str:
        """Hands the inbox event ``held`` over for its reply ``pieces``
        (:meth:`Outbox.take_over`), then sends them at once with quick retries,
        recording each piece delivered; ``relayed``: only hands it over. Returns
        "sent", "queued" (handed to the relay; a passing refusal: the outbox tries
        again; or the event is another worker's now) or "failed:<reason>" (the
        caller records it, as for :func:`send_or_queue`)."""
        claimed = held.claimed
        message_id = await asyncio.to_thread(
            self._outbox.take_over,
            claimed.id,
            claimed.attempts,
            channel,
            kind,
            ref,
            address,
            pieces,
            self._relayed,
        )
        held.handed_over = True
        if message_id is None:
            logger.warning("%s event taken over by another worker", channel)
            return "queued"
        if self._relayed:  # the relay sends it and records a failure
            return "queued"
        for index, piece in enumerate(pieces):
            try:
                await with_retries(partial(send, piece), attempts, backoff_seconds)
            except SendFailed as failure:
                if failure.transient:
                    due = self.due_after(1, failure)
                    await asyncio.to_thread(
                        self._outbox.retry_at, message_id, due, failure.reason
                    )
                    logger.info(
                        "%s reply queued for another try: %s", channel, failure.reason
                    )
                    return "queued"
                await asyncio.to_thread(self._outbox.done, message_id)
                logger.warning("%s message undelivered: %s", channel, failure.reason)
                return f"failed:{failure.reason}"
            if index < len(pieces) - 1:  # the last one is recorded by forgetting it
                await asyncio.to_thread(self._outbox.advance, message_id)
        await asyncio.to_thread(self._outbox.done, message_id)
        return "sent"

    async def run(self) -> None:
        """Until cancelled: sends each message handed over as soon as ``wake``
        tells of it, and every ``poll_seconds`` what else is due (a retry, a
        message a dead sender held, one handed over while nobody listened)."""
        loop = asyncio.get_running_loop()
        next_look = loop.time()
        while True:
            if loop.time() >= next_look:
                await self._send_due()
                next_look = loop.time() + self._poll
            for message_id in await self._wake(max(0.0, next_look - loop.time())):
                await self._slots.acquire()
                self._start(self._send_handed(message_id))

    async def _send_due(self) -> None:
        try:
            await asyncio.to_thread(self._outbox.release_orphans)
        except Exception:  # the database is away: the next look tries again
            logger.exception("outbox: giving back a dead sender's messages failed")
        while True:
            await self._slots.acquire()
            try:
                parcel = (
                    await asyncio.to_thread(self._outbox.claim, list(self._senders))
                    if self._senders  # no messaging channel: nothing to send
                    else None
                )
            except Exception:  # the database is away: try again later
                logger.exception("outbox: claiming failed")
                parcel = None
            if parcel is None:
                self._slots.release()
                return
            self._start(self._deliver_held(parcel))

    async def _send_handed(self, message_id: int) -> None:
        """Claims and sends ``message_id`` (a slot is held), unless another sender
        has it already."""
        try:
            parcel = await asyncio.to_thread(
                self._outbox.claim_id, message_id, list(self._senders)
            )
        except Exception:  # the database is away: the next look takes it
            logger.exception("outbox: claiming message %s failed", message_id)
            parcel = None
        if parcel is None:
            self._slots.release()
            return
        await self._deliver_held(parcel)

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Waits briefly for sends under way; the rest are taken up later."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)

    async def _deliver_held(self, parcel: Parcel) -> None:
        try:
            await self._deliver(parcel)
        except asyncio.CancelledError:
            raise  # shutting down: the claim lapses and another worker takes it
        except Exception:
            logger.exception("outbox: message %s not handled; retried later", parcel.id)
        finally:
            self._slots.release()

    async def _deliver(self, parcel: Parcel) -> None:
        send = self._senders[parcel.channel]  # claimed for its channel
        if not parcel.pieces:
            await self._give_up(parcel, "unreadable")
            return
        if utcnow() - parcel.created_at > self._max_age:
            await self._give_up(parcel, "expired")
            return
        for piece in parcel.pieces[parcel.sent :]:
            try:
                await send(parcel.address, piece)
            except SendFailed as exc:
                if not exc.transient or parcel.attempts >= self._max_attempts:
                    await self._give_up(parcel, exc.reason)
                    return
                due = self.due_after(parcel.attempts + 1, exc)
                if due - parcel.created_at > self._max_age:
                    await self._give_up(parcel, exc.reason)
                    return
                await asyncio.to_thread(
                    self._outbox.retry_at, parcel.id, due, exc.reason
                )
                return
            await asyncio.to_thread(self._outbox.advance, parcel.id)
        await self._settled(parcel, "sent")
        await asyncio.to_thread(self._outbox.done, parcel.id)

    async def _give_up(self, parcel: Parcel, reason: str) -> None:
        logger.warning(
            "%s reply given up after %d tries: %s",
            parcel.channel,
            parcel.attempts,
            reason,
        )
        await self._settled(parcel, f"failed:{reason}")
        await asyncio.to_thread(self._outbox.done, parcel.id)

    async def _settled(self, parcel: Parcel, outcome: str) -> None:
        settle = self._settle.get(parcel.kind)
        if settle is not None:
            await settle(parcel.ref, parcel.channel, parcel.address, outcome)


async def _sleep(seconds: float) -> Collection[int]:
    await asyncio.sleep(seconds)
    return ()


async def send_or_queue(
    send_piece: Callable[[dict[str, Any]], Awaitable[None]],
    pieces: list[dict[str, Any]],
    *,
    channel: str,
    address: str,
    attempts: int,
    backoff_seconds: float,
    outbox: OutboxWorker | None,
    kind: str | None,
    ref: int | None,
) -> str:
    """Sends ``pieces`` at once (with quick retries); what a passing refusal left
    unsent goes to ``outbox`` when the message has a ``kind``. Returns "sent",
    "queued" or "failed:<reason>". A turn's reply to a stored webhook event goes
    through the outbox from the start (:meth:`OutboxWorker.send_held`); with a
    relay, so does every message with a ``kind`` (the relay records its outcome)."""
    held = HELD.get()
    # Only the event's own reply; a later message of its handler goes as any other.
    if kind == TURN and outbox is not None and held and not held.handed_over:
        return await outbox.send_held(
            held,
            send_piece,
            pieces,
            channel=channel,
            kind=kind,
            ref=ref,
            address=address,
            attempts=attempts,
            backoff_seconds=backoff_seconds,
        )
    if kind is not None and outbox is not None and outbox.relayed:
        try:
            await outbox.hand_over(channel, kind, ref, address, pieces)
            return "queued"
        except SQLAlchemyError:  # the database is away: sent from here instead
            logger.exception("%s message not handed to the relay", channel)
    try:
        await send_pieces(send_piece, pieces, attempts, backoff_seconds)
    except PartlySent as exc:
        failure = exc.failure
        if failure.transient and kind is not None and outbox is not None:
            try:
                await outbox.queue(channel, kind, ref, address, exc.remaining, failure)
                return "queued"
            except SQLAlchemyError:
                logger.exception("%s reply could not be queued", channel)
        logger.warning("%s message undelivered: %s", channel, failure.reason)
        return f"failed:{failure.reason}"
    return "sent"
