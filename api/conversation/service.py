"""Handles one citizen message from any channel: normalise, mask, ask Rasa, log.

Every channel (web, Telegram, Zalo OA) calls :meth:`ConversationService.handle`, so
masking, logging and error handling are the same everywhere. Nothing a citizen sends
is lost: if Rasa is down or slow the citizen gets a polite message and the turn is
logged as an error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.channels.broadcast import subscription_turn
from api.citizen.profile import (
    QUESTION_INTENTS,
    Place,
    PlaceReply,
    Remembered,
    after_answer,
    remembered,
    take_place_answer,
)
from api.community import handoff, helper
from api.community.directory import EscalationContact
from api.community.models import HandoffReason
from api.conversation.inputs import InvalidMessage, clean, normalize_input
from api.conversation.messages import (
    ASK_A_PERSON,
    RASA_UNAVAILABLE,
    RATE_LIMITED,
    TOO_LONG,
    TRIP_ONLINE,
    TRIP_QUESTION,
    TRIP_THANKS,
    TRIP_VISIT,
    UNSUPPORTED_MEDIA,
)
from api.conversation.rasa_client import RasaClient, RasaReply, RasaUnavailable
from api.conversation.ratelimit import Limit, RateLimiter, within
from api.conversation.replies import (
    GUIDE_INTENTS,
    Button,
    OutMessage,
    TurnResult,
    button_title,
    choose_payload,
    chosen_id,
    classify,
    rated_message,
    split_reply,
)
from api.core.db import utcnow
from api.knowledge.schemas import Taxonomy
from api.knowledge.store import KnowledgeStore
from api.privacy.masking import mask
from api.privacy.pseudonym import pseudonymize
from api.querylog.models import Outcome
from api.querylog.rollup import today_local
from api.querylog.service import (
    TurnRecord,
    ask_trip_now,
    count_rejected,
    log_turn,
    mark_undelivered,
    set_feedback,
    set_trip,
)
from api.safety.content import SafetyContent, next_steps_text, warning_text
from api.safety.detector import Alert, Detector

# Logged intent of a message the gateway read as the citizen's commune.
PLACE_INTENT = "provide_place"
# Logged intent of the gateway's turns in the hand-off dialogue.
HANDOFF_INTENT = "handoff"
# Logged intent of the gateway's turns of helper mode (a team member's own chat).
HELPER_INTENT = "helper_mode"
# Logged intent of opting in to or out of notices.
NOTICES_INTENT = "notices"
# Logged intent of a scam warning (its kind in the turn's detail, "scam:<kind>"; its
# topic, scam_safety, from seeds/topics.yml).
SCAM_INTENT = "scam_alert"
# Link codes a chat may try in 15 minutes.
LINK_ATTEMPTS = Limit(5, 15 * 60)
NOT_UNDERSTOOD = (Outcome.UNSURE, Outcome.OUT_OF_SCOPE)
# Intent reported (not logged) for a tap on a one-tap question the gateway asked.
SURVEY_INTENT = "survey"
# The trip question's buttons; the gateway records the tap itself, without Rasa.
TRIP_PAYLOADS = {"/trip_online": "online", "/trip_visit": "visit"}
TRIP_BUTTONS = [
    Button(TRIP_ONLINE, "/trip_online"),
    Button(TRIP_VISIT, "/trip_visit"),
]
SATISFACTION_PAYLOADS = {handoff.SATISFIED: True, handoff.UNSATISFIED: False}
# Channels whose page shows "Hữu ích / Chưa hữu ích" under the rated message (the
# JSON endpoint's ``feedback_after``). There the trip question comes after the
# rating, as the reply to it, so that the citizen never sees two questions under
# one answer; Telegram and Zalo show no rating, so it comes with the answer.
RATING_CHANNELS = frozenset({"web", "api"})


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
        escalations: Mapping[str, EscalationContact] | None = None,
        claim_hours: float = 4,
        public_url: str = "http://127.0.0.1:8000",
        safety: SafetyContent | None = None,
        detector: Detector | None = None,
    ) -> None:
        """Wires the service; all arguments are long-lived, shared objects.
        ``escalations`` (per province) and ``claim_hours`` serve the hand-off,
        ``public_url`` the print links of helper mode."""
        self._rasa = rasa
        self._engine = engine
        self._store = store
        self._intent_topics = taxonomy.topic_of_intent()
        self._secret_key = secret_key
        self._max_chars = max_chars
        self._rate_limiter = rate_limiter
        self._escalations = dict(escalations or {})
        self._claim_hours = claim_hours
        self._public_url = public_url
        self._safety = safety
        self._detector = detector or Detector(None)

    def pseudonym(self, channel: str, channel_user_id: str) -> str:
        """The pseudonymous id under which ``channel_user_id`` is logged."""
        return pseudonymize(self._secret_key, channel, channel_user_id)

    async def handle(self, channel: str, channel_user_id: str, text: str) -> TurnResult:
        """Answers one message and logs the turn.

        Raises InvalidMessage for an empty or over-long text (the JSON API answers
        422); :meth:`reply` turns those into a polite reply for messaging channels.
        """
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
            await asyncio.to_thread(
                self._write, count_rejected, today_local(), channel, "rate_limited"
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
        if helper.is_link_code(text) and not await within(
            self._rate_limiter, f"link:{user}", LINK_ATTEMPTS
        ):
            return await self._reject(
                channel, user, helper.LINK_LOGGED, "link_attempts", helper.LINK_TOO_MANY
            )
        if text in TRIP_PAYLOADS or text in SATISFACTION_PAYLOADS:
            return await self._survey_answer(user, text)
        # Safety first: a scam in progress is warned about before any dialogue or
        # the NLU sees the message.
        alert = (
            await asyncio.to_thread(self._detector.detect, text)
            if self._safety
            else None
        )
        if alert is not None:
            return await self._scam_turn(channel, user, masked, alert)
        said, helping, known = await asyncio.to_thread(
            self._write, self._dialogues, channel, user, text, masked
        )
        if said is not None:
            return await self._gateway_turn(
                channel,
                user,
                said.logged_text or masked,
                _out(said.step),
                Outcome.ANSWERED,
                intent=said.intent,
            )
        # In helper mode the turns count for the resident's commune.
        place = helping.place if helping.active else known.place
        if known.awaiting_place:
            answer = await asyncio.to_thread(
                self._write, take_place_answer, user, masked
            )
            if answer is not None:
                return await self._place_turn(channel, user, masked, answer, place)
        started = time.perf_counter()
        try:
            reply = await self._rasa.send(user, masked, {"channel": channel})
        except RasaUnavailable:
            reply = RasaReply(messages=[], error="rasa_unavailable")
        latency_ms = round((time.perf_counter() - started) * 1000)

        visible, turn = split_reply(reply)
        outcome = classify(reply, visible, turn)
        if outcome is Outcome.ERROR:
            visible = [OutMessage(RASA_UNAVAILABLE)]
        intent_data = reply.parse.get("intent") or {}
        intent = intent_data.get("name")
        confidence = intent_data.get("confidence")
        answer_id = turn.get("answer_id")
        # Decided before the gateway adds its own question or offer below.
        rated = rated_message(intent, outcome, answer_id, visible)
        topic, draft = await self._topic(intent, answer_id)
        offer = None
        if helping.active:
            if answer_id and outcome is Outcome.ANSWERED:
                entry = await asyncio.to_thread(self._store.get, answer_id)
                if entry is not None and entry.steps:
                    visible.append(
                        OutMessage(helper.print_link(self._public_url, answer_id))
                    )
        elif intent == "request_human" or outcome in NOT_UNDERSTOOD:
            # Only these turns may bring the offer of a person: no database session
            # for the others.
            offer = await asyncio.to_thread(
                self._write, _offer_after, channel, user, intent, outcome
            )
        asked_place = False
        if offer is not None:
            visible.append(_out(offer))
        elif (
            not helping.active
            and known.may_ask
            and outcome is Outcome.ANSWERED
            and answer_id
            and intent in QUESTION_INTENTS
        ):
            question = await asyncio.to_thread(self._write, after_answer, user)
            if question:
                visible.append(OutMessage(question))
                asked_place = True
        trip = None
        # One question at a time: not with the offer of a person or the commune
        # question, and not in helper mode (a team member's own chat).
        if (
            offer is None
            and not asked_place
            and not helping.active
            and await self._is_procedure(intent, answer_id, rated)
        ):
            if channel in RATING_CHANNELS:
                trip = "pending"  # asked as the reply to the rating
            elif channel == "zalo" and any(m.buttons for m in visible):
                # Zalo has no buttons: options are a numbered list, and a second
                # list would make the citizen's typed number ambiguous.
                trip = None
            else:
                visible.append(OutMessage(TRIP_QUESTION, list(TRIP_BUTTONS)))
                trip = "asked"
        record = TurnRecord(
            channel=channel,
            user_pseudonym=user,
            conversation_id=user,
            text_masked=masked,
            reply_masked="\n\n".join(m.text for m in visible),
            intent=intent,
            confidence=float(confidence) if confidence is not None else None,
            topic=topic,
            answer_id=answer_id,
            answer_confidence=turn.get("answer_confidence"),
            outcome=outcome,
            answer_draft=draft if outcome is Outcome.ANSWERED else None,
            latency_ms=latency_ms,
            detail=(reply.error or "no_reply") if outcome is Outcome.ERROR else None,
            province_code=place.province_code,
            commune_code=place.commune_code,
            trip=trip,
        )
        turn_id = await asyncio.to_thread(self._log, record)
        return TurnResult(
            messages=visible,
            intent=intent,
            confidence=record.confidence,
            topic=topic,
            answer_id=answer_id if outcome is Outcome.ANSWERED else None,
            outcome=outcome,
            turn_id=turn_id,
            rated_message=rated,
        )

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
        entries = await asyncio.to_thread(self._store.get_many, cut_ids)

        def whole(button: Button) -> Button:
            answer_id = chosen_id(button.payload)
            entry = entries.get(answer_id) if answer_id else None
            if entry is None or not button.title.endswith("…"):
                return button
            return Button(entry.question, button.payload)

        return [OutMessage(m.text, [whole(b) for b in m.buttons]) for m in messages]

    async def count_refused(self, channel: str, reason: str) -> None:
        """Counts one message refused before it was read (no turn is logged)."""
        await asyncio.to_thread(
            self._write, count_rejected, today_local(), channel, reason
        )

    async def mark_undelivered(self, turn_id: int, detail: str) -> None:
        """The reply of ``turn_id`` did not reach the citizen; both texts stay logged."""
        await asyncio.to_thread(self._write, mark_undelivered, turn_id, detail)

    async def record_feedback(
        self, channel: str, channel_user_id: str, turn_id: int, helpful: bool
    ) -> list[OutMessage] | None:
        """Stores "Hữu ích / Chưa hữu ích" on the citizen's own turn (None if the
        turn is not theirs); returns what to say: after a second unhelpful rating,
        the offer of a person."""
        user = self.pseudonym(channel, channel_user_id)
        if not await asyncio.to_thread(
            self._write, set_feedback, turn_id, user, helpful
        ):
            return None
        offer = (
            None
            if helpful
            else await asyncio.to_thread(
                self._write, _offer_after_rating, channel, user
            )
        )
        if offer is not None:
            # The offer of a person is the one question; the trip one stays unasked.
            return [_out(offer)]
        if await asyncio.to_thread(self._write, ask_trip_now, turn_id, user):
            return [OutMessage(TRIP_QUESTION, list(TRIP_BUTTONS))]
        return []

    async def _is_procedure(
        self, intent: str | None, answer_id: str | None, rated: int | None
    ) -> bool:
        """Whether the turn gave a procedure: an answer with steps, or the last step
        of a guided procedure (a rated guide turn)."""
        if rated is None or not answer_id:
            return False
        if intent in GUIDE_INTENTS:
            return True
        if intent not in QUESTION_INTENTS:
            return False
        entry = await asyncio.to_thread(self._store.get, answer_id)
        return entry is not None and bool(entry.steps)

    async def _survey_answer(self, user: str, payload: str) -> TurnResult:
        """Records a tap on the trip or satisfaction question and thanks the citizen.
        The tap is not logged as a turn: it is not a question, and its answer is
        stored with the turn or ticket that asked it."""
        if payload in TRIP_PAYLOADS:
            await asyncio.to_thread(
                self._write, set_trip, user, TRIP_PAYLOADS[payload], utcnow()
            )
            thanks = TRIP_THANKS
        else:
            satisfied = SATISFACTION_PAYLOADS[payload]
            await asyncio.to_thread(
                self._write, handoff.record_satisfaction, user, satisfied
            )
            thanks = handoff.SATISFACTION_THANKS[satisfied]
        return TurnResult(
            messages=[OutMessage(thanks)],
            intent=SURVEY_INTENT,
            confidence=None,
            topic=None,
            answer_id=None,
            outcome=Outcome.ANSWERED,
            turn_id=0,
        )

    async def _reject(
        self, channel: str, user: str, masked: str, detail: str, reply: str
    ) -> TurnResult:
        return await self._gateway_turn(
            channel, user, masked, reply, Outcome.REJECTED, detail=detail
        )

    async def _scam_turn(
        self, channel: str, user: str, masked: str, alert: Alert
    ) -> TurnResult:
        """The warning first, then what to do now and the related guidance."""
        assert self._safety is not None
        related = self._safety.related.get(alert.kind, [])
        entries = await asyncio.to_thread(self._store.get_many, related)
        buttons = [
            Button(button_title(entries[i].question), choose_payload(i))
            for i in related
            if i in entries
        ]
        messages = [
            OutMessage(warning_text(self._safety, alert.kind)),
            OutMessage(
                next_steps_text(self._safety),
                [*buttons, Button(ASK_A_PERSON, "/request_human")],
            ),
        ]
        place = await asyncio.to_thread(self._write, _place_of, channel, user)
        return await self._gateway_turn(
            channel,
            user,
            masked,
            messages,
            Outcome.ANSWERED,
            intent=SCAM_INTENT,
            detail=f"scam:{alert.kind}",
            place=place,
            rated_message=len(messages) - 1,
        )

    async def _place_turn(
        self, channel: str, user: str, masked: str, answer: PlaceReply, known: Place
    ) -> TurnResult:
        """Logs and returns the reply to a message read as the citizen's place."""
        return await self._gateway_turn(
            channel,
            user,
            masked,
            answer.text,
            Outcome.ANSWERED,
            intent=PLACE_INTENT,
            place=answer.place if answer.understood else known,
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
            rated_message=rated_message,
        )

    async def _topic(
        self, intent: str | None, answer_id: str | None
    ) -> tuple[str | None, bool | None]:
        """The turn's topic, and whether the answer given is a draft (None when no
        stored answer was given)."""
        if answer_id:
            facts = await asyncio.to_thread(self._store.facts_of, [answer_id])
            topic, draft = facts.get(answer_id, (None, None))
            return topic, draft
        return self._intent_topics.get(intent or ""), None

    def _dialogues(
        self, session: Session, channel: str, user: str, text: str, masked: str
    ) -> tuple[GatewayReply | None, helper.HelperTurn, Remembered]:
        """The gateway's own dialogues, in order: helper mode (a team member's
        linked chat; reads the raw text for the link code), the hand-off, the
        notices. The first that takes the message answers it. Also returns the
        helper-mode state and what the assistant remembers of the citizen (one
        database session for all of it)."""
        now = utcnow()
        helping = helper.helper_turn(session, channel, user, text, now)
        if helping.step is not None:
            logged = helper.LINK_LOGGED if helping.conceal else None
            return (
                GatewayReply(helping.step, HELPER_INTENT, logged),
                helping,
                Remembered(),
            )
        step = handoff.continue_dialogue(
            session, user, masked, now, self._escalations, self._claim_hours
        )
        if step is not None:
            return GatewayReply(step, HANDOFF_INTENT), helping, Remembered()
        step = subscription_turn(session, channel, user, masked)
        if step is not None:
            return GatewayReply(step, NOTICES_INTENT), helping, Remembered()
        return None, helping, remembered(session, user)

    def _log(self, record: TurnRecord) -> int:
        """Logs ``record`` with its reply masked (in the calling worker thread)."""
        if record.reply_masked:
            record = dataclasses.replace(record, reply_masked=mask(record.reply_masked))
        return int(self._write(log_turn, record))

    def _write(self, write: Callable[..., Any], *args: Any) -> Any:
        with Session(self._engine) as session:
            return write(session, *args)


@dataclass(frozen=True)
class GatewayReply:
    """A message one of the gateway's own dialogues answered."""

    step: handoff.Step
    intent: str
    # Logged instead of the masked text (a link code must not be stored at all).
    logged_text: str | None = None


def _out(step: handoff.Step) -> OutMessage:
    return OutMessage(step.text, [Button(t, p) for t, p in step.buttons])


def _place_of(session: Session, channel: str, user: str) -> Place:
    """Where a turn counts: the resident's commune in helper mode, else the
    citizen's own remembered place."""
    return (
        helper.active_place(session, channel, user) or remembered(session, user).place
    )


def _offer_after(
    session: Session,
    channel: str,
    user: str,
    intent: str | None,
    outcome: Outcome,
) -> handoff.Step | None:
    """The offer of a person when the citizen asked for one or is not understood
    twice in a row (this turn not logged yet)."""
    if intent == "request_human":
        return handoff.offer(session, channel, user, HandoffReason.REQUESTED)
    if outcome in NOT_UNDERSTOOD and handoff.not_understood_again(
        session, user, utcnow()
    ):
        return handoff.offer(session, channel, user, HandoffReason.NOT_UNDERSTOOD)
    return None


def _offer_after_rating(
    session: Session, channel: str, user: str
) -> handoff.Step | None:
    if handoff.unhelpful_enough(session, user, utcnow()):
        return handoff.offer(session, channel, user, HandoffReason.UNHELPFUL)
    return None
