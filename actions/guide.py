"""Guided procedures: a procedure's steps one at a time (Tiếp / Quay lại / Thoát).

Any knowledge entry with steps can be followed step by step. The conversation remembers
the guide and the step in two slots (kept in Rasa's tracker store, so any Rasa instance
can continue it), a citizen can ask something else in between and resume later.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge import answer_facts, citation, get_store
from actions.turn import ANSWERED, UNSURE, latest_intent, report_turn

GUIDE_START_TITLE = "Hướng dẫn từng bước"
GUIDE_RESUME_TITLE = "Tiếp tục hướng dẫn đang làm"
NEXT = {"title": "Tiếp", "payload": "/guide_next"}
BACK = {"title": "Quay lại", "payload": "/guide_back"}
EXIT = {"title": "Thoát", "payload": "/guide_exit"}


def guide_payload(answer_id: str) -> str:
    """Button payload starting the guide for ``answer_id``."""
    return '/guide{"answer_id":"' + answer_id + '"}'


class ActionGuide(Action):
    """Starts, moves through, leaves and resumes a guided procedure."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_guide"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Shows the current step after applying the citizen's move."""
        intent = latest_intent(tracker)
        started = next(tracker.get_latest_entity_values("answer_id"), None)
        guide_id = started or tracker.get_slot("guide_id")
        if intent == "guide_exit":
            dispatcher.utter_message(response="utter_guide_exit")
            report_turn(dispatcher, ANSWERED, answer_id=guide_id)
            return [SlotSet("guide_id", None), SlotSet("guide_step", None)]
        answer = (
            await asyncio.to_thread(get_store().get, guide_id) if guide_id else None
        )
        if answer is None or not answer.steps:
            dispatcher.utter_message(response="utter_guide_none")
            report_turn(dispatcher, UNSURE)
            return [SlotSet("guide_id", None), SlotSet("guide_step", None)]

        step = 0 if started else int(tracker.get_slot("guide_step") or 0)
        if intent == "guide_next":
            step += 1
        elif intent == "guide_back":
            step = max(0, step - 1)
        total = len(answer.steps)
        if step >= total:
            dispatcher.utter_message(
                response="utter_guide_done",
                title=answer.question,
                **citation(answer),
            )
            report_turn(
                dispatcher, ANSWERED, answer_id=answer.id, facts=answer_facts(answer)
            )
            return [SlotSet("guide_id", None), SlotSet("guide_step", None)]
        buttons = [NEXT, BACK, EXIT] if step else [NEXT, EXIT]
        dispatcher.utter_message(
            response="utter_guide_step",
            title=answer.question,
            number=step + 1,
            total=total,
            step=answer.steps[step],
            buttons=buttons,
        )
        report_turn(
            dispatcher, ANSWERED, answer_id=answer.id, facts=answer_facts(answer)
        )
        return [SlotSet("guide_id", answer.id), SlotSet("guide_step", float(step))]
