"""Page tests that need the gateway alone (no Rasa, no action server): it is served
in a thread on a spare loopback port, and the browser page is watched for console
errors, failed requests and Content-Security-Policy violations."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import ConsoleMessage, Page
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.cli import migrate
from api.core.config import Settings
from api.core.db import make_engine
from api.knowledge.seeding import seed_knowledge
from api.main import create_app
from api.places.seeding import places_seed_path, seed_places
from tests.conftest import ROOT

# Collects Content-Security-Policy violations before any page script runs (injected
# by the browser driver, so the policy does not apply to it).
CSP_WATCH = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', function (e) {"
    "  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);"
    "});"
)


@contextmanager
def served_gateway(database_url: str, secret: str, **settings: Any) -> Iterator[str]:
    """Serves the gateway on the (migrated) database; yields its base URL. Rasa and
    the action server point at a closed port: these pages never call them."""
    app = create_app(
        Settings(
            environment="test",
            database_url=database_url,
            secret_key=secret,
            rasa_url="http://127.0.0.1:9",
            action_server_url="http://127.0.0.1:9",
            **{"rollup_refresh_seconds": 0, **settings},
        )
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "gateway not up"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def watch(page: Page, allowed: tuple[str, ...] = ()) -> list[str]:
    """Console errors and warnings, page errors and failed requests of ``page`` (the
    browser's own favicon request and messages containing one of ``allowed``
    excepted); CSP violations are collected in the page (see :func:`no_problems`)."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in ("error", "warning") and not any(
            a in message.text for a in allowed
        ):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.add_init_script(CSP_WATCH)
    return problems


def no_problems(page: Page, problems: list[str]) -> None:
    """No CSP violation in the page and nothing :func:`watch` collected."""
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


@dataclass(frozen=True)
class Gateway:
    """An in-process gateway's address and its database."""

    url: str
    database_url: str


def seeded_database(workdir: Path, name: str) -> tuple[str, Engine]:
    """A fresh SQLite database in ``workdir``, migrated, with seeds/'s answers and
    places loaded; its URL and an engine on it."""
    url = f"sqlite:///{workdir / name}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_knowledge(session, ROOT / "seeds")
        seed_places(session, places_seed_path(ROOT / "seeds"))
    return url, engine
