"""The scam warning: a scam in progress is warned about before any other dialogue
or the NLU sees the message."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.citizen.profile import remembered
from api.conversation.dialogue import Dialogue, Said, Turn
from api.conversation.dialogues.handoff import REQUEST_HUMAN
from api.conversation.messages import ASK_A_PERSON
from api.conversation.replies import Button, OutMessage, button_title, choose_payload
from api.helper_mode.service import active_place
from api.knowledge.store import KnowledgeStore
from api.safety.content import SafetyContent, next_steps_text, warning_text
from api.safety.detector import Detector

# Logged intent of a scam warning (its kind in the turn's detail, "scam:<kind>"; its
# topic, scam_safety, from seeds/topics.yml).
SCAM_INTENT = "scam_alert"
# The button under the warning asks Rasa for a person, as if the citizen typed it.
ASK_A_PERSON_PAYLOAD = "/" + REQUEST_HUMAN


class ScamWarning(Dialogue):
    """The warning first, then what to do now and the related guidance."""

    def __init__(
        self,
        store: KnowledgeStore,
        safety: SafetyContent | None,
        detector: Detector | None = None,
    ) -> None:
        self._store = store
        self._safety = safety
        self._detector = detector or Detector(None)

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """Warns about a scam the raw text describes, else None."""
        if self._safety is None:
            return None
        alert = self._detector.detect(turn.text)
        if alert is None:
            return None
        related = self._safety.related.get(alert.kind, [])
        questions = self._store.questions_of(related)
        buttons = [
            Button(button_title(questions[i]), choose_payload(i))
            for i in related
            if i in questions
        ]
        messages = [
            OutMessage(warning_text(self._safety, alert.kind)),
            OutMessage(
                next_steps_text(self._safety),
                [*buttons, Button(ASK_A_PERSON, ASK_A_PERSON_PAYLOAD)],
            ),
        ]
        # Where the turn counts: the resident's commune in helper mode, else the
        # citizen's own remembered place.
        place = (
            active_place(session, turn.channel, turn.user)
            or remembered(session, turn.user).place
        )
        return Said(
            messages,
            SCAM_INTENT,
            place=place,
            detail=f"scam:{alert.kind}",
            rated_message=len(messages) - 1,
        )
