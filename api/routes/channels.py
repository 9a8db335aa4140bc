"""Webhooks of the messaging platforms. Both answer at once and work in the background."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from telegram import Update

from api.channels import zalo

logger = logging.getLogger(__name__)

router = APIRouter(tags=["channels"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # malformed, not UTF-8, too deep
        raise HTTPException(400, "body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    return body


def _channel(request: Request, name: str) -> Any:
    """The channel's handler from the app state; 404 while it is not configured."""
    handler = getattr(request.app.state, name, None)
    if handler is None:
        raise HTTPException(404, f"the {name} channel is not enabled")
    return handler


@router.post("/channels/telegram/webhook", include_in_schema=False)
async def telegram_webhook(
    request: Request, background: BackgroundTasks
) -> dict[str, bool]:
    """Receives one Telegram update (``setWebhook`` with a ``secret_token``)."""
    application = _channel(request, "telegram")
    settings = request.app.state.settings
    if settings.telegram_mode != "webhook":
        raise HTTPException(404, "Telegram is in polling mode")
    expected = settings.telegram_webhook_secret.get_secret_value().encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        raise HTTPException(403, "wrong secret token")
    body = _json_object(await request.body())
    try:
        update = Update.de_json(body, application.bot)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # PTB reads a field of the wrong type as whatever error its access raises.
        raise HTTPException(400, "not a Telegram update") from exc
    background.add_task(application.process_update, update)
    return {"ok": True}


@router.post("/channels/zalo/webhook", include_in_schema=False)
async def zalo_webhook(
    request: Request, background: BackgroundTasks
) -> dict[str, bool]:
    """Receives one Zalo OA event; 401 unless signed and fresh."""
    bridge = _channel(request, "zalo")
    settings = request.app.state.settings
    raw = await request.body()
    try:
        zalo.verify(
            raw,
            request.headers,
            settings.zalo_app_id,
            settings.zalo_oa_secret_key.get_secret_value(),
            time.time(),
            settings.zalo_max_skew_seconds,
        )
    except zalo.InvalidEvent as exc:
        logger.warning("zalo webhook refused: %s", exc)
        raise HTTPException(401, str(exc)) from exc
    try:
        event = zalo.parse_event(_json_object(raw))
    except zalo.InvalidEvent as exc:
        raise HTTPException(400, str(exc)) from exc
    if event is None:
        return {"ok": True}
    store = request.app.state.channel_store
    if await asyncio.to_thread(store.first_delivery, zalo.CHANNEL, event.event_id):
        background.add_task(bridge.handle, event)
    else:
        logger.info("zalo event dropped: already received")
    return {"ok": True}
