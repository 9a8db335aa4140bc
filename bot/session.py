"""A new conversation session carries each slot's value once.

Rasa 3.6's ``ActionSessionStart`` copies every ``SlotSet`` event of the previous
session, the carried-over ones included, so each session starts with more events than
the one before: with PostgreSQL, one 400-turn conversation had 310 sessions and 50 102
slot events, and Rasa's time per turn tripled. Closing long sessions
(bot/channels/gateway.py) only made it worse. Carrying each slot's current value is
what ``carry_over_slots_to_new_session`` promises, without the growth.

Fixed here, in the Rasa process, rather than with a custom ``action_session_start``
on the action server: that would make every new conversation depend on the action
server, and a citizen's first message while it is down would get "I did not
understand" instead of the polite "try again later". Rasa is pinned (3.6.21), and
tests/bot/test_session_start.py checks the patched behaviour against it.
"""

from __future__ import annotations

from rasa.core.actions.action import ActionSessionStart
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker


def current_slot_values(tracker: DialogueStateTracker) -> list[SlotSet]:
    """One ``SlotSet`` per slot that has a value, with that value."""
    return [
        SlotSet(key=name, value=slot.value)
        for name, slot in sorted(tracker.slots.items())
        if slot.value is not None
    ]


def install() -> None:
    """Makes Rasa's session start carry slot values, not slot events."""
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(  # type: ignore[method-assign]
        current_slot_values
    )
