"""Staff edits of answers: validated like the seeds, used by the bot at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.knowledge.models import KnowledgeEntry, KnowledgeRevision
from api.knowledge.schemas import (
    MAX_ANSWER_WORDS,
    EntrySeed,
    Taxonomy,
    is_official_source,
)

# What staff read next to a field the seed rules refuse (pydantic's own messages are
# English and name types, not rules).
FIELD_MESSAGES = {
    "question": "Câu hỏi cần ít nhất 5 ký tự.",
    "answer": f"Câu trả lời cần từ 10 ký tự đến {MAX_ANSWER_WORDS} từ.",
    "steps": "Mỗi bước phải là một dòng chữ.",
    "source_url": "Nguồn phải là địa chỉ https của đúng trang có thông tin, không phải trang chủ.",
    "sources": "Mỗi nguồn thêm phải là địa chỉ https của một trang cụ thể.",
    "source_ref": "Tham chiếu nguồn không hợp lệ.",
}
NOT_ACCEPTED = (
    "Chỉ xác nhận đã kiểm tra với trang của cơ quan nhà nước (.gov.vn) hoặc báo, "
    "trang văn bản pháp luật có trong danh sách (seeds/topics.yml)."
)
# Answers verified longer ago than this are shown as due for a new check.
STALE_AFTER_DAYS = 180
# The fields a revision keeps and a revert restores.
CONTENT_FIELDS = (
    "question",
    "answer",
    "steps",
    "source_url",
    "sources",
    "source_ref",
    "status",
    "verified_on",
    "verified_by",
)


class AnswerEdit(BaseModel):
    """The fields staff may change, and whether they checked the result against
    source_url today (otherwise the edited answer is a draft)."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str
    steps: list[str] = []
    source_url: str
    sources: list[str] = []
    source_ref: str | None = None
    verified: bool = False


class InvalidEdit(ValueError):
    """The edit breaks a rule that seeds must follow too; ``problems`` lists
    ``{"field", "message"}`` in Vietnamese."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def answer_item(
    entry: KnowledgeEntry, taxonomy: Taxonomy, today: date | None = None
) -> dict[str, Any]:
    """An answer as the staff API shows it (with its topic's label, and whether it
    is due for a check: a draft, or verified more than STALE_AFTER_DAYS ago)."""
    labels = {t.code: t.label for t in taxonomy.topics}
    age = (today - entry.verified_on).days if today and entry.verified_on else None
    return {
        "id": entry.id,
        "topic": entry.topic,
        "topic_label": labels.get(entry.topic, entry.topic),
        "question": entry.question,
        "answer": entry.answer,
        "steps": list(entry.steps),
        "source_url": entry.source_url,
        "sources": list(entry.sources or []),
        "source_ref": entry.source_ref,
        "status": entry.status,
        "verified_on": entry.verified_on.isoformat() if entry.verified_on else None,
        "verified_by": entry.verified_by,
        "days_since_check": age,
        "due_for_check": entry.status != "verified"
        or (age is not None and age > STALE_AFTER_DAYS),
        "related": list(entry.related),
        "updated_at": entry.updated_at.isoformat(),
        "updated_by": entry.updated_by,
    }


def _content(entry: KnowledgeEntry) -> dict[str, Any]:
    values = {f: getattr(entry, f) for f in CONTENT_FIELDS}
    values["steps"] = list(values["steps"] or [])
    values["sources"] = list(values["sources"] or [])
    if values["verified_on"] is not None:
        values["verified_on"] = values["verified_on"].isoformat()
    return values


def _apply(
    session: Session,
    entry: KnowledgeEntry,
    values: dict[str, Any],
    staff: str,
    action: str,
) -> KnowledgeEntry:
    """Writes ``values`` and the revision that records them."""
    before = _content(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    entry.updated_by = staff
    entry.updated_at = utcnow()
    session.add(
        KnowledgeRevision(
            entry_id=entry.id,
            changed_by=staff,
            action=action,
            before=before,
            after=_content(entry),
        )
    )
    session.commit()
    return entry


def edit_answer(
    session: Session,
    entry: KnowledgeEntry,
    edit: AnswerEdit,
    staff: str,
    taxonomy: Taxonomy,
    today: date,
) -> KnowledgeEntry:
    """Applies ``edit`` to ``entry`` after the seed checks (length, a specific
    https page); the result is verified only when the staff member says they
    checked it against an accepted page today. Raises InvalidEdit with the
    reasons."""
    problems: dict[str, str] = {}
    fields = edit.model_dump(exclude={"verified"})
    verification: dict[str, Any] = (
        {"status": "verified", "verified_on": today, "verified_by": staff}
        if edit.verified
        else {"status": "draft", "verified_on": None, "verified_by": None}
    )
    try:
        candidate = EntrySeed(
            id=entry.id, topic=entry.topic, related=[], **fields, **verification
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "source_url"
            problems.setdefault(field, FIELD_MESSAGES.get(field, error["msg"]))
        raise InvalidEdit(_listed(problems)) from exc
    if edit.verified and not is_official_source(candidate.source_url, taxonomy):
        raise InvalidEdit(_listed({"source_url": NOT_ACCEPTED}))
    values = candidate.model_dump(exclude={"id", "topic", "related"})
    values["steps"] = [s.strip() for s in values["steps"] if s.strip()]
    return _apply(session, entry, values, staff, "edit")


def verify_answer(
    session: Session,
    entry: KnowledgeEntry,
    staff: str,
    taxonomy: Taxonomy,
    today: date,
) -> KnowledgeEntry:
    """ "Verified today against this URL": the staff member checked the answer as it
    stands against its source page. Raises InvalidEdit when the page is not one a
    verified answer may cite."""
    if not is_official_source(entry.source_url, taxonomy):
        raise InvalidEdit(_listed({"source_url": NOT_ACCEPTED}))
    values = {"status": "verified", "verified_on": today, "verified_by": staff}
    return _apply(session, entry, values, staff, "verify")


def history(session: Session, entry_id: str) -> list[dict[str, Any]]:
    """Every change of an answer, newest first: who, when, what changed."""
    rows = session.scalars(
        select(KnowledgeRevision)
        .where(KnowledgeRevision.entry_id == entry_id)
        .order_by(KnowledgeRevision.id.desc())
    )
    return [
        {
            "id": r.id,
            "changed_at": r.changed_at.isoformat(),
            "changed_by": r.changed_by,
            "action": r.action,
            "changed": sorted(
                k for k in CONTENT_FIELDS if r.before.get(k) != r.after.get(k)
            ),
            "before": r.before,
            "after": r.after,
        }
        for r in rows
    ]


class UnknownRevision(LookupError):
    """No such revision of this answer."""


def revert_answer(
    session: Session, entry: KnowledgeEntry, revision_id: int, staff: str
) -> KnowledgeEntry:
    """Puts the answer back as it was before revision ``revision_id`` (its content
    and the check that content had), as a new revision of its own."""
    revision = session.get(KnowledgeRevision, revision_id)
    if revision is None or revision.entry_id != entry.id:
        raise UnknownRevision(revision_id)
    values = dict(revision.before)
    if values.get("verified_on"):
        values["verified_on"] = date.fromisoformat(values["verified_on"])
    return _apply(session, entry, values, staff, "revert")


def _listed(problems: dict[str, str]) -> list[dict[str, str]]:
    return [{"field": f, "message": m} for f, m in problems.items()]
