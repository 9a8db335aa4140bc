"""SQLAlchemy 2.0 base, engine and session factories (created lazily)."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from api.core.config import get_settings

# What a database that cannot be reached raises (refused or dropped connections, a
# server shutting down, SQLite's "database is locked"): the turn pipeline carries on
# without it (api.querylog.pending).
UNREACHABLE = (OperationalError, InterfaceError)

# What pg_export_snapshot returns, e.g. "00000003-0000001B-1".
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (stable Alembic names)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: object
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(
        self, value: datetime | None, dialect: object
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def value_enum(enum_class: type[enum.Enum]) -> Enum:
    """A string column holding the members' values (not a database enum type), so new
    members need no migration."""
    return Enum(
        enum_class,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


def utcnow() -> datetime:
    """Current time, timezone-aware."""
    return datetime.now(timezone.utc)


def libpq_url(url: str) -> str:
    """``url`` (SQLAlchemy's form, e.g. ``postgresql+psycopg://``) as psycopg's own
    connection string, for a connection held outside the engine's pool."""
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # JIT compilation off for this application's sessions: its analytics queries
    # run for milliseconds to a fraction of a second, and PostgreSQL's default
    # jit_above_cost let compiling take longer than the query (a daily build's
    # read: 581 of 793 ms; bench/README.md).
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": "-c jit=off"},
    )
    ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


# A pooled connection unused this long is checked before it is handed out.
IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Checks a pooled connection with ``SELECT 1`` when it comes out of the pool
    after ``idle_seconds`` or more unused, and replaces it if the server has
    closed it (a restart, an idle timeout on the way).

    SQLAlchemy's ``pool_pre_ping`` checks every connection at every checkout: a
    database round trip for each of a turn's few sessions, 5-7 % of a gateway
    worker's CPU under load (py-spy). A connection in use under load was used a
    moment ago; should the server go away then, the first statement that fails
    makes SQLAlchemy replace every connection of the pool, and that one turn is
    handled as when the database is unreachable (its log row queued).
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as exc:  # the pool discards it and hands out another
            raise DisconnectionError(str(exc)) from exc


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for ``BDHVS_DATABASE_URL``."""
    return make_engine(get_settings().database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine``."""
    return sessionmaker(engine, expire_on_commit=False)


def read_together(
    session: Session, reads: Sequence[Callable[[Session], Any]]
) -> list[Any]:
    """The results of read-only ``reads`` (each given a session), all from what
    ``session`` sees.

    On PostgreSQL they run at the same time, each in a thread with its own
    connection whose transaction imports the snapshot of ``session``'s (exported
    with ``pg_export_snapshot``, as pg_dump's parallel jobs do): the database
    answers one while Python works on another's rows. The first runs in
    ``session`` itself. Elsewhere (SQLite, a session bound to a connection) they run
    one after the other in ``session``.
    """
    bind = session.get_bind()
    if (
        len(reads) < 2
        or bind.dialect.name != "postgresql"
        or not isinstance(bind, Engine)
    ):
        return [read(session) for read in reads]
    snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    if not isinstance(snapshot, str) or not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")

    def aside(read: Callable[[Session], Any]) -> Any:
        with Session(bind) as other:
            other.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            # As the driver's own SQL: each snapshot id is new, and SQLAlchemy would
            # keep every one of them in its statement cache.
            other.connection().exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return read(other)

    with ThreadPoolExecutor(len(reads) - 1) as pool:
        others = [pool.submit(aside, read) for read in reads[1:]]
        first = reads[0](session)
        return [first, *(future.result() for future in others)]


def iter_session(engine: Engine) -> Iterator[Session]:
    """Yields one session and closes it (FastAPI dependency helper)."""
    with session_factory(engine)() as session:
        yield session
