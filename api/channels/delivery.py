"""Sending to a messaging platform with retries, and recording what did not arrive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SendFailed(Exception):
    """The platform refused the message or stayed unreachable.

    ``reason`` is short and safe to log (no message text, no user id).
    """

    def __init__(self, reason: str, transient: bool) -> None:
        """``transient`` failures (network, 5xx, rate limit) are worth retrying."""
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


async def with_retries(
    send: Callable[[], Awaitable[T]], attempts: int, backoff_seconds: float
) -> T:
    """Calls ``send`` until it succeeds, retrying transient failures with an
    exponential back-off (``backoff_seconds``, then twice that, ...)."""
    delay = backoff_seconds
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except SendFailed as exc:
            if not exc.transient or attempt == attempts:
                raise
            logger.warning(
                "send failed (%s), attempt %d of %d", exc.reason, attempt, attempts
            )
        await asyncio.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover
