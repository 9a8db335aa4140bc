"""POST /api/chat with a message id: a message sent again is answered and logged once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.channels.models import WebChatReply
from api.channels.replays import KEPT_FOR, TAKEN_FOR, WebReplies
from api.core.db import utcnow
from api.routes import chat as chat_route
from tests.api.conftest import logged_turns


def _answer(fake_rasa: Any) -> None:
    fake_rasa.answer(
        "Chữ ký số là thông tin đi kèm dữ liệu ...",
        "faq",
        0.97,
        turn={"outcome": "answered", "answer_id": "digsig_what_is"},
    )


def _ask(client: Any, message_id: str | None, sender: str = "u1") -> Any:
    body: dict[str, Any] = {"sender": sender, "text": "chu ky so la gi"}
    if message_id is not None:
        body["message_id"] = message_id
    return client.post("/api/chat", json=body)


def test_a_message_sent_again_gets_the_same_reply_and_one_turn(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    _answer(fake_rasa)
    first = _ask(client, "m-0001-abcdef")
    again = _ask(client, "m-0001-abcdef")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(fake_rasa.received) == 1
    assert len(logged_turns(seeded_engine)) == 1


def test_other_messages_and_other_senders_are_answered_each(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    _answer(fake_rasa)
    # (Different senders: a third answered question would bring the place question.)
    assert _ask(client, "m-0001-abcdef").status_code == 200
    assert _ask(client, "m-0002-abcdef").status_code == 200
    assert _ask(client, "m-0001-abcdef", sender="u2").status_code == 200
    assert _ask(client, None, sender="u3").status_code == 200
    assert _ask(client, None, sender="u3").status_code == 200

    assert len(fake_rasa.received) == 5
    assert len(logged_turns(seeded_engine)) == 5


def test_a_send_racing_the_first_waits_for_its_reply(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    _answer(fake_rasa)
    fake_rasa.gate = threading.Event()
    replies: list[Any] = []
    first = threading.Thread(target=lambda: replies.append(_ask(client, "m-race-0001")))
    first.start()
    while not fake_rasa.received:  # the first send is with Rasa
        threading.Event().wait(0.02)
    second = threading.Thread(
        target=lambda: replies.append(_ask(client, "m-race-0001"))
    )
    second.start()
    threading.Event().wait(0.5)  # the second is waiting
    fake_rasa.gate.set()
    first.join(10)
    second.join(10)

    assert [r.status_code for r in replies] == [200, 200]
    assert replies[0].json() == replies[1].json()
    assert len(fake_rasa.received) == 1
    assert len(logged_turns(seeded_engine)) == 1


def test_a_send_still_unanswered_after_the_wait_is_asked_to_come_back(
    client: TestClient,
    fake_rasa: Any,
    seeded_engine: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chat_route, "REPLAY_WAIT_SECONDS", 0.3)
    pseudonym = client.app.state.conversation.pseudonym("web", "u1")  # type: ignore[attr-defined]
    WebReplies(seeded_engine).take(pseudonym, "m-busy-0001")

    refused = _ask(client, "m-busy-0001")

    assert refused.status_code == 409
    assert refused.json()["detail"]["code"] == "in_progress"
    assert fake_rasa.received == []


def test_a_message_whose_worker_died_is_handled_again(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    _answer(fake_rasa)
    pseudonym = client.app.state.conversation.pseudonym("web", "u1")  # type: ignore[attr-defined]
    replies = WebReplies(seeded_engine)
    replies.take(pseudonym, "m-dead-0001", now=utcnow() - TAKEN_FOR * 2)

    answered = _ask(client, "m-dead-0001")

    assert answered.status_code == 200
    assert len(fake_rasa.received) == 1
    assert replies.take(pseudonym, "m-dead-0001").state == "done"
    # The dead worker's send may have reached Rasa: Rasa answers from the
    # conversation if it holds the message (bot/channels/gateway.py).
    assert fake_rasa.received[0]["again"] is True


def test_a_message_with_an_id_keeps_it_for_rasa_and_the_log(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    _answer(fake_rasa)
    _ask(client, "m-0003-abcdef")
    _ask(client, "m-0004-abcdef", sender="u2")

    first, second = fake_rasa.received
    assert first["again"] is second["again"] is False
    assert first["message_id"] != second["message_id"]
    keys = {turn.turn_key for turn in logged_turns(seeded_engine)}
    assert keys == {first["message_id"], second["message_id"]}


def test_a_failed_send_can_be_sent_again(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    refused = client.post(
        "/api/chat", json={"sender": "u1", "text": "   ", "message_id": "m-empty-001"}
    )
    assert refused.status_code == 422
    _answer(fake_rasa)
    assert (
        client.post(
            "/api/chat",
            json={"sender": "u1", "text": "chu ky so", "message_id": "m-empty-001"},
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "message_id", ["short", "x" * 41, "có dấu-12345", "a b c d e f"]
)
def test_a_malformed_message_id_is_a_422(client: TestClient, message_id: str) -> None:
    assert _ask(client, message_id).status_code == 422


def test_records_are_kept_a_day(seeded_engine: Any) -> None:
    replies = WebReplies(seeded_engine)
    replies.take("p1", "m-old-00001")
    replies.take("p1", "m-new-00001")
    with Session(seeded_engine) as session:
        session.execute(
            update(WebChatReply)
            .where(WebChatReply.message_id == "m-old-00001")
            .values(taken_at=utcnow() - KEPT_FOR - timedelta(minutes=1))
        )
        session.commit()

    assert replies.purge() == 1
    assert replies.take("p1", "m-new-00001").state == "busy"
    assert replies.take("p1", "m-old-00001").state == "new"
