"""Sending a notice: the paced loop over its deliveries, off the event loop's thread
for every database step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

from api.notices.service import (
    claim_delivery,
    finish_notice,
    pending_deliveries,
    record_delivery,
)

# send(channel, pseudonym, text) -> "sent" or "failed:<reason>".
Sender = Callable[[str, str, str], Awaitable[str]]

# Telegram allows about 30 messages a second to different chats; stay under it.
SEND_INTERVAL_SECONDS = 0.05


async def send_notice(engine: Engine, notice_id: int, send: Sender) -> None:
    """Sends the queued deliveries of a notice through ``send(channel, pseudonym,
    text)`` (which returns "sent" or "failed:<reason>"), skipping citizens who opted
    out meanwhile, and records every outcome.

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
