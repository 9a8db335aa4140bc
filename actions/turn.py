"""The turn metadata actions attach to their replies for the gateway.

Actions decide whether a question was answered (they apply the FAQ confidence
threshold), so they tell the gateway through one custom JSON message
``{"turn": {"outcome": ..., "answer_id": ..., "candidates": [...]}}``. The gateway strips
it from what users see and logs it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

ANSWERED = "answered"
UNSURE = "unsure"


def report_turn(
    dispatcher: CollectingDispatcher,
    outcome: str,
    answer_id: str | None = None,
    confidence: float | None = None,
    candidates: list[str] | None = None,
) -> None:
    """Sends the turn metadata message (never shown to the user)."""
    turn: dict[str, Any] = {"outcome": outcome, "answer_id": answer_id}
    if confidence is not None:
        turn["answer_confidence"] = round(confidence, 4)
    if candidates:
        turn["candidates"] = candidates
    dispatcher.utter_message(json_message={"turn": turn})
