"""The gateway app on the test database, talking to a stand-in Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.main import create_app

SECRET = "test-secret-key-for-hmac"


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
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client for the app (lifespan run)."""
    with TestClient(create_app(settings)) as client:
        yield client
