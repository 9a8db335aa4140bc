"""The input channel the api/ gateway talks to.

It behaves like Rasa's REST channel (``POST /webhooks/gateway/webhook`` with
``{"sender", "message", "metadata"}``) but answers with Rasa's parse result beside the
bot messages, so the gateway can log intent, confidence, entities and the selected FAQ
answer without asking Rasa to parse the text a second time::

    {"messages": [...], "parse": {"intent": ..., "entities": ..., "response_selector": ...},
     "error": null}

``error`` is set when Rasa failed while handling the message, so the gateway can log
the turn as an error instead of as an empty answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# How many ranking entries are passed on: enough to offer three alternatives.
RANKING_LENGTH = 5


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
            message_id = uuid.uuid4().hex
            collector = CollectingOutputChannel()
            error = None
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
            parse = await self._parse_of(request, sender_id, message_id)
            return response.json(
                {"messages": collector.messages, "parse": parse, "error": error}
            )

        return gateway

    @staticmethod
    async def _parse_of(
        request: Request, sender_id: str, message_id: str
    ) -> dict[str, Any] | None:
        """Reads the parse data Rasa stored for this message in the tracker."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return None
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered) and event.message_id == message_id:
                return _compact_parse(event.parse_data)
        return None
