"""A new session carries each slot's value once, however long the conversation was."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart


def _tracker(slots: dict[str, Any], events: list[dict[str, Any]]) -> Tracker:
    return Tracker("s1", slots, {}, events, False, None, {}, "action_listen")


async def _start(tracker: Tracker) -> list[dict[str, Any]]:
    return list(await ActionSessionStart().run(CollectingDispatcher(), tracker, {}))


async def test_each_slot_with_a_value_is_carried_once_and_the_bot_listens() -> None:
    # A previous session that changed the same slots many times, as a long one does.
    history = [
        {"event": "slot", "name": "guide_step", "value": step} for step in range(50)
    ]
    slots = {"guide_id": "vneid_activate_level2", "guide_step": 49, "offered": None}
    events = await _start(_tracker(slots, history))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    carried = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert carried == [("guide_id", "vneid_activate_level2"), ("guide_step", 49)]


async def test_sessions_do_not_grow_from_one_to_the_next() -> None:
    slots = {"guide_id": "g", "guide_step": 3}
    events: list[dict[str, Any]] = []
    sizes = []
    for _ in range(5):
        events = await _start(_tracker(slots, events)) + [
            {"event": "slot", "name": "guide_step", "value": 3}
        ]
        sizes.append(len(events))
    assert len(set(sizes)) == 1, sizes
