"""The outbox's relay (api.relay): with one, the gateway hands a webhook turn's reply
over instead of sending it, and the relay sends it once, woken on PostgreSQL by the
hand-over's commit; a reply it cannot deliver is recorded as before."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.channels.models import InboundEvent, OutboundMessage
from api.channels.outbox_table import Outbox
from api.core.config import ROOT, Settings
from api.querylog.models import Outcome
from api.relay import Notifications, relay
from tests.api.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    client_for,
    logged_turns,
    wait_until,
)
from tests.api.test_handoff import staff, teams  # noqa: F401
from tests.api.test_outbox import claimed_telegram_ticket, last_delivery
from tests.api.test_telegram import CHAT_ID, message_update
from tests.api.test_telegram import post as post_telegram
from tests.api.test_zalo import event as zalo_event
from tests.api.test_zalo import post as post_zalo
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA

ANSWER = "Chữ ký số là chữ ký điện tử dùng khóa riêng của Anh/Chị."


def _waiting(engine: Any) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboundMessage)))


def _telegram_texts(fake: FakeTelegram) -> list[str]:
    return [c["text"] for c in fake.calls("sendMessage") if c["chat_id"] == CHAT_ID]


@contextmanager
def running_relay(settings: Settings) -> Iterator[None]:
    """The relay on a thread of its own (as its own process would be), stopped as
    SIGTERM stops it."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(relay(settings, stop))
        except BaseException as exc:  # reported in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()
    assert not failed, failed


def _with(settings: Settings, **overrides: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **overrides})


@pytest.fixture
def relayed(channel_settings: Settings, fake_rasa: FakeRasa) -> Settings:
    """The gateway's settings with a relay, Rasa answering every question."""
    fake_rasa.answer(ANSWER, "faq", 0.9)
    return _with(channel_settings, outbox_relay=True, send_attempts=1)


def test_the_gateway_hands_a_telegram_reply_over_and_the_relay_sends_it_once(
    relayed: Settings, fake_telegram: FakeTelegram, seeded_engine: Any
) -> None:
    with client_for(relayed) as client:
        post_telegram(client, message_update("chu ky so la gi"))
        wait_until(lambda: len(_waiting(seeded_engine)) == 1)
        # The worker sent nothing itself: the reply waits, sealed, due now.
        assert _telegram_texts(fake_telegram) == []
        [handed] = _waiting(seeded_engine)
        assert ANSWER.encode() not in handed.sealed
        with Session(seeded_engine) as session:
            assert session.scalars(select(InboundEvent)).all() == []

    with running_relay(_with(relayed, outbox_poll_seconds=0.05)):
        wait_until(lambda: _telegram_texts(fake_telegram) == [ANSWER])
        wait_until(lambda: _waiting(seeded_engine) == [])
    assert _telegram_texts(fake_telegram) == [ANSWER]
    [turn] = logged_turns(seeded_engine)
    assert turn.outcome is Outcome.ANSWERED


def test_a_zalo_reply_the_relay_cannot_deliver_is_recorded_on_its_turn(
    relayed: Settings, fake_zalo: FakeZaloOA, seeded_engine: Any
) -> None:
    fake_zalo.script = [(200, {"error": -230, "message": "user not follow OA"})]
    with (
        client_for(relayed) as client,
        running_relay(_with(relayed, outbox_poll_seconds=0.05)),
    ):
        post_zalo(client, zalo_event(text="chu ky so"))
        wait_until(lambda: len(fake_zalo.sent) == 1)
        wait_until(lambda: _waiting(seeded_engine) == [])
        wait_until(
            lambda: logged_turns(seeded_engine)[0].outcome is Outcome.UNDELIVERED
        )
    [turn] = logged_turns(seeded_engine)
    assert turn.detail == "zalo:zalo_error_-230"
    assert len(fake_zalo.sent) == 1  # a permanent refusal is not tried again


@pytest.mark.usefixtures("teams")
def test_a_team_s_reply_goes_through_the_relay_and_its_delivery_is_recorded(
    relayed: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    reply = "Tổ sẽ gọi lại cho Anh/Chị chiều nay."
    with (
        client_for(relayed) as client,
        running_relay(_with(relayed, outbox_poll_seconds=0.05)),
    ):
        number = claimed_telegram_ticket(client, fake_rasa, seeded_engine)
        sent = client.post(
            f"/api/staff/tickets/{number}/reply",
            json={"text": reply},
            headers=staff("ts1"),
        )
        assert sent.json()["delivery"] == "queued"  # handed to the relay
        wait_until(lambda: last_delivery(client, number) == "sent")
    assert len([t for t in _telegram_texts(fake_telegram) if reply in t]) == 1


# PostgreSQL's notifications: these run on its database only.
ON_POSTGRESQL = pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


@ON_POSTGRESQL
def test_on_postgresql_the_hand_over_s_commit_wakes_the_relay_at_once(
    relayed: Settings, fake_telegram: FakeTelegram, seeded_engine: Any
) -> None:
    # The relay would look at the table again only after a minute.
    slow_poll = _with(relayed, outbox_poll_seconds=60)
    with running_relay(slow_poll), client_for(relayed) as client:
        for n in range(3):
            post_telegram(client, message_update(f"chu ky so la gi {n}"))
            wait_until(
                lambda sent=n + 1: len(_telegram_texts(fake_telegram)) == sent,
                timeout=20,
            )
    assert _telegram_texts(fake_telegram) == [ANSWER] * 3


@ON_POSTGRESQL
def test_a_hand_over_is_heard_with_its_id_and_one_that_does_not_commit_is_not(
    seeded_engine: Any,
) -> None:
    outbox = Outbox(seeded_engine, "k" * 32, lease_seconds=60)
    notifications = Notifications(seeded_engine.url.render_as_string(False))

    async def heard(hand_over: Any) -> tuple[Any, list[int]]:
        assert await notifications.wait(0) == []  # connects and listens
        result = await asyncio.to_thread(hand_over)
        return result, await notifications.wait(2)

    async def both() -> tuple[Any, ...]:
        try:
            # No inbox event 404 is under claim 1: nothing is written, nobody told.
            lapsed = await heard(
                lambda: outbox.take_over(
                    404, 1, "telegram", "turn", None, "1", [{}], True
                )
            )
            handed = await heard(lambda: _handed_over(seeded_engine, outbox))
            return lapsed, handed
        finally:
            await notifications.close()

    (nothing, not_heard), (message_id, heard_ids) = asyncio.run(both())
    assert (nothing, not_heard) == (None, [])
    assert heard_ids == [message_id]


def _handed_over(engine: Any, outbox: Outbox) -> int | None:
    with Session(engine) as session:
        event = InboundEvent(channel="telegram", sealed=b"x", attempts=1)
        session.add(event)
        session.commit()
        event_id = event.id
    return outbox.take_over(
        event_id, 1, "telegram", "turn", None, "1", [{"text": "a"}], True
    )


# The relay killed while sending -------------------------------------------------


def test_a_relay_killed_while_sending_a_reply_sends_the_rest_once_after_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, database_url: str, engine: Any
) -> None:
    """The relay, as its own process, delivers the first message of a reply handed
    over to it and dies while the second is on its way. The relay started after it
    sends the second once, and not the first again: on SQLite when the dead relay's
    claim lapses, on PostgreSQL at once (its claim lasts a minute here, as in
    production)."""
    on_postgresql = engine.dialect.name == "postgresql"
    # On SQLite a claim lapses quickly here; in production it outlasts any send.
    lease = 60 if on_postgresql else 2
    env = {
        **os.environ,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_DATABASE_URL": database_url,
        "BDHVS_SECRET_KEY": "relay-test-pseudonym-key",
        "BDHVS_TOKEN_KEY": "relay-test-token-key",
        "BDHVS_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "BDHVS_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "BDHVS_TELEGRAM_API_URL": fake_telegram.url,
        "BDHVS_OUTBOX_LEASE_SECONDS": str(lease),
        "BDHVS_OUTBOX_POLL_SECONDS": "0.2",
    }
    outbox = Outbox(engine, "relay-test-token-key", lease_seconds=lease)
    steps = ["Bước 1: mở ứng dụng VNeID.", "Bước 2: chọn “Thủ tục hành chính”."]
    with Session(engine) as session:
        event = InboundEvent(channel="telegram", sealed=b"x", attempts=1)
        session.add(event)
        session.commit()
        event_id = event.id
    handed = outbox.take_over(
        event_id,
        1,
        "telegram",
        "turn",
        None,
        str(CHAT_ID),
        [{"text": step} for step in steps],
        True,
    )
    assert handed is not None
    release = fake_telegram.hold("/sendMessage", 1)

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / "relay.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "api", "relay"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    first = start()
    try:
        assert fake_telegram.holding.wait(60), "the second message was never sent"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        release.set()
    assert _telegram_texts(fake_telegram) == steps[:1]

    second = start()
    try:
        # Well within the dead relay's minute-long claim on PostgreSQL.
        wait_until(
            lambda: len(_telegram_texts(fake_telegram)) >= 2,
            timeout=20 if on_postgresql else 60,
        )
        time.sleep(3)  # a second send of either message would have come by now
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    assert _telegram_texts(fake_telegram) == steps
    assert _waiting(engine) == []
