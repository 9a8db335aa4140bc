"""Handles one citizen message from any channel: normalise, mask, ask Rasa, log.

Every channel (web, Telegram, Zalo OA) calls :meth:`ConversationService.handle`, so
masking, logging and error handling are the same everywhere. Nothing a citizen sends
is lost: if Rasa is down or slow the citizen gets a polite message and the turn is
logged as an error; if the database is briefly unreachable the citizen still gets
Rasa's answer (without the gateway's own additions) and the turn's row is queued and
written when it is back (:mod:`api.querylog.pending`). The gateway's own dialogues (helper mode, the hand-off, notices,
the place and trip questions...) plug in through :mod:`api.conversation.dialogue`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.citizen.profile import Place
from api.conversation.dialogue import Dialogue, Reply, Said, Sessions, Turn
from api.conversation.hops import Hops
from api.conversation.inputs import InvalidMessage, clean, normalize_input
from api.conversation.messages import (
    RASA_UNAVAILABLE,
    RATE_LIMITED,
    TOO_LONG,
    UNSUPPORTED_MEDIA,
)
from api.conversation.rasa_client import RasaClient, RasaReply, RasaUnavailable
from api.conversation.ratelimit import Limit, RateLimiter, within
from api.conversation.replies import (
    AnswerFacts,
    Button,
    OutMessage,
    TurnResult,
    answer_facts,
    chosen_id,
    classify,
    rated_message,
    split_reply,
)
from api.core.clock import today_local
from api.core.db import UNREACHABLE, utcnow
from api.helper_mode.service import LINK_LOGGED, LINK_TOO_MANY, is_link_code
from api.knowledge.schemas import Taxonomy
from api.knowledge.store import KnowledgeStore
from api.privacy.masking import mask
from api.privacy.pseudonym import pseudonymize
from api.querylog.models import Outcome
from api.querylog.pending import PendingTurns
from api.querylog.service import (
    TurnRecord,
    count_rejected,
    log_turn,
    mark_undelivered,
    set_feedback,
)

logger = logging.getLogger(__name__)

# Link codes a chat may try in 15 minutes.
LINK_ATTEMPTS = Limit(5, 15 * 60)


class ConversationService:
    """Channel-neutral turn handling."""

    def __init__(
        self,
        rasa: RasaClient,
        engine: Engine,
        store: KnowledgeStore,
        taxonomy: Taxonomy,
        secret_key: str,
        max_chars: int,
        rate_limiter: RateLimiter,
        dialogues: Sequence[Dialogue] = (),
        pending: PendingTurns | None = None,
    ) -> None:
        """Wires the service; all arguments are long-lived, shared objects.
        ``dialogues`` are the gateway's own, in the order they get each message;
        ``pending`` queues the rows the database could not take (else the error
        is raised)."""
        self._rasa = rasa
        self._sessions = Sessions(engine)
        # A turn's log row is one INSERT … RETURNING, atomic by itself: in
        # autocommit it goes without a BEGIN and a COMMIT, two more round trips.
        self._log_sessions = Sessions(
            engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._store = store
        self._intent_topics = taxonomy.topic_of_intent()
        self._secret_key = secret_key
        self._max_chars = max_chars
        self._rate_limiter = rate_limiter
        self._dialogues = tuple(dialogues)
        self._pending = pending

    def pseudonym(self, channel: str, channel_user_id: str) -> str:
        """The pseudonymous id under which ``channel_user_id`` is logged."""
        return pseudonymize(self._secret_key, channel, channel_user_id)

    async def handle(self, channel: str, channel_user_id: str, text: str) -> TurnResult:
        """Answers one message and logs the turn.

        Raises InvalidMessage for an empty or over-long text (the JSON API answers
        422); :meth:`reply` turns those into a polite reply for messaging channels.
        """
        hops = Hops()
        with hops.measure("admit"):
            turn = await self._admit(channel, channel_user_id, text)
        if isinstance(turn, TurnResult):
            return turn
        with hops.measure("dialogues"):
            try:
                said = await asyncio.to_thread(
                    self._sessions.write, self._before_rasa, turn
                )
            except UNREACHABLE:
                # The dialogues keep their state in the database: Rasa answers alone.
                logger.warning("database unreachable: the gateway's dialogues skipped")
                said = None
        if said is not None:
            return await self._said(turn, said)
        with hops.measure("rasa"):
            try:
                rasa = await self._rasa.send(
                    turn.user, turn.masked, {"channel": channel}
                )
            except RasaUnavailable:
                rasa = RasaReply(messages=[], error="rasa_unavailable")
        hops.add(rasa.timing, "rasa")
        latency_ms = round(hops.ms["rasa"])
        visible, meta = split_reply(rasa)
        outcome = classify(rasa, visible, meta)
        if outcome is Outcome.ERROR:
            visible = [OutMessage(RASA_UNAVAILABLE)]
        intent = (rasa.parse.get("intent") or {}).get("name")
        answer_id = meta.get("answer_id")
        # Decided before the dialogues add their own question or offer.
        rated = rated_message(intent, outcome, answer_id, visible)
        reply = Reply(visible, intent, outcome, answer_id, rated, answer_facts(meta))
        with hops.measure("after"):
            trip = await self._after_reply(turn, reply)
        with hops.measure("log"):
            result = await self._log_reply(turn, rasa, meta, reply, latency_ms, trip)
        return dataclasses.replace(result, hops=hops.ms)

    async def reply(
        self, channel: str, channel_user_id: str, text: str
    ) -> TurnResult | None:
        """Like :meth:`handle` for messaging channels: an over-long text is logged
        (cut to the limit) and answered politely; an empty one is ignored (None)."""
        try:
            return await self.handle(channel, channel_user_id, text)
        except InvalidMessage as exc:
            if str(exc) == "empty":
                return None
        # Cut first (at a space, so no half number is left), then masked.
        kept, _ = clean(text, self._max_chars)
        masked = await asyncio.to_thread(mask, kept)
        return await self._reject(
            channel,
            self.pseudonym(channel, channel_user_id),
            masked + " …",
            "too_long",
            TOO_LONG.format(limit=self._max_chars),
        )

    async def unsupported(
        self, channel: str, channel_user_id: str, kind: str
    ) -> TurnResult:
        """Logs a photo, sticker, voice message, ... (never its content) and asks
        for text."""
        return await self._reject(
            channel,
            self.pseudonym(channel, channel_user_id),
            f"[{kind}]",
            f"unsupported:{kind}"[:40],
            UNSUPPORTED_MEDIA,
        )

    async def full_titles(self, messages: list[OutMessage]) -> list[OutMessage]:
        """``messages`` with each shortened button title ("…") of a stored answer
        replaced by the answer's whole question: the web chat wraps long labels
        rather than cutting them, and echoes the label as the citizen's message."""
        cut_ids = {
            answer_id
            for m in messages
            for b in m.buttons
            if b.title.endswith("…") and (answer_id := chosen_id(b.payload))
        }
        if not cut_ids:
            return messages
        try:
            questions = await asyncio.to_thread(self._store.questions_of, cut_ids)
        except UNREACHABLE:
            return messages

        def whole(button: Button) -> Button:
            answer_id = chosen_id(button.payload)
            question = questions.get(answer_id) if answer_id else None
            if question is None or not button.title.endswith("…"):
                return button
            return Button(question, button.payload)

        return [OutMessage(m.text, [whole(b) for b in m.buttons]) for m in messages]

    async def count_refused(self, channel: str, reason: str) -> None:
        """Counts one message refused before it was read (no turn is logged)."""
        await self._sessions.run(count_rejected, today_local(), channel, reason)

    async def mark_undelivered(self, turn_id: int, detail: str) -> None:
        """The reply of ``turn_id`` did not reach the citizen; both texts stay logged."""
        await self._sessions.run(mark_undelivered, turn_id, detail)

    async def record_feedback(
        self, channel: str, channel_user_id: str, turn_id: int, helpful: bool
    ) -> list[OutMessage] | None:
        """Stores "Hữu ích / Chưa hữu ích" on the citizen's own turn (None if the
        turn is not theirs); returns what to say: after a second unhelpful rating,
        the offer of a person, else the trip question that waited for the rating."""
        user = self.pseudonym(channel, channel_user_id)
        if not await self._sessions.run(set_feedback, turn_id, user, helpful):
            return None
        for dialogue in self._dialogues:
            added = await dialogue.after_rating(channel, user, turn_id, helpful)
            if added is not None:  # one question: the first that asks
                return list(added.messages)
        return []

    async def _admit(
        self, channel: str, channel_user_id: str, text: str
    ) -> Turn | TurnResult:
        """The turn, or the refusal of a message sent too fast (or of one link
        code too many)."""
        text = normalize_input(text, self._max_chars)
        # Masking is CPU work: off the event loop.
        masked = await asyncio.to_thread(mask, text)
        user = self.pseudonym(channel, channel_user_id)
        limit = self._rate_limiter.limit
        sent = await self._rate_limiter.hit(user, limit.seconds)
        if sent > limit.count:
            if sent == limit.count + 1:  # the first refused message is logged
                return await self._reject(
                    channel, user, masked, "rate_limited", RATE_LIMITED
                )
            # the rest of a flood is counted, not logged one row each
            await self._sessions.run(
                count_rejected, today_local(), channel, "rate_limited"
            )
            return TurnResult(
                messages=[OutMessage(RATE_LIMITED)],
                intent=None,
                confidence=None,
                topic=None,
                answer_id=None,
                outcome=Outcome.REJECTED,
                turn_id=0,
            )
        # Six-digit link codes cannot be guessed at leisure.
        if is_link_code(text) and not await within(
            self._rate_limiter, f"link:{user}", LINK_ATTEMPTS
        ):
            return await self._reject(
                channel, user, LINK_LOGGED, "link_attempts", LINK_TOO_MANY
            )
        return Turn(channel, user, text, masked, utcnow())

    def _before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """The first dialogue that takes the message answers it (one database
        session for all of them, in the calling worker thread)."""
        for dialogue in self._dialogues:
            said = dialogue.before_rasa(session, turn)
            if said is not None:
                return said
        return None

    async def _after_reply(self, turn: Turn, reply: Reply) -> str | None:
        """Lets each dialogue add to the reply, in order, until one is the last
        (it asked a question); returns the trip question's state for the log."""
        trip = None
        for dialogue in self._dialogues:
            try:
                added = await dialogue.after_reply(turn, reply)
            except UNREACHABLE:
                logger.warning("database unreachable: nothing added to the reply")
                break
            if added is None:
                continue
            reply.messages.extend(added.messages)
            trip = added.trip or trip
            if added.last:
                break
        return trip

    async def _said(self, turn: Turn, said: Said) -> TurnResult:
        """A turn a dialogue answered: logged, unless it was a tap on a one-tap
        question (recorded with what asked it)."""
        if not said.logged:
            return TurnResult(
                messages=said.messages,
                intent=said.intent,
                confidence=None,
                topic=None,
                answer_id=None,
                outcome=Outcome.ANSWERED,
                turn_id=0,
            )
        return await self._gateway_turn(
            turn.channel,
            turn.user,
            said.logged_text or turn.masked,
            said.messages,
            Outcome.ANSWERED,
            intent=said.intent,
            detail=said.detail,
            place=said.place,
            rated_message=said.rated_message,
        )

    async def _log_reply(
        self,
        turn: Turn,
        rasa: RasaReply,
        meta: dict[str, Any],
        reply: Reply,
        latency_ms: int,
        trip: str | None,
    ) -> TurnResult:
        """Logs and returns a turn Rasa answered (``meta``: what its action reported)."""
        outcome, answer_id = reply.outcome, reply.answer_id
        confidence = (rasa.parse.get("intent") or {}).get("confidence")
        topic, draft = await self._topic(reply.intent, answer_id, reply.facts)
        record = TurnRecord(
            channel=turn.channel,
            user_pseudonym=turn.user,
            conversation_id=turn.user,
            text_masked=turn.masked,
            reply_masked="\n\n".join(m.text for m in reply.messages),
            intent=reply.intent,
            confidence=float(confidence) if confidence is not None else None,
            topic=topic,
            answer_id=answer_id,
            answer_confidence=meta.get("answer_confidence"),
            outcome=outcome,
            answer_draft=draft if outcome is Outcome.ANSWERED else None,
            latency_ms=latency_ms,
            detail=(rasa.error or "no_reply") if outcome is Outcome.ERROR else None,
            province_code=turn.place.province_code,
            commune_code=turn.place.commune_code,
            trip=trip,
        )
        turn_id = await asyncio.to_thread(self._log, record)
        return TurnResult(
            messages=reply.messages,
            intent=reply.intent,
            confidence=record.confidence,
            topic=topic,
            answer_id=answer_id if outcome is Outcome.ANSWERED else None,
            outcome=outcome,
            turn_id=turn_id,
            # A turn not yet in the log (queued) cannot be rated.
            rated_message=reply.rated if turn_id else None,
        )

    async def _reject(
        self, channel: str, user: str, masked: str, detail: str, reply: str
    ) -> TurnResult:
        return await self._gateway_turn(
            channel, user, masked, reply, Outcome.REJECTED, detail=detail
        )

    async def _gateway_turn(
        self,
        channel: str,
        user: str,
        masked: str,
        reply: str | OutMessage | list[OutMessage],
        outcome: Outcome,
        intent: str | None = None,
        detail: str | None = None,
        place: Place | None = None,
        rated_message: int | None = None,
    ) -> TurnResult:
        """Logs and returns a turn the gateway answered itself, without Rasa (not
        for rating unless ``rated_message`` says under which message)."""
        place = place or Place()
        messages = (
            reply
            if isinstance(reply, list)
            else [reply if isinstance(reply, OutMessage) else OutMessage(reply)]
        )
        record = TurnRecord(
            channel=channel,
            user_pseudonym=user,
            conversation_id=user,
            text_masked=masked,
            reply_masked="\n\n".join(m.text for m in messages),
            intent=intent,
            confidence=None,
            topic=self._intent_topics.get(intent or ""),
            answer_id=None,
            answer_confidence=None,
            outcome=outcome,
            latency_ms=0,
            detail=detail,
            province_code=place.province_code,
            commune_code=place.commune_code,
        )
        turn_id = await asyncio.to_thread(self._log, record)
        return TurnResult(
            messages=messages,
            intent=intent,
            confidence=None,
            topic=record.topic,
            answer_id=None,
            outcome=outcome,
            turn_id=turn_id,
            rated_message=rated_message if turn_id else None,
        )

    async def _topic(
        self, intent: str | None, answer_id: str | None, facts: AnswerFacts | None
    ) -> tuple[str | None, bool | None]:
        """The turn's topic, and whether the answer given is a draft (None when no
        stored answer was given): as the action reported them, else read."""
        if answer_id and facts is not None:
            return facts.topic, facts.draft
        if answer_id:
            try:
                read = await asyncio.to_thread(self._store.facts_of, [answer_id])
            except UNREACHABLE:
                read = {}
            topic, draft = read.get(answer_id, (None, None))
            return topic, draft
        return self._intent_topics.get(intent or ""), None

    def _log(self, record: TurnRecord) -> int:
        """Logs ``record`` with its reply masked (in the calling worker thread);
        0 when the database is unreachable and the row was queued instead."""
        if record.reply_masked:
            record = dataclasses.replace(record, reply_masked=mask(record.reply_masked))
        try:
            return int(self._log_sessions.write(log_turn, record))
        except UNREACHABLE:
            if self._pending is None:
                raise
            self._pending.put(record)
            logger.warning("database unreachable: turn queued for the log")
            return 0
