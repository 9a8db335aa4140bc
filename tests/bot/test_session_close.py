"""The gateway channel closes a long session in the turn that makes it long
(bot/channels/gateway.py): Rasa's own session start, in the same save, on the trained
model; the reply, the parse handed to the gateway and the conversation go on as
before."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import SessionStarted, UserUttered

from bot import speedups
from bot.channels import gateway

BOUND = 12


def _conversation(agent: Any, sender: str, turns: int) -> list[dict[str, Any]]:
    """``turns`` greetings through Rasa as the gateway channel sends them; each
    turn's reply, the tracker handed over and the stored session's length after it."""

    async def run() -> list[dict[str, Any]]:
        seen = []
        for n in range(turns):
            message_id = f"{sender}-{n}"
            collector = CollectingOutputChannel()
            with speedups.saved_tracker(
                message_id, gateway.close_long_session
            ) as saved:
                await agent.handle_message(
                    UserMessage("xin chào", collector, sender, message_id=message_id)
                )
                handed = saved()
            stored = await agent.tracker_store.retrieve_full_tracker(sender)
            seen.append(
                {
                    "reply": [m.get("text") for m in collector.messages],
                    "parse": gateway._parse_of(handed, message_id),
                    "length": gateway.session_length(stored),
                    "handed": list(handed.events) if handed else [],
                    "events": list(stored.events),
                }
            )
        return seen

    return asyncio.run(run())


def test_a_long_session_is_closed_with_its_turn(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gateway, "SESSION_MAX_EVENTS", BOUND)
    turns = _conversation(agent, "session-close", 12)

    first = turns[0]["reply"]
    assert first and all(turn["reply"] == first for turn in turns)
    assert all(turn["parse"]["intent"]["name"] == "greet" for turn in turns)
    # Each turn ends with the session at most one turn past the bound, and the
    # closing turn leaves a new session holding only its start.
    lengths = [turn["length"] for turn in turns]
    assert max(lengths) <= BOUND, lengths
    assert lengths.count(3) >= 2, lengths  # action_session_start, started, listen

    for turn in turns:
        names = [getattr(e, "action_name", None) for e in turn["handed"]]
        assert not [
            e
            for e in turn["handed"]
            if isinstance(e, UserUttered) and (e.text or "").startswith("/")
        ], "no message of its own for the session start"
        if turn["length"] == 3:
            # Closed right after the turn's reply, by Rasa's session start, in the
            # tracker saved with the turn.
            assert names[-4:] == [
                ACTION_LISTEN_NAME,
                ACTION_SESSION_START_NAME,
                None,
                ACTION_LISTEN_NAME,
            ]
            assert isinstance(turn["handed"][-2], SessionStarted)
        else:
            assert names[-1] == ACTION_LISTEN_NAME


def test_a_short_session_is_left_open(agent: Any) -> None:
    turns = _conversation(agent, "session-open", 3)
    events = turns[-1]["events"]
    assert sum(isinstance(e, SessionStarted) for e in events) == 1
    assert turns[-1]["length"] == len(events)
