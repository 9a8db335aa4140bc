"""Writing turns to the query log."""

from __future__ import annotations

import hashlib
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.querylog.models import Outcome, RejectedCount, Turn


@dataclass(frozen=True)
class MessageKey:
    """A message that can reach the gateway more than once: a stored webhook event
    (api.channels.inbox) or a web chat message with its page's id
    (api.routes.chat). Its turn is logged under ``key`` once, and Rasa gets ``key``
    as the message id; ``again`` says an earlier handling of it may have reached
    Rasa (its worker died), so Rasa answers from the conversation if it holds it."""

    key: str
    again: bool = False


# Set while such a message is handled.
MESSAGE_KEY: ContextVar[MessageKey | None] = ContextVar(
    "bdhvs_message_key", default=None
)


def message_key(*parts: object) -> str:
    """A key (16 characters, as ``querylog_turn.turn_key``) for the message named
    by ``parts``."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    return "m" + digest[:15]


def _turn_key() -> str:
    given = MESSAGE_KEY.get()
    return given.key if given else secrets.token_urlsafe(12)


@dataclass(frozen=True)
class TurnRecord:
    """Everything logged about one turn; texts must already be masked."""

    channel: str
    user_pseudonym: str
    conversation_id: str
    text_masked: str
    reply_masked: str | None
    intent: str | None
    confidence: float | None
    topic: str | None
    answer_id: str | None
    answer_confidence: float | None
    outcome: Outcome
    latency_ms: int
    detail: str | None = None
    province_code: str | None = None
    commune_code: str | None = None
    # The stored answer given was a draft (None: no stored answer was given).
    answer_draft: bool | None = None
    # The trip question after a procedure answer: "asked", "pending" (asked after the
    # rating) or None (see Turn.trip).
    trip: str | None = None
    # Written once, whichever way it is written (Turn.turn_key).
    turn_key: str = field(default_factory=_turn_key)


# Built once: an ORM ``insert(Turn).values(...)`` is a new statement at every turn,
# whose cache key SQLAlchemy derives from every value, which was most of a turn's
# logging time in the gateway. The table's own statement with the values as
# parameters applies the same column defaults (created_at, text_words).
_TURNS: Table = Turn.__table__  # type: ignore[assignment]
_INSERT_TURN = insert(_TURNS).returning(_TURNS.c.id)


def log_turn(session: Session, record: TurnRecord) -> int:
    """Stores one turn and returns its id: one INSERT … RETURNING, where an ORM
    object would be read back in full after the commit to give its id. A turn
    whose key is already logged is not logged again: the id is the first one's.

    A plain INSERT, not ``ON CONFLICT DO NOTHING``: SQLAlchemy caches the compiled
    statement of the one and compiles the other at every turn, and a repeated key
    is rare (a message handled again after its worker died)."""
    try:
        turn_id = session.execute(_INSERT_TURN, record.__dict__).scalar_one()
        session.commit()
    except IntegrityError:
        session.rollback()
        first = session.scalar(select(Turn.id).where(Turn.turn_key == record.turn_key))
        if first is None:  # another constraint
            raise
        turn_id = first
    return int(turn_id)


def mark_undelivered(session: Session, turn_id: int, detail: str) -> None:
    """The reply of ``turn_id`` did not reach the citizen; both texts stay logged."""
    session.execute(
        update(Turn)
        .where(Turn.id == turn_id)
        .values(outcome=Outcome.UNDELIVERED, detail=detail[:40])
    )
    session.commit()


def set_feedback(session: Session, turn_id: int, pseudonym: str, helpful: bool) -> bool:
    """Stores feedback on a turn of ``pseudonym``; False if there is no such turn."""
    result = session.execute(
        update(Turn)
        .where(Turn.id == turn_id, Turn.user_pseudonym == pseudonym)
        .values(feedback="helpful" if helpful else "not_helpful")
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Trip answers a citizen gives later than this after the question are not recorded:
# by then the tap belongs to a forgotten chat, not to the answer just read.
TRIP_WINDOW = timedelta(days=1)
TRIP_CHOICES = ("online", "visit")


def set_trip(session: Session, pseudonym: str, choice: str, now: datetime) -> bool:
    """Records ``choice`` ("online" or "visit") on the citizen's latest turn that
    asked the trip question (a second tap corrects the first); False if none."""
    if choice not in TRIP_CHOICES:
        raise ValueError(choice)
    turn_id = session.scalar(
        select(Turn.id)
        .where(
            Turn.user_pseudonym == pseudonym,
            Turn.created_at >= now - TRIP_WINDOW,
            Turn.trip.in_(("asked", *TRIP_CHOICES)),
        )
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(1)
    )
    if turn_id is None:
        return False
    session.execute(update(Turn).where(Turn.id == turn_id).values(trip=choice))
    session.commit()
    return True


def ask_trip_now(session: Session, turn_id: int, pseudonym: str) -> bool:
    """Whether the trip question waiting for the rating of ``turn_id`` is to be
    asked now (it then counts as asked)."""
    result = session.execute(
        update(Turn)
        .where(
            Turn.id == turn_id,
            Turn.user_pseudonym == pseudonym,
            Turn.trip == "pending",
        )
        .values(trip="asked")
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def count_rejected(session: Session, day: date, channel: str, reason: str) -> None:
    """Adds one to the day's count of messages refused for ``reason``."""
    upsert = (
        postgresql.insert
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert
    )
    statement = upsert(RejectedCount).values(
        day=day, channel=channel, reason=reason, count=1
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "channel", "reason"],
            set_={"count": RejectedCount.count + 1},
        )
    )
    session.commit()


def rejected_counts(session: Session, start: date, end: date) -> dict[str, int]:
    """Messages refused without a turn between ``start`` and ``end`` (inclusive),
    per reason."""
    rows = session.execute(
        select(RejectedCount.reason, func.sum(RejectedCount.count))
        .where(RejectedCount.day.between(start, end))
        .group_by(RejectedCount.reason)
    )
    return {reason: int(total) for reason, total in rows}
