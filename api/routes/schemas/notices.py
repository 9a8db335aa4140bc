"""Notices to opted-in citizens (/api/staff/notices)."""

from __future__ import annotations

from pydantic import Field

from api.routes.schemas.common import Schema, Timestamp


class RecipientCounts(Schema):
    """Who would get the notice now."""

    telegram: int
    zalo: int
    zalo_outside_window: int = Field(
        description="Zalo followers who wrote last too long ago: Zalo's rules forbid"
        " sending them anything, so they are skipped"
    )
    total: int = Field(description="telegram + zalo")


class NoticePreview(Schema):
    """The dry run of a notice."""

    recipients: RecipientCounts
    text_as_sent: str = Field(description="the text with its header and footer")
    preview_key: str = Field(
        description="the key sending this very text and area requires"
    )


class NoticeAccepted(Schema):
    """A notice logged and being sent in the background."""

    id: int
    recipients: RecipientCounts


class NoticeItem(Schema):
    """A notice sent, with its outcome counts (so far, while it is being sent)."""

    id: int
    text: str
    province_code: str | None = Field(description="null: every subscriber")
    province_name: str | None
    created_by: str
    created_at: Timestamp
    finished_at: Timestamp | None = Field(description="null while being sent")
    recipients: int
    sent: int
    failed: int
    skipped: int


class Notices(Schema):
    """The notices sent, newest first."""

    items: list[NoticeItem]
