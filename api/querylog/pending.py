"""Turns logged while the database is unreachable: queued, then written once it
answers again, none lost and none twice.

A turn's row is built (and masked) before it is written. When the write fails with
an error that says the database cannot be reached (``UNREACHABLE``), the row is
queued instead and the citizen gets the reply as usual; :func:`flush_periodically`
writes the queue when the database answers again. Each row carries its
``turn_key`` (unique in ``querylog_turn``) and is inserted with ``ON CONFLICT DO
NOTHING``, then removed from the queue: a row whose first write did reach the
database (the commit's answer was what got lost), or a flush that died between the
insert and the removal, is not written twice.

Where the queue lives decides what it survives:

- **Redis** (``BDHVS_REDIS_URL`` set): a list every gateway worker shares. It
  survives the death or restart of the worker that queued the row (any worker's
  flusher writes it), not a restart of Redis itself (which keeps nothing on disk
  here). If Redis cannot take the row either, it goes to the worker's memory.
- **Memory** (no Redis, or Redis down too): a bounded queue in the worker
  (``BDHVS_QUERYLOG_PENDING_MAX`` rows). It survives a database outage, not the
  worker's death; when full, the oldest row is dropped with a log line, so a long
  outage costs the oldest log rows, never the replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.core.db import UNREACHABLE, utcnow
from api.querylog.models import Outcome, Turn
from api.querylog.service import TurnRecord

logger = logging.getLogger(__name__)

REDIS_KEY = "bdhvs:querylog:pending"
# Rows written per transaction when the queue is flushed.
BATCH = 200


def _encode(record: TurnRecord, created_at: datetime) -> str:
    row = asdict(record)
    row["outcome"] = record.outcome.value
    row["created_at"] = created_at.isoformat()
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def _decode(raw: str | bytes) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(raw)
    row["outcome"] = Outcome(row["outcome"])
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    return row


def write_rows(engine: Engine, rows: Iterable[dict[str, Any]]) -> None:
    """Inserts ``rows`` (columns of querylog_turn), skipping any whose turn_key is
    already there; raises what the database raises."""
    rows = list(rows)
    if not rows:
        return
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with Session(engine) as session:
        for row in rows:  # one by one: text_words' default reads each row's text
            session.execute(
                insert(Turn)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["turn_key"])
            )
        session.commit()


class PendingTurns:
    """The queue; its methods block (call them from a worker thread)."""

    def __init__(self, redis_url: str | None, max_rows: int) -> None:
        """In Redis at ``redis_url`` if given, else (and whenever Redis fails)
        in memory, at most ``max_rows`` rows."""
        self._redis: Any = None
        if redis_url:
            from redis import Redis

            self._redis = Redis.from_url(
                redis_url, socket_timeout=2, socket_connect_timeout=2
            )
        self._memory: deque[str] = deque()
        self._max = max_rows
        self._lock = threading.Lock()

    def put(self, record: TurnRecord, created_at: datetime | None = None) -> None:
        """Queues ``record`` (already masked) to be written later."""
        raw = _encode(record, created_at or utcnow())
        if self._redis is not None:
            from redis.exceptions import RedisError

            try:
                self._redis.rpush(REDIS_KEY, raw)
                return
            except (RedisError, OSError) as exc:
                logger.warning("turn queued in memory: Redis %s", type(exc).__name__)
        with self._lock:
            if len(self._memory) >= self._max:
                self._memory.popleft()
                logger.error("pending turns full (%d): the oldest dropped", self._max)
            self._memory.append(raw)

    def waiting(self) -> int:
        """Rows queued in this worker's memory and in Redis."""
        shared = 0
        if self._redis is not None:
            from redis.exceptions import RedisError

            with contextlib.suppress(RedisError, OSError):
                shared = int(self._redis.llen(REDIS_KEY))
        return len(self._memory) + shared

    def flush(self, engine: Engine) -> int:
        """Writes what is queued into ``engine``'s database; the number of rows
        handled. Raises UNREACHABLE errors while the database is still away."""
        done = self._flush_memory(engine)
        if self._redis is not None:
            done += self._flush_redis(engine)
        return done

    def close(self) -> None:
        """Closes the Redis connection (rows stay queued in Redis)."""
        if self._redis is not None:
            self._redis.close()

    def _flush_memory(self, engine: Engine) -> int:
        done = 0
        while True:
            with self._lock:
                batch = list(self._memory)[:BATCH]
            if not batch:
                return done
            write_rows(engine, (_decode(raw) for raw in batch))
            with self._lock:
                # Only the flusher removes, from the left: the batch is still there.
                for _ in batch:
                    self._memory.popleft()
            done += len(batch)

    def _flush_redis(self, engine: Engine) -> int:
        from redis.exceptions import RedisError

        done = 0
        try:
            while True:
                batch = self._redis.lrange(REDIS_KEY, 0, BATCH - 1)
                if not batch:
                    return done
                write_rows(engine, (_decode(raw) for raw in batch))
                # By value: another worker flushing at the same time may have
                # removed some already (and written them: the key makes that once).
                pipeline = self._redis.pipeline()
                for raw in batch:
                    pipeline.lrem(REDIS_KEY, 1, raw)
                pipeline.execute()
                done += len(batch)
        except (RedisError, OSError) as exc:
            logger.warning("pending turns in Redis not flushed: %s", type(exc).__name__)
            return done


async def flush_periodically(
    pending: PendingTurns, engine: Engine, every_seconds: float
) -> None:
    """Until cancelled: writes the queued turns once the database answers."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            written = await asyncio.to_thread(pending.flush, engine)
        except UNREACHABLE:
            continue  # still away: the rows stay queued
        except Exception:
            logger.exception("pending turns not flushed")
            continue
        if written:
            logger.info("%d turns queued during a database outage written", written)
