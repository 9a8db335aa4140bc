"""Taps on the gateway's one-tap questions: the trip question and the satisfaction
question a team's closing asks. The tap is recorded with the turn or ticket that
asked, and thanked; it is not logged as a turn (it is not a question)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.conversation.dialogue import Dialogue, Said, Turn
from api.conversation.dialogues.trip import TRIP_PAYLOADS
from api.conversation.messages import TRIP_THANKS
from api.conversation.replies import OutMessage
from api.handoff.dialogue import record_satisfaction
from api.handoff.wording import SATISFACTION_THANKS, SATISFIED, UNSATISFIED
from api.querylog.service import set_trip

# Intent reported (not logged) for a tap on a one-tap question the gateway asked.
SURVEY_INTENT = "survey"
SATISFACTION_PAYLOADS = {SATISFIED: True, UNSATISFIED: False}


class SurveyAnswers(Dialogue):
    """First in line: a tap is answered before any other dialogue reads it."""

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """Records a trip or satisfaction tap and thanks the citizen."""
        if turn.text in TRIP_PAYLOADS:
            set_trip(session, turn.user, TRIP_PAYLOADS[turn.text], turn.now)
            thanks = TRIP_THANKS
        elif turn.text in SATISFACTION_PAYLOADS:
            satisfied = SATISFACTION_PAYLOADS[turn.text]
            record_satisfaction(session, turn.user, satisfied)
            thanks = SATISFACTION_THANKS[satisfied]
        else:
            return None
        return Said([OutMessage(thanks)], SURVEY_INTENT, logged=False)
