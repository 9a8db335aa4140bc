"""The gateway app on the test database, talking to a stand-in Rasa."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.config import Settings, get_settings
from api.core.db import get_engine
from api.main import create_app
from api.querylog.models import Turn
from api.staff.models import Role
from tests import factories
from tests.fakes import FakeTelegram, FakeZaloOA

SECRET = "test-secret-key-for-hmac"
TOKEN_SECRET = "test-token-key-for-staff"


@pytest.fixture(autouse=True)
def _current_engine(request: pytest.FixtureRequest) -> Iterator[None]:
    """Makes the test's engine (when it has one) the one staff_token() writes to."""
    if "engine" in request.fixturenames:
        factories.CURRENT_ENGINE[:] = [request.getfixturevalue("engine")]
    yield
    factories.CURRENT_ENGINE.clear()


def staff_token(username: str, role: Role | str, minutes: int = 5) -> str:
    """A real token of the account ``username`` (see tests.factories.staff_token)."""
    return factories.staff_token(username, role, TOKEN_SECRET, minutes)


def staff_headers(username: str, role: Role | str) -> dict[str, str]:
    """Authorization headers with :func:`staff_token`."""
    return {"Authorization": f"Bearer {staff_token(username, role)}"}


@pytest.fixture
def settings(seeded_engine: Any, database_url: str, fake_rasa: Any) -> Settings:
    """Settings pointing at the test database and the fake Rasa."""
    return Settings(
        environment="test",
        database_url=database_url,
        rasa_url=fake_rasa.url,
        action_server_url=fake_rasa.url,
        rasa_timeout_seconds=2,
        secret_key=SECRET,
        token_key=TOKEN_SECRET,
        # Tests refresh the daily tables when they mean to: they insert turns with
        # past timestamps, which a refresh running meanwhile could pass over.
        rollup_refresh_seconds=0,
    )


def client_for(settings: Settings, **overrides: Any) -> TestClient:
    """A client (use it as a context manager) for the app with ``overrides``."""
    return TestClient(create_app(Settings(**{**settings.model_dump(), **overrides})))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client for the app (lifespan run)."""
    with client_for(settings) as client:
        yield client


def wait_until(condition: Callable[[], Any], timeout: float = 10) -> None:
    """Returns once ``condition()`` is true (background work: the outbox, the
    query log's queue); fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met")


def in_autocommit(conn: Any) -> bool:
    """Whether a SQLAlchemy connection sends each statement on its own, with no
    BEGIN before it: psycopg's autocommit, or SQLite's driver's (no isolation
    level)."""
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        return bool(dbapi.autocommit)
    return dbapi.isolation_level is None


def logged_turns(engine: Any) -> list[Turn]:
    """Every turn in the query log, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(Turn).order_by(Turn.id)))


TELEGRAM_TOKEN = "123456:TEST-token"
TELEGRAM_SECRET = "telegram-webhook-secret"
ZALO_APP_ID = "4321987654"
ZALO_OA_SECRET = "zalo-oa-secret-key"


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A stand-in Telegram Bot API."""
    fake = FakeTelegram()
    yield fake
    fake.close()


@pytest.fixture
def fake_zalo() -> Iterator[FakeZaloOA]:
    """A stand-in Zalo OA API."""
    fake = FakeZaloOA()
    yield fake
    fake.close()


@pytest.fixture
def channel_settings(
    settings: Settings, fake_telegram: FakeTelegram, fake_zalo: FakeZaloOA
) -> Settings:
    """Settings with Telegram (webhook) and Zalo OA pointed at the fakes."""
    return Settings(
        **{
            **settings.model_dump(),
            "secret_key": SECRET,
            "token_key": TOKEN_SECRET,
            "telegram_token": TELEGRAM_TOKEN,
            "telegram_webhook_secret": TELEGRAM_SECRET,
            "telegram_api_url": fake_telegram.url,
            "zalo_app_id": ZALO_APP_ID,
            "zalo_oa_secret_key": ZALO_OA_SECRET,
            "zalo_access_token": "zalo-access-token",
            "zalo_api_url": fake_zalo.url,
            "send_backoff_seconds": 0,
        }
    )


@pytest.fixture
def channel_client(channel_settings: Settings) -> Iterator[TestClient]:
    """A client for the app with both messaging channels enabled."""
    with client_for(channel_settings) as client:
        yield client


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`python -m api` pointed at the test database (settings and engine re-read)."""
    monkeypatch.setenv("BDHVS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
