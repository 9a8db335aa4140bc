"""After a procedure answer, one optional tap: "did you still have to go to the
office?" (issue #20, point 11), on the web chat (after the rating) and Telegram (with
the answer), recorded on the answer's turn (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.conversation.messages import TRIP_ONLINE, TRIP_QUESTION, TRIP_VISIT
from tests.api.conftest import logged_turns
from tests.api.test_telegram import callback_update, message_update, post
from tests.api.test_zalo import event as zalo_event
from tests.api.test_zalo import post as zalo_post
from tests.api.test_zalo import texts as zalo_texts
from tests.fakes import FakeRasa, FakeTelegram, FakeZaloOA

PROCEDURE = "vneid_activate_level2"  # an answer with steps
NO_STEPS = "vneid_what_is"  # an answer without steps
TRIP_BUTTONS = [
    {"title": TRIP_ONLINE, "payload": "/trip_online"},
    {"title": TRIP_VISIT, "payload": "/trip_visit"},
]


def answer_with(fake_rasa: FakeRasa, answer_id: str, intent: str = "faq") -> None:
    fake_rasa.answer(
        "Anh/Chị làm theo các bước sau…",
        intent,
        0.95,
        turn={"outcome": "answered", "answer_id": answer_id},
    )


def say(client: TestClient, text: str, sender: str = "c1") -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rate(client: TestClient, turn_id: int, helpful: bool, sender: str = "c1") -> Any:
    response = client.post(
        "/api/feedback",
        json={"sender": sender, "turn_id": turn_id, "helpful": helpful},
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_web_asks_the_trip_question_after_the_rating_and_records_the_tap(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    answer_with(fake_rasa, PROCEDURE)
    answered = say(client, "kich hoat vneid muc 2")
    # Under the answer: the rating only, never two questions at once.
    assert answered["feedback_after"] == 0
    assert TRIP_QUESTION not in [m["text"] for m in answered["messages"]]

    [question] = rate(client, answered["turn_id"], True)
    assert question == {"text": TRIP_QUESTION, "buttons": TRIP_BUTTONS}
    # Asked once: a second rating does not ask again.
    assert rate(client, answered["turn_id"], True) == []

    calls = len(fake_rasa.received)
    thanks = say(client, "/trip_online")
    assert len(fake_rasa.received) == calls  # answered by the gateway itself
    assert thanks["messages"][0]["text"].startswith("Cảm ơn")
    assert thanks["feedback_after"] is None
    # The tap is stored on the answer's turn, not logged as a question of its own.
    [turn] = logged_turns(seeded_engine)
    assert (turn.id, turn.trip) == (answered["turn_id"], "online")


def test_the_question_may_be_ignored_and_the_next_message_is_answered(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    answer_with(fake_rasa, PROCEDURE)
    answered = say(client, "kich hoat vneid muc 2")
    assert rate(client, answered["turn_id"], False)[0]["text"] == TRIP_QUESTION

    fake_rasa.answer("Mức 1 và mức 2 khác nhau ở…", "faq", 0.9)
    calls = len(fake_rasa.received)
    next_one = say(client, "muc 1 khac muc 2 the nao")
    assert len(fake_rasa.received) == calls + 1
    assert fake_rasa.received[-1]["message"] == "muc 1 khac muc 2 the nao"
    assert next_one["messages"][0]["text"] == "Mức 1 và mức 2 khác nhau ở…"
    first, second = logged_turns(seeded_engine)
    assert (first.trip, second.trip) == ("asked", None)


def test_answers_without_steps_and_guide_steps_before_the_last_ask_nothing(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    answer_with(fake_rasa, NO_STEPS)
    plain = say(client, "vneid la gi")
    assert rate(client, plain["turn_id"], True) == []

    fake_rasa.answer(
        "Bước 1/5: …",
        "guide",
        1.0,
        turn={"outcome": "answered", "answer_id": PROCEDURE},
        buttons=[{"title": "Tiếp", "payload": "/guide_next"}],
    )
    step = say(client, '/guide{"answer_id":"vneid_activate_level2"}')
    assert step["feedback_after"] is None
    # The last step of a guide is a procedure done: asked after its rating.
    fake_rasa.answer(
        "Bước 5/5: …",
        "guide_next",
        1.0,
        turn={"outcome": "answered", "answer_id": PROCEDURE},
        buttons=[{"title": "Thoát", "payload": "/guide_exit"}],
    )
    last = say(client, "/guide_next")
    assert rate(client, last["turn_id"], True)[0]["text"] == TRIP_QUESTION
    assert [t.trip for t in logged_turns(seeded_engine)] == [None, None, "asked"]


def test_a_stale_tap_is_thanked_and_changes_nothing(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    answer_with(fake_rasa, NO_STEPS)
    say(client, "vneid la gi")
    calls = len(fake_rasa.received)
    assert say(client, "/trip_visit")["messages"][0]["text"].startswith("Cảm ơn")
    assert len(fake_rasa.received) == calls
    assert [t.trip for t in logged_turns(seeded_engine)] == [None]


def test_telegram_asks_with_the_answer_and_records_the_button(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    answer_with(fake_rasa, PROCEDURE)
    assert post(channel_client, message_update("kich hoat vneid muc 2")).status_code
    answer, question = fake_telegram.calls("sendMessage")
    assert answer["text"] == "Anh/Chị làm theo các bước sau…"
    assert question["text"] == TRIP_QUESTION
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == [TRIP_ONLINE, TRIP_VISIT]

    calls = len(fake_rasa.received)
    post(channel_client, callback_update(keyboard[1][0]["callback_data"]))
    assert len(fake_rasa.received) == calls
    assert fake_telegram.calls("sendMessage")[-1]["text"].startswith("Cảm ơn")
    [turn] = logged_turns(seeded_engine)
    assert turn.trip == "visit"


def test_zalo_asks_as_a_numbered_list_and_a_typed_number_answers(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    answer_with(fake_rasa, PROCEDURE)
    zalo_post(channel_client, zalo_event(text="kich hoat vneid muc 2"))
    question = zalo_texts(fake_zalo)[-1]
    assert question.startswith(TRIP_QUESTION)
    assert f"1. {TRIP_ONLINE}" in question and f"2. {TRIP_VISIT}" in question

    calls = len(fake_rasa.received)
    zalo_post(channel_client, zalo_event(text="1"))
    assert len(fake_rasa.received) == calls
    assert zalo_texts(fake_zalo)[-1].startswith("Cảm ơn")
    assert [t.trip for t in logged_turns(seeded_engine)] == ["online"]


def test_zalo_does_not_add_a_second_numbered_list(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(
        "Anh/Chị làm theo các bước sau…",
        "faq",
        0.95,
        turn={"outcome": "answered", "answer_id": PROCEDURE},
        buttons=[{"title": "Hướng dẫn từng bước", "payload": "/guide"}],
    )
    zalo_post(channel_client, zalo_event(text="kich hoat vneid muc 2"))
    assert not any(t.startswith(TRIP_QUESTION) for t in zalo_texts(fake_zalo))
    # "1" still picks the answer's own option.
    zalo_post(channel_client, zalo_event(text="1"))
    assert fake_rasa.received[-1]["message"] == "/guide"
    assert logged_turns(seeded_engine)[0].trip is None


def test_the_facts_the_action_reported_of_its_answer_are_logged_and_decide(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    # The action read the answer it gave and reported its topic, whether it is a
    # draft and whether it is a procedure: the gateway takes them as reported (an
    # answer without steps in the store, here reported as a procedure just edited).
    reported = {"topic": "vneid_features", "draft": True, "procedure": True}
    fake_rasa.answer(
        "Anh/Chị làm theo các bước sau…",
        "faq",
        0.95,
        turn={"outcome": "answered", "answer_id": NO_STEPS, "facts": reported},
    )
    answered = say(client, "vneid la gi")
    assert rate(client, answered["turn_id"], True) == [
        {"text": TRIP_QUESTION, "buttons": TRIP_BUTTONS}
    ]
    # Facts that are not what an action sends are ignored: the gateway reads them.
    fake_rasa.answer(
        "…",
        "faq",
        0.95,
        turn={"outcome": "answered", "answer_id": NO_STEPS, "facts": {"topic": 3}},
    )
    read = say(client, "vneid la gi", sender="c2")
    assert rate(client, read["turn_id"], True, sender="c2") == []
    first, second = logged_turns(seeded_engine)
    assert (first.topic, first.answer_draft) == ("vneid_features", True)
    assert second.topic is not None and second.topic != 3
