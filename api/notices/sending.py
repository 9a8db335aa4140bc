"""Sending a notice: the paced loop over its deliveries, off the event loop's thread
for every database step. A delivery the platform refuses for a while (network, 5xx,
a rate limit) is left to the durable outbox (api.channels.outbox), which sends it
again after the platform's wait and records the outcome here (:func:`settle`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine

from api.channels.outbound import push
from api.notices.service import (
    claim_delivery,
    finish_notice,
    pending_deliveries,
    record_delivery,
    record_outbox_outcome,
)

# send(channel, pseudonym, text) -> "sent", "queued" (the outbox has it) or
# "failed:<reason>".
Sender = Callable[[str, str, str], Awaitable[str]]

# The outbox kind of a notice's deliveries; ref: the notice's id.
NOTICE = "notice"

# Telegram allows about 30 messages a second to different chats; stay under it.
SEND_INTERVAL_SECONDS = 0.05


def notice_sender(state: Any, notice_id: int) -> Sender:
    """Sends a delivery of notice ``notice_id`` through the app's channels
    (``state`` is ``app.state``), durably: what the platform refuses for a while
    goes to the outbox under :data:`NOTICE`."""

    async def send(channel: str, pseudonym: str, text: str) -> str:
        return await push(state, channel, pseudonym, text, (NOTICE, notice_id))

    return send


async def settle(
    engine: Engine, notice_id: int, channel: str, address: str, outcome: str
) -> None:
    """Records how the outbox ended a delivery of ``notice_id`` (to ``address`` on
    ``channel``) and finishes the notice if it was the last."""
    await asyncio.to_thread(
        record_outbox_outcome, engine, notice_id, channel, address, outcome
    )
    await asyncio.to_thread(finish_notice, engine, notice_id)


async def send_notice(engine: Engine, notice_id: int, send: Sender) -> None:
    """Sends the queued deliveries of a notice through ``send(channel, pseudonym,
    text)`` (which returns "sent", "queued" when the outbox took it, or
    "failed:<reason>"), skipping citizens who opted out meanwhile, and records every
    outcome.

    Each delivery is claimed before it is sent (queued -> sending, one UPDATE), so
    several workers may run this for the same notice, as they do when they resume
    unfinished notices at start-up, without sending anything twice."""
    text, rows = await asyncio.to_thread(pending_deliveries, engine, notice_id)
    for channel, user, status in rows:
        if await asyncio.to_thread(
            claim_delivery, engine, notice_id, channel, user, status
        ):
            outcome = await send(channel, user, text)
            await asyncio.to_thread(
                record_delivery, engine, notice_id, channel, user, outcome
            )
            await asyncio.sleep(SEND_INTERVAL_SECONDS)
    await asyncio.to_thread(finish_notice, engine, notice_id)
