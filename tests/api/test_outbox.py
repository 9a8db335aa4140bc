"""The durable outbox (api.channels.outbox): a reply a platform refuses for a while
is sent again by any gateway worker, after the platform's own wait, and delivered
once; one it keeps refusing is given up and recorded."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.channels import delivery
from api.channels.delivery import backoff_delay
from api.channels.models import ChannelContact, OutboundMessage
from api.core.config import Settings
from api.handoff.models import HandoffTicket
from api.querylog.models import Outcome
from tests.api.conftest import client_for, logged_turns, wait_until
from tests.api.test_handoff import open_ticket, staff, teams  # noqa: F401
from tests.api.test_telegram import CHAT_ID, message_update
from tests.api.test_telegram import post as post_telegram
from tests.api.test_zalo import event as zalo_event
from tests.api.test_zalo import post as post_zalo
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA

ANSWER = "Chữ ký số là chữ ký điện tử dùng khóa riêng của Anh/Chị."


def _waiting(engine: Any) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboundMessage)))


def _sent(fake: FakeTelegram) -> list[dict[str, Any]]:
    """Every sendMessage of the answer, refused ones included."""
    return [
        c
        for c in fake.calls("sendMessage")
        if c["chat_id"] == CHAT_ID and c["text"] == ANSWER
    ]


def test_the_back_off_doubles_up_to_its_cap_with_a_bounded_jitter() -> None:
    rng = random.Random(21)
    for attempt in range(1, 12):
        ceiling = min(300.0, 5.0 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, 5.0, 300.0, rng) for _ in range(500)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        # Spread over the band, so replies refused together are not retried together.
        assert min(delays) < ceiling * 0.55 and max(delays) > ceiling * 0.95


def test_a_telegram_429_is_waited_out_then_the_reply_is_delivered_once(
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Longer than a worker waits in-process: the outbox waits it out.
    monkeypatch.setattr(delivery, "INLINE_WAIT_MAX_SECONDS", 0.5)
    fake_rasa.answer(ANSWER, "faq", 0.9)
    fake_telegram.failures["sendMessage"] = [
        (429, "Too Many Requests: retry after 1", {"retry_after": 1})
    ]
    with client_for(
        channel_settings, outbox_poll_seconds=0.05, outbox_backoff_seconds=0.05
    ) as client:
        post_telegram(client, message_update("chu ky so la gi"))
        refused = time.monotonic()
        assert len(fake_telegram.calls("sendMessage")) == 1
        [queued] = _waiting(seeded_engine)
        assert ANSWER.encode() not in queued.sealed  # sealed, as the inbox's events

        fake_telegram.wait_for(lambda _: len(_sent(fake_telegram)) == 2)
        assert time.monotonic() - refused >= 0.9  # not before Telegram's second
        time.sleep(0.5)  # a second delivery would have happened by now

    # The refused try, then one delivery.
    assert len(fake_telegram.calls("sendMessage")) == 2
    assert len(_sent(fake_telegram)) == 2
    assert _waiting(seeded_engine) == []
    [turn] = logged_turns(seeded_engine)
    assert turn.outcome is Outcome.ANSWERED


def test_a_short_retry_after_is_waited_out_in_process(
    channel_client: Any,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.9)
    fake_telegram.failures["sendMessage"] = [
        (429, "Too Many Requests: retry after 1", {"retry_after": 1})
    ]
    started = time.monotonic()

    post_telegram(channel_client, message_update("chu ky so la gi"))

    assert time.monotonic() - started >= 1.0
    assert len(_sent(fake_telegram)) == 2  # the refused try, then one delivery
    assert _waiting(seeded_engine) == []


def test_a_reply_queued_before_a_restart_is_delivered_once_by_the_next_worker(
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.9)
    fake_zalo.script = [(503, {})]
    settings = Settings(
        **{
            **channel_settings.model_dump(),
            "send_attempts": 1,
            "outbox_poll_seconds": 0.05,
            # Not due before this worker stops.
            "outbox_backoff_seconds": 2,
        }
    )
    with client_for(settings) as first:
        post_zalo(first, zalo_event(text="chu ky so"))
    assert len(fake_zalo.sent) == 1
    assert len(_waiting(seeded_engine)) == 1

    with client_for(settings):  # a worker started later, or the same restarted
        fake_zalo.wait_for(lambda _: len(fake_zalo.sent) == 2)
        time.sleep(0.5)

    assert len(fake_zalo.sent) == 2
    assert fake_zalo.sent[1].body["message"]["text"] == ANSWER
    assert _waiting(seeded_engine) == []
    [turn] = logged_turns(seeded_engine)
    assert turn.outcome is Outcome.ANSWERED


def test_a_reply_the_platform_keeps_refusing_is_given_up_and_recorded(
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.9)
    fake_telegram.failures["sendMessage"] = [(502, "Bad Gateway")] * 20
    with client_for(
        channel_settings,
        send_attempts=1,
        outbox_poll_seconds=0.05,
        outbox_backoff_seconds=0.05,
        outbox_max_attempts=3,
    ) as client:
        post_telegram(client, message_update("chu ky so la gi"))
        wait_until(
            lambda: logged_turns(seeded_engine)[0].outcome is Outcome.UNDELIVERED
        )
        time.sleep(0.5)  # nothing more is tried

    # Once at once, then the outbox's three tries.
    assert len(fake_telegram.calls("sendMessage")) == 4
    assert _waiting(seeded_engine) == []
    [turn] = logged_turns(seeded_engine)
    assert (turn.outcome, turn.detail) == (Outcome.UNDELIVERED, "telegram:NetworkError")
    assert turn.reply_masked == ANSWER


def test_a_zalo_rate_limit_is_retried_and_a_permanent_refusal_is_not(
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(ANSWER, "faq", 0.9)
    fake_zalo.script = [
        (429, {}),
        (200, {"error": -32, "message": "exceeded the limit"}),
    ]
    with client_for(
        channel_settings,
        send_attempts=1,
        outbox_poll_seconds=0.05,
        outbox_backoff_seconds=0.05,
    ) as client:
        post_zalo(client, zalo_event(text="chu ky so"))
        fake_zalo.wait_for(lambda _: len(fake_zalo.sent) == 3)
        time.sleep(0.3)
        assert len(fake_zalo.sent) == 3
        assert _waiting(seeded_engine) == []

        fake_zalo.script = [(200, {"error": -213, "message": "not a follower"})]
        post_zalo(client, zalo_event(text="chu ky so"))
        time.sleep(0.3)

    assert len(fake_zalo.sent) == 4  # not retried
    first, second = logged_turns(seeded_engine)
    assert first.outcome is Outcome.ANSWERED
    assert (second.outcome, second.detail) == (
        Outcome.UNDELIVERED,
        "zalo:zalo_error_-213",
    )


def claimed_telegram_ticket(client: Any, fake_rasa: FakeRasa, engine: Any) -> int:
    """A hand-off ticket of a citizen who wrote from Telegram, claimed by ts1."""
    number = open_ticket(client, fake_rasa)
    with Session(engine) as session:
        ticket = session.get(HandoffTicket, number)
        assert ticket is not None
        ticket.channel = "telegram"
        session.add(
            ChannelContact(
                channel="telegram",
                user_pseudonym=ticket.user_pseudonym,
                address=str(CHAT_ID),
            )
        )
        session.commit()
    client.post(f"/api/staff/tickets/{number}/claim", headers=staff("ts1"))
    return number


def last_delivery(client: Any, number: int) -> str:
    """The delivery of the last message of ticket ``number``'s thread."""
    detail = client.get(f"/api/staff/tickets/{number}", headers=staff("ts1"))
    return str(detail.json()["thread"][-1]["delivery"])


@pytest.mark.usefixtures("teams")
def test_a_team_reply_the_platform_refuses_for_a_while_is_sent_and_recorded(
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    with client_for(
        channel_settings,
        send_attempts=1,
        outbox_poll_seconds=0.05,
        outbox_backoff_seconds=0.05,
    ) as client:
        number = claimed_telegram_ticket(client, fake_rasa, seeded_engine)
        fake_telegram.failures["sendMessage"] = [(502, "Bad Gateway")]

        sent = client.post(
            f"/api/staff/tickets/{number}/reply",
            json={"text": "Tổ sẽ gọi lại cho Anh/Chị chiều nay."},
            headers=staff("ts1"),
        )
        assert sent.json()["delivery"] == "queued"
        wait_until(lambda: last_delivery(client, number) == "sent")

    calls = [
        c
        for c in fake_telegram.calls("sendMessage")
        if "Tổ sẽ gọi lại cho Anh/Chị chiều nay." in c["text"]
    ]
    assert len(calls) == 2  # refused once, then delivered once
