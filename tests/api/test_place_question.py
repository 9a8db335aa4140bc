"""The assistant asks a citizen's commune once, after a few answers, and remembers it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.citizen.profile import ASK_AFTER_ANSWERS, ASK_PLACE
from tests.api.conftest import logged_turns

ANSWERED = {
    "outcome": "answered",
    "answer_id": "vneid_activate_level2",
    "answer_confidence": 0.93,
}


def chat(client: TestClient, sender: str, text: str) -> list[str]:
    """Sends ``text``; returns the texts of the reply."""
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"]]


def test_the_commune_is_asked_once_after_answers_and_put_on_the_turns(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("Anh/Chị làm như sau ...", "faq", 0.97, turn=ANSWERED)
    replies = [chat(client, "c1", "kich hoat vneid") for _ in range(ASK_AFTER_ANSWERS)]
    assert all(ASK_PLACE not in r for r in replies[:-1])
    assert replies[-1][-1] == ASK_PLACE
    asked = len(fake_rasa.received)

    reply = chat(client, "c1", "tôi ở phuong thanh sen ha tinh")
    assert reply == [
        "Cảm ơn Anh/Chị. Trợ lý đã ghi nhận địa bàn: Phường Thành Sen, Hà Tĩnh. "
        "Anh/Chị cứ tiếp tục đặt câu hỏi nhé."
    ]
    assert len(fake_rasa.received) == asked  # the assistant was not asked

    later = chat(client, "c1", "đổi số điện thoại")
    assert ASK_PLACE not in later
    turns = logged_turns(seeded_engine)
    place_turn = turns[ASK_AFTER_ANSWERS]
    assert (place_turn.intent, place_turn.topic) == ("provide_place", "citizen_place")
    # Every turn of the conversation, before and after, is counted for Thành Sen.
    assert {(t.province_code, t.commune_code) for t in turns} == {("42", "18073")}


def test_an_ambiguous_commune_is_asked_again_and_anything_else_goes_on(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("Anh/Chị làm như sau ...", "faq", 0.97, turn=ANSWERED)
    for _ in range(ASK_AFTER_ANSWERS):
        chat(client, "c2", "dang ky tai khoan dvc")
    [ambiguous] = chat(client, "c2", "phường Việt Hưng")
    assert "1. Phường Việt Hưng, Hà Nội" in ambiguous
    assert "2. Phường Việt Hưng, Quảng Ninh" in ambiguous
    [saved] = chat(client, "c2", "Việt Hưng Quảng Ninh")
    assert "Phường Việt Hưng, Quảng Ninh" in saved

    for _ in range(ASK_AFTER_ANSWERS):
        chat(client, "c3", "dang ky tai khoan dvc")
    received = len(fake_rasa.received)
    # Not a place: the question is dropped and the message answered as usual.
    reply = chat(client, "c3", "quên mật khẩu thì sao")
    assert reply == ["Anh/Chị làm như sau ..."]
    assert len(fake_rasa.received) == received + 1
    for _ in range(3):
        assert ASK_PLACE not in chat(client, "c3", "dang ky tai khoan dvc")
    assert all(
        t.commune_code is None
        for t in logged_turns(seeded_engine)
        if t.user_pseudonym == logged_turns(seeded_engine)[-1].user_pseudonym
    )


def test_a_question_naming_a_place_by_chance_is_answered_not_taken_as_the_place(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("Anh/Chị làm như sau ...", "faq", 0.97, turn=ANSWERED)
    for _ in range(ASK_AFTER_ANSWERS):
        chat(client, "c4", "dang ky tai khoan dvc")
    received = len(fake_rasa.received)

    # "la gi" spells Phường La Gi (Lâm Đồng): the question is answered all the same.
    assert chat(client, "c4", "chu ky so la gi") == ["Anh/Chị làm như sau ..."]
    assert len(fake_rasa.received) == received + 1
    assert logged_turns(seeded_engine)[-1].commune_code is None

    for _ in range(ASK_AFTER_ANSWERS):
        chat(client, "c5", "dang ky tai khoan dvc")
    [saved] = chat(client, "c5", "tôi ở La Gi ạ")
    assert "Phường La Gi" in saved
