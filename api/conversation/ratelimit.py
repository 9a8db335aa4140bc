"""Per-user rate limit shared by every gateway worker: Redis when configured, else
the database. A fixed window: at most ``limit`` messages per ``window_seconds``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.channels.models import RateBucket


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events in ``seconds``."""

    count: int
    seconds: int


class RateLimiter(Protocol):
    """Counts one message for ``key``; False once the window's limit is passed."""

    limit: Limit

    async def allow(self, key: str) -> bool: ...

    async def hit(self, key: str, window_seconds: int) -> int:
        """Counts one event for ``key`` in the current window of ``window_seconds``
        and returns the window's count so far."""
        ...


class SqlRateLimiter:
    """One row per (user, window), incremented with a single upsert."""

    def __init__(self, engine: Engine, limit: int, window_seconds: int) -> None:
        """Counts in the ``rate_limit_bucket`` table of ``engine``."""
        self._engine = engine
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
        """The count of ``key`` in its current window, this event included."""
        return await asyncio.to_thread(self._count, key, window_seconds)

    def _count(self, key: str, window_seconds: int) -> int:
        window = int(time.time()) // window_seconds
        key = f"{key}:{window_seconds}"
        insert = self._insert(RateBucket).values(key=key, window=window, count=1)
        statement = insert.on_conflict_do_update(  # same API in both dialects
            index_elements=["key", "window"],
            set_={"count": RateBucket.count + 1},
        ).returning(RateBucket.count)
        with Session(self._engine) as session:
            count = int(session.execute(statement).scalar_one())
            if count == 1:  # a new window: forget this user's older ones
                session.execute(
                    delete(RateBucket).where(
                        RateBucket.key == key, RateBucket.window < window
                    )
                )
            session.commit()
        return count


class RedisRateLimiter:
    """INCR on a key that expires with its window."""

    def __init__(self, url: str, limit: int, window_seconds: int) -> None:
        """Connects lazily to the Redis server at ``url``."""
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self.limit = Limit(limit, window_seconds)

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        return await self.hit(key, self.limit.seconds) <= self.limit.count

    async def hit(self, key: str, window_seconds: int) -> int:
        """The count of ``key`` in its current window, this event included."""
        window = int(time.time()) // window_seconds
        name = f"bdhvs:rate:{key}:{window_seconds}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        """Closes the connection pool."""
        await self._redis.aclose()


async def within(limiter: RateLimiter, key: str, limit: Limit) -> bool:
    """Counts one event for ``key``; False once ``limit`` is passed."""
    return await limiter.hit(key, limit.seconds) <= limit.count
