"""HTTP client for the Rasa server's gateway channel (bot/channels/gateway.py).

A province runs several Rasa instances on one SQL tracker store and one Redis lock
store, so any instance can serve any turn. The client sends each turn to the
instance with the fewest of this worker's turns still unanswered, in turn among
equals: an instance busy with a slow turn (a long session, a guided procedure)
gets the next turns only once the others are as busy, where strict rotation
queues a turn behind it while another instance idles. When one refuses the
connection or drops it before answering, the client sends the same turn to the next
one and leaves the failed one aside for a few seconds. A turn
that timed out is not re-sent: that instance may still be handling it, and the
citizen's message would be counted twice in the conversation.

Each message goes with an id (the message's key when it can come again,
:class:`api.querylog.service.MessageKey`, else a new one). A message sent to the
next instance, or one whose earlier handling may have reached Rasa, goes with
``"again": true``: an instance that died after reading it has left it in the
conversation, and Rasa then answers with the reply it gave it instead of reading
it twice (bot/channels/gateway.py).

Every turn goes through here, so the client is aiohttp's, not httpx's: on the same
loopback round trip httpx spends many times its CPU (``make bench``,
bench/http_client.json), and the gateway's workers share their cores with Rasa.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from api.querylog.service import MESSAGE_KEY

logger = logging.getLogger(__name__)

GATEWAY_WEBHOOK = "/webhooks/gateway/webhook"
# How long an instance that failed is left aside before it is tried again.
DOWN_SECONDS = 5.0
# Failures where the instance never handled the turn, so another may: the
# connection refused, or closed or reset before an answer came.
_NOT_HANDLED = (
    aiohttp.ClientConnectorError,
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientOSError,
)
# Kept shorter than Sanic's keep-alive (5 s), so that the client drops an idle
# connection before Rasa closes it under a request.
KEEPALIVE_SECONDS = 3.0


def rasa_session(max_connections: int = 200) -> aiohttp.ClientSession:
    """The pooled session the gateway reaches Rasa and the action server with
    (created in the running loop; closed with the gateway)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=max_connections, keepalive_timeout=KEEPALIVE_SECONDS
        ),
        # The sender and message go to Rasa as JSON; nothing else is needed from
        # the environment (no proxy settings, no cookies between citizens).
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused the connection or failed."""


@dataclass(frozen=True)
class RasaReply:
    """Rasa's messages for one user message, plus its parse result."""

    messages: list[dict[str, Any]]
    parse: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    # Milliseconds inside Rasa (bot/channels/gateway.py): "shape", "handle", "tracker".
    timing: dict[str, Any] = field(default_factory=dict)


def rasa_urls(setting: str) -> list[str]:
    """The instances of ``BDHVS_RASA_URL``: one URL, or several separated by commas."""
    urls = [url.strip().rstrip("/") for url in setting.split(",") if url.strip()]
    if not urls:
        raise ValueError("BDHVS_RASA_URL names no Rasa instance")
    return urls


class RasaClient:
    """Sends one message at a time to one of the Rasa instances, with a timeout."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str | Sequence[str],
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Uses ``http`` (shared, pooled) to reach Rasa at ``base_url`` (one URL, a
        comma-separated list, or a sequence of URLs)."""
        self._http = http
        self._urls = (
            rasa_urls(base_url) if isinstance(base_url, str) else list(base_url)
        )
        self._timeout = timeout
        self._clock = clock
        self._next = itertools.count()
        self._down_until: dict[str, float] = {}
        # Turns this worker has sent to each instance and not yet had answered.
        self._in_flight: dict[str, int] = {}

    @property
    def urls(self) -> list[str]:
        """Every configured instance."""
        return list(self._urls)

    def _order(self) -> list[str]:
        """Instances for this turn: those left aside last, then the least busy
        first, the next in turn first among equals (sorting is stable)."""
        start = next(self._next) % len(self._urls)
        ring = self._urls[start:] + self._urls[:start]
        now = self._clock()
        return sorted(
            ring,
            key=lambda url: (
                self._down_until.get(url, 0.0) > now,
                self._in_flight.get(url, 0),
            ),
        )

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """Posts ``text`` as ``sender``; raises RasaUnavailable when no instance
        answers."""
        given = MESSAGE_KEY.get()
        payload = {
            "sender": sender,
            "message": text,
            "metadata": metadata or {},
            "message_id": given.key if given else uuid.uuid4().hex,
            "again": bool(given and given.again),
        }
        failure: Exception | None = None
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        for url in self._order():
            if failure is not None:  # the instance that failed may have read it
                payload["again"] = True
            self._in_flight[url] = self._in_flight.get(url, 0) + 1
            try:
                async with self._http.post(
                    url + GATEWAY_WEBHOOK, json=payload, timeout=timeout
                ) as response:
                    status = response.status
                    body = await response.read()
            except _NOT_HANDLED as exc:
                logger.warning(
                    "Rasa instance %s unavailable: %s", url, type(exc).__name__
                )
                self._down_until[url] = self._clock() + DOWN_SECONDS
                failure = exc
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                logger.warning("Rasa unavailable: %s", type(exc).__name__)
                raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
            finally:
                self._in_flight[url] -= 1
            self._down_until.pop(url, None)
            return _reply(status, body)
        raise RasaUnavailable(str(failure))

    async def is_up(self, url: str | None = None) -> bool:
        """True when ``url`` answers 200 within 2 s; by default, when at least one
        Rasa instance does."""
        timeout = aiohttp.ClientTimeout(total=2.0)
        for candidate in [url] if url else [u + "/" for u in self._urls]:
            try:
                async with self._http.get(candidate, timeout=timeout) as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                continue
        return False

    async def instances_up(self) -> dict[str, bool]:
        """Each Rasa instance and whether it answers."""
        return {url: await self.is_up(url + "/") for url in self._urls}


def _reply(status: int, raw: bytes) -> RasaReply:
    if status >= 400:
        logger.warning("Rasa unavailable: HTTP %s", status)
        raise RasaUnavailable(f"HTTP {status}")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        logger.warning("Rasa unavailable: %s", type(exc).__name__)
        raise RasaUnavailable(str(exc)) from exc
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise RasaUnavailable("unexpected reply shape from Rasa")
    return RasaReply(
        messages=body["messages"],
        parse=body.get("parse") or {},
        error=body.get("error"),
        timing=body["timing"] if isinstance(body.get("timing"), dict) else {},
    )
