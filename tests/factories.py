"""Rows the community teams' work leaves in the database, for tests that count them
(API figures, report, dashboard pages)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.helper_mode.models import HelperSession, HelperStatus, ResidentGroup
from api.notices.models import Notice, NoticeDelivery
from api.staff.models import Role, StaffUser
from api.staff.service import create_staff, token_for

HA_TINH = "42"


def ticket(
    commune: str,
    opened: datetime,
    reply_after: int | None = None,
    close_after: int | None = None,
    resolution: Resolution | None = None,
    escalated: bool = False,
    reason: HandoffReason = HandoffReason.REQUESTED,
    user: str = "u" * 32,
    province: str = HA_TINH,
) -> HandoffTicket:
    """A web ticket as the hand-off dialogue and the team leave it (minutes after it
    was opened: first reply, closing); its status follows from those."""
    closed = opened + timedelta(minutes=close_after) if close_after else None
    return HandoffTicket(
        channel="web",
        user_pseudonym=user,
        status=TicketStatus.CLOSED
        if closed
        else TicketStatus.CLAIMED
        if reply_after
        else TicketStatus.OPEN,
        reason=reason,
        province_code=province,
        commune_code=commune,
        offered_at=opened,
        opened_at=opened,
        first_reply_at=opened + timedelta(minutes=reply_after) if reply_after else None,
        closed_at=closed,
        resolution=resolution,
        escalated_at=opened if escalated else None,
    )


def helper_session(
    commune: str,
    group: ResidentGroup,
    task: str,
    ended: datetime,
    staff: str = "ts1",
    user: str = "m" * 32,
    province: str = HA_TINH,
) -> HelperSession:
    """A finished helper-mode session of 20 minutes on Telegram."""
    return HelperSession(
        staff_username=staff,
        channel="telegram",
        user_pseudonym=user,
        status=HelperStatus.DONE,
        group=group,
        province_code=province,
        commune_code=commune,
        task=task,
        started_at=ended - timedelta(minutes=20),
        ended_at=ended,
    )


# The engine of the running test, set by an autouse fixture of tests/api (one list
# in this module, whatever name pytest imported a conftest under).
CURRENT_ENGINE: list[Any] = []


def staff_token(username: str, role: Role | str, key: str, minutes: int = 5) -> str:
    """A real token of the account ``username`` (created with ``role`` when it does
    not exist yet; its role set to ``role`` when it does): every token is checked
    against its account."""
    role = Role(role)
    [engine] = CURRENT_ENGINE
    with Session(engine) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            user = create_staff(session, username, "a-long-password", role)
        elif user.role is not role:
            user.role = role
            session.commit()
        return token_for(user, key, minutes)


def notice_being_sent(
    session: Session, text: str, created_by: str, user_prefix: str = "u"
) -> Notice:
    """A notice part way through its sending: two deliveries sent, one failed, one
    skipped, and the last (user ``<user_prefix>4``) being sent right now by another
    worker, so a resume at start-up leaves the notice open. Committed."""
    now = utcnow().strftime("%Y-%m-%dT%H:%M:%S")
    statuses = [
        "sent",
        "sent",
        "failed:Forbidden",
        "skipped:opted_out",
        f"sending:{now}",
    ]
    notice = Notice(text=text, created_by=created_by, recipients=len(statuses))
    session.add(notice)
    session.flush()
    for n, status in enumerate(statuses):
        session.add(
            NoticeDelivery(
                notice_id=notice.id,
                channel="telegram",
                user_pseudonym=f"{user_prefix}{n}",
                status=status,
            )
        )
    session.commit()
    return notice
