"""Helper mode in the turn pipeline: a linked team member's commands are answered
by the gateway; in an active session the assistant answers as usual, its turns count
for the resident's commune, and a procedure comes with the link to its printout."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session

from api.conversation.dialogue import Added, Dialogue, Reply, Said, Turn, out
from api.conversation.replies import OutMessage
from api.helper_mode.service import LINK_LOGGED, helper_turn, print_link
from api.knowledge.store import KnowledgeStore
from api.querylog.models import Outcome

# Logged intent of the gateway's turns of helper mode (a team member's own chat).
HELPER_INTENT = "helper_mode"


class HelperMode(Dialogue):
    """First of the stateful dialogues: it reads the raw text for the link code."""

    def __init__(self, store: KnowledgeStore, public_url: str) -> None:
        self._store = store
        self._public_url = public_url

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """A helper-mode command's reply; otherwise notes an active session."""
        helping = helper_turn(session, turn.channel, turn.user, turn.text, turn.now)
        if helping.step is not None:
            logged = LINK_LOGGED if helping.conceal else None
            return Said([out(helping.step)], HELPER_INTENT, logged_text=logged)
        if helping.active:
            turn.helper_mode = True
            turn.place = helping.place
        return None

    async def after_reply(self, turn: Turn, reply: Reply) -> Added | None:
        """The printout link under a procedure; in a team member's chat the
        gateway adds nothing else (no offer, no question)."""
        if not turn.helper_mode:
            return None
        if (
            reply.answer_id
            and reply.outcome is Outcome.ANSWERED
            and (
                reply.facts.procedure
                if reply.facts is not None
                else await asyncio.to_thread(self._store.has_steps, reply.answer_id)
            )
        ):
            link = print_link(self._public_url, reply.answer_id)
            return Added([OutMessage(link)])
        return Added()
