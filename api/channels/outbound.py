"""Messages the gateway sends on its own (a team's reply, a notice), on whichever
messaging channel the citizen uses."""

from __future__ import annotations

from typing import Any

from api.channels.telegram import push_text
from api.conversation.replies import OutMessage


async def push(
    state: Any,
    channel: str,
    pseudonym: str,
    text: str | OutMessage,
    durable: tuple[str, int] | None = None,
) -> str:
    """Sends ``text`` (a message with buttons, too) to a citizen through the app's
    channel bridges (``state`` is ``app.state``); returns "sent", "waiting" (web
    chat: the page picks it up) or "failed:<reason>"; with ``durable`` (kind, ref),
    a message the platform refuses for a while is left to the outbox ("queued"),
    which records its outcome under ``kind`` (api.channels.outbox)."""
    if channel == "web":
        return "waiting"
    if channel == "telegram" and state.telegram is not None:
        return await push_text(state.telegram, pseudonym, text, durable)
    if channel == "zalo" and state.zalo is not None:
        result: str = await state.zalo.push(pseudonym, text, durable)
        return result
    return "failed:channel_off"
