"""The input channel the api/ gateway talks to.

It behaves like Rasa's REST channel (``POST /webhooks/gateway/webhook`` with
``{"sender", "message", "metadata"}``) but answers with Rasa's parse result beside the
bot messages, so the gateway can log intent, confidence, entities and the selected FAQ
answer without asking Rasa to parse the text a second time::

    {"messages": [...], "parse": {"intent": ..., "entities": ..., "response_selector": ...},
     "error": null}

``error`` is set when Rasa failed while handling the message, so the gateway can log
the turn as an error instead of as an empty answer.

A message the gateway may have sent before (a webhook event or a web chat message
handled again after the gateway worker handling it died) comes with its own
``message_id`` and ``"again": true``. If the conversation already holds that message,
Rasa does not read it a second time: the reply is the one it gave then, rebuilt from
the bot events that followed it (a second reading would count the message twice in
the conversation: a typed "1" would also answer the next step of a guided procedure).

Every turn loads the conversation's current session, and Rasa's policies and the
action server read all of it, so a turn costs more the longer the session. Rasa starts
a new session only after ``session_expiration_time`` without a message, which a
citizen who writes every hour, or a community team member in helper mode all day,
never reaches. So once a session holds more than ``BDHVS_SESSION_MAX_EVENTS`` events
and no guided procedure (form) is under way, the turn ends by starting a new one, as
Rasa starts one (``action_session_start``), in the same save as the turn; slots carry
over (``carry_over_slots_to_new_session``).

A greeting before the question or thanks after it is dropped before Rasa reads the
message (bot/shape.py says why); the gateway logs the message as the citizen wrote it.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import session, shape, speedups

logger = logging.getLogger(__name__)

# Rasa loads this channel at start-up, before any conversation: the one place in the
# Rasa process to fix how sessions carry slots over (bot/session.py) and to make its
# hot paths cheap (bot/speedups.py).
session.install()
speedups.install()

# How many ranking entries are passed on: enough to offer three alternatives.
RANKING_LENGTH = 5
# A session longer than this (events: about six a turn) is closed with its turn:
# the dialogue keeps its state in slots, which carry over, so short sessions lose
# nothing and keep every turn as cheap as the first ones.
SESSION_MAX_EVENTS = int(os.environ.get("BDHVS_SESSION_MAX_EVENTS", "60"))
# A message id the gateway gives (api.querylog.service.MessageKey).
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _compact_parse(parse_data: dict[str, Any]) -> dict[str, Any]:
    """Keeps what the gateway needs from Rasa's parse data, rankings shortened."""
    selectors = {}
    for name, selector in (parse_data.get("response_selector") or {}).items():
        if name == "all_retrieval_intents":
            continue
        selectors[name] = {
            "response": {
                key: selector.get("response", {}).get(key)
                for key in ("intent_response_key", "confidence", "utter_action")
            },
            "ranking": selector.get("ranking", [])[:RANKING_LENGTH],
        }
    return {
        "text": parse_data.get("text"),
        "intent": parse_data.get("intent"),
        "intent_ranking": parse_data.get("intent_ranking", [])[:RANKING_LENGTH],
        "entities": parse_data.get("entities", []),
        "response_selector": selectors,
    }


class GatewayInput(InputChannel):
    """Synchronous channel returning the bot's messages and the parse result."""

    @classmethod
    def name(cls) -> str:
        """URL prefix: /webhooks/gateway."""
        return "gateway"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes: GET / (health) and POST /webhook."""
        gateway = Blueprint("gateway_webhook", __name__)

        @gateway.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @gateway.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender_id = body.get("sender")
            text = body.get("message")
            if not isinstance(sender_id, str) or not isinstance(text, str) or not text:
                return response.json(
                    {"error": "'sender' and 'message' must be non-empty strings"},
                    status=400,
                )
            metadata = body.get("metadata") or {}
            given = body.get("message_id")
            if given is not None and not (
                isinstance(given, str) and MESSAGE_ID.fullmatch(given)
            ):
                return response.json({"error": "malformed 'message_id'"}, status=400)
            message_id = given or uuid.uuid4().hex
            if given and body.get("again") is True:
                replayed = await _earlier_reply(request, sender_id, given)
                if replayed is not None:
                    return response.json(replayed)
            collector = CollectingOutputChannel()
            error = None
            started = time.perf_counter()
            text = await _question(request, text)
            shaped = time.perf_counter()
            with speedups.saved_tracker(message_id, close_long_session) as saved:
                try:
                    await on_new_message(
                        UserMessage(
                            text,
                            collector,
                            sender_id,
                            input_channel=self.name(),
                            message_id=message_id,
                            metadata=metadata,
                        )
                    )
                except Exception as exc:  # the gateway must learn that the turn failed
                    logger.exception("gateway channel: handling the message failed")
                    error = type(exc).__name__
                handled = time.perf_counter()
                tracker = saved() or await self._tracker(request, sender_id)
            parse = _parse_of(tracker, message_id)
            # Milliseconds, for the gateway's Server-Timing header (api/conversation/hops.py).
            timing = {
                "shape": round((shaped - started) * 1000, 2),
                "handle": round((handled - shaped) * 1000, 2),
                "tracker": round((time.perf_counter() - handled) * 1000, 2),
            }
            return response.json(
                {
                    "messages": collector.messages,
                    "parse": parse,
                    "error": error,
                    "timing": timing,
                }
            )

        return gateway

    @staticmethod
    async def _tracker(request: Request, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's current session as Rasa stored it after this turn."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker: DialogueStateTracker | None = await agent.tracker_store.retrieve(
            sender_id
        )
        return tracker


async def _earlier_reply(
    request: Request, sender_id: str, message_id: str
) -> dict[str, Any] | None:
    """The answer already given to ``message_id`` (its bot messages and parse), or
    None when the conversation does not hold that message (it never reached Rasa).
    Every session is searched: the one the message was in may have been closed."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return None
    tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
    if tracker is None:
        return None
    events = list(tracker.events)
    start = next(
        (
            n
            for n, event in enumerate(events)
            if isinstance(event, UserUttered) and event.message_id == message_id
        ),
        None,
    )
    if start is None:
        return None
    collector = CollectingOutputChannel()
    for event in events[start + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            # As the first time: the output channel shapes each message the same way.
            await collector.send_response(sender_id, event.message())
    logger.info("gateway channel: a message sent again got its earlier reply")
    return {
        "messages": collector.messages,
        "parse": _compact_parse(events[start].parse_data),
        "error": None,
        "timing": {},
        "replayed": True,
    }


async def _question(request: Request, text: str) -> str:
    """The message without the greeting or thanks around its question, as the loaded
    model reads them; a button's payload ("/choose{...}") as it is."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or text.startswith("/"):
        return text
    try:
        shaped = await shape.question_of(text, shape.model_classifier(agent))
    except Exception:  # the turn goes on with the message as written
        logger.exception("gateway channel: shaping the message failed")
        return text
    return shaped.question


def _parse_of(
    tracker: DialogueStateTracker | None, message_id: str
) -> dict[str, Any] | None:
    """The parse data Rasa stored for this message."""
    if tracker is None:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            return _compact_parse(event.parse_data)
    return None


def session_length(tracker: DialogueStateTracker) -> int:
    """Events of the current session: since the last session start, whether the
    tracker holds the earlier sessions too (the tracker Rasa just saved, the in-memory
    store) or not (the SQL store reads from the session start)."""
    count = 0
    for event in reversed(tracker.events):
        count += 1
        if (
            isinstance(event, ActionExecuted)
            and event.action_name == ACTION_SESSION_START_NAME
        ):
            break
    return count


async def close_long_session(
    processor: MessageProcessor, tracker: DialogueStateTracker
) -> None:
    """Starts a new session at the end of a turn whose session is long
    (:func:`_session_is_long`): Rasa's ``action_session_start``, run as Rasa runs it
    when a session expires, on the tracker about to be saved (under the
    conversation's lock). A separate ``/session_start`` message read the session
    again, ran the policies over it and saved it a second time: about a turn's work,
    which the citizen's next message waited for."""
    if not _session_is_long(tracker):
        return
    await processor._run_action(
        action=processor._get_action(ACTION_SESSION_START_NAME),
        tracker=tracker,
        output_channel=CollectingOutputChannel(),
        nlg=processor.nlg,
        prediction=PolicyPrediction.for_action_name(
            processor.domain, ACTION_SESSION_START_NAME
        ),
    )


def _session_is_long(tracker: DialogueStateTracker) -> bool:
    """True when the session should be closed: long, and no form under way."""
    return session_length(tracker) > SESSION_MAX_EVENTS and not tracker.active_loop_name
