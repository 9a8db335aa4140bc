"""Lazy access to the knowledge store shared with the api/ gateway."""

from __future__ import annotations

from functools import lru_cache

from api.core.db import get_engine
from api.knowledge.store import Answer, KnowledgeStore

__all__ = ["Answer", "KnowledgeStore", "citation", "get_store"]


@lru_cache(maxsize=1)
def get_store() -> KnowledgeStore:
    """The process-wide store, created on first use (never at import)."""
    return KnowledgeStore(get_engine())


def citation(answer: Answer) -> dict[str, str]:
    """The source and check date every reply that gives an answer carries (the
    ``{source_url}`` and ``{last_verified}`` slots of the domain's responses)."""
    return {
        "source_url": answer.source_url,
        "last_verified": answer.last_verified.strftime("%d/%m/%Y"),
    }
