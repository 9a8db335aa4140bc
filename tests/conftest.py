"""Shared fixtures: databases (SQLite and the real PostgreSQL), a stand-in Rasa server."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

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
    """A migrated database: a SQLite file, or a fresh database on the real PostgreSQL."""
    from api.__main__ import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        migrate(url)
        yield url
        return
    url, drop = _fresh_postgres_database(postgres_base_url())
    try:
        migrate(url)
        yield url
    finally:
        drop()


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    """An engine on the test database; every table is emptied after each test."""
    from api.core.db import Base, make_engine

    engine = make_engine(database_url)
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
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


class FakeRasa:
    """A loopback HTTP server standing in for Rasa's gateway channel."""

    def __init__(self) -> None:
        self.reply: dict[str, Any] = {"messages": [], "parse": {}, "error": None}
        self.status = 200
        self.received: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, {"status": "ok"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake.received.append(json.loads(self.rfile.read(length)))
                self._send(fake.status, fake.reply)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(
        self,
        text: str,
        intent: str,
        confidence: float,
        turn: dict[str, Any] | None = None,
        buttons: list[dict[str, str]] | None = None,
    ) -> None:
        """Sets the next reply."""
        messages: list[dict[str, Any]] = [{"recipient_id": "x", "text": text}]
        if buttons:
            messages[0]["buttons"] = buttons
        if turn is not None:
            messages.append({"recipient_id": "x", "custom": {"turn": turn}})
        self.reply = {
            "messages": messages,
            "parse": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
            },
            "error": None,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """A stand-in Rasa on a free loopback port."""
    fake = FakeRasa()
    yield fake
    fake.close()
