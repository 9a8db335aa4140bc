"""Webhooks of the messaging platforms. Each event is stored in the durable inbox
(api.channels.inbox) before the 200, then handled in the background."""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from api.channels import zalo
from api.channels.inbox import InboxWorker
from api.channels.telegram import minimal_update
from api.routes.schemas.channels import Ack

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


async def _accept(
    request: Request,
    background: BackgroundTasks,
    channel: str,
    event_id: str,
    event: dict[str, Any],
) -> None:
    """Stores the event before the 200 and handles it after; 503 (the platform
    sends it again later) while the database cannot take it."""
    inbox: InboxWorker = request.app.state.inbox
    try:
        stored = await inbox.accept(channel, event_id, event)
    except SQLAlchemyError as exc:
        logger.warning("%s event not stored: %s", channel, type(exc).__name__)
        raise HTTPException(
            503, "the event could not be stored; send it again"
        ) from exc
    if stored is None:
        logger.info("%s event dropped: already received", channel)
    else:
        background.add_task(inbox.handle_new, stored)


@router.post("/channels/telegram/webhook", response_model=Ack, include_in_schema=False)
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
    await _accept(
        request, background, "telegram", str(update.update_id), minimal_update(body)
    )
    return {"ok": True}


@router.post("/channels/zalo/webhook", response_model=Ack, include_in_schema=False)
async def zalo_webhook(
    request: Request, background: BackgroundTasks
) -> dict[str, bool]:
    """Receives one Zalo OA event; 401 unless signed and fresh."""
    _channel(request, "zalo")  # 404 while Zalo is not enabled
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
    await _accept(request, background, zalo.CHANNEL, event.event_id, asdict(event))
    return {"ok": True}
