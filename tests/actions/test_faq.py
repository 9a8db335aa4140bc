"""action_answer_faq and action_clarify, with tracker fixtures and a seeded store."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update
from sqlalchemy.orm import Session

from actions.faq import ActionAnswerFaq, ActionClarify
from actions.knowledge import get_store
from actions.settings import get_settings as action_settings
from api.knowledge.models import KnowledgeEntry

# The canonical question of vneid_activate_level2: the retrieval confirms it.
ACTIVATE = "làm sao kích hoạt tài khoản định danh điện tử mức 2"


def _tracker(
    ranking: list[tuple[str, float]],
    intent: str = "faq",
    entities: list[dict[str, Any]] | None = None,
    text: str = "...",  # shares no word with any answer: the retrieval ranks nothing
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "response_selector": {
            "faq": {
                "response": {},
                "ranking": [
                    {
                        "intent_response_key": f"faq/{answer_id}",
                        "confidence": confidence,
                    }
                    for answer_id, confidence in ranking
                ],
            }
        },
    }
    return Tracker("s1", {}, latest, [], False, None, {}, "action_listen")


def _turn(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    [turn] = [m["custom"]["turn"] for m in dispatcher.messages if m.get("custom")]
    return turn


async def test_confident_answer_reads_the_store(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(
        dispatcher,
        _tracker(
            [("vneid_activate_level2", 0.93), ("vneid_levels", 0.04)], text=ACTIVATE
        ),
        {},
    )
    answer = get_store().get("vneid_activate_level2")
    assert answer is not None
    message = dispatcher.messages[0]
    assert message["response"] == "utter_faq_answer"
    assert message["answer"] == answer.answer
    assert answer.verified_on is not None  # checked against its page by the audit
    assert message["citation"] == (
        f"Nguồn: {answer.source_url} (đã kiểm tra ngày "
        f"{answer.verified_on.strftime('%d/%m/%Y')})"
    )
    if answer.steps:
        assert message["steps"].startswith("\n1. ")
    # The answer's facts go with the turn: the gateway logs them without reading
    # the answer again.
    assert _turn(dispatcher) == {
        "outcome": "answered",
        "answer_id": "vneid_activate_level2",
        "answer_confidence": 0.93,
        "facts": {"topic": answer.topic, "draft": False, "procedure": True},
    }
    assert events == [
        {"event": "slot", "timestamp": None, "name": "offered_answers", "value": None}
    ]


async def test_staff_edit_takes_effect_without_retraining(store_env: Any) -> None:
    with Session(store_env) as session:
        session.execute(
            update(KnowledgeEntry)
            .where(KnowledgeEntry.id == "vneid_activate_level2")
            .values(answer="Nội dung đã được cán bộ cập nhật.", updated_by="admin")
        )
        session.commit()
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(
        dispatcher, _tracker([("vneid_activate_level2", 0.95)], text=ACTIVATE), {}
    )
    assert dispatcher.messages[0]["answer"] == "Nội dung đã được cán bộ cập nhật."


@pytest.mark.parametrize(
    "ranking",
    [
        [
            ("vneid_activate_level2", 0.45),
            ("vneid_levels", 0.30),
            ("vneid_register_level1", 0.2),
        ],
        [
            ("vneid_activate_level2", 0.52),
            ("vneid_levels", 0.47),
            ("vneid_register_level1", 0.01),
        ],
    ],
    ids=["below-threshold", "two-close-candidates"],
)
async def test_unsure_offers_three_closest_questions(
    store_env: Any, ranking: list[tuple[str, float]]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, _tracker(ranking), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_clarify"
    ids = [answer_id for answer_id, _ in ranking]
    assert [b["payload"] for b in message["buttons"]] == [
        '/choose{"answer_id":"' + i + '"}' for i in ids
    ]
    questions = get_store().get_many(ids)
    assert message["choices"] == "\n".join(
        f"{n}. {questions[i].question}" for n, i in enumerate(ids, 1)
    )
    assert _turn(dispatcher)["outcome"] == "unsure"
    assert _turn(dispatcher)["candidates"] == ids
    assert events[0]["value"] == ids


async def test_a_confident_classifier_the_retrieval_contradicts_is_not_trusted(
    store_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the retrieval's confirmation asked for: the classifier is sure of an
    # answer about VNeID; the message's words are those of the digital-signature
    # answer: unsure, and the offer leads with the latter.
    monkeypatch.setenv("BDHVS_FAQ_RETRIEVAL_THRESHOLD", "0.2")
    action_settings.cache_clear()
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(
        dispatcher,
        _tracker(
            [("vneid_activate_level2", 0.93), ("vneid_levels", 0.04)],
            text="chữ ký số là gì",
        ),
        {},
    )
    assert dispatcher.messages[0]["response"] == "utter_clarify"
    offered = events[0]["value"]
    assert offered[0] == "digsig_what_is"
    assert len(offered) == 3
    assert _turn(dispatcher)["outcome"] == "unsure"


async def test_by_default_the_confident_classifier_decides_alone(
    store_env: Any,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(
        dispatcher,
        _tracker(
            [("vneid_activate_level2", 0.93), ("vneid_levels", 0.04)],
            text="chữ ký số là gì",
        ),
        {},
    )
    assert _turn(dispatcher)["outcome"] == "answered"
    assert _turn(dispatcher)["answer_id"] == "vneid_activate_level2"


async def test_a_known_phrasing_is_answered_though_the_classifier_is_unsure(
    store_env: Any,
) -> None:
    # The message is word for word the answer's own question: answered, with the
    # classifier's confidence in that answer (not in its own first one) logged.
    dispatcher = CollectingDispatcher()
    unsure = [("vneid_levels", 0.3), ("vneid_activate_level2", 0.2)]
    await ActionAnswerFaq().run(dispatcher, _tracker(unsure, text=ACTIVATE), {})
    turn = _turn(dispatcher)
    assert (turn["outcome"], turn["answer_id"]) == ("answered", "vneid_activate_level2")
    assert turn["answer_confidence"] == 0.2
    # Nothing from the classifier at all: still answered, no confidence logged.
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, _tracker([], text=ACTIVATE), {})
    turn = _turn(dispatcher)
    assert (turn["outcome"], turn["answer_id"]) == ("answered", "vneid_activate_level2")
    assert "answer_confidence" not in turn
    # A message that is not a known phrasing gets the offer, as before.
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(
        dispatcher, _tracker(unsure, text=ACTIVATE + " được không"), {}
    )
    assert _turn(dispatcher)["outcome"] == "unsure"


async def test_button_choice_answers_without_threshold(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _tracker(
        [("scam_otp_theft", 0.2)],
        intent="choose",
        entities=[{"entity": "answer_id", "value": "dvc_account_register"}],
    )
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    assert _turn(dispatcher)["answer_id"] == "dvc_account_register"
    assert dispatcher.messages[0]["response"] == "utter_faq_answer"


async def test_unknown_answer_id_points_to_official_channel(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _tracker(
        [], intent="choose", entities=[{"entity": "answer_id", "value": "nope_gone"}]
    )
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_answer_unavailable"
    assert _turn(dispatcher)["outcome"] == "unsure"


async def test_clarify_on_nlu_fallback(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _tracker(
        [
            ("digsig_what_is", 0.3),
            ("digsig_remote_signing", 0.2),
            ("digsig_how_to_get", 0.1),
        ],
        intent="nlu_fallback",
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_clarify"
    assert len(dispatcher.messages[0]["buttons"]) == 3
