"""Pooled PostgreSQL connections the server closed are replaced (api.core.db):
checked before use when they were idle, and all at once after the first failure
otherwise, without a round trip at every checkout."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from api.core.db import make_engine, ping_when_idle

URL = os.environ.get("BDHVS_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="BDHVS_TEST_POSTGRES_URL not set")


@pytest.fixture
def admin() -> Iterator[Engine]:
    assert URL
    engine = create_engine(URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_an_idle_connection_the_server_closed_is_replaced_unseen(
    admin: Engine,
) -> None:
    assert URL
    engine = create_engine(URL, pool_size=1)
    ping_when_idle(engine, idle_seconds=0.0)
    try:
        first = _backend(engine)
        _terminate(admin, first)
        assert _backend(engine) != first  # no error: checked and replaced
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_checked_and_one_failure_renews_the_pool(
    admin: Engine,
) -> None:
    assert URL
    engine = make_engine(URL)  # checks connections idle for 10 s or more
    try:
        first = _backend(engine)
        _terminate(admin, first)
        with pytest.raises(OperationalError):
            _backend(engine)
        assert _backend(engine) != first
    finally:
        engine.dispose()
