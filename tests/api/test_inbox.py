"""The durable inbox of webhook events (api.channels.inbox): an event acknowledged
with 200 is handled even when the process that accepted it dies, and its reply is
delivered once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from api.channels.inbox import MAX_ATTEMPTS, Inbox, InboxWorker
from api.channels.models import InboundEvent, OutboundMessage
from api.channels.outbox_table import Outbox
from api.channels.zalo import SEND_PATH
from api.querylog.models import Turn
from tests.api.conftest import (
    SECRET,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    ZALO_APP_ID,
    ZALO_OA_SECRET,
)
from tests.api.gateway_process import Gateway, free_port, wait_for
from tests.api.test_telegram import CHAT_ID, message_update
from tests.api.test_zalo import event as zalo_event
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA, zalo_signed

ROOT = Path(__file__).resolve().parents[2]
KEY = "inbox-test-token-key"


def test_an_event_is_sealed_claimed_once_and_forgotten_when_handled(
    engine: Any,
) -> None:
    inbox = Inbox(engine, KEY, lease_seconds=0.3)
    stored = inbox.put("telegram", "update-1", {"text": "mật khẩu của tôi là Lan@2024"})
    assert stored is not None
    assert inbox.put("telegram", "update-1", {"text": "again"}) is None  # a retry
    with Session(engine) as session:
        sealed = session.scalars(select(InboundEvent.sealed)).one()
    assert b"Lan@2024" not in sealed and "mật khẩu".encode() not in sealed

    first = inbox.claim(stored)
    assert first is not None
    assert (first.event, first.attempts) == (
        {"text": "mật khẩu của tôi là Lan@2024"},
        1,
    )
    assert inbox.claim(stored) is None  # claimed: no one else takes it
    assert inbox.claim() is None

    time.sleep(0.4)  # the claimer died: the claim lapses
    second = inbox.claim()
    assert second is not None and (second.id, second.attempts) == (stored, 2)
    inbox.done(stored)
    assert inbox.waiting() == 0


def test_a_reply_is_handed_over_only_by_the_claim_that_holds_the_event(
    engine: Any,
) -> None:
    inbox = Inbox(engine, KEY, lease_seconds=0.2)
    outbox = Outbox(engine, KEY, lease_seconds=60)
    stored = inbox.put("zalo", "m-1", {"text": "xin chào"})
    assert stored is not None
    stale = inbox.claim(stored)
    time.sleep(0.3)  # the claim lapses; another worker takes the event
    current = inbox.claim()
    assert stale is not None and current is not None
    # One message, whichever claim handles it; the second may follow a first
    # that reached Rasa.
    assert stale.key.key == current.key.key
    assert (stale.key.again, current.key.again) == (False, True)
    pieces = [{"text": "Xin chào Anh/Chị!"}]

    assert (
        outbox.take_over(stale.id, stale.attempts, "zalo", "turn", 7, "u", pieces)
        is None
    )
    assert inbox.waiting() == 1 and outbox.waiting() == 0
    taken = outbox.take_over(
        current.id, current.attempts, "zalo", "turn", 7, "u", pieces
    )
    assert taken is not None
    assert inbox.waiting() == 0 and outbox.waiting() == 1
    assert outbox.claim(["zalo"]) is None  # held by the worker sending it


def test_a_rotated_key_drops_what_it_can_no_longer_read(engine: Any) -> None:
    Inbox(engine, KEY, lease_seconds=30).put("zalo", "e-1", {"text": "xin chào"})
    rotated = Inbox(engine, KEY + "-rotated", lease_seconds=0.05)
    time.sleep(0.1)  # an orphan by now
    assert rotated.claim() is None
    assert rotated.waiting() == 0


def test_an_event_that_keeps_failing_is_dropped_after_its_attempts(engine: Any) -> None:
    inbox = Inbox(engine, KEY, lease_seconds=0.05)
    calls: list[dict[str, Any]] = []

    async def failing(event: dict[str, Any]) -> None:
        calls.append(event)
        raise RuntimeError("handler failed")

    async def run() -> None:
        worker = InboxWorker(inbox, {"zalo": failing}, poll_seconds=0.05)
        stored = await worker.accept("zalo", "e-2", {"n": 1})
        assert stored is not None
        await worker.handle_new(stored)
        loop = asyncio.create_task(worker.run())
        for _ in range(100):
            if await asyncio.to_thread(inbox.waiting) == 0:
                break
            await asyncio.sleep(0.05)
        loop.cancel()
        await worker.close()

    asyncio.run(run())
    assert len(calls) == MAX_ATTEMPTS
    assert inbox.waiting() == 0


# The gateway killed between a webhook's 200 and its reply ------------------------


@pytest.fixture
def gateway(
    tmp_path: Path,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
) -> Iterator[Gateway]:
    database = f"sqlite:///{tmp_path / 'gateway.sqlite3'}"
    env = {
        **os.environ,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_DATABASE_URL": database,
        "BDHVS_SECRET_KEY": SECRET,
        "BDHVS_TOKEN_KEY": KEY,
        "BDHVS_RASA_URL": fake_rasa.url,
        "BDHVS_ACTION_SERVER_URL": fake_rasa.url,
        "BDHVS_ROLLUP_REFRESH_SECONDS": "0",
        "BDHVS_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "BDHVS_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "BDHVS_TELEGRAM_API_URL": fake_telegram.url,
        "BDHVS_ZALO_APP_ID": ZALO_APP_ID,
        "BDHVS_ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "BDHVS_ZALO_ACCESS_TOKEN": "zalo-access-token",
        "BDHVS_ZALO_API_URL": fake_zalo.url,
        # A claim lapses quickly here; in production it outlasts any turn.
        "BDHVS_INBOX_LEASE_SECONDS": "2",
        "BDHVS_INBOX_POLL_SECONDS": "0.2",
        "BDHVS_OUTBOX_LEASE_SECONDS": "2",
        "BDHVS_OUTBOX_POLL_SECONDS": "0.2",
    }
    subprocess.run(
        [sys.executable, "-m", "api", "migrate"], cwd=ROOT, env=env, check=True
    )
    running = Gateway(env, free_port(), tmp_path / "gateway.log")
    running.env["BDHVS_DATABASE_URL"] = database
    try:
        yield running
    finally:
        running.stop()


def _post_telegram(port: int) -> int:
    return httpx.post(
        f"http://127.0.0.1:{port}/channels/telegram/webhook",
        json=message_update("xin chào"),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=10,
    ).status_code


def _post_zalo(port: int) -> int:
    raw, headers = zalo_signed(zalo_event(text="xin chào"), ZALO_APP_ID, ZALO_OA_SECRET)
    return httpx.post(
        f"http://127.0.0.1:{port}/channels/zalo/webhook",
        content=raw,
        headers=headers,
        timeout=10,
    ).status_code


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
def test_a_gateway_killed_between_the_200_and_the_reply_replies_once_after_restart(
    channel: str,
    gateway: Gateway,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
) -> None:
    def replies() -> list[Any]:
        if channel == "telegram":
            return [
                c for c in fake_telegram.calls("sendMessage") if c["chat_id"] == CHAT_ID
            ]
        return list(fake_zalo.sent)

    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    held = threading.Event()
    fake_rasa.gate = held  # Rasa holds the turn: the reply is not sent yet
    gateway.start()
    post = _post_telegram if channel == "telegram" else _post_zalo

    assert post(gateway.port) == 200
    wait_for(lambda: len(fake_rasa.received) == 1, 30, "the turn never reached Rasa")
    gateway.kill()
    fake_rasa.gate = None
    held.set()
    assert replies() == []

    gateway.start()
    wait_for(lambda: len(replies()) >= 1, 30, "no reply after the restart")
    time.sleep(3)  # longer than a claim: a second handling would have replied by now
    assert len(replies()) == 1
    assert _count(gateway, InboundEvent) == 0


def _count(gateway: Gateway, table: Any) -> int:
    database = create_engine(gateway.env["BDHVS_DATABASE_URL"])
    try:
        with Session(database) as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        database.dispose()


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
def test_a_gateway_killed_while_sending_a_reply_sends_the_rest_once_after_restart(
    channel: str,
    gateway: Gateway,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
) -> None:
    """The turn is handled and logged, its first message delivered; the process
    dies while the second is on its way. After the restart the second arrives once,
    the first is not sent again, and Rasa is not asked again."""

    def texts() -> list[str]:
        if channel == "telegram":
            return [
                c["text"]
                for c in fake_telegram.calls("sendMessage")
                if c["chat_id"] == CHAT_ID
            ]
        return [r.body["message"]["text"] for r in fake_zalo.sent]

    fake_rasa.answer("Bước 1: mở ứng dụng VNeID.", "greet", 0.99)
    fake_rasa.reply["messages"].append(
        {"recipient_id": "x", "text": "Bước 2: chọn “Thủ tục hành chính”."}
    )
    platform: Any = fake_telegram if channel == "telegram" else fake_zalo
    release = platform.hold("/sendMessage" if channel == "telegram" else SEND_PATH, 1)
    gateway.start()
    post = _post_telegram if channel == "telegram" else _post_zalo

    assert post(gateway.port) == 200
    wait_for(platform.holding.is_set, 30, "the second message was never sent")
    gateway.kill()
    release.set()
    assert texts() == ["Bước 1: mở ứng dụng VNeID."]

    gateway.start()
    wait_for(lambda: len(texts()) >= 2, 30, "the rest of the reply never came")
    time.sleep(3)  # longer than a claim: a second handling would have replied by now
    assert texts() == [
        "Bước 1: mở ứng dụng VNeID.",
        "Bước 2: chọn “Thủ tục hành chính”.",
    ]
    assert len(fake_rasa.received) == 1
    assert _count(gateway, Turn) == 1
    assert _count(gateway, InboundEvent) == 0
    assert _count(gateway, OutboundMessage) == 0
