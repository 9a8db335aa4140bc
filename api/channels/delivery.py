"""Sending to a messaging platform with retries, and recording what did not arrive."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
# One message as a platform takes it (a text within its limit, a keyboard), in a
# form the outbox can store as JSON.
Piece = dict[str, Any]

# In-process retries wait at most this long at a time (a platform's "retry after"
# included): a longer wait is the outbox's (api.channels.outbox), which frees the
# worker meanwhile and survives a restart.
INLINE_WAIT_MAX_SECONDS = 5.0


class SendFailed(Exception):
    """The platform refused the message or stayed unreachable.

    ``reason`` is short and safe to log (no message text, no user id).
    """

    def __init__(
        self, reason: str, transient: bool, retry_after: float | None = None
    ) -> None:
        """``transient`` failures (network, 5xx, rate limit) are worth retrying;
        ``retry_after`` is the wait in seconds the platform asked for, if any."""
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


def backoff_delay(
    attempt: int,
    base_seconds: float,
    cap_seconds: float,
    rng: random.Random | None = None,
) -> float:
    """The wait before retry number ``attempt`` (1, 2, ...): ``base_seconds``
    doubled each time up to ``cap_seconds``, then a random part of it taken off
    (half at most), so that replies refused together are not retried together."""
    ceiling = min(cap_seconds, base_seconds * 2.0 ** max(0, attempt - 1))
    return ceiling * (rng or random).uniform(0.5, 1.0)


async def with_retries(
    send: Callable[[], Awaitable[T]], attempts: int, backoff_seconds: float
) -> T:
    """Calls ``send`` until it succeeds, retrying transient failures with an
    exponential back-off with jitter (:func:`backoff_delay`), or the platform's own
    "retry after" when it is short; a longer one is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except SendFailed as exc:
            if not exc.transient or attempt == attempts:
                raise
            delay = backoff_delay(attempt, backoff_seconds, INLINE_WAIT_MAX_SECONDS)
            if exc.retry_after is not None:
                if exc.retry_after > INLINE_WAIT_MAX_SECONDS:
                    raise
                delay = max(delay, exc.retry_after)
            logger.warning(
                "send failed (%s), attempt %d of %d", exc.reason, attempt, attempts
            )
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class PartlySent(Exception):
    """Some pieces of a reply could not be sent: ``remaining`` starts with the
    one refused with ``failure``."""

    def __init__(self, failure: SendFailed, remaining: list[Piece]) -> None:
        """The refusal, and the pieces from the refused one on."""
        super().__init__(failure.reason)
        self.failure = failure
        self.remaining = remaining


async def send_pieces(
    send: Callable[[Piece], Awaitable[object]],
    pieces: list[Piece],
    attempts: int,
    backoff_seconds: float,
) -> None:
    """Sends ``pieces`` in order, each with :func:`with_retries`; raises
    PartlySent at the first that stays refused."""
    for index, piece in enumerate(pieces):
        try:
            await with_retries(partial(send, piece), attempts, backoff_seconds)
        except SendFailed as exc:
            raise PartlySent(exc, pieces[index:]) from exc
