"""A conversation that never pauses long enough for Rasa to start a new session (a
community team member in helper mode all day) is cut into sessions by the gateway
channel once one holds more than BDHVS_SESSION_MAX_EVENTS events (40 in the stack
tests): what Rasa loads and reads per turn stays bounded, and a guided procedure under
way goes on across the boundary (its place is in slots that carry over)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.privacy.pseudonym import pseudonymize
from tests.stack.conftest import RASA_API_TOKEN, SESSION_MAX_EVENTS
from tools.stack import Stack

pytestmark = pytest.mark.stack

SENDER = "citizen-all-day"


def _chat(stack: Stack, text: str) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.api_url}/api/chat", json={"sender": SENDER, "text": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _payload(reply: dict[str, Any], title: str) -> str:
    for message in reply["messages"]:
        for button in message.get("buttons") or []:
            if button["title"] == title:
                return str(button["payload"])
    raise AssertionError(f"no button {title!r} in {reply['messages']}")


def _tracker_events(stack: Stack) -> list[dict[str, Any]]:
    sender = pseudonymize("stack-test-secret", "web", SENDER)
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": RASA_API_TOKEN},
        timeout=30,
    )
    response.raise_for_status()
    return list(response.json()["events"])


def test_a_conversation_without_pauses_is_cut_into_sessions_and_goes_on(
    stack: Stack,
) -> None:
    longest = 0
    for n in range(10):
        _chat(stack, "lam sao kich hoat vneid muc 2" if n % 2 else "cảm ơn")
        longest = max(longest, len(_tracker_events(stack)))

    offer = _chat(stack, "làm sao kích hoạt tài khoản định danh điện tử mức 2")
    reply = _chat(stack, _payload(offer, "Hướng dẫn từng bước"))
    steps = [reply["messages"][0]["text"]]
    for _ in range(4):
        reply = _chat(stack, _payload(reply, "Tiếp"))
        steps.append(reply["messages"][0]["text"])
        longest = max(longest, len(_tracker_events(stack)))

    for number, text in enumerate(steps, start=1):
        assert f"Bước {number}" in text, steps
    events = _tracker_events(stack)
    sessions = [e for e in events if e["event"] == "session_started"]
    assert sessions, "no new session was started"
    # At most the closed session and the open one, each about the bound.
    assert longest <= 2 * SESSION_MAX_EVENTS + 20, longest
