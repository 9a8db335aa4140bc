"""The knowledge store's light reads say what the whole answers say."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.knowledge.models import KnowledgeEntry
from api.knowledge.store import KnowledgeStore


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
