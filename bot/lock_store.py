"""One turn per conversation at a time across Rasa instances, with redis-py's asyncio
lock instead of Rasa's ticket lock.

Rasa's ``RedisLockStore`` keeps a ticket queue as one JSON value per conversation and
reads and writes it with the synchronous Redis client: five round trips a turn (read,
write the ticket; read until served; read, write or delete on the way out), each one
blocking the Rasa process's event loop, so every other conversation of that instance
waits for it. Sampled with py-spy under 50 concurrent citizens on the production
profile, it was the largest single share of the Rasa processes' time (bench/README.md).
Its ticket is also issued by a read then a write, so two instances serving the same
conversation at the same moment can both take ticket 0 and both run.

Here the lock is redis-py's ``redis.asyncio.lock.Lock``: ``SET key token NX PX`` to
take it (atomic, with Redis's own expiry, so a killed instance's lock frees itself) and
a compare-and-delete script to give it back; two round trips, neither blocking the
event loop. A waiting turn retries every ``POLL_SECONDS`` instead of Rasa's second.
The keys are not Rasa's (``<prefix>:turn_lock:<conversation>``), so a Rasa ticket left
in Redis by an earlier version never blocks a turn.

The lock is a lease: it is taken for ``lease_seconds`` (default 10) and renewed while
its turn runs, up to Rasa's ``LOCK_LIFETIME``. A Rasa instance killed mid-turn
(supervisord restarts it) thus blocks the conversations it was serving for at most
a lease, not for the whole lifetime (60 s by default): their next messages would
otherwise wait past the gateway's timeout and get "try again" for a minute
(`make chaos`, "rasa_instance_killed").

Selected in bot/endpoints.production.yml as ``type: bot.lock_store.RedisTurnLockStore``
with the same ``url``, ``port``, ``db``, ``password`` and ``key_prefix`` settings as
Rasa's store, and ``lease_seconds``. Rasa raises at start-up if this class cannot be
imported (unlike a custom tracker store, which it replaces by an in-memory one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import exceptions as redis_errors
from redis.asyncio import Redis

logger = logging.getLogger(__name__)

# How often a turn waiting for its conversation's lock asks again. Two turns of one
# conversation rarely overlap (a citizen who sends twice quickly, a button tapped
# twice); a turn takes tens of milliseconds.
POLL_SECONDS = 0.01
DEFAULT_PREFIX = "bdhvs"
DEFAULT_SOCKET_TIMEOUT = 10.0
# Long enough that a renewal delayed by a busy event loop still comes in time (it is
# sent every third of a lease), short enough that a dead holder's conversations wait
# less than the gateway's timeout.
DEFAULT_LEASE_SECONDS = 10.0


class RedisTurnLockStore(LockStore):
    """Rasa's ``LockStore`` interface (``lock(conversation_id)``) on redis-py's
    asyncio lock."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, client: Redis | None = None
    ) -> None:
        """Reads Rasa's Redis lock store settings from ``endpoint_config`` (``url``
        is the host); ``client`` replaces the connection (tests)."""
        settings: dict[str, Any] = (
            dict(endpoint_config.kwargs) if endpoint_config else {}
        )
        host = (endpoint_config.url if endpoint_config else None) or "localhost"
        timeout = float(settings.get("socket_timeout") or DEFAULT_SOCKET_TIMEOUT)
        self._redis = client or Redis(
            host=host,
            port=int(settings.get("port") or 6379),
            db=int(settings.get("db") or 0),
            username=settings.get("username") or None,
            password=settings.get("password") or None,
            ssl=bool(settings.get("use_ssl", False)),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self._lease = float(settings.get("lease_seconds") or DEFAULT_LEASE_SECONDS)
        prefix = str(settings.get("key_prefix") or DEFAULT_PREFIX)
        self._prefix = f"{prefix}:turn_lock:"
        super().__init__()

    def key(self, conversation_id: str) -> str:
        """The Redis key of ``conversation_id``'s lock."""
        return self._prefix + conversation_id

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncIterator[None]:
        """Holds ``conversation_id``'s lock for at most ``lock_lifetime`` seconds,
        a lease at a time; waits for it as long, else raises Rasa's ``LockError`` (as
        it does when Redis cannot be reached). Rasa's callers ignore what is
        yielded."""
        lease = min(self._lease, lock_lifetime)
        turn_lock = self._redis.lock(
            self.key(conversation_id),
            timeout=lease,
            sleep=min(wait_time_in_seconds, POLL_SECONDS),
            blocking_timeout=lock_lifetime,
            thread_local=False,
        )
        try:
            acquired = await turn_lock.acquire()
        except redis_errors.RedisError as error:
            raise LockError(
                f"Could not reach Redis for the lock of '{conversation_id}': {error}"
            ) from error
        if not acquired:
            raise LockError(
                f"Could not acquire lock for conversation_id '{conversation_id}'."
            )
        renewal = asyncio.create_task(self._renew(turn_lock, lease, lock_lifetime))
        try:
            yield None
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            await self._release(turn_lock, conversation_id)

    @staticmethod
    async def _renew(turn_lock: Any, lease: float, lock_lifetime: float) -> None:
        """Renews the lease every third of it while the turn runs, until the lock
        has been held ``lock_lifetime`` seconds; then it expires by itself."""
        loop = asyncio.get_running_loop()
        until = loop.time() + lock_lifetime
        while True:
            await asyncio.sleep(lease / 3)
            if loop.time() + lease > until:
                return
            try:
                await turn_lock.reacquire()
            except redis_errors.LockError:  # expired and taken, or released
                return
            except redis_errors.RedisError:
                continue  # Redis unreachable for now: the next renewal may get through

    @staticmethod
    async def _release(turn_lock: Any, conversation_id: str) -> None:
        """Gives the lock back. The turn is done by now: if the lock already expired
        or Redis is gone, it frees itself by its expiry, and the reply still goes out."""
        try:
            await turn_lock.release()
        except redis_errors.LockNotOwnedError:
            logger.warning(
                "the lock of a conversation expired before its turn ended; "
                "raise LOCK_LIFETIME if turns take that long"
            )
        except redis_errors.RedisError:
            logger.warning(
                "could not release a conversation's lock; it expires by itself",
                exc_info=True,
            )

    async def close(self) -> None:
        """Closes the connection pool."""
        await self._redis.close()
