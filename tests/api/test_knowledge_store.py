"""The knowledge store's light reads say what the whole answers say."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from api.knowledge.models import KnowledgeEntry
from api.knowledge.store import KnowledgeStore
from tests.api.conftest import in_autocommit


def test_questions_and_steps_agree_with_the_whole_answers(seeded_engine: Any) -> None:
    store = KnowledgeStore(seeded_engine)
    with Session(seeded_engine) as session:
        ids = list(session.scalars(select(KnowledgeEntry.id)))
    assert len(ids) >= 300
    whole = store.get_many(ids)
    assert store.questions_of([*ids, "no_such_answer", ids[0]]) == {
        i: a.question for i, a in whole.items()
    }
    procedures = {i for i, a in whole.items() if a.steps}
    assert 0 < len(procedures) < len(ids)
    assert {i for i in ids if store.has_steps(i)} == procedures
    assert not store.has_steps("no_such_answer")
    assert store.questions_of([]) == {}


def test_the_store_reads_outside_any_transaction(seeded_engine: Any) -> None:
    """Each read is its own statement in autocommit: on PostgreSQL no BEGIN and
    ROLLBACK travel with it."""
    seen: list[bool] = []

    def record(conn: Any, *args: Any) -> None:
        seen.append(in_autocommit(conn))

    event.listen(seeded_engine, "before_cursor_execute", record)
    try:
        store = KnowledgeStore(seeded_engine)
        answer = store.get("vneid_activate_level2")
        assert answer is not None
        assert store.questions_of([answer.id]) == {answer.id: answer.question}
        store.has_steps(answer.id)
        store.facts_of([answer.id])
        store.topics_of([answer.id])
    finally:
        event.remove(seeded_engine, "before_cursor_execute", record)
    assert len(seen) >= 5 and all(seen)
    with Session(seeded_engine) as session:  # the engine itself is left as it was
        assert not in_autocommit(session.connection())
