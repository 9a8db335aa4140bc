"""Staff edits of answers: validated like the seeds, used by the bot at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.knowledge.models import KnowledgeEntry
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
    "source_url": "Nguồn phải là một địa chỉ https.",
    "source_ref": "Tham chiếu nguồn không hợp lệ.",
    "last_verified": "Ngày kiểm tra không hợp lệ.",
}


class AnswerEdit(BaseModel):
    """The fields staff may change."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str
    steps: list[str] = []
    source_url: str
    source_ref: str | None = None
    last_verified: date


class InvalidEdit(ValueError):
    """The edit breaks a rule that seeds must follow too; ``problems`` lists
    ``{"field", "message"}`` in Vietnamese."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def answer_item(entry: KnowledgeEntry, taxonomy: Taxonomy) -> dict[str, Any]:
    """An answer as the staff API shows it (with its topic's label)."""
    labels = {t.code: t.label for t in taxonomy.topics}
    return {
        "id": entry.id,
        "topic": entry.topic,
        "topic_label": labels.get(entry.topic, entry.topic),
        "question": entry.question,
        "answer": entry.answer,
        "steps": list(entry.steps),
        "source_url": entry.source_url,
        "source_ref": entry.source_ref,
        "last_verified": entry.last_verified.isoformat(),
        "related": list(entry.related),
        "updated_at": entry.updated_at.isoformat(),
        "updated_by": entry.updated_by,
    }


def edit_answer(
    session: Session,
    entry: KnowledgeEntry,
    edit: AnswerEdit,
    staff: str,
    taxonomy: Taxonomy,
    today: date,
) -> KnowledgeEntry:
    """Applies ``edit`` to ``entry`` after the seed checks (length, https, official
    source, date not in the future); raises InvalidEdit with the reasons."""
    problems: dict[str, str] = {}
    try:
        candidate = EntrySeed(
            id=entry.id, topic=entry.topic, related=[], **edit.model_dump()
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0])
            problems.setdefault(field, FIELD_MESSAGES.get(field, error["msg"]))
        raise InvalidEdit(_listed(problems)) from exc
    if not is_official_source(candidate.source_url, taxonomy):
        problems["source_url"] = (
            "Nguồn phải là trang chính thức có trong danh sách nguồn (seeds/topics.yml)."
        )
    if candidate.last_verified > today:
        problems["last_verified"] = "Ngày kiểm tra không được sau hôm nay."
    if problems:
        raise InvalidEdit(_listed(problems))
    values = candidate.model_dump(exclude={"id", "topic", "related"})
    values["steps"] = [s.strip() for s in values["steps"] if s.strip()]
    for key, value in values.items():
        setattr(entry, key, value)
    entry.updated_by = staff
    entry.updated_at = utcnow()
    session.commit()
    return entry


def _listed(problems: dict[str, str]) -> list[dict[str, str]]:
    return [{"field": f, "message": m} for f, m in problems.items()]
