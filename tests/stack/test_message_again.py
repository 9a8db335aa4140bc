"""A message the gateway sends to Rasa again (its worker died after Rasa read it, or
the Rasa instance that read it died before answering) is not read twice: Rasa, told
it may have read it, answers with the reply it gave (bot/channels/gateway.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.stack.conftest import RASA_API_TOKEN
from tools.stack import Stack

pytestmark = pytest.mark.stack

QUESTION = "làm sao kích hoạt tài khoản định danh điện tử mức 2"


def _send(stack: Stack, sender: str, **fields: Any) -> httpx.Response:
    return httpx.post(
        f"{stack.rasa_url}/webhooks/gateway/webhook",
        json={"sender": sender, "message": QUESTION, "metadata": {}, **fields},
        timeout=60,
    )


def _user_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": RASA_API_TOKEN},
        timeout=30,
    )
    response.raise_for_status()
    return [e for e in response.json()["events"] if e["event"] == "user"]


def test_a_message_sent_again_gets_its_first_reply_and_is_read_once(
    stack: Stack,
) -> None:
    sender = "again-citizen-1"
    first = _send(stack, sender, message_id="m-again-0001", again=False).json()
    again = _send(stack, sender, message_id="m-again-0001", again=True).json()

    assert first["messages"] and first["error"] is None
    assert again["replayed"] is True
    assert again["messages"] == first["messages"]
    assert again["parse"]["intent"] == first["parse"]["intent"]
    assert [e["message_id"] for e in _user_events(stack, sender)] == ["m-again-0001"]


def test_a_message_rasa_never_read_is_read_when_it_comes_again(stack: Stack) -> None:
    sender = "again-citizen-2"
    reply = _send(stack, sender, message_id="m-again-0002", again=True).json()

    assert reply["messages"] and "replayed" not in reply
    assert [e["message_id"] for e in _user_events(stack, sender)] == ["m-again-0002"]


@pytest.mark.parametrize("message_id", ["", "a b", "x" * 41, 7])
def test_a_malformed_message_id_is_refused(stack: Stack, message_id: Any) -> None:
    assert _send(stack, "again-citizen-3", message_id=message_id).status_code == 400
