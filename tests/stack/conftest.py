"""The real stack (Rasa with the trained model, action server, gateway), started once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.model import model_path
from tools.stack import Ports, Stack

EMBED_HOST_PORT = 18090


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Starts the three processes on spare ports with a fresh SQLite database."""
    if not model_path().exists():
        pytest.fail("no trained model for the current training data: run `make train`")
    workdir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack(
        ports=Ports(rasa=15005, actions=15055, api=18000),
        env={
            "BDHVS_DATABASE_URL": f"sqlite:///{workdir / 'stack.sqlite3'}",
            "BDHVS_ENVIRONMENT": "test",
            "BDHVS_SECRET_KEY": "stack-test-secret",
            # The page of tests/stack/test_pages.py that embeds the web chat.
            "BDHVS_EMBED_ORIGINS": f'["http://127.0.0.1:{EMBED_HOST_PORT}"]',
        },
        log_dir=workdir / "logs",
    )
    stack.prepare()
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        yield stack
    finally:
        stack.stop()
