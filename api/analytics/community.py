"""The community teams' work for a period and area: hand-off tickets (opened,
resolved, escalated, time to first reply and to resolution) and residents assisted
in helper mode (by commune or province, group and task). Counted in SQL, the medians
of the durations included."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.labels import RESOLUTIONS
from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.helper_mode.models import HelperSession, HelperStatus
from api.helper_mode.service import GROUP_LABELS, OTHER_TASK, OTHER_TASK_LABEL
from api.knowledge.models import KnowledgeEntry
from api.places.service import place_names
from api.querylog.models import Outcome, Turn
from api.querylog.sqlfuncs import minutes_between, week_minute
from api.teams import open_in_minute, team_for_commune
from api.teams.models import CommunityTeam

# The closing form's order, named in api.core.labels.
RESOLUTION_LABELS = {Resolution(code): label for code, label in RESOLUTIONS.items()}
# Closed with one of these: the citizen was helped.
RESOLVED = (Resolution.GUIDED_REMOTELY, Resolution.MET_IN_PERSON, Resolution.REFERRED)
TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.CLOSED)
LEVELS = ("commune", "province")
# HandoffTicket.satisfaction once the citizen tapped an answer.
SATISFACTION_ANSWERS = ("satisfied", "unsatisfied")


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


def _median_minutes(
    session: Session, where: list[ColumnElement[bool]], later: Any
) -> float | None:
    """The median of the minutes from opening to ``later`` over the tickets of
    ``where`` that have both: the middle one (or the mean of the two middle ones) in
    the order of their duration, picked in SQL."""
    span = minutes_between(later, HandoffTicket.opened_at)
    ranked = (
        select(
            span.label("minutes"),
            func.row_number().over(order_by=span).label("rank"),
            func.count().over().label("total"),
        )
        .where(*where, later.is_not(None), HandoffTicket.opened_at.is_not(None))
        .subquery()
    )
    middle = session.scalar(
        select(func.avg(ranked.c.minutes)).where(
            ranked.c.rank.between((ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2)
        )
    )
    return None if middle is None else round(float(middle), 1)


def ticket_figures(
    session: Session, f: Filters, level: str = "commune"
) -> dict[str, Any]:
    """Tickets opened in the period: counts by status, reason, resolution and commune
    (or province: ``level``); medians of the minutes to the first reply and to the
    closing."""
    where = _ticket_conditions(f)
    escalated = HandoffTicket.escalated_at.is_not(None)
    by_status: Counter[TicketStatus] = Counter()
    by_resolution: Counter[Resolution | None] = Counter()
    by_reason: Counter[HandoffReason | None] = Counter()
    escalations = 0
    # One grouping for every count: a few rows (status x resolution x reason).
    for status, resolution, reason, was_escalated, n in session.execute(
        select(
            HandoffTicket.status,
            HandoffTicket.resolution,
            HandoffTicket.reason,
            escalated,
            func.count(),
        )
        .where(*where)
        .group_by(
            HandoffTicket.status,
            HandoffTicket.resolution,
            HandoffTicket.reason,
            escalated,
        )
    ).tuples():
        by_status[status] += n
        by_resolution[resolution] += n
        by_reason[reason] += n
        escalations += n if was_escalated else 0
    place = getattr(HandoffTicket, f"{level}_code")
    places = session.execute(
        select(place, func.count(), func.count(HandoffTicket.closed_at))
        .where(*where, place.is_not(None))
        .group_by(place)
        .order_by(func.count().desc(), place)
    ).all()
    names = place_names(session, {code for code, *_ in places})
    opened = sum(by_status.values())
    resolved = sum(by_resolution[r] for r in RESOLVED)
    answers = dict(
        session.execute(
            select(HandoffTicket.satisfaction, func.count())
            .where(*where, HandoffTicket.satisfaction.in_(SATISFACTION_ANSWERS))
            .group_by(HandoffTicket.satisfaction)
        )
        .tuples()
        .all()
    )
    satisfied, unsatisfied = (answers.get(a, 0) for a in SATISFACTION_ANSWERS)
    return {
        "opened": opened,
        "waiting": by_status[TicketStatus.OPEN],
        "claimed": by_status[TicketStatus.CLAIMED],
        "closed": by_status[TicketStatus.CLOSED],
        "resolved": resolved,
        "resolved_rate": round(resolved / opened, 4) if opened else None,
        "escalated": escalations,
        "by_reason": {
            reason.value: n for reason, n in by_reason.items() if reason is not None
        },
        "by_resolution": [
            {"resolution": r.value, "label": label, "tickets": by_resolution[r]}
            for r, label in RESOLUTION_LABELS.items()
        ],
        # The citizens' one tap after closing: the share is of those who answered.
        "satisfied": satisfied,
        "unsatisfied": unsatisfied,
        "satisfied_rate": _rate(satisfied, satisfied + unsatisfied),
        "median_minutes_to_claim": _median_minutes(
            session, where, HandoffTicket.claimed_at
        ),
        "median_minutes_to_first_reply": _median_minutes(
            session, where, HandoffTicket.first_reply_at
        ),
        "median_minutes_to_close": _median_minutes(
            session, where, HandoffTicket.closed_at
        ),
        f"by_{level}": [
            {
                "code": code,
                "name": names.get(code, code),
                "tickets": n,
                "closed": closed,
            }
            for code, n, closed in places
        ],
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def trip_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Procedure answers in the period after which the citizen was asked whether
    they still had to go to the office, and what those who answered said (turns
    still in the query log only)."""
    where = [*f.during(Turn.created_at), Turn.trip.is_not(None)]
    for column, value in f.area().items():
        where.append(getattr(Turn, column) == value)
    counts = dict(
        session.execute(
            select(Turn.trip, func.count()).where(*where).group_by(Turn.trip)
        )
        .tuples()
        .all()
    )
    online, visit = counts.get("online", 0), counts.get("visit", 0)
    return {
        "asked": online + visit + counts.get("asked", 0),
        "saved": online,
        "visited": visit,
        "saved_rate": _rate(online, online + visit),
    }


def after_hours_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Citizens' messages in the period from communes a team serves (the commune
    known), and how many of them came outside that team's office hours. Grouped in
    SQL by commune and local minute of the week; the hours are checked here."""
    # Only communes some team with office hours serves can count: reading just theirs
    # (by the commune index) keeps a year of a province's turns from being grouped
    # minute by minute (bench/README.md, the dashboard on 1 000 000 turns).
    served_communes = {
        commune
        for team in session.scalars(select(CommunityTeam))
        if team.office_hours
        for commune in team.communes
    }
    if not served_communes:
        return {"messages": 0, "outside_office_hours": 0, "outside_rate": None}
    where = [
        *f.during(Turn.created_at),
        Turn.commune_code.in_(sorted(served_communes)),
        Turn.outcome != Outcome.REJECTED,
    ]
    for column, value in f.area().items():
        where.append(getattr(Turn, column) == value)
    minute = week_minute(Turn.created_at)
    rows = session.execute(
        select(Turn.commune_code, minute, func.count())
        .where(*where)
        .group_by(Turn.commune_code, minute)
    ).tuples()
    teams: dict[str, CommunityTeam | None] = {}
    served = outside = 0
    for commune, at, n in rows:
        if commune is None:  # excluded above; for the type checker
            continue
        if commune not in teams:
            teams[commune] = team_for_commune(session, commune)
        team = teams[commune]
        if team is None or not team.office_hours:
            continue
        served += n
        outside += 0 if open_in_minute(team, int(at)) else n
    return {
        "messages": served,
        "outside_office_hours": outside,
        "outside_rate": _rate(outside, served),
    }


def assisted_figures(
    session: Session, f: Filters, level: str = "commune"
) -> dict[str, Any]:
    """Residents assisted in helper mode in the period, by commune (or province:
    ``level``), group and task (the channel filter does not apply: the sessions are
    the teams' own)."""
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
    places = counted(getattr(HelperSession, f"{level}_code"))
    questions = dict(
        session.execute(
            select(KnowledgeEntry.id, KnowledgeEntry.question).where(
                KnowledgeEntry.id.in_([t for t, _ in tasks if t])
            )
        )
        .tuples()
        .all()
    )
    names = place_names(session, {c for c, _ in places if c})
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
        f"by_{level}": [
            {"code": c, "name": names.get(c, c), "residents": n} for c, n in places
        ],
    }


def community_figures(
    session: Session, f: Filters, level: str = "commune"
) -> dict[str, Any]:
    """Tickets and assisted residents for ``f`` (the analytics route's body), by
    commune or by province (``level``: ``by_commune`` or ``by_province``)."""
    if level not in LEVELS:
        raise ValueError(f"unknown place level {level!r}")
    return {
        "period": {"from": f.start.isoformat(), "to": f.end.isoformat()},
        "filters": f.echo(),
        "place_level": level,
        "tickets": ticket_figures(session, f, level),
        "assisted": assisted_figures(session, f, level),
        "trips": trip_figures(session, f),
        "after_hours": after_hours_figures(session, f),
    }
