"""A new conversation session that keeps the dialogue's state, and only that.

Rasa's own ``action_session_start`` (rasa 3.6, ``ActionSessionStart``) carries over
every ``SlotSet`` event of the previous session, the carried-over ones included, so each
session starts with more events than the one before: a citizen who writes for months,
or a community team member in helper mode all day, makes every turn slower than the
last, and the gateway channel's session bound (bot/channels/gateway.py) closes a
session on every turn once the carried events alone pass it. This action carries over
each slot's current value once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionSessionStart(Action):
    """Starts a session with one ``SlotSet`` per slot that has a value."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, value)
            for name, value in sorted(tracker.slots.items())
            if value is not None
        ]
        events.append(ActionExecuted("action_listen"))
        return events
