"""The unanswered inbox and the queue of training examples (/api/staff/inbox,
/api/staff/training-examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.querylog.models import ExampleDecision
from api.routes.schemas.common import Filters, Period, Schema, Timestamp


class InboxGroup(Schema):
    """Similar unanswered messages (masked), newest first."""

    key: str = Field(description="stable id of the group (12 hex digits)")
    count: int
    first_at: Timestamp
    last_at: Timestamp
    sample_texts: list[str] = Field(description="a few of its messages, accented first")
    turn_ids: list[int] = Field(description="every turn of the group, for a review")
    outcomes: dict[str, int] = Field(
        description='"unsure" / "out_of_scope" -> messages'
    )
    suggested_answer_id: str | None = Field(
        description="the answer the assistant was unsure of most often"
    )
    status: Literal["open", "reviewed", "add_example", "needs_answer", "mixed"] = Field(
        description="the staff decision on its messages; mixed: not all the same"
    )


class Inbox(Schema):
    """Unsure and out-of-scope messages grouped by similarity, biggest first."""

    period: Period
    filters: Filters
    groups: list[InboxGroup]
    complete: bool = Field(
        description="false: more messages matched than are scanned at a time (2 000);"
        " the groups are of the newest"
    )
    scanned: int = Field(description="messages read to make the groups")


class Reviewed(Schema):
    """The outcome of a review."""

    updated: int = Field(description="messages whose decision was recorded")


class TrainingExampleItem(Schema):
    """A citizen message (masked) queued as an example of an answer."""

    id: int
    text: str
    answer_id: str
    created_at: datetime
    created_by: str
    exported: bool
    decision: ExampleDecision | None = Field(
        description="null until an admin accepts or rejects it; only accepted ones"
        " are exported"
    )
    decided_by: str | None
    decided_at: datetime | None


class TrainingExamples(Schema):
    """Queued training examples, oldest first."""

    items: list[TrainingExampleItem]
