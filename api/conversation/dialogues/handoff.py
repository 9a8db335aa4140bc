"""The hand-off in the turn pipeline: the citizen's answers to the offer of a person,
and the offer itself after a request, two turns not understood or two unhelpful
ratings."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from api.conversation.dialogue import Added, Dialogue, Reply, Said, Sessions, Turn, out
from api.core.db import utcnow
from api.core.step import Step
from api.handoff.dialogue import (
    continue_dialogue,
    not_understood_again,
    offer,
    unhelpful_enough,
)
from api.handoff.models import HandoffReason
from api.querylog.models import Outcome
from api.teams import EscalationContact

# Logged intent of the gateway's turns in the hand-off dialogue.
HANDOFF_INTENT = "handoff"
# The Rasa intent of a citizen asking for a person (bot/domain/core.yml): Rasa
# acknowledges it, the gateway adds the offer.
REQUEST_HUMAN = "request_human"
NOT_UNDERSTOOD = (Outcome.UNSURE, Outcome.OUT_OF_SCOPE)


class Handoff(Dialogue):
    """``escalations`` (per province) and ``claim_hours`` say when and to whom an
    unclaimed ticket goes."""

    def __init__(
        self,
        sessions: Sessions,
        escalations: Mapping[str, EscalationContact] | None = None,
        claim_hours: float = 4,
    ) -> None:
        self._sessions = sessions
        self._escalations = dict(escalations or {})
        self._claim_hours = claim_hours

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """The next step of a hand-off under way, or None."""
        step = continue_dialogue(
            session,
            turn.user,
            turn.masked,
            turn.now,
            self._escalations,
            self._claim_hours,
        )
        return None if step is None else Said([out(step)], HANDOFF_INTENT)

    async def after_reply(self, turn: Turn, reply: Reply) -> Added | None:
        """The offer of a person when the citizen asked for one or is not
        understood twice in a row."""
        if reply.intent != REQUEST_HUMAN and reply.outcome not in NOT_UNDERSTOOD:
            return None  # no database session for the other turns
        step = await self._sessions.run(
            _offer_after, turn.channel, turn.user, reply.intent, reply.outcome
        )
        return None if step is None else Added([out(step)])

    async def after_rating(
        self, channel: str, user: str, turn_id: int, helpful: bool
    ) -> Added | None:
        """The offer of a person after a second unhelpful rating."""
        if helpful:
            return None
        step = await self._sessions.run(_offer_after_rating, channel, user)
        return None if step is None else Added([out(step)])


def _offer_after(
    session: Session, channel: str, user: str, intent: str | None, outcome: Outcome
) -> Step | None:
    """The offer (this turn not logged yet), or None."""
    if intent == REQUEST_HUMAN:
        return offer(session, channel, user, HandoffReason.REQUESTED)
    if outcome in NOT_UNDERSTOOD and not_understood_again(session, user, utcnow()):
        return offer(session, channel, user, HandoffReason.NOT_UNDERSTOOD)
    return None


def _offer_after_rating(session: Session, channel: str, user: str) -> Step | None:
    if unhelpful_enough(session, user, utcnow()):
        return offer(session, channel, user, HandoffReason.UNHELPFUL)
    return None
