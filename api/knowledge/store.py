"""Read access to answers (used by the action server and the gateway)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import BindParameter, Engine, Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.knowledge.models import KnowledgeEntry

# The store is read on most turns, by the action server and the gateway. Its queries
# are built once, with the ids as an expanding parameter: a query built at each call
# is compiled from SQLAlchemy's cache, but its cache key is derived anew each time.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ENTRIES = select(KnowledgeEntry).where(KnowledgeEntry.id.in_(_IDS))
_STEPS = select(KnowledgeEntry.steps).where(KnowledgeEntry.id == bindparam("id"))
_FACTS = select(KnowledgeEntry.id, KnowledgeEntry.topic, KnowledgeEntry.status).where(
    KnowledgeEntry.id.in_(_IDS)
)


@cache
def _column_by_id(name: str) -> Select[tuple[str, str]]:
    # Keyed by the column's name: a column attribute's == builds an SQL expression.
    column = getattr(KnowledgeEntry, name)
    return select(KnowledgeEntry.id, column).where(KnowledgeEntry.id.in_(_IDS))


@dataclass(frozen=True)
class RelatedAnswer:
    """Id and question of a related answer (for buttons)."""

    id: str
    question: str


@dataclass(frozen=True)
class Answer:
    """An answer as shown to citizens."""

    id: str
    topic: str
    question: str
    answer: str
    steps: list[str]
    source_url: str
    # None for a draft: no one has checked it against its page yet.
    verified_on: date | None
    related_answers: list[RelatedAnswer] = field(default_factory=list)


class KnowledgeStore:
    """Answers by id, read fresh from the database on every call."""

    def __init__(self, engine: Engine) -> None:
        """Binds the store to ``engine``, in autocommit: the store only reads, one
        query or two at a time, and a transaction around them cost a BEGIN and a
        ROLLBACK, two more round trips to PostgreSQL, for each of a turn's reads."""
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def get(self, answer_id: str) -> Answer | None:
        """The answer ``answer_id`` with its related questions, or None."""
        return self.get_many([answer_id]).get(answer_id)

    def get_many(self, answer_ids: Iterable[str]) -> dict[str, Answer]:
        """Answers for the given ids that exist (missing ids are left out)."""
        ids = list(dict.fromkeys(answer_ids))
        if not ids:
            return {}
        with Session(self._engine) as session:
            rows = session.scalars(_ENTRIES, {"ids": ids}).all()
            questions = _by_id(
                session,
                KnowledgeEntry.question,
                {r for row in rows for r in row.related},
            )
        return {
            row.id: Answer(
                id=row.id,
                topic=row.topic,
                question=row.question,
                answer=row.answer,
                steps=list(row.steps),
                source_url=row.source_url,
                verified_on=row.verified_on if row.status == "verified" else None,
                related_answers=[
                    RelatedAnswer(rel, questions[rel])
                    for rel in row.related
                    if rel in questions
                ],
            )
            for row in rows
        }

    def questions_of(self, answer_ids: Iterable[str]) -> dict[str, str]:
        """answer id -> its question (button titles), for the ids that exist: one
        light query where :meth:`get_many` reads whole answers and their related
        questions."""
        with Session(self._engine) as session:
            return _by_id(session, KnowledgeEntry.question, answer_ids)

    def has_steps(self, answer_id: str) -> bool:
        """Whether ``answer_id`` exists and is a procedure (has steps)."""
        with Session(self._engine) as session:
            steps = session.scalar(_STEPS, {"id": answer_id})
        return bool(steps)

    def facts_of(self, answer_ids: Iterable[str]) -> dict[str, tuple[str, bool]]:
        """answer id -> (topic code, whether the answer is a draft)."""
        ids = list(answer_ids)
        if not ids:
            return {}
        with Session(self._engine) as session:
            rows = session.execute(_FACTS, {"ids": ids}).tuples()
            return {i: (topic, status != "verified") for i, topic, status in rows}

    def topics_of(self, answer_ids: Iterable[str]) -> dict[str, str]:
        """answer id -> topic code."""
        with Session(self._engine) as session:
            return _by_id(session, KnowledgeEntry.topic, answer_ids)


def _by_id(
    session: Session, column: InstrumentedAttribute[str], answer_ids: Iterable[str]
) -> dict[str, str]:
    """answer id -> ``column`` of that answer, for the ids that exist (no query for
    none)."""
    ids = list(dict.fromkeys(answer_ids))
    if not ids:
        return {}
    rows = session.execute(_column_by_id(column.key), {"ids": ids})
    return dict(rows.tuples().all())
