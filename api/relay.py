"""The outbox: where each kind of message's outcome is recorded, and the relay
process that sends what the gateway's workers hand over.

``python -m api relay`` runs :func:`relay`: it sends every Telegram and Zalo message
the outbox holds (handed over by a gateway worker: a turn's reply, a team's reply, the
satisfaction question, a notice; or refused by a platform for a while) and records
how each ended. It is woken by
PostgreSQL's notification of each hand-over (``LISTEN``), and looks at the table
every ``BDHVS_OUTBOX_POLL_SECONDS`` as well, so a notification missed while it was
away delays nothing for longer than that. Several relays (one per machine) share
the table: each message is claimed by one (``FOR UPDATE SKIP LOCKED``).

Why a process of its own: a piece the platform accepted but whose delivery was not
yet recorded is sent again by whoever takes the message over, and neither platform
takes an idempotency key. The gateway's workers parse, mask, call Rasa and log;
under load their event loop and threads are busy with other turns between a
platform's answer and the record, and a worker killed then left pieces to be sent
twice (bench/chaos.json). The relay only sends and records, so that window is as
short as it gets, and a gateway worker's death leaves no piece in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import httpx
import psycopg
from sqlalchemy import Engine

from api.channels.outbox import TURN, OutboxWorker, Wake
from api.channels.outbox_table import RELAY_CHANNEL, Outbox
from api.channels.telegram import CHANNEL as TELEGRAM
from api.channels.telegram import telegram_bot, telegram_sender
from api.channels.zalo import CHANNEL as ZALO
from api.channels.zalo import ZaloClient, zalo_sender
from api.conversation.dialogue import Sessions
from api.core.config import Settings, get_settings
from api.core.db import libpq_url, make_engine
from api.core.liveness import Liveness
from api.handoff import tickets
from api.notices.sending import NOTICE
from api.notices.sending import settle as settle_notice
from api.querylog.service import mark_undelivered

logger = logging.getLogger(__name__)


def outbox_worker(
    settings: Settings,
    engine: Engine,
    *,
    relayed: bool = False,
    wake: Wake | None = None,
    liveness: Liveness | None = None,
) -> OutboxWorker:
    """The durable outbox with where each kind's outcome is recorded (the channels'
    senders are added once they are built); ``relayed`` and ``wake`` as
    :class:`OutboxWorker` takes them, ``liveness`` as :class:`Outbox` does."""
    worker = OutboxWorker(
        Outbox(
            engine,
            settings.token_secret(),
            settings.outbox_lease_seconds,
            liveness,
        ),
        poll_seconds=settings.outbox_poll_seconds,
        backoff_seconds=settings.outbox_backoff_seconds,
        backoff_cap_seconds=settings.outbox_backoff_max_seconds,
        max_attempts=settings.outbox_max_attempts,
        max_age_seconds=settings.outbox_max_age_seconds,
        relayed=relayed,
        wake=wake,
    )
    sessions = Sessions(engine)

    async def turn(ref: int | None, channel: str, _address: str, outcome: str) -> None:
        # Delivered late is delivered: only a reply given up is recorded.
        if ref and outcome.startswith("failed:"):
            reason = outcome.removeprefix("failed:")
            await sessions.run(mark_undelivered, ref, f"{channel}:{reason}")

    async def team_reply(
        ref: int | None, channel: str, _address: str, outcome: str
    ) -> None:
        if ref is not None:
            await sessions.run(tickets.set_delivery, ref, outcome)

    async def survey(
        ref: int | None, channel: str, _address: str, outcome: str
    ) -> None:
        if ref is not None:
            await sessions.run(tickets.set_satisfaction_delivery, ref, outcome)

    async def notice(ref: int | None, channel: str, address: str, outcome: str) -> None:
        if ref is not None:
            await settle_notice(engine, ref, channel, address, outcome)

    worker.on_settled(TURN, turn)
    worker.on_settled(tickets.HANDOFF_REPLY, team_reply)
    worker.on_settled(tickets.HANDOFF_SURVEY, survey)
    worker.on_settled(NOTICE, notice)
    return worker


class Notifications:
    """PostgreSQL's notifications of hand-overs, heard on a connection of the
    relay's own (autocommit: ``LISTEN`` holds no transaction open)."""

    def __init__(self, database_url: str) -> None:
        """``database_url``: the application's (SQLAlchemy's form)."""
        self._conninfo = libpq_url(database_url)
        self._connection: psycopg.AsyncConnection[object] | None = None

    async def wait(self, seconds: float) -> list[int]:
        """The ids of the messages handed over, as soon as one is heard of (with
        any that came with it), or none after ``seconds``; none at once after
        (re)connecting (what was handed over meanwhile is found by the worker's
        next look at the table). A lost connection is retried on the next call."""
        try:
            if self._connection is None or self._connection.closed:
                self._connection = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                )
                await self._connection.execute(f"LISTEN {RELAY_CHANNEL}")
                return []
            return [
                int(notify.payload)
                async for notify in self._connection.notifies(
                    timeout=seconds, stop_after=1
                )
                if notify.payload.isdigit()
            ]
        except psycopg.Error as exc:
            logger.warning("relay: not listening to PostgreSQL (%s)", exc)
            await self.close()
            await asyncio.sleep(seconds)
            return []

    async def close(self) -> None:
        """Closes the connection (if open)."""
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                await self._connection.close()
            self._connection = None


async def relay(settings: Settings, stop: asyncio.Event) -> None:
    """Sends what the outbox holds until ``stop`` is set, then waits briefly for
    the sends under way (the rest are taken up by the next relay to start)."""
    engine = make_engine(settings.database_url)
    liveness = Liveness(engine)
    await asyncio.to_thread(liveness.check)
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
    notifications = (
        Notifications(settings.database_url)
        if engine.dialect.name == "postgresql"
        else None
    )
    worker = outbox_worker(
        settings,
        engine,
        wake=notifications.wait if notifications else None,
        liveness=liveness,
    )
    bot = telegram_bot(settings) if settings.telegram_enabled else None
    if bot is not None:
        worker.sender(TELEGRAM, telegram_sender(bot))
    if settings.zalo_enabled:
        token = settings.zalo_access_token
        client = ZaloClient(
            http, settings.zalo_api_url, token.get_secret_value() if token else ""
        )
        worker.sender(ZALO, zalo_sender(client))
    sending = asyncio.create_task(worker.run())
    logger.info("relay: sending the outbox's messages")
    try:
        await stop.wait()
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await worker.close()
        if notifications is not None:
            await notifications.close()
        if bot is not None:
            await bot.shutdown()
        await http.aclose()
        await asyncio.to_thread(liveness.close)
        engine.dispose()


def main() -> int:
    """``python -m api relay``: runs until SIGTERM or SIGINT."""
    settings = get_settings()

    async def until_stopped() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await relay(settings, stop)

    asyncio.run(until_stopped())
    return 0
