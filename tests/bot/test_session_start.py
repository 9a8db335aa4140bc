"""Rasa's session start, as the gateway channel installs it (bot/session.py): each
slot's value is carried over once, so a session never starts longer than the last."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

from rasa.core.actions.action import ActionSessionStart
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

import bot.channels.gateway  # noqa: F401  (installs the fix, as Rasa's start-up does)
from tools.model import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def _start(domain: Domain, events: list[Event]) -> list[Event]:
    tracker = DialogueStateTracker.from_events("s1", events, domain.slots)
    return asyncio.run(
        ActionSessionStart().run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            tracker,
            domain,
        )
    )


def test_each_slot_with_a_value_is_carried_once(domain: Domain) -> None:
    steps: list[Event] = [SlotSet("guide_step", n) for n in range(50)]
    events = _start(domain, [SlotSet("guide_id", "vneid_activate_level2"), *steps])
    assert isinstance(events[0], SessionStarted)
    assert isinstance(events[-1], ActionExecuted)
    carried = [(e.key, e.value) for e in events if isinstance(e, SlotSet)]
    assert ("guide_id", "vneid_activate_level2") in carried
    assert ("guide_step", 49) in carried
    assert len(carried) == len({key for key, _ in carried})


def test_sessions_do_not_grow_from_one_to_the_next(domain: Domain) -> None:
    events: list[Event] = [SlotSet("guide_id", "g"), SlotSet("guide_step", 3)]
    sizes: list[Any] = []
    for _ in range(5):
        events = [*_start(domain, events), SlotSet("guide_step", 3)]
        sizes.append(len(events))
    assert len(set(sizes)) == 1, sizes
