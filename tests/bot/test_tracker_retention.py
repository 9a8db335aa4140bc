"""`python -m api purge` also deletes Rasa's tracker events past the retention period,
from Rasa's own SQL tracker store on the real PostgreSQL (the production set-up)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.bot.conftest import postgres_tracker_store
from tests.conftest import ROOT, _fresh_postgres_database, postgres_base_url

SERVICES_PYTHON = ROOT / ".venv" / "bin" / "python"
DAY = 24 * 3600


def _conversation(sender: str, age_days: float) -> Any:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    at = time.time() - age_days * DAY
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered("kích hoạt vneid mức 2", timestamp=at + 1),
            BotUttered("Anh/Chị mang thẻ căn cước…", timestamp=at + 2),
        ],
    )


def test_purge_deletes_tracker_events_older_than_the_retention(tmp_path: Path) -> None:
    # The bot environment has SQLAlchemy 1.4 and psycopg2; the gateway psycopg 3.
    base = postgres_base_url().replace("postgresql+psycopg://", "postgresql://", 1)
    url, drop = _fresh_postgres_database(base)
    try:
        store = postgres_tracker_store(url)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(store.save(_conversation("old-citizen", 200)))
        loop.run_until_complete(store.save(_conversation("new-citizen", 3)))

        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BDHVS_ENVIRONMENT": "test",
            "BDHVS_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
            "BDHVS_TRACKER_DATABASE_URL": url.replace(
                "postgresql://", "postgresql+psycopg://", 1
            ),
        }
        for command in (["migrate"], ["purge"]):
            done = subprocess.run(
                [str(SERVICES_PYTHON), "-m", "api", *command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stdout + done.stderr
        assert "deleted 3 Rasa tracker events before" in done.stdout

        old = loop.run_until_complete(store.retrieve("old-citizen"))
        new = loop.run_until_complete(store.retrieve("new-citizen"))
        assert old is None or len(old.events) == 0
        assert new is not None
        assert [e.text for e in new.events if getattr(e, "text", None)] == [
            "kích hoạt vneid mức 2",
            "Anh/Chị mang thẻ căn cước…",
        ]
        loop.close()
        store.engine.dispose()
    finally:
        drop()


if not SERVICES_PYTHON.exists():  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="the services environment is not built")
