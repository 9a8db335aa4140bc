"""After the team closes a hand-off ticket, one tap on the citizen's channel: "Hài
lòng / Chưa hài lòng" (issue #20, point 11), recorded on the ticket (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.core.db import utcnow
from api.handoff.models import HandoffTicket
from api.handoff.wording import SATISFIED, UNSATISFIED
from api.staff.models import Role
from api.staff.service import create_staff
from api.teams import seed_teams
from tests.api.conftest import staff_token
from tests.api.test_telegram import callback_update, message_update
from tests.api.test_telegram import post as telegram_post
from tests.api.test_zalo import event as zalo_event
from tests.api.test_zalo import post as zalo_post
from tests.api.test_zalo import texts as zalo_texts
from tests.conftest import ROOT
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA

THANH_SEN = "18073"  # a sample team serves it
QUESTION = "Anh/Chị có hài lòng với hỗ trợ của Tổ công nghệ số không?"
BUTTONS = [
    {"title": "Hài lòng", "payload": SATISFIED},
    {"title": "Chưa hài lòng", "payload": UNSATISFIED},
]


@pytest.fixture
def teams(seeded_engine: Any) -> Any:
    with Session(seeded_engine) as session:
        seed_teams(session, ROOT / "seeds")
        create_staff(session, "ts1", "a-long-password", Role.COMMUNITY, [THANH_SEN])
    return seeded_engine


def staff() -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token('ts1', Role.COMMUNITY)}"}


def open_ticket(say: Callable[[str], Any], fake_rasa: FakeRasa) -> None:
    """The hand-off dialogue, whatever the channel ("có" accepts the offer)."""
    fake_rasa.answer("Anh/Chị có thể được hỗ trợ trực tiếp…", "request_human", 0.97)
    say("tôi muốn gặp cán bộ")
    say("có")
    say("phuong thanh sen ha tinh")
    say("không nhận được mã kích hoạt VNeID")


def the_ticket(engine: Any) -> HandoffTicket:
    with Session(engine) as session:
        [ticket] = session.query(HandoffTicket).all()
        return ticket


def claim_and_close(client: TestClient, number: int) -> None:
    claimed = client.post(f"/api/staff/tickets/{number}/claim", headers=staff())
    assert claimed.status_code == 200
    closed = client.post(
        f"/api/staff/tickets/{number}/close",
        json={"resolution": "guided_remotely"},
        headers=staff(),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


def updates(client: TestClient, sender: str = "c1") -> dict[str, Any]:
    body: dict[str, Any] = client.get(
        "/api/chat/updates", params={"sender": sender}
    ).json()
    return body


def test_web_chat_gets_the_question_once_and_the_tap_is_recorded(
    client: TestClient, fake_rasa: FakeRasa, teams: Any
) -> None:
    def say(text: str) -> Any:
        response = client.post("/api/chat", json={"sender": "c1", "text": text})
        assert response.status_code == 200, response.text
        return response.json()

    open_ticket(say, fake_rasa)
    number = the_ticket(teams).id
    assert updates(client)["questions"] == []  # not before closing
    claim_and_close(client, number)

    first = updates(client)
    [question] = first["questions"]
    assert question["text"].startswith(f"Yêu cầu số {number} đã được Tổ xử lý xong.")
    assert question["text"].endswith(QUESTION)
    assert question["buttons"] == BUTTONS
    assert updates(client)["questions"] == []  # shown once
    assert updates(client, "someone-else")["questions"] == []
    assert the_ticket(teams).satisfaction == "asked"

    calls = len(fake_rasa.received)
    thanks = say(UNSATISFIED)
    assert len(fake_rasa.received) == calls  # answered by the gateway itself
    assert "gặp cán bộ" in thanks["messages"][0]["text"]
    assert the_ticket(teams).satisfaction == "unsatisfied"
    # A second tap corrects the first.
    assert say(SATISFIED)["messages"][0]["text"].startswith("Cảm ơn")
    assert the_ticket(teams).satisfaction == "satisfied"
    # The next message goes to the assistant as usual.
    fake_rasa.answer("VNeID là…", "faq", 0.9)
    assert say("vneid la gi")["messages"][0]["text"] == "VNeID là…"


def test_telegram_citizen_gets_the_question_with_buttons_when_closed(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    teams: Any,
) -> None:
    open_ticket(
        lambda text: telegram_post(channel_client, message_update(text)), fake_rasa
    )
    ticket = the_ticket(teams)
    assert ticket.channel == "telegram"
    claim_and_close(channel_client, ticket.id)

    sent = fake_telegram.calls("sendMessage")[-1]
    assert sent["text"].endswith(QUESTION)
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Hài lòng", "Chưa hài lòng"]
    assert the_ticket(teams).satisfaction == "asked"

    telegram_post(channel_client, callback_update(keyboard[0][0]["callback_data"]))
    assert fake_telegram.calls("sendMessage")[-1]["text"].startswith("Cảm ơn")
    assert the_ticket(teams).satisfaction == "satisfied"


def test_zalo_is_asked_only_inside_its_window(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    teams: Any,
) -> None:
    open_ticket(
        lambda text: zalo_post(channel_client, zalo_event(text=text)), fake_rasa
    )
    ticket = the_ticket(teams)
    assert ticket.channel == "zalo"
    with Session(teams) as session:
        session.execute(
            update(ChannelContact).values(last_inbound_at=utcnow() - timedelta(days=8))
        )
        session.commit()
    sent_before = len(fake_zalo.sent)
    claim_and_close(channel_client, ticket.id)
    assert len(fake_zalo.sent) == sent_before  # outside the window: nothing sent
    assert the_ticket(teams).satisfaction == "failed"
    # A tap can then not be recorded against it (the question never arrived).
    zalo_post(channel_client, zalo_event(text=SATISFIED))
    assert the_ticket(teams).satisfaction == "failed"


def test_zalo_question_is_a_numbered_list_a_typed_number_answers(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    teams: Any,
) -> None:
    open_ticket(
        lambda text: zalo_post(channel_client, zalo_event(text=text)), fake_rasa
    )
    claim_and_close(channel_client, the_ticket(teams).id)
    question = zalo_texts(fake_zalo)[-1]
    assert QUESTION in question
    assert "1. Hài lòng" in question and "2. Chưa hài lòng" in question

    calls = len(fake_rasa.received)
    zalo_post(channel_client, zalo_event(text="2"))
    assert len(fake_rasa.received) == calls
    assert the_ticket(teams).satisfaction == "unsatisfied"
