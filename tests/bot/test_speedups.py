"""bot/speedups.py, as the gateway channel installs it: the action server's answers
are checked against Rasa's schema as before, and event names resolve to the classes
Rasa's own lookup finds."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

import bot.channels.gateway  # noqa: F401  (installs them, as Rasa's start-up does)
from bot import speedups

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "place", "value": "18073"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Chào Anh/Chị", "buttons": []}],
    },
    {},
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"responses": ["text, not an object"]},
]


def _action() -> RemoteAction:
    return RemoteAction("action_answer_faq", None)


def test_the_installed_check_is_the_speedup() -> None:
    assert RemoteAction._validate_action_result is speedups.validate_action_result


@pytest.mark.parametrize("answer", VALID)
def test_a_valid_answer_passes_as_with_jsonschema_validate(
    answer: dict[str, Any],
) -> None:
    jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert _action()._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", INVALID)
def test_an_invalid_answer_raises_the_same_error_with_rasas_message(
    answer: dict[str, Any],
) -> None:
    with pytest.raises(jsonschema.ValidationError) as upstream:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        _action()._validate_action_result(answer)

    assert ours.value.message.startswith(upstream.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(upstream.value.path)


def test_every_event_name_resolves_to_the_class_rasas_lookup_finds() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        first = next(c for c in all_subclasses(Event) if c.type_name == name)
        assert Event.resolve_by_type(name) is first


def test_unknown_names_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class LateEvent(Event):
        type_name = "bdhvs_late_event"

        def as_story_string(self) -> str:
            return ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, LateEvent)

        def __hash__(self) -> int:
            return 0

    assert Event.resolve_by_type("bdhvs_late_event") is LateEvent
