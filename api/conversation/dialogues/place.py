"""The place question: what the assistant remembers of the citizen, their answer when
asked for their commune, and the question itself after enough answered questions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.citizen.profile import (
    QUESTION_INTENTS,
    after_answer,
    remembered,
    take_place_answer,
)
from api.conversation.dialogue import Added, Dialogue, Reply, Said, Sessions, Turn
from api.conversation.replies import OutMessage
from api.querylog.models import Outcome

# Logged intent of a message the gateway read as the citizen's commune.
PLACE_INTENT = "provide_place"


class PlaceQuestion(Dialogue):
    """Last of the dialogues before Rasa: reads the citizen's profile for the turn."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """The reply to a message read as the citizen's commune, when they were
        asked; None when it is not a place (the question is then dropped)."""
        turn.citizen = remembered(session, turn.user)
        if not turn.helper_mode:  # in helper mode the turns count for the resident
            turn.place = turn.citizen.place
        if not turn.citizen.awaiting_place:
            return None
        answer = take_place_answer(session, turn.user, turn.masked)
        if answer is None:
            return None
        return Said(
            [OutMessage(answer.text)],
            PLACE_INTENT,
            place=answer.place if answer.understood else turn.place,
        )

    async def after_reply(self, turn: Turn, reply: Reply) -> Added | None:
        """Counts an answered question; asks for the commune when it is time."""
        if not (
            turn.citizen.may_ask
            and reply.outcome is Outcome.ANSWERED
            and reply.answer_id
            and reply.intent in QUESTION_INTENTS
        ):
            return None  # no database session for the other turns
        question = await self._sessions.run(after_answer, turn.user)
        return Added([OutMessage(question)]) if question else None
