"""The trip question: after a procedure, did the citizen still have to go to the
office? (What the movement counts as "a trip saved".)"""

from __future__ import annotations

import asyncio

from api.citizen.profile import QUESTION_INTENTS
from api.conversation.dialogue import Added, Dialogue, Reply, Sessions, Turn
from api.conversation.messages import TRIP_ONLINE, TRIP_QUESTION, TRIP_VISIT
from api.conversation.replies import GUIDE_INTENTS, Button, OutMessage
from api.knowledge.store import KnowledgeStore
from api.querylog.service import ask_trip_now

# The question's buttons; the gateway records the tap itself, without Rasa.
TRIP_PAYLOADS = {"/trip_online": "online", "/trip_visit": "visit"}
TRIP_BUTTONS = [
    Button(TRIP_ONLINE, "/trip_online"),
    Button(TRIP_VISIT, "/trip_visit"),
]
# Channels whose page shows "Hữu ích / Chưa hữu ích" under the rated message (the
# JSON endpoint's ``feedback_after``). There the trip question comes after the
# rating, as the reply to it, so that the citizen never sees two questions under
# one answer; Telegram and Zalo show no rating, so it comes with the answer.
RATING_CHANNELS = frozenset({"web", "api"})


def trip_question() -> OutMessage:
    return OutMessage(TRIP_QUESTION, list(TRIP_BUTTONS))


class TripQuestion(Dialogue):
    """Last in line: asked only when no other dialogue asked something."""

    def __init__(self, store: KnowledgeStore, sessions: Sessions) -> None:
        self._store = store
        self._sessions = sessions

    async def after_reply(self, turn: Turn, reply: Reply) -> Added | None:
        """The question under a procedure, or its promise after the rating."""
        if not await self._is_procedure(reply):
            return None
        if turn.channel in RATING_CHANNELS:
            return Added(trip="pending")  # asked as the reply to the rating
        if turn.channel == "zalo" and any(m.buttons for m in reply.messages):
            # Zalo has no buttons: options are a numbered list, and a second list
            # would make the citizen's typed number ambiguous.
            return None
        return Added([trip_question()], trip="asked")

    async def after_rating(
        self, channel: str, user: str, turn_id: int, helpful: bool
    ) -> Added | None:
        """The question that waited for the rating of ``turn_id``."""
        if await self._sessions.run(ask_trip_now, turn_id, user):
            return Added([trip_question()])
        return None

    async def _is_procedure(self, reply: Reply) -> bool:
        """Whether the turn gave a procedure: an answer with steps, or the last step
        of a guided procedure (a rated guide turn)."""
        if reply.rated is None or not reply.answer_id:
            return False
        if reply.intent in GUIDE_INTENTS:
            return True
        if reply.intent not in QUESTION_INTENTS:
            return False
        if reply.facts is not None:
            return reply.facts.procedure
        return await asyncio.to_thread(self._store.has_steps, reply.answer_id)
