"""The seam between the turn pipeline and the gateway's own dialogues.

Rasa owns questions and guided procedures; the gateway owns a few side dialogues
(helper mode, the hand-off, notices, the place question, the trip question...). Each
implements :class:`Dialogue`, and the composition root (``api/main.py``) hands them
to :class:`~api.conversation.service.ConversationService` in order:

- before Rasa, the first dialogue that takes the message answers it (:class:`Said`);
- after Rasa's reply, each dialogue may add to it (:class:`Added`), one question at
  a time;
- after the citizen rates an answer, the first dialogue with something to say says it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.citizen.profile import Place, Remembered
from api.conversation.replies import AnswerFacts, Button, OutMessage
from api.core.step import Step
from api.querylog.models import Outcome

T = TypeVar("T")


@dataclass
class Turn:
    """One admitted message, and what the dialogues before Rasa learned about it
    (they fill in ``place``, ``helper_mode`` and ``citizen``)."""

    channel: str
    user: str
    # Raw (normalised) text: helper mode reads a link code before masking.
    text: str
    masked: str
    now: datetime
    # Where the turn counts in the log.
    place: Place = field(default_factory=Place)
    # A team member's own chat in a helper session: the gateway adds no offer or
    # question of its own to the assistant's answers.
    helper_mode: bool = False
    # What the assistant remembers of the citizen (read when no dialogue took the
    # message).
    citizen: Remembered = field(default_factory=Remembered)


@dataclass(frozen=True)
class Said:
    """A message one of the gateway's dialogues answered itself, without Rasa."""

    messages: list[OutMessage]
    intent: str
    place: Place | None = None
    detail: str | None = None
    # Logged instead of the masked text (a link code must not be stored at all).
    logged_text: str | None = None
    rated_message: int | None = None
    # A tap answering a one-tap question is stored with what asked it, not as a turn.
    logged: bool = True


@dataclass
class Reply:
    """Rasa's reply as the dialogues after it see it; ``messages`` grows with what
    they add."""

    messages: list[OutMessage]
    intent: str | None
    outcome: Outcome
    answer_id: str | None
    # Which of Rasa's messages the citizen may rate, decided before anything is added.
    rated: int | None
    # The facts of the answer given, as its action reported them (None: not reported).
    facts: AnswerFacts | None = None


@dataclass(frozen=True)
class Added:
    """What a dialogue adds after the reply."""

    messages: list[OutMessage] = field(default_factory=list)
    # The dialogues after it add nothing: one question at a time, and nothing of the
    # gateway's own in a team member's chat.
    last: bool = True
    # The trip question's state, logged with the turn ("asked", "pending").
    trip: str | None = None


class Dialogue(Protocol):
    """A side dialogue of the gateway. Subclass it to inherit the no-op hooks."""

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """Answers the message instead of Rasa, or None to pass it on. Runs in a
        worker thread, in the one database session all dialogues share for the
        turn (every message reaches this point, so one session, not one each)."""
        return None

    async def after_reply(self, turn: Turn, reply: Reply) -> Added | None:
        """What to add to Rasa's reply, or None. Most turns need no database here:
        a dialogue opens a session (through :class:`Sessions`) only when it must."""
        return None

    async def after_rating(
        self, channel: str, user: str, turn_id: int, helpful: bool
    ) -> Added | None:
        """What to say after the citizen rated ``turn_id`` (the first dialogue that
        says something is the only one), or None."""
        return None


class Sessions:
    """Runs blocking database work in a worker thread, in a session of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(self, work: Callable[..., T], *args: Any) -> T:
        """Runs ``work(session, *args)`` here (already in a worker thread)."""
        with Session(self._engine) as session:
            return work(session, *args)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Runs ``work(session, *args)`` off the event loop."""
        return await asyncio.to_thread(self.write, work, *args)


def out(step: Step) -> OutMessage:
    """A dialogue step as a channel-neutral message."""
    return OutMessage(step.text, [Button(t, p) for t, p in step.buttons])
