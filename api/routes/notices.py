"""Notices to opted-in citizens (admins): preview, send, log."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request
from fastapi import status as http_status
from pydantic import BaseModel, Field, field_validator

from api.core.db import utcnow
from api.notices.sending import notice_sender, send_notice
from api.notices.service import (
    MAX_NOTICE_CHARS,
    Recipient,
    create_notice,
    notice_items,
    preview_counts,
    preview_key,
    recipients,
)
from api.notices.wording import notice_text
from api.places.models import Province
from api.routes.deps import SessionDep, SettingsDep, require_roles
from api.routes.schemas.notices import NoticeAccepted, NoticePreview, Notices
from api.staff.models import Role
from api.staff.security import TokenClaims

router = APIRouter(prefix="/api/staff/notices", tags=["notices"])

AdminDep = Annotated[TokenClaims, Depends(require_roles(Role.ADMIN))]


class NoticeRequest(BaseModel):
    """A notice: its text and area (every subscriber when no province)."""

    text: str = Field(min_length=1, max_length=MAX_NOTICE_CHARS)
    province: str | None = Field(default=None, pattern=r"^\d{2}$")

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        value = unicodedata.normalize("NFC", value).strip()
        if not value:
            raise ValueError("Nội dung thông báo đang trống.")
        return value


class SendRequest(NoticeRequest):
    """A notice to send, with the key of its preview."""

    preview_key: str = Field(min_length=32, max_length=32)


def _people(
    session: SessionDep, settings: SettingsDep, body: NoticeRequest
) -> list[Recipient]:
    if body.province is not None and session.get(Province, body.province) is None:
        raise HTTPException(
            422, {"code": "province", "message": "Không có tỉnh, thành phố này."}
        )
    return recipients(
        session, body.province, timedelta(hours=settings.zalo_window_hours), utcnow()
    )


@router.post("/preview", response_model=NoticePreview)
def preview(
    _: AdminDep, session: SessionDep, settings: SettingsDep, body: NoticeRequest
) -> dict[str, Any]:
    """The dry run: how many subscribers would get the notice, per channel (Zalo
    followers outside the consultation window are not sent anything), the text as
    they would read it, and the key that sending requires."""
    people = _people(session, settings, body)
    return {
        "recipients": preview_counts(people),
        "text_as_sent": notice_text(body.text),
        "preview_key": preview_key(settings.token_secret(), body.text, body.province),
    }


@router.post(
    "", status_code=http_status.HTTP_202_ACCEPTED, response_model=NoticeAccepted
)
def send(
    claims: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    tasks: BackgroundTasks,
    body: SendRequest,
) -> dict[str, Any]:
    """Logs the notice and sends it in the background (409 without a preview of
    this very text and area)."""
    key = preview_key(settings.token_secret(), body.text, body.province)
    if body.preview_key != key:
        raise HTTPException(
            http_status.HTTP_409_CONFLICT,
            {
                "code": "preview_first",
                "message": "Vui lòng xem trước (chạy thử) đúng nội dung và địa bàn này "
                "trước khi gửi.",
            },
        )
    people = _people(session, settings, body)
    notice_id = create_notice(
        session, body.text, body.province, claims.username, people
    )
    state = request.app.state
    tasks.add_task(
        send_notice, state.engine, notice_id, notice_sender(state, notice_id)
    )
    return {"id": notice_id, "recipients": preview_counts(people)}


@router.get("", response_model=Notices)
def notices(
    _: AdminDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Every notice sent, newest first, with how many were sent, failed, skipped."""
    return {"items": notice_items(session, limit)}
