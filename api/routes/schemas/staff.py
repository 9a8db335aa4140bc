"""The staff API (/api/staff): sign-in, accounts, answers, places, recent turns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from api.knowledge.schemas import Status
from api.routes.schemas.common import Schema, Timestamp
from api.staff.models import Role


class TokenResponse(Schema):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"
    role: str
    expires_in: int = Field(description="seconds")


class Me(Schema):
    """Who the token belongs to."""

    username: str
    role: Role


class RecentTurn(Schema):
    """One logged turn, masked."""

    id: int
    created_at: datetime
    channel: str
    text: str
    intent: str | None
    confidence: float | None = Field(
        description="the NLU's confidence in the intent (1.00 for any FAQ question,"
        " sure or not)"
    )
    topic: str | None
    answer_id: str | None
    answer_confidence: float | None = Field(
        description="the confidence of the chosen answer, checked against the answer"
        ' threshold: what decided between "answered" and "unsure"'
    )
    outcome: str
    latency_ms: int


# --- answers --------------------------------------------------------------------------


class AnswerItem(Schema):
    """An answer of the knowledge base as staff see and edit it."""

    id: str
    topic: str
    topic_label: str
    question: str
    answer: str
    steps: list[str] = Field(description="a guided procedure's steps (may be empty)")
    source_url: str = Field(description="the official page the answer is checked on")
    sources: list[str] = Field(description="further pages")
    source_ref: str | None = Field(description="the legal text or page section")
    status: Status
    verified_on: date | None = Field(
        description="the day it was checked against source_url; null for a draft"
    )
    verified_by: str | None
    days_since_check: int | None
    due_for_check: bool = Field(
        description="a draft, or verified more than 180 days ago"
    )
    related: list[str] = Field(description="ids of related answers")
    updated_at: Timestamp
    updated_by: str


class Answers(Schema):
    """Every answer, by topic and id."""

    items: list[AnswerItem]


class Revision(Schema):
    """One change of an answer."""

    id: int
    changed_at: Timestamp
    changed_by: str
    action: Literal["edit", "verify", "revert"]
    changed: list[str] = Field(description="the fields whose value changed")
    before: dict[str, Any] = Field(
        description="the content fields (question, answer, steps, source_url,"
        " sources, source_ref, status, verified_on, verified_by) before the change"
    )
    after: dict[str, Any] = Field(description="the same fields after it")


class History(Schema):
    """Every change of an answer, newest first."""

    items: list[Revision]


# --- places ---------------------------------------------------------------------------


class PlaceName(Schema):
    """A province or commune."""

    code: str
    name: str


class PlaceNames(Schema):
    """Provinces, or the communes of one province."""

    items: list[PlaceName]


# --- accounts -------------------------------------------------------------------------


class Place(Schema):
    """A commune or province an account serves, with its name (and, for a commune,
    its province), so the dashboard shows names without loading every province."""

    code: str
    name: str
    province_code: str | None = None


class StaffAccount(Schema):
    """A staff account as the admin sees it (never the password hash)."""

    username: str
    role: Role
    active: bool
    communes: list[str]
    provinces: list[str]
    places: list[Place]
    created_at: datetime


class StaffAccounts(Schema):
    """Every staff account, by user name."""

    items: list[StaffAccount]
