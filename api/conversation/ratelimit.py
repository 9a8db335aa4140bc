"""Per-user rate limit shared by every gateway worker: Redis when configured, else
the database.

A sliding-window counter: the count is this window's events plus the previous
window's, weighted by how much of it still lies within the last ``window_seconds``.
A fixed window alone let a sender put twice the limit across a window boundary
(the limit at 11:59:59, again at 12:00:00)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.conversation.models import RateBucket
from api.core.db import UNREACHABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events in ``seconds``."""

    count: int
    seconds: int


def sliding_count(previous: int, current: int, now: float, window_seconds: int) -> int:
    """Events within the last ``window_seconds``, estimated from two fixed windows:
    the previous window's share that still overlaps, rounded up (a limit errs
    towards refusing), plus the current window's."""
    elapsed = (now % window_seconds) / window_seconds
    return math.ceil(previous * (1.0 - elapsed)) + current


class RateLimiter(Protocol):
    """Counts one message for ``key``; False once the window's limit is passed."""

    limit: Limit

    async def allow(self, key: str) -> bool: ...

    async def hit(self, key: str, window_seconds: int) -> int:
        """Counts one event for ``key`` and returns the events within the last
        ``window_seconds``, this one included (see :func:`sliding_count`)."""
        ...


class SqlRateLimiter:
    """One row per (user, window), incremented with a single upsert."""

    def __init__(
        self,
        engine: Engine,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Counts in the ``rate_limit_bucket`` table of ``engine``."""
        self._engine = engine
        self._clock = clock
        self.limit = Limit(limit, window_seconds)
        dialects: dict[str, Any] = {
            "postgresql": postgresql.insert,
            "sqlite": sqlite.insert,
        }
        self._insert = dialects[engine.dialect.name]

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        return await self.hit(key, self.limit.seconds) <= self.limit.count

    async def hit(self, key: str, window_seconds: int) -> int:
        """The count of ``key`` in its current window, this event included; 1
        while the database is unreachable (a citizen is answered rather than
        refused during a brief outage; Redis, when set, counts meanwhile)."""
        try:
            return await asyncio.to_thread(self._count, key, window_seconds)
        except UNREACHABLE:
            logger.warning("rate limit not counted: database unreachable")
            return 1

    def _count(self, key: str, window_seconds: int) -> int:
        now = self._clock()
        window = int(now // window_seconds)
        key = f"{key}:{window_seconds}"
        insert = self._insert(RateBucket).values(key=key, window=window, count=1)
        statement = insert.on_conflict_do_update(  # same API in both dialects
            index_elements=["key", "window"],
            set_={"count": RateBucket.count + 1},
        ).returning(RateBucket.count)
        with Session(self._engine) as session:
            count = int(session.execute(statement).scalar_one())
            previous = session.scalar(
                select(RateBucket.count).where(
                    RateBucket.key == key, RateBucket.window == window - 1
                )
            )
            if count == 1:  # a new window: forget this user's windows before the last
                session.execute(
                    delete(RateBucket).where(
                        RateBucket.key == key, RateBucket.window < window - 1
                    )
                )
            session.commit()
        return sliding_count(previous or 0, count, now, window_seconds)


# The current window's count, incremented and kept two windows, and the previous
# window's count (false when there is none), atomically.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {count, redis.call('GET', KEYS[2])}
"""


class RedisRateLimiter:
    """INCR on a key that expires with its window."""

    def __init__(
        self,
        url: str,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Connects lazily to the Redis server at ``url``."""
        from redis.asyncio import Redis

        # A Redis that does not answer must cost a turn little: FallbackRateLimiter
        # then counts in the database.
        self._redis = Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        self._clock = clock
        self.limit = Limit(limit, window_seconds)
        # One command a hit (EVALSHA; redis-py loads the script when Redis lacks
        # it), where a MULTI/EXEC pipeline sent five: every turn counts twice (the
        # address, the citizen), and the gateway shares its cores with Rasa.
        self._count = self._redis.register_script(_COUNT)

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        return await self.hit(key, self.limit.seconds) <= self.limit.count

    async def hit(self, key: str, window_seconds: int) -> int:
        """The count of ``key`` in its current window, this event included."""
        now = self._clock()
        window = int(now // window_seconds)
        # The braces keep both windows of a key in one slot of a Redis Cluster.
        prefix = f"bdhvs:rate:{{{key}:{window_seconds}}}"
        count, previous = await self._count(
            keys=[f"{prefix}:{window}", f"{prefix}:{window - 1}"],
            args=[window_seconds * 2],
        )
        return sliding_count(int(previous or 0), int(count), now, window_seconds)

    async def close(self) -> None:
        """Closes the connection pool."""
        await self._redis.aclose()


class FallbackRateLimiter:
    """Redis first; the database while Redis is unreachable, so that a Redis outage
    neither stops the chat (every turn would fail) nor lifts the limits."""

    # After a failure, Redis is left aside this long (not retried on every turn).
    ASIDE_SECONDS = 5.0

    def __init__(self, primary: RedisRateLimiter, fallback: SqlRateLimiter) -> None:
        """Counts in ``primary``; in ``fallback`` when it raises a Redis error."""
        self._primary = primary
        self._fallback = fallback
        self.limit = primary.limit
        self._aside_until = 0.0

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        return await within(self, key, self.limit)

    async def hit(self, key: str, window_seconds: int) -> int:
        """The count of ``key`` in the last window, from Redis or the database."""
        from redis.exceptions import RedisError

        try:
            return await self._primary.hit(key, window_seconds)
        except (RedisError, OSError) as exc:
            logger.warning(
                "Redis unreachable (%s): counting in the database", type(exc).__name__
            )
            return await self._fallback.hit(key, window_seconds)

    async def close(self) -> None:
        """Closes Redis's connection pool."""
        await self._primary.close()


async def within(limiter: RateLimiter, key: str, limit: Limit) -> bool:
    """Counts one event for ``key``; False once ``limit`` is passed."""
    return await limiter.hit(key, limit.seconds) <= limit.count
