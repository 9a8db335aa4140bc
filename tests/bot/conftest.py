"""Bot tier (runs in the bot environment): one trained model, loaded once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

from tools.model import model_path


@pytest.fixture(scope="session")
def agent() -> Any:
    """The model for the current training data (trained by `make train`), loaded once."""
    from rasa.core.agent import Agent

    path = model_path()
    if not path.exists():
        pytest.fail(f"no model at {path}: run `make train`")
    return Agent.load(str(path))


@pytest.fixture(scope="session")
def parse(agent: Any) -> Any:
    """Synchronous parse helper: text -> Rasa parse data."""
    loop = asyncio.new_event_loop()

    def run(text: str) -> dict[str, Any]:
        return loop.run_until_complete(agent.parse_message(text))

    yield run
    loop.close()


def postgres_tracker_store(url: str) -> Any:
    """Rasa's own SQL tracker store on the PostgreSQL database at ``url``."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=parts.host,
        port=parts.port,
        db=parts.database,
        username=parts.username,
        password=parts.password,
    )
