"""The assistant's reply, channel-neutral: the messages and buttons Rasa sent, the
turn's outcome, and which message a citizen may rate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from api.citizen.profile import QUESTION_INTENTS
from api.conversation.rasa_client import RasaReply
from api.querylog.models import Outcome

BUTTON_TITLE_MAX = 40
# Guided-procedure moves; a guide turn is rated only when it ends the procedure (its
# reply no longer offers the next step: actions/guide.py's "Tiếp" button).
GUIDE_INTENTS = frozenset({"guide", "guide_next", "guide_back", "guide_resume"})
GUIDE_NEXT_PAYLOAD = "/guide_next"
# Intents of the NLU the outcome is read from (bot/domain/core.yml; the fallback is
# the FallbackClassifier's, bot/config.yml).
OUT_OF_SCOPE_INTENT = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"
# Intents whose "chưa chắc" reply (the closest questions offered) may be rated.
CLARIFY_INTENTS = frozenset({"faq", FALLBACK_INTENT})


@dataclass(frozen=True)
class Button:
    """A reply option; ``payload`` is sent back when chosen."""

    title: str
    payload: str


@dataclass(frozen=True)
class OutMessage:
    """One channel-neutral bot message."""

    text: str
    buttons: list[Button] = field(default_factory=list)


@dataclass(frozen=True)
class TurnResult:
    """What the assistant replied and how the turn was classified."""

    messages: list[OutMessage]
    intent: str | None
    confidence: float | None
    topic: str | None
    answer_id: str | None
    outcome: Outcome
    turn_id: int
    # Index in ``messages`` of the message "Hữu ích / Chưa hữu ích" follows; None when
    # the turn is not for rating (a question the assistant asks, thanks, a step).
    rated_message: int | None = None
    # Milliseconds per hop (api.conversation.hops), for the Server-Timing header.
    hops: dict[str, float] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """True only when the citizen got an answer."""
        return self.outcome is Outcome.ANSWERED


@dataclass(frozen=True)
class AnswerFacts:
    """What the action that gave a stored answer reported of it (actions/turn.py), so
    the gateway does not read the answer again."""

    topic: str
    draft: bool
    procedure: bool


def answer_facts(turn: dict[str, Any]) -> AnswerFacts | None:
    """The facts of the answer ``turn`` (an action's metadata) gives, or None when
    the action sent none or sent them malformed (the gateway then reads them)."""
    facts = turn.get("facts")
    if not isinstance(facts, dict) or not isinstance(turn.get("answer_id"), str):
        return None
    topic, draft, procedure = (facts.get(k) for k in ("topic", "draft", "procedure"))
    if not isinstance(topic, str) or not isinstance(draft, bool):
        return None
    if not isinstance(procedure, bool):
        return None
    return AnswerFacts(topic, draft, procedure)


def split_reply(reply: RasaReply) -> tuple[list[OutMessage], dict[str, Any]]:
    """Visible messages, and the turn metadata an action attached (if any)."""
    messages: list[OutMessage] = []
    turn: dict[str, Any] = {}
    for raw in reply.messages:
        custom = raw.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("turn"), dict):
            turn = custom["turn"]
            continue
        text = raw.get("text")
        if not text:
            continue
        buttons = [
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in raw.get("buttons") or []
            if isinstance(b, dict)
        ]
        messages.append(OutMessage(text=text, buttons=buttons))
    return messages, turn


def classify(
    reply: RasaReply, visible: list[OutMessage], turn: dict[str, Any]
) -> Outcome:
    """One place that decides a turn's outcome."""
    intent = (reply.parse.get("intent") or {}).get("name")
    if reply.error or not visible:
        return Outcome.ERROR
    if turn.get("outcome") in {o.value for o in Outcome}:
        return Outcome(turn["outcome"])
    if intent == OUT_OF_SCOPE_INTENT:
        return Outcome.OUT_OF_SCOPE
    if intent == FALLBACK_INTENT:
        return Outcome.UNSURE
    return Outcome.ANSWERED


def rated_message(
    intent: str | None,
    outcome: Outcome,
    answer_id: str | None,
    messages: list[OutMessage],
) -> int | None:
    """Which of Rasa's ``messages`` the citizen may rate (its index), or None.

    Rated: an answer to a question, the end of a guided procedure, and the "chưa
    chắc" reply offering the closest questions. Not rated: small talk and thanks,
    each step of a guide, what the assistant asks, errors."""
    if not messages:
        return None
    last = len(messages) - 1
    if outcome is Outcome.ANSWERED and answer_id:
        if intent in QUESTION_INTENTS:
            return last
        if intent in GUIDE_INTENTS and not any(
            b.payload == GUIDE_NEXT_PAYLOAD for m in messages for b in m.buttons
        ):
            return last
        return None
    if outcome is Outcome.UNSURE and intent in CLARIFY_INTENTS:
        return last
    return None


def button_title(question: str) -> str:
    """A button title of at most BUTTON_TITLE_MAX characters, cut between words."""
    if len(question) <= BUTTON_TITLE_MAX:
        return question
    head = question[: BUTTON_TITLE_MAX - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,") + "…"


def choose_payload(answer_id: str) -> str:
    return '/choose{"answer_id":"' + answer_id + '"}'


_CHOOSE = re.compile(r'^/choose\{"answer_id":"([\w.-]+)"\}$')


def chosen_id(payload: str) -> str | None:
    """The answer id a ``/choose{...}`` button payload picks, else None."""
    match = _CHOOSE.match(payload)
    return match.group(1) if match else None
