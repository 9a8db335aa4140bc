"""HTTP client for the Rasa server's gateway channel (bot/channels/gateway.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

GATEWAY_WEBHOOK = "/webhooks/gateway/webhook"


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused the connection or failed."""


@dataclass(frozen=True)
class RasaReply:
    """Rasa's messages for one user message, plus its parse result."""

    messages: list[dict[str, Any]]
    parse: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class RasaClient:
    """Sends one message at a time to Rasa, with a timeout."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, timeout: float) -> None:
        """Uses ``http`` (shared, pooled) to reach Rasa at ``base_url``."""
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """Posts ``text`` as ``sender``; raises RasaUnavailable on any failure."""
        try:
            response = await self._http.post(
                self._base_url + GATEWAY_WEBHOOK,
                json={"sender": sender, "message": text, "metadata": metadata or {}},
                timeout=self._timeout,
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("Rasa unavailable: %s", type(exc).__name__)
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise RasaUnavailable("unexpected reply shape from Rasa")
        return RasaReply(
            messages=body["messages"],
            parse=body.get("parse") or {},
            error=body.get("error"),
        )

    async def is_up(self, url: str | None = None) -> bool:
        """True when ``url`` (default: Rasa's root) answers 200 within 2 s."""
        try:
            response = await self._http.get(url or self._base_url + "/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
