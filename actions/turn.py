"""The turn metadata actions attach to their replies for the gateway.

Actions decide whether a question was answered (they apply the FAQ confidence
threshold), so they tell the gateway through one custom JSON message
``{"turn": {"outcome": ..., "answer_id": ..., "candidates": [...]}}``. The gateway strips
it from what users see and logs it. An action that read the answer it gives adds the
answer's facts (``"facts": {"topic", "draft", "procedure"}``,
:func:`actions.knowledge.answer_facts`), which the gateway would otherwise read again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ANSWERED = "answered"
UNSURE = "unsure"


def latest_intent(tracker: Tracker) -> str | None:
    """The intent NLU gave the latest message (``nlu_fallback`` included, unlike
    ``Tracker.get_intent_of_latest_message``, which skips it)."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def report_turn(
    dispatcher: CollectingDispatcher,
    outcome: str,
    answer_id: str | None = None,
    confidence: float | None = None,
    candidates: list[str] | None = None,
    facts: Mapping[str, object] | None = None,
) -> None:
    """Sends the turn metadata message (never shown to the user)."""
    turn: dict[str, Any] = {"outcome": outcome, "answer_id": answer_id}
    if facts is not None:
        turn["facts"] = dict(facts)
    if confidence is not None:
        turn["answer_confidence"] = round(confidence, 4)
    if candidates:
        turn["candidates"] = candidates
    dispatcher.utter_message(json_message={"turn": turn})
