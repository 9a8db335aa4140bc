"""The community teams' work for a period and area: hand-off tickets (opened,
resolved, escalated, time to first reply and to resolution) and residents assisted
in helper mode (by commune, group and task). Counted in SQL; the medians from the
durations of the period's tickets."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.community.helper import GROUP_LABELS, OTHER_TASK, OTHER_TASK_LABEL
from api.community.models import (
    HandoffTicket,
    HelperSession,
    HelperStatus,
    Resolution,
    TicketStatus,
)
from api.knowledge.models import KnowledgeEntry
from api.places.service import place_names

RESOLUTION_LABELS = {
    Resolution.GUIDED_REMOTELY: "Đã hướng dẫn qua tin nhắn",
    Resolution.MET_IN_PERSON: "Đã hỗ trợ trực tiếp tại điểm hỗ trợ",
    Resolution.REFERRED: "Đã chuyển cơ quan khác",
    Resolution.NO_RESPONSE: "Không liên lạc được",
    Resolution.NOT_NEEDED: "Không cần hỗ trợ nữa",
}
# Closed with one of these: the citizen was helped.
RESOLVED = (Resolution.GUIDED_REMOTELY, Resolution.MET_IN_PERSON, Resolution.REFERRED)
TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.CLOSED)


def _ticket_conditions(f: Filters) -> list[ColumnElement[bool]]:
    where = [
        HandoffTicket.status.in_(TICKET_STATUSES),
        *f.during(HandoffTicket.opened_at),
    ]
    area = f.area()
    for column in ("channel", "province_code", "commune_code"):
        if column in area:
            where.append(getattr(HandoffTicket, column) == area[column])
    return where


def _helper_conditions(f: Filters) -> list[ColumnElement[bool]]:
    where = [
        HelperSession.status == HelperStatus.DONE,
        *f.during(HelperSession.ended_at),
    ]
    if f.province:
        where.append(HelperSession.province_code == f.province)
    if f.commune:
        where.append(HelperSession.commune_code == f.commune)
    return where


def _minutes(pairs: list[tuple[datetime | None, datetime | None]]) -> float | None:
    spans = [(b - a).total_seconds() / 60 for a, b in pairs if a and b]
    return round(median(spans), 1) if spans else None


def ticket_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Tickets opened in the period: counts by status, reason, resolution and
    commune; medians of the minutes to the first reply and to the closing."""
    where = _ticket_conditions(f)

    def counted(column: Any) -> dict[Any, int]:
        return dict(
            session.execute(select(column, func.count()).where(*where).group_by(column))
            .tuples()
            .all()
        )

    by_status = counted(HandoffTicket.status)
    by_resolution = counted(HandoffTicket.resolution)
    escalated = session.scalar(
        select(func.count()).where(*where, HandoffTicket.escalated_at.is_not(None))
    )
    moments = session.execute(
        select(
            HandoffTicket.opened_at,
            HandoffTicket.first_reply_at,
            HandoffTicket.closed_at,
        ).where(*where)
    ).all()
    communes = session.execute(
        select(
            HandoffTicket.commune_code,
            HandoffTicket.province_code,
            func.count(),
            func.count(HandoffTicket.closed_at),
        )
        .where(*where)
        .group_by(HandoffTicket.commune_code, HandoffTicket.province_code)
        .order_by(func.count().desc(), HandoffTicket.commune_code)
    ).all()
    names = place_names(session, {c for c, *_ in communes if c})
    opened = sum(by_status.values())
    resolved = sum(by_resolution.get(r, 0) for r in RESOLVED)
    return {
        "opened": opened,
        "waiting": by_status.get(TicketStatus.OPEN, 0),
        "claimed": by_status.get(TicketStatus.CLAIMED, 0),
        "closed": by_status.get(TicketStatus.CLOSED, 0),
        "resolved": resolved,
        "resolved_rate": round(resolved / opened, 4) if opened else None,
        "escalated": int(escalated or 0),
        "by_reason": {
            reason.value: n
            for reason, n in counted(HandoffTicket.reason).items()
            if reason is not None
        },
        "by_resolution": [
            {"resolution": r.value, "label": label, "tickets": by_resolution.get(r, 0)}
            for r, label in RESOLUTION_LABELS.items()
        ],
        "median_minutes_to_first_reply": _minutes([(o, r) for o, r, _ in moments]),
        "median_minutes_to_close": _minutes([(o, c) for o, _, c in moments]),
        "by_commune": [
            {
                "code": code,
                "name": names.get(code, code),
                "tickets": n,
                "closed": closed,
            }
            for code, _, n, closed in communes
            if code
        ],
    }


def assisted_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Residents assisted in helper mode in the period, by commune, group and task
    (the channel filter does not apply: the sessions are the teams' own)."""
    where = _helper_conditions(f)

    def counted(*columns: Any) -> list[tuple[Any, ...]]:
        return list(
            session.execute(
                select(*columns, func.count())
                .where(*where)
                .group_by(*columns)
                .order_by(func.count().desc(), *columns)
            ).tuples()
        )

    groups = dict(counted(HelperSession.group))
    tasks = counted(HelperSession.task)
    communes = counted(HelperSession.commune_code)
    questions = dict(
        session.execute(
            select(KnowledgeEntry.id, KnowledgeEntry.question).where(
                KnowledgeEntry.id.in_([t for t, _ in tasks if t])
            )
        )
        .tuples()
        .all()
    )
    names = place_names(session, {c for c, _ in communes if c})
    return {
        "residents": sum(groups.values()),
        "by_group": [
            {"group": g.value, "label": label, "residents": groups.get(g, 0)}
            for g, label in GROUP_LABELS.items()
        ],
        "by_task": [
            {
                "task": task,
                "label": OTHER_TASK_LABEL
                if task == OTHER_TASK
                else questions.get(task, task),
                "residents": n,
            }
            for task, n in tasks
        ],
        "by_commune": [
            {"code": c, "name": names.get(c, c), "residents": n} for c, n in communes
        ],
    }


def community_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Tickets and assisted residents for ``f`` (the analytics route's body)."""
    return {
        "period": {"from": f.start.isoformat(), "to": f.end.isoformat()},
        "filters": f.echo(),
        "tickets": ticket_figures(session, f),
        "assisted": assisted_figures(session, f),
    }
