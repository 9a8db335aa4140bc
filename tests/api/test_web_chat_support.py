"""What the web chat page needs from the gateway: which message may be rated, whole
button labels, whether a hand-off is under way, and the privacy notice's retention."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.citizen.profile import ASK_AFTER_ANSWERS, ASK_PLACE
from api.core.config import Settings
from api.handoff.wording import ACCEPT
from tests.api.conftest import client_for

ANSWERED = {"outcome": "answered", "answer_id": "vneid_activate_level2"}
POLICE = "licence_show_police"
POLICE_QUESTION = (
    "Khi Cảnh sát giao thông kiểm tra, xuất trình giấy phép lái xe trên VNeID thay "
    "bằng lái thật được không?"
)


def say(client: TestClient, sender: str, text: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_answer_is_rated_under_itself_not_under_the_question_that_follows(
    client: TestClient, fake_rasa: Any
) -> None:
    fake_rasa.answer("Anh/Chị làm như sau ...", "faq", 0.97, turn=ANSWERED)
    replies = [say(client, "r1", "kich hoat vneid") for _ in range(ASK_AFTER_ANSWERS)]

    assert replies[0]["feedback_after"] == 0
    last = replies[-1]
    assert [m["text"] for m in last["messages"]] == [
        "Anh/Chị làm như sau ...",
        ASK_PLACE,
    ]
    assert last["feedback_after"] == 0  # under the answer, not the place question
    # The citizen's answer to the place question is not rated.
    assert say(client, "r1", "phuong thanh sen ha tinh")["feedback_after"] is None


def test_clarifications_are_rated_small_talk_and_out_of_scope_are_not(
    client: TestClient, fake_rasa: Any
) -> None:
    fake_rasa.answer(
        "Tôi chưa chắc Anh/Chị hỏi điều nào:\n1. ...",
        "faq",
        0.4,
        turn={"outcome": "unsure"},
    )
    assert say(client, "r2", "vneid")["feedback_after"] == 0
    fake_rasa.answer(
        "Tôi chưa hiểu ...", "nlu_fallback", 0.2, turn={"outcome": "unsure"}
    )
    assert say(client, "r2", "abc xyz")["feedback_after"] == 0
    fake_rasa.answer("Không có gì ạ.", "thank", 0.99)
    assert say(client, "r3", "cam on")["feedback_after"] is None
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    assert say(client, "r3", "xin chao")["feedback_after"] is None
    fake_rasa.answer("Câu hỏi này nằm ngoài phạm vi ...", "out_of_scope", 0.9)
    assert say(client, "r3", "thoi tiet")["feedback_after"] is None


def test_a_guided_procedure_is_rated_at_its_end_not_at_each_step(
    client: TestClient, fake_rasa: Any
) -> None:
    step_buttons = [
        {"title": "Tiếp", "payload": "/guide_next"},
        {"title": "Thoát", "payload": "/guide_exit"},
    ]
    fake_rasa.answer("Bước 1/2: ...", "guide", 1.0, turn=ANSWERED, buttons=step_buttons)
    assert (
        say(client, "r4", '/guide{"answer_id":"vneid_activate_level2"}')[
            "feedback_after"
        ]
        is None
    )
    fake_rasa.answer(
        "Bước 2/2: ...", "guide_next", 1.0, turn=ANSWERED, buttons=step_buttons
    )
    assert say(client, "r4", "/guide_next")["feedback_after"] is None
    fake_rasa.answer("Anh/Chị đã đi hết các bước ...", "guide_next", 1.0, turn=ANSWERED)
    assert say(client, "r4", "/guide_next")["feedback_after"] == 0
    fake_rasa.answer("Đã dừng hướng dẫn.", "guide_exit", 1.0, turn=ANSWERED)
    assert say(client, "r4", "/guide_exit")["feedback_after"] is None


def test_the_hand_off_dialogue_is_not_rated(client: TestClient, fake_rasa: Any) -> None:
    fake_rasa.answer("Anh/Chị có thể được hỗ trợ trực tiếp…", "request_human", 0.97)
    offered = say(client, "r5", "gặp cán bộ")
    assert offered["messages"][-1]["buttons"]  # the offer of a person
    assert offered["feedback_after"] is None
    assert say(client, "r5", ACCEPT)["feedback_after"] is None


def test_a_scam_warning_is_rated_under_what_to_do(client: TestClient) -> None:
    warned = say(
        client, "r6", "có người gọi bảo tôi đọc mã OTP để cập nhật định danh mức 3"
    )
    assert warned["intent"] == "scam_alert"
    assert warned["feedback_after"] == len(warned["messages"]) - 1


def test_cut_button_labels_of_stored_answers_come_back_whole(
    client: TestClient, fake_rasa: Any
) -> None:
    cut = POLICE_QUESTION[:59].rstrip() + "…"
    fake_rasa.answer(
        "Tôi chưa chắc ...",
        "faq",
        0.4,
        turn={"outcome": "unsure"},
        buttons=[
            {"title": cut, "payload": '/choose{"answer_id":"' + POLICE + '"}'},
            {"title": "Không có trong kho…", "payload": '/choose{"answer_id":"nope"}'},
            {"title": "Tiếp…", "payload": "/guide_next"},
            {
                "title": "Mức 1 và mức 2",
                "payload": '/choose{"answer_id":"vneid_levels"}',
            },
        ],
    )
    buttons = say(client, "r7", "bang lai")["messages"][0]["buttons"]
    assert [b["title"] for b in buttons] == [
        POLICE_QUESTION,
        "Không có trong kho…",  # unknown answer: left as it was
        "Tiếp…",  # not a stored answer's button
        "Mức 1 và mức 2",  # not cut: left as it was
    ]


def test_updates_say_whether_a_hand_off_is_under_way(
    client: TestClient, fake_rasa: Any
) -> None:
    def updates() -> dict[str, Any]:
        body: dict[str, Any] = client.get(
            "/api/chat/updates", params={"sender": "r8"}
        ).json()
        return body

    assert updates() == {"messages": [], "questions": [], "waiting": False}
    fake_rasa.answer("Anh/Chị có thể được hỗ trợ trực tiếp…", "request_human", 0.97)
    say(client, "r8", "gặp cán bộ")
    assert updates()["waiting"] is True  # offered: the page keeps asking
    say(client, "r8", "không cần")
    assert updates() == {"messages": [], "questions": [], "waiting": False}


def test_the_privacy_notice_states_the_configured_retention(
    settings: Settings,
) -> None:
    with client_for(settings, retention_days=90) as client:
        page = client.get("/").text
    assert "<span data-retention-days>90</span> ngày" in page
    assert "Trợ lý lưu gì về Anh/Chị?" in page
