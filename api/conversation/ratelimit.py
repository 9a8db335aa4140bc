"""Per-user rate limit shared by every gateway worker: Redis when configured, else
the database. A fixed window: at most ``limit`` messages per ``window_seconds``."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.channels.models import RateBucket


class RateLimiter(Protocol):
    """Counts one message for ``key``; False once the window's limit is passed."""

    async def allow(self, key: str) -> bool: ...


class SqlRateLimiter:
    """One row per (user, window), incremented with a single upsert."""

    def __init__(self, engine: Engine, limit: int, window_seconds: int) -> None:
        """Counts in the ``rate_limit_bucket`` table of ``engine``."""
        self._engine = engine
        self._limit = limit
        self._window = window_seconds
        dialects: dict[str, Any] = {
            "postgresql": postgresql.insert,
            "sqlite": sqlite.insert,
        }
        self._insert = dialects[engine.dialect.name]

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        return await asyncio.to_thread(self._count, key) <= self._limit

    def _count(self, key: str) -> int:
        window = int(time.time()) // self._window
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
        self._limit = limit
        self._window = window_seconds

    async def allow(self, key: str) -> bool:
        """True while ``key`` is within its limit for the current window."""
        window = int(time.time()) // self._window
        name = f"bdhvs:rate:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._window * 2)
            count, _ = await pipe.execute()
        return int(count) <= self._limit

    async def close(self) -> None:
        """Closes the connection pool."""
        await self._redis.aclose()
