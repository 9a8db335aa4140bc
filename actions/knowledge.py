"""Lazy access to the knowledge store shared with the api/ gateway."""

from __future__ import annotations

from functools import lru_cache

from api.core.db import get_engine
from api.knowledge.store import Answer, KnowledgeStore

__all__ = ["Answer", "KnowledgeStore", "answer_facts", "citation", "get_store"]


@lru_cache(maxsize=1)
def get_store() -> KnowledgeStore:
    """The process-wide store, created on first use (never at import)."""
    return KnowledgeStore(get_engine())


# The last line of every reply that gives an answer: the page its facts come from
# and the day someone checked them against it; an answer no one has checked yet
# says so and where to check it.
VERIFIED = "Nguồn: {url} (đã kiểm tra ngày {day})"
DRAFT = (
    "Nguồn: {url} (nội dung đang chờ cán bộ kiểm tra lại; Anh/Chị có thể kiểm tra lại "
    "tại trang này)"
)


def citation(answer: Answer) -> dict[str, str]:
    """The ``{citation}`` slot of the domain's responses."""
    if answer.verified_on is None:
        return {"citation": DRAFT.format(url=answer.source_url)}
    day = answer.verified_on.strftime("%d/%m/%Y")
    return {"citation": VERIFIED.format(url=answer.source_url, day=day)}


def answer_facts(answer: Answer) -> dict[str, object]:
    """What the gateway logs and decides by about the answer given (its topic,
    whether it is a draft, whether it is a procedure): sent with the turn, so the
    gateway does not read the answer again."""
    return {
        "topic": answer.topic,
        "draft": answer.verified_on is None,
        "procedure": bool(answer.steps),
    }
