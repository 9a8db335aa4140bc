"""A scam in progress is warned about first, on every channel, before Rasa."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.helper_mode.models import HelperSession, HelperStatus, StaffChatLink
from api.privacy.pseudonym import pseudonymize
from api.safety.content import load_content, next_steps_text, warning_text
from tests.api.conftest import SECRET, logged_turns
from tests.api.test_telegram import message_update
from tests.api.test_telegram import post as telegram_post
from tests.api.test_zalo import event
from tests.api.test_zalo import post as zalo_post
from tests.conftest import ROOT
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA

CONTENT = load_content(ROOT / "seeds")
FAKE_POLICE = "co nguoi goi dien bao toi cap nhat dinh danh muc 3 co dung khong"
OTP_FOR_STAFF = "cán bộ bảo đọc mã OTP để kích hoạt giúp"


def chat(client: TestClient, text: str, sender: str = "web-1") -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200
    return dict(response.json())


def test_warning_comes_first_and_rasa_is_not_asked(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    body = chat(client, FAKE_POLICE)

    first, second = body["messages"]
    assert first["text"] == warning_text(CONTENT, "identity_update")
    assert second["text"] == next_steps_text(CONTENT)
    payloads = [b["payload"] for b in second["buttons"]]
    assert payloads[-1] == "/request_human"
    assert all(p.startswith("/choose") for p in payloads[:-1])
    assert fake_rasa.received == []
    [turn] = logged_turns(seeded_engine)
    assert (turn.intent, turn.topic, turn.detail) == (
        "scam_alert",
        "scam_safety",
        "scam:identity_update",
    )


def test_a_request_for_the_code_is_never_answered_with_the_procedure(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    # Rasa would answer with the activation steps; the gateway never asks it.
    fake_rasa.answer(
        "Các bước kích hoạt…",
        "faq",
        0.99,
        turn={"outcome": "answered", "answer_id": "vneid_activate_level2"},
    )
    body = chat(client, OTP_FOR_STAFF)

    assert body["intent"] == "scam_alert"
    assert body["answer_id"] is None
    assert body["messages"][0]["text"] == warning_text(CONTENT, "code_request")
    assert fake_rasa.received == []


def test_an_ordinary_question_with_the_same_words_goes_to_rasa(
    client: TestClient, fake_rasa: FakeRasa
) -> None:
    fake_rasa.answer("Nếu chưa nhận được mã OTP…", "faq", 0.95)
    body = chat(client, "mã OTP không về điện thoại thì làm sao")

    assert body["intent"] == "faq"
    assert fake_rasa.received[0]["message"] == "mã OTP không về điện thoại thì làm sao"


def test_telegram_and_zalo_get_the_warning_first(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    assert telegram_post(channel_client, message_update(FAKE_POLICE)).status_code == 200
    assert zalo_post(channel_client, event(text=OTP_FOR_STAFF)).status_code == 200

    sent = fake_telegram.calls("sendMessage")
    assert sent[0]["text"] == warning_text(CONTENT, "identity_update")
    fake_zalo.wait_for(lambda requests: len(requests) >= 2)
    assert fake_zalo.sent[0].body["message"]["text"] == warning_text(
        CONTENT, "code_request"
    )
    assert fake_rasa.received == []
    kinds = sorted((t.channel, t.detail) for t in logged_turns(seeded_engine))
    assert kinds == [
        ("telegram", "scam:identity_update"),
        ("zalo", "scam:code_request"),
    ]


def test_in_helper_mode_the_warning_counts_for_the_residents_commune(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    member = pseudonymize(SECRET, "web", "member-chat")
    with Session(seeded_engine) as session:
        session.add(
            StaffChatLink(channel="web", user_pseudonym=member, staff_username="ts1")
        )
        session.add(
            HelperSession(
                staff_username="ts1",
                channel="web",
                user_pseudonym=member,
                status=HelperStatus.ACTIVE,
                started_at=utcnow(),
                province_code="42",
                commune_code="18073",
            )
        )
        session.commit()

    body = chat(
        client, "bác ấy bảo có người gọi xin ảnh căn cước hai mặt", "member-chat"
    )

    assert body["intent"] == "scam_alert"
    [turn] = logged_turns(seeded_engine)
    assert (turn.province_code, turn.commune_code) == ("42", "18073")
    assert fake_rasa.received == []
