"""Every response of the trained model's domain, rendered by Rasa's own response
generator: the placeholders the actions fill are filled, nothing is logged as an
error, and button payloads reach the channel in the form the gateway and the
platforms read (`/choose{"answer_id":"…"}`)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

import structlog
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

CHOOSE = re.compile(r'^/choose\{"answer_id":"[a-z0-9_]+"\}$')
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def _rendered(agent: Any, name: str, variant: dict[str, Any]) -> Any:
    values = {key: f"<{key}>" for key in PLACEHOLDER.findall(variant.get("text", ""))}
    tracker = DialogueStateTracker.from_events("responses", [], agent.domain.slots)
    generator = TemplatedNaturalLanguageGenerator(agent.domain.responses)
    return asyncio.run(generator.generate(name, tracker, "rest", **values)), values


def test_every_response_renders_without_an_error(agent: Any) -> None:
    responses = agent.domain.responses
    assert any(
        variant.get("buttons")
        for variants in responses.values()
        for variant in variants
    ), "the domain has no response with buttons: this test would check nothing"
    for name, variants in responses.items():
        for variant in variants:
            with structlog.testing.capture_logs() as logs:
                message, values = _rendered(agent, name, variant)
            errors = [e for e in logs if e.get("log_level") in ("error", "exception")]
            assert not errors, (name, errors)
            for key, value in values.items():
                assert value in message["text"], (name, key)
            for button in message.get("buttons") or []:
                assert CHOOSE.match(button["payload"]), (name, button)
