"""Which processes are alive, as PostgreSQL sees them: a dead worker's claims are
taken over at once rather than when their lease runs out.

The durable inbox and the outbox hold a row for a worker by a lease (90 s and 60 s
by default): long enough for any turn or send, so a live worker never loses a row
it is working on. A worker killed mid-turn, though, leaves its rows waiting for the
rest of the lease, and those citizens' replies come a minute late.

Each process that claims rows therefore holds a PostgreSQL session advisory lock on
a key of its own, on a connection it keeps for its whole life, and writes that key
(``holder``) on each row it claims. PostgreSQL releases the lock when the
connection ends, and a process's connections end with it, however it dies. Each
worker's poll (:func:`release_orphans`) gives back at once every row whose holder's
lock is gone. A live worker's rows keep their lease. If a live worker's own
connection drops (PostgreSQL restarted), it takes a new key; the rows of its old key
may then be taken over, as they would be when a lease lapses, and the same guards
apply (a reply is stored only under the claim that was handed it; Rasa is told a
message may come again).

SQLite (one machine, development) has no such locks: nothing is given back early,
and the leases alone apply.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from typing import Any

import psycopg
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import InstrumentedAttribute

from api.core.db import libpq_url, utcnow

logger = logging.getLogger(__name__)

# The first of the two keys of pg_advisory_lock(int, int): this application's
# holders, apart from any other advisory lock on the server.
NAMESPACE = 0x6264  # "bd"
# PostgreSQL shows a two-key advisory lock in pg_locks with objsubid 2, the first key
# in classid, the second in objid.
_HOLDER_GONE = (
    "NOT EXISTS (SELECT 1 FROM pg_locks AS held WHERE held.locktype = 'advisory'"
    " AND held.database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())"
    f" AND held.classid = {NAMESPACE} AND held.objsubid = 2 AND held.granted"
    " AND held.objid = CAST({table}.holder AS oid))"
)


class Liveness:
    """This process's holder key, alive while its advisory lock is held.

    Synchronous: called through ``asyncio.to_thread`` (or at start-up)."""

    def __init__(self, engine: Engine) -> None:
        """Marks this process alive on ``engine``'s PostgreSQL database; on any
        other database, :attr:`holder` stays None."""
        self._conninfo = (
            libpq_url(engine.url.render_as_string(hide_password=False))
            if engine.dialect.name == "postgresql"
            else None
        )
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self.holder: int | None = None

    def check(self) -> int | None:
        """This process's holder key, (re)taking it when its connection is gone;
        None on SQLite or while PostgreSQL cannot be reached (claims then carry no
        holder, and only their lease applies)."""
        if self._conninfo is None:
            return None
        with self._lock:
            try:
                if self._connection is not None and not self._connection.closed:
                    self._connection.execute("SELECT 1")
                    return self.holder
                self._take_key()
            except psycopg.Error as exc:
                logger.warning("liveness: no holder key (%s)", exc)
                self._drop()
            return self.holder

    def _take_key(self) -> None:
        """A new connection and a key no other live process holds."""
        self._drop()
        assert self._conninfo is not None
        connection = psycopg.connect(self._conninfo, autocommit=True)
        while True:
            key = secrets.randbelow(2**31 - 1) + 1
            row = connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, key)
            ).fetchone()
            if row and row[0]:
                break
        self._connection, self.holder = connection, key

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):  # closing a broken one
                self._connection.close()
        self._connection, self.holder = None, None

    def close(self) -> None:
        """Lets the lock go: this process's rows may be taken over at once."""
        with self._lock:
            self._drop()


def release_orphans(
    direct: Engine, table: Any, until: InstrumentedAttribute[Any]
) -> int:
    """Gives back every row of ``table`` held (its ``until`` column in the future)
    by a process whose advisory lock is gone: ``until`` becomes now and ``holder``
    None. One statement on ``direct``, an engine in autocommit. How many rows;
    always 0 on SQLite."""
    if direct.dialect.name != "postgresql":
        return 0
    now = utcnow()
    gone = text(_HOLDER_GONE.format(table=table.__tablename__))
    statement = (
        update(table)
        .where(table.holder.is_not(None), until > now, gone)
        .values({until: now, table.holder: None})
    )
    with direct.connect() as connection:
        return int(connection.execute(statement).rowcount)
