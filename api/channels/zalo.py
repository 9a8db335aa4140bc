"""Zalo Official Account: signed webhook events in, OA API v3 consultation messages out.

Zalo expects the webhook to answer within about 2 s and retries otherwise, so the
route only checks the signature, drops repeats by message id and schedules the work;
:class:`ZaloBridge` then asks the assistant and replies. Zalo's consultation messages
have no buttons here: options become a numbered list and a typed number picks one.
Event shapes differ a little between sources (see TECH_NOTES §4.1), so parsing is
tolerant: ids and timestamps are kept as strings, the user is ``sender.id`` or
``follower.id``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from api.channels.delivery import SendFailed
from api.channels.models import ChannelContact
from api.channels.outbox import TURN, OutboxWorker, send_or_queue
from api.channels.render import ZALO_TEXT_LIMIT, menu_choice, numbered_menu, split_text
from api.channels.store import ChannelStore
from api.conversation.replies import OutMessage, TurnResult
from api.conversation.service import ConversationService
from api.core.config import Settings
from api.core.db import utcnow

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
SEND_PATH = "/v3.0/oa/message/cs"
# What a new follower sends to the assistant (an intent, as button payloads do).
FOLLOW_PAYLOAD = "/greet"
# Zalo's API answers a rate limit with HTTP 200 and an error code, without a
# "retry after": -32 is "the app exceeded its request limit" in the OA API's list of
# error codes (an assumption to check against Zalo's current list; the outbox's
# back-off paces the retries). A 429, should one come, is transient too.
RATE_LIMIT_ERRORS = frozenset({-32})
SIGNATURE_HEADER = "x-zevent-signature"
TIMESTAMP_HEADER = "x-zevent-timestamp"
MEDIA_EVENTS = {
    f"user_send_{kind}"
    for kind in (
        "image",
        "file",
        "audio",
        "video",
        "sticker",
        "gif",
        "link",
        "location",
        "business_card",
    )
}


class InvalidEvent(ValueError):
    """The webhook request is not a signed, fresh Zalo event."""


@dataclass(frozen=True)
class ZaloEvent:
    """The parts of a webhook event the assistant uses."""

    name: str
    user_id: str
    text: str
    event_id: str


def _timestamp(raw_body: bytes, headers: Mapping[str, str]) -> str:
    stamp = headers.get(TIMESTAMP_HEADER)
    if stamp:
        return stamp.strip()
    try:
        body = json.loads(raw_body)
    except ValueError as exc:
        raise InvalidEvent("no timestamp") from exc
    value = body.get("timestamp") if isinstance(body, dict) else None
    if value is None:
        raise InvalidEvent("no timestamp")
    return str(value)


def verify(
    raw_body: bytes,
    headers: Mapping[str, str],
    app_id: str,
    oa_secret_key: str,
    now: float,
    max_skew_seconds: int,
) -> None:
    """Raises InvalidEvent unless ``X-ZEvent-Signature`` is
    ``mac=sha256(app_id + body + timestamp + OA secret key)`` and the timestamp (ms,
    header or body) is within ``max_skew_seconds`` of ``now`` (no replays)."""
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not signature:
        raise InvalidEvent("no signature")
    signature = signature.removeprefix("mac=").strip().lower()
    stamp = _timestamp(raw_body, headers)
    expected = hashlib.sha256(
        app_id.encode() + raw_body + stamp.encode() + oa_secret_key.encode()
    ).hexdigest()
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidEvent("bad signature")
    try:
        sent_at = int(stamp) / 1000
    except ValueError as exc:
        raise InvalidEvent("bad timestamp") from exc
    if abs(now - sent_at) > max_skew_seconds:
        raise InvalidEvent("stale timestamp")


def parse_event(body: Any) -> ZaloEvent | None:
    """The event, or None for events the assistant ignores (unfollow, OA echoes, ...).
    Raises InvalidEvent for a body that is not an event object."""
    if not isinstance(body, dict) or not isinstance(body.get("event_name"), str):
        raise InvalidEvent("not a Zalo event")
    name = body["event_name"]
    if name != "follow" and name != "user_send_text" and name not in MEDIA_EVENTS:
        return None
    user = body.get("sender") or body.get("follower") or {}
    if not isinstance(user, dict):
        raise InvalidEvent("sender is not an object")
    user_id = str(user.get("id") or body.get("user_id_by_app") or "")
    if not user_id:
        raise InvalidEvent("no user id")
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    assert isinstance(message, dict)
    stamp = str(body.get("timestamp", ""))
    event_id = str(message.get("msg_id") or f"{name}:{user_id}:{stamp}")
    return ZaloEvent(
        name=name,
        user_id=user_id,
        text=str(message.get("text") or ""),
        event_id=event_id,
    )


def _retry_after(header: str | None) -> float | None:
    """A Retry-After header in seconds (the HTTP-date form is not used by Zalo)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


class ZaloClient:
    """Sends consultation text messages through the OA API v3."""

    def __init__(
        self, http: httpx.AsyncClient, api_url: str, access_token: str
    ) -> None:
        """Uses the shared ``http`` client; ``access_token`` is the OA's."""
        self._http = http
        self._url = api_url.rstrip("/") + SEND_PATH
        self._token = access_token

    async def send_text(self, user_id: str, text: str) -> None:
        """Raises SendFailed (transient for network errors, 429 and 5xx)."""
        try:
            response = await self._http.post(
                self._url,
                headers={"access_token": self._token},
                json={"recipient": {"user_id": user_id}, "message": {"text": text}},
                timeout=10.0,
            )
        except httpx.HTTPError as exc:
            raise SendFailed(type(exc).__name__, transient=True) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise SendFailed(
                f"http_{response.status_code}",
                transient=True,
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise SendFailed(f"http_{response.status_code}", transient=False) from exc
        error = body.get("error") if isinstance(body, dict) else None
        if error in RATE_LIMIT_ERRORS:
            raise SendFailed(f"zalo_error_{error}", transient=True)
        if response.status_code != 200 or error != 0:
            raise SendFailed(f"zalo_error_{error}", transient=False)


@dataclass
class ZaloBridge:
    """Handles one verified event: asks the assistant and replies in the window."""

    conversation: ConversationService
    store: ChannelStore
    client: ZaloClient
    settings: Settings
    # Replies refused for a while are queued there (None: they fail at once).
    outbox: OutboxWorker | None = None

    async def handle(self, event: ZaloEvent) -> None:
        """Answers a text, welcomes a new follower, asks for text instead of media."""
        pseudonym = self.conversation.pseudonym(CHANNEL, event.user_id)
        contact = await asyncio.to_thread(
            self.store.touch_contact, CHANNEL, pseudonym, event.user_id
        )
        result: TurnResult | None
        if event.name == "follow":
            result = await self.conversation.handle(
                CHANNEL, event.user_id, FOLLOW_PAYLOAD
            )
        elif event.name == "user_send_text":
            text = menu_choice(event.text, contact.menu) or event.text
            result = await self.conversation.reply(CHANNEL, event.user_id, text)
        else:
            kind = event.name.removeprefix("user_send_")
            result = await self.conversation.unsupported(CHANNEL, event.user_id, kind)
        if result is not None:
            await self.deliver(pseudonym, result, contact)

    async def deliver(
        self,
        pseudonym: str,
        result: TurnResult,
        contact: ChannelContact | None = None,
    ) -> bool:
        """Sends ``result`` to the citizen if Zalo's consultation window is open;
        otherwise, or when sending fails, the turn is marked undelivered.
        ``contact`` is read from the database unless the caller has it fresh."""
        if contact is None:
            contact = await asyncio.to_thread(self.store.contact, CHANNEL, pseudonym)
        if contact is None:
            await self.conversation.mark_undelivered(result.turn_id, "zalo:no_contact")
            return False
        if not self._window_open(contact):
            logger.info("zalo reply not sent: outside the consultation window")
            await self.conversation.mark_undelivered(
                result.turn_id, "zalo:outside_window"
            )
            return False
        pieces = [p for m in result.messages for p in _pieces(m)]
        menu = next(
            (
                [b.payload for b in m.buttons]
                for m in reversed(result.messages)
                if m.buttons
            ),
            [],
        )
        outcome = await self._send_or_queue(
            contact, pieces, TURN, result.turn_id or None
        )
        if outcome.startswith("failed:"):
            await self.conversation.mark_undelivered(
                result.turn_id, f"zalo:{outcome.removeprefix('failed:')}"
            )
            return False
        # Queued or sent, this menu is the one the citizen will see.
        await asyncio.to_thread(self.store.remember_menu, CHANNEL, pseudonym, menu)
        return True

    async def push(
        self,
        pseudonym: str,
        text: str | OutMessage,
        durable: tuple[str, int] | None = None,
    ) -> str:
        """Sends a message the citizen did not ask for just now (a team's reply, a
        one-tap question), only inside Zalo's consultation window; returns "sent",
        "queued" (``durable``: (kind, ref) the outbox records the outcome on) or
        "failed:<reason>". A question's options become the numbered menu."""
        contact = await asyncio.to_thread(self.store.contact, CHANNEL, pseudonym)
        if contact is None:
            return "failed:no_contact"
        if not self._window_open(contact):
            return "failed:outside_window"
        message = text if isinstance(text, OutMessage) else OutMessage(text)
        kind, ref = durable or (None, None)
        outcome = await self._send_or_queue(contact, _pieces(message), kind, ref)
        if message.buttons and not outcome.startswith("failed:"):
            # A typed "1" or "2" then answers this question.
            await asyncio.to_thread(
                self.store.remember_menu,
                CHANNEL,
                pseudonym,
                [b.payload for b in message.buttons],
            )
        return outcome

    async def _send_or_queue(
        self,
        contact: ChannelContact,
        pieces: list[dict[str, Any]],
        kind: str | None,
        ref: int | None,
    ) -> str:
        return await send_or_queue(
            lambda piece: self.client.send_text(contact.address, piece["text"]),
            pieces,
            channel=CHANNEL,
            address=contact.address,
            attempts=self.settings.send_attempts,
            backoff_seconds=self.settings.send_backoff_seconds,
            outbox=self.outbox,
            kind=kind,
            ref=ref,
        )

    def _window_open(self, contact: ChannelContact) -> bool:
        window = timedelta(hours=self.settings.zalo_window_hours)
        return utcnow() - contact.last_inbound_at <= window


def _pieces(message: OutMessage) -> list[dict[str, Any]]:
    """``message`` as the texts Zalo takes (options numbered, its limit), in a form
    the outbox can store."""
    return [
        {"text": piece} for piece in split_text(numbered_menu(message), ZALO_TEXT_LIMIT)
    ]


def zalo_sender(client: ZaloClient) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Sends one piece the outbox kept (to a Zalo user id)."""

    async def send(address: str, piece: dict[str, Any]) -> None:
        await client.send_text(address, piece["text"])

    return send


def zalo_handler(bridge: ZaloBridge) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """Handles an event taken from the inbox."""

    async def handle(event: dict[str, Any]) -> None:
        await bridge.handle(ZaloEvent(**event))

    return handle
