"""The real stack (Rasa with the trained model, action server, gateway), started once,
and the headless Chromium the page tests drive."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fakes import FakeTelegram, FakeZaloOA
from tools.model import model_path
from tools.stack import Ports, Stack

# Two checkouts on one machine can run their stack tests side by side with
# BDHVS_STACK_PORT_OFFSET set differently in each.
PORT_OFFSET = int(os.environ.get("BDHVS_STACK_PORT_OFFSET", "0"))
EMBED_HOST_PORT = 18090 + PORT_OFFSET
SESSION_MAX_EVENTS = 40
RASA_API_TOKEN = "stack-test-rasa-token"
TELEGRAM_SECRET = "stack-telegram-secret"
ZALO_APP_ID = "1000200030004000"
ZALO_OA_SECRET = "stack-zalo-oa-secret"
CHROMIUM = os.environ.get("BDHVS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    """The Bot API the stack's gateway talks to."""
    fake = FakeTelegram()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def fake_zalo() -> Iterator[FakeZaloOA]:
    """The Zalo OA API the stack's gateway talks to."""
    fake = FakeZaloOA()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
) -> Iterator[Stack]:
    """Starts the three processes on spare ports with a fresh SQLite database, with
    Telegram and Zalo OA connected to loopback stand-ins of their APIs."""
    if not model_path().exists():
        pytest.fail("no trained model for the current training data: run `make train`")
    workdir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack(
        ports=Ports(
            rasa=15005 + PORT_OFFSET,
            actions=15055 + PORT_OFFSET,
            api=18000 + PORT_OFFSET,
        ),
        env={
            "BDHVS_DATABASE_URL": f"sqlite:///{workdir / 'stack.sqlite3'}",
            "BDHVS_ENVIRONMENT": "test",
            "BDHVS_SECRET_KEY": "stack-test-secret",
            # The page of tests/stack/test_pages.py that embeds the web chat.
            "BDHVS_EMBED_ORIGINS": f'["http://127.0.0.1:{EMBED_HOST_PORT}"]',
            "BDHVS_TELEGRAM_TOKEN": "1000:stack-test-token",
            "BDHVS_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "BDHVS_TELEGRAM_API_URL": fake_telegram.url,
            "BDHVS_ZALO_APP_ID": ZALO_APP_ID,
            "BDHVS_ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
            "BDHVS_ZALO_ACCESS_TOKEN": "stack-zalo-token",
            "BDHVS_ZALO_API_URL": fake_zalo.url,
            # Short sessions, so that every end-to-end test also crosses session
            # boundaries (test_long_conversation.py).
            "BDHVS_SESSION_MAX_EVENTS": str(SESSION_MAX_EVENTS),
        },
        log_dir=workdir / "logs",
        rasa_api_token=RASA_API_TOKEN,  # to read the tracker in tests
    )
    stack.prepare()
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def _page(
    browser: Browser, request: pytest.FixtureRequest, width: int, height: int
) -> Iterator[Page]:
    context = browser.new_context(
        locale="vi-VN",
        viewport={"width": width, "height": height},
        accept_downloads=True,
    )
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page; its last screen is kept in tests/artifacts/."""
    yield from _page(browser, request, 390, 844)


@pytest.fixture
def wide_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page (1280 px, as at a district office); its last screen is kept
    in tests/artifacts/."""
    yield from _page(browser, request, 1280, 900)
