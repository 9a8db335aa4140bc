"""The action server's lazy settings pointed at the seeded test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actions.knowledge import get_store
from actions.settings import get_settings as action_settings
from api.core.config import get_settings
from api.core.db import get_engine


@pytest.fixture
def store_env(
    seeded_engine: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Points the action server's lazy settings at the test database."""
    monkeypatch.setenv("BDHVS_DATABASE_URL", database_url)
    monkeypatch.setenv("BDHVS_FAQ_THRESHOLD", "0.5")
    monkeypatch.setenv("BDHVS_FAQ_MARGIN", "0.1")
    for cache in (get_settings, action_settings, get_engine, get_store):
        cache.cache_clear()
    yield seeded_engine
    get_engine().dispose()
    for cache in (get_settings, action_settings, get_engine, get_store):
        cache.cache_clear()
