"""Shared fixtures: databases (SQLite and the real PostgreSQL), a stand-in Rasa server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeRasa

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL_VAR = "BDHVS_TEST_POSTGRES_URL"

try:  # the bot environment has no SQLAlchemy 2: database fixtures are services-only
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
except ImportError:  # pragma: no cover
    create_engine = None  # type: ignore[assignment]


def _fresh_postgres_database(base_url: str) -> tuple[str, Any]:
    """Creates a uniquely named database on the server; returns its URL and a dropper."""
    url = make_url(base_url)
    name = f"bdhvs_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def postgres_base_url() -> str:
    """The PostgreSQL URL to test against; in CI its absence is a failure, not a skip."""
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                f"{POSTGRES_URL_VAR} is not set: PostgreSQL tests must run in CI"
            )
        pytest.skip(f"{POSTGRES_URL_VAR} not set")
    return url


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database with the places of Vietnam loaded: a SQLite file, or a
    fresh database on the real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        _prepare(url)
        yield url
        return
    url, drop = _fresh_postgres_database(postgres_base_url())
    try:
        _prepare(url)
        yield url
    finally:
        drop()


def _prepare(url: str) -> None:
    from sqlalchemy.orm import Session

    from api.cli import migrate
    from api.core.db import make_engine
    from api.places.seeding import places_seed_path, seed_places

    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_places(session, places_seed_path(ROOT / "seeds"))
    engine.dispose()


# Reference data loaded once per database and kept between tests.
REFERENCE_TABLES = {"place_province", "place_commune"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    """An engine on the test database; every table is emptied after each test."""
    from api.core.db import Base, make_engine

    engine = make_engine(database_url)
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def seeded_engine(engine: Any) -> Any:
    """The test database with seeds/ loaded into the knowledge store."""
    from sqlalchemy.orm import Session

    from api.knowledge.seeding import seed_knowledge

    with Session(engine) as session:
        seed_knowledge(session, ROOT / "seeds")
    return engine


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """A stand-in Rasa on a free loopback port."""
    fake = FakeRasa()
    yield fake
    fake.close()
