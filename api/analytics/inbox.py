"""The unanswered inbox: unsure and out-of-scope messages, grouped by similarity.

Messages are grouped by their folded word set (accents, case, punctuation and
stopwords ignored; :func:`api.querylog.wording.message_words`, stored with each turn),
then groups whose word sets overlap enough are merged, biggest first. The
messages are already masked. Staff decisions are stored per turn.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.analytics.sources import turn_conditions
from api.core.db import utcnow
from api.knowledge.models import KnowledgeEntry
from api.querylog.models import (
    ExampleDecision,
    InboxReview,
    Outcome,
    ReviewStatus,
    TrainingExample,
    Turn,
)

UNANSWERED = (Outcome.UNSURE, Outcome.OUT_OF_SCOPE)
# Most recent messages grouped at a time; older ones show once these are reviewed or
# the period or area is narrowed (the answer says whether all were read).
SCAN_LIMIT = 2000
# A group shows up to SAMPLES different wordings among its SAMPLE_FROM newest messages.
SAMPLES, SAMPLE_FROM = 3, 10
# Two word sets are similar when |a & b| / |a | b| >= 3/5 (Jaccard), compared in
# integers: SIMILAR_PART * |a | b| <= SIMILAR_WHOLE * |a & b|.
SIMILAR_PART, SIMILAR_WHOLE = 3, 5


class UnknownAnswer(ValueError):
    """``add_example`` names an answer that does not exist."""


@dataclass
class _Group:
    key: str  # the words joined by spaces (querylog_turn.text_words)
    words: frozenset[str]
    turns: list[Any] = field(default_factory=list)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    shared = len(a & b)  # |a | b| = |a| + |b| - |a & b|
    return SIMILAR_PART * (len(a) + len(b) - shared) <= SIMILAR_WHOLE * shared


def _prefix(words: frozenset[str], rank: dict[str, int]) -> list[str]:
    """The rarest words of a set, enough that two similar sets always share one of
    theirs: a set of n words keeps n - ceil(3n/5) + 1 (prefix filtering)."""
    n = len(words)
    keep = n - _size_range(n)[0] + 1
    return sorted(words, key=rank.__getitem__)[:keep]


def group_messages(turns: list[Any]) -> list[_Group]:
    """Groups turns (newest first; each with ``id`` and ``text_words``) by similar
    wording; biggest groups first.

    Identical word sets are grouped first; then each group, biggest first, joins the
    first bigger group it is similar to. Only groups sharing one of the rarest words
    of each, and of sizes within 3/5 of each other, are compared (prefix and length
    filtering, both exact for this similarity), so the cost grows with the real
    overlaps, not with the square of the groups.
    """
    by_key: dict[str, _Group] = {}
    for turn in turns:
        key = turn.text_words or ""
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = _Group(key, frozenset(key.split()))
        group.turns.append(turn)
    frequency = Counter(word for group in by_key.values() for word in group.words)
    rank = {
        w: i for i, w in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))
    }
    merged: list[_Group] = []
    holding: dict[str, list[int]] = {}
    for group in sorted(by_key.values(), key=lambda g: -len(g.turns)):
        words = group.words
        prefix = _prefix(words, rank)
        low, high = _size_range(len(words))
        target = None
        for i in sorted({i for w in prefix for i in holding.get(w, ())}):
            other = merged[i].words
            if low <= len(other) <= high and _similar(words, other):
                target = merged[i]
                break
        if target is not None:
            target.turns.extend(group.turns)
            continue
        for word in prefix:
            holding.setdefault(word, []).append(len(merged))
        merged.append(group)
    newest_first = attrgetter("id")
    for group in merged:
        group.turns.sort(key=newest_first, reverse=True)
    return sorted(merged, key=lambda g: (-len(g.turns), -g.turns[0].id))


def _size_range(n: int) -> tuple[int, int]:
    """Sizes a word set can have to be similar to one of ``n`` words: the smaller
    set holds at least 3/5 of the words of the bigger one."""
    return (SIMILAR_PART * n + SIMILAR_WHOLE - 1) // SIMILAR_WHOLE, (
        SIMILAR_WHOLE * n // SIMILAR_PART
    )


def _status_condition(status: str) -> ColumnElement[bool]:
    if status == "open":
        return InboxReview.turn_id.is_(None)
    if status == "reviewed":
        return InboxReview.turn_id.is_not(None)
    return true()


def inbox(session: Session, f: Filters, status: str, limit: int) -> dict[str, Any]:
    """Groups of unanswered messages for the period and area of ``f``."""
    where = [
        *turn_conditions(f),
        Turn.outcome.in_(UNANSWERED),
        _status_condition(status),
    ]
    # Only the columns grouping needs, all in the partial index of unanswered turns
    # (the texts are read below for the samples only).
    rows: Sequence[Any] = session.execute(
        select(
            Turn.id,
            Turn.text_words,
            Turn.created_at,
            Turn.answer_id,
            Turn.outcome,
            InboxReview.status,
        )
        .outerjoin(InboxReview, InboxReview.turn_id == Turn.id)
        .where(*where)
        .order_by(Turn.id.desc())
        .limit(SCAN_LIMIT + 1)
    ).all()
    complete = len(rows) <= SCAN_LIMIT
    rows = rows[:SCAN_LIMIT]
    statuses = {turn.id: turn.status for turn in rows}
    shown = group_messages(list(rows))[:limit]
    texts = _texts(session, [t.id for g in shown for t in g.turns[:SAMPLE_FROM]])
    groups = []
    for group in shown:
        turns = group.turns
        samples = dict.fromkeys(texts[t.id] for t in turns[:SAMPLE_FROM])
        suggestions = Counter(t.answer_id for t in turns if t.answer_id)
        group_statuses = {statuses[t.id] for t in turns}
        groups.append(
            {
                "key": hashlib.sha1(group.key.encode()).hexdigest()[:12],
                "count": len(turns),
                "first_at": min(t.created_at for t in turns).isoformat(),
                "last_at": max(t.created_at for t in turns).isoformat(),
                "sample_texts": readable_first(list(samples))[:SAMPLES],
                "turn_ids": [t.id for t in turns],
                "outcomes": dict(Counter(t.outcome.value for t in turns)),
                "suggested_answer_id": suggestions.most_common(1)[0][0]
                if suggestions
                else None,
                "status": _group_status(group_statuses),
            }
        )
    return {
        "period": {"from": f.start.isoformat(), "to": f.end.isoformat()},
        "filters": f.echo(),
        "groups": groups,
        # False: more than SCAN_LIMIT messages matched; the groups are of the newest.
        "complete": complete,
        "scanned": len(rows),
    }


def is_payload(text: str) -> bool:
    """A button's payload ("/handoff_accept") logged as the message, not words."""
    return text.lstrip().startswith("/")


def _accented(text: str) -> bool:
    return any(c in "đĐ" or unicodedata.decomposition(c) for c in text)


def readable_first(texts: list[str]) -> list[str]:
    """The texts to quote for a group: words before button payloads, and wording with
    Vietnamese diacritics before the same question typed without them (staff paste
    these into official reports); newest first otherwise."""
    words = [t for t in texts if not is_payload(t)] or texts
    return sorted(words, key=lambda t: not _accented(t))


def _texts(session: Session, turn_ids: list[int]) -> dict[int, str]:
    """The masked texts of some turns."""
    rows = session.execute(
        select(Turn.id, Turn.text_masked).where(Turn.id.in_(turn_ids))
    )
    return dict(rows.tuples().all())


def _group_status(statuses: set[ReviewStatus | None]) -> str:
    if statuses == {None}:
        return "open"
    known = {s for s in statuses if s is not None}
    return known.pop().value if len(known) == 1 and None not in statuses else "mixed"


def review(
    session: Session,
    turn_ids: list[int],
    action: ReviewStatus,
    answer_id: str | None,
    staff: str,
) -> int:
    """Records a decision on unanswered turns; ``add_example`` also queues their masked
    texts as training examples for ``answer_id``. Returns how many turns it covered."""
    if action is ReviewStatus.ADD_EXAMPLE and (
        not answer_id or session.get(KnowledgeEntry, answer_id) is None
    ):
        raise UnknownAnswer(answer_id or "")
    turns = session.scalars(
        select(Turn).where(Turn.id.in_(turn_ids), Turn.outcome.in_(UNANSWERED))
    ).all()
    now = utcnow()
    for turn in turns:
        existing = session.get(InboxReview, turn.id)
        if existing is None:
            existing = InboxReview(turn_id=turn.id)
            session.add(existing)
        existing.status = action
        existing.answer_id = answer_id if action is ReviewStatus.ADD_EXAMPLE else None
        existing.reviewed_by = staff
        existing.reviewed_at = now
    if action is ReviewStatus.ADD_EXAMPLE:
        assert answer_id is not None
        queued = set(
            session.scalars(
                select(TrainingExample.text).where(
                    TrainingExample.answer_id == answer_id
                )
            )
        )
        for text in dict.fromkeys(t.text_masked for t in turns):
            if text not in queued:
                session.add(
                    TrainingExample(text=text, answer_id=answer_id, created_by=staff)
                )
    session.commit()
    return len(turns)


class UnknownExample(LookupError):
    """A decision names a training example that does not exist."""


class ExampleExported(ValueError):
    """A decision on an example already written to nlu_data/ (too late to change)."""


def example_item(e: TrainingExample) -> dict[str, Any]:
    """A queued training example as the staff API shows it."""
    return {
        "id": e.id,
        "text": e.text,
        "answer_id": e.answer_id,
        "created_at": e.created_at.isoformat(),
        "created_by": e.created_by,
        "exported": e.exported,
        "decision": e.decision.value if e.decision else None,
        "decided_by": e.decided_by,
        "decided_at": e.decided_at.isoformat() if e.decided_at else None,
    }


def training_examples(
    session: Session, exported: bool | None, pending_only: bool = False
) -> list[dict[str, Any]]:
    """Queued (or exported) training examples, oldest first; ``pending_only``: those
    no admin has accepted or rejected yet (and not exported)."""
    query = select(TrainingExample).order_by(TrainingExample.id)
    if exported is not None:
        query = query.where(TrainingExample.exported == exported)
    if pending_only:
        query = query.where(
            TrainingExample.decision.is_(None), TrainingExample.exported.is_(False)
        )
    return [example_item(e) for e in session.scalars(query)]


def decide_example(
    session: Session, example_id: int, decision: ExampleDecision, staff: str
) -> TrainingExample:
    """Records an admin's decision; a later decision replaces an earlier one until
    the example is exported. Raises UnknownExample or ExampleExported."""
    example = session.get(TrainingExample, example_id)
    if example is None:
        raise UnknownExample(example_id)
    if example.exported:
        raise ExampleExported(example_id)
    example.decision = decision
    example.decided_by = staff
    example.decided_at = utcnow()
    session.commit()
    return example
