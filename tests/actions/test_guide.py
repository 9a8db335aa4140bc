"""Guided procedures and picking an offered question by number."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import (
    ActionAnswerFaq,
    ActionClarify,
    bare_option_number,
    option_number,
)
from actions.guide import ActionGuide
from actions.knowledge import get_store

GUIDED = "vneid_activate_level2"


def _tracker(
    intent: str,
    slots: dict[str, Any],
    entities: list[dict[str, Any]] | None = None,
    text: str = "...",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    return Tracker("s1", slots, latest, [], False, None, {}, "action_listen")


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def _run(tracker: Tracker) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionGuide().run(dispatcher, tracker, {})
    return dispatcher, _slots(events)


async def test_walk_through_a_procedure_forward_back_and_done(store_env: Any) -> None:
    steps = get_store().get(GUIDED).steps
    assert len(steps) >= 2
    start = _tracker("guide", {}, [{"entity": "answer_id", "value": GUIDED}])
    dispatcher, slots = await _run(start)
    first = dispatcher.messages[0]
    assert (first["response"], first["number"], first["total"], first["step"]) == (
        "utter_guide_step",
        1,
        len(steps),
        steps[0],
    )
    assert [b["payload"] for b in first["buttons"]] == ["/guide_next", "/guide_exit"]
    assert slots == {"guide_id": GUIDED, "guide_step": 0.0}

    dispatcher, slots = await _run(_tracker("guide_next", slots))
    assert dispatcher.messages[0]["step"] == steps[1]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Tiếp",
        "Quay lại",
        "Thoát",
    ]

    dispatcher, slots = await _run(_tracker("guide_back", slots))
    assert dispatcher.messages[0]["step"] == steps[0]

    state = {"guide_id": GUIDED, "guide_step": float(len(steps) - 1)}
    dispatcher, slots = await _run(_tracker("guide_next", state))
    assert dispatcher.messages[0]["response"] == "utter_guide_done"
    assert slots == {"guide_id": None, "guide_step": None}


async def test_leave_for_another_question_then_resume(store_env: Any) -> None:
    in_progress = {"guide_id": GUIDED, "guide_step": 1.0}
    faq = CollectingDispatcher()
    tracker = _tracker(
        "choose", in_progress, [{"entity": "answer_id", "value": "vneid_levels"}]
    )
    events = await ActionAnswerFaq().run(faq, tracker, {})
    assert "guide_id" not in _slots(events)  # the guide is kept
    assert {
        "title": "Tiếp tục hướng dẫn đang làm",
        "payload": "/guide_resume",
    } in faq.messages[0]["buttons"]

    dispatcher, slots = await _run(_tracker("guide_resume", in_progress))
    assert dispatcher.messages[0]["number"] == 2
    assert slots["guide_step"] == 1.0


async def test_exit_and_nothing_to_resume(store_env: Any) -> None:
    dispatcher, slots = await _run(
        _tracker("guide_exit", {"guide_id": GUIDED, "guide_step": 2.0})
    )
    assert dispatcher.messages[0]["response"] == "utter_guide_exit"
    assert slots == {"guide_id": None, "guide_step": None}
    dispatcher, _ = await _run(_tracker("guide_resume", {}))
    assert dispatcher.messages[0]["response"] == "utter_guide_none"


async def test_procedure_answer_offers_step_by_step(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _tracker("choose", {}, [{"entity": "answer_id", "value": GUIDED}])
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["buttons"][0] == {
        "title": "Hướng dẫn từng bước",
        "payload": '/guide{"answer_id":"' + GUIDED + '"}',
    }


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2", 2),
        ("số 1", 1),
        ("câu thứ ba", 3),
        ("cau thu hai", 2),
        ("chọn 3.", 3),
        ("không", None),
    ],
)
def test_option_number(text: str, number: int | None) -> None:
    assert option_number(text) == number


async def test_typed_number_picks_the_offered_question(store_env: Any) -> None:
    offered = ["vneid_levels", "vneid_activate_level2", "dvc_what_is"]
    dispatcher = CollectingDispatcher()
    tracker = _tracker("select_option", {"offered_answers": offered}, text="số 3")
    await ActionAnswerFaq().run(dispatcher, tracker, {})
    turn = next(m["custom"]["turn"] for m in dispatcher.messages if m.get("custom"))
    assert turn["outcome"] == "answered" and turn["answer_id"] == "dvc_what_is"
    assert turn["facts"]["procedure"] is False


async def test_typed_number_without_a_list_is_polite(store_env: Any) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, _tracker("select_option", {}, text="2"), {})
    assert dispatcher.messages[0]["response"] == "utter_option_unknown"


async def test_a_bare_number_the_classifier_was_unsure_of_picks_the_offered_question(
    store_env: Any,
) -> None:
    offered = ["vneid_levels", "vneid_activate_level2", "dvc_what_is"]
    dispatcher = CollectingDispatcher()
    tracker = _tracker("nlu_fallback", {"offered_answers": offered}, text=" 2 ")
    await ActionClarify().run(dispatcher, tracker, {})
    turn = next(m["custom"]["turn"] for m in dispatcher.messages if m.get("custom"))
    assert turn["outcome"] == "answered"
    assert turn["answer_id"] == "vneid_activate_level2"
    assert turn["facts"]["procedure"] is True


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), ("số 3", 3), ("chọn câu thứ hai", 2), ("quên mật khẩu 2 lần", None)],
)
def test_bare_option_number(text: str, number: int | None) -> None:
    assert bare_option_number(text) == number
