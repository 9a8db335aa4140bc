"""Scam warnings and content truth for staff: how many residents described a scam
(by kind, channel and place, and where alerts rise week on week), and how many
answers are verified, drafts or due for a new check, and how often drafts were
served. Read live from the query log and the knowledge base."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.clock import day_start
from api.core.labels import SCAM_KINDS
from api.knowledge.editing import STALE_AFTER_DAYS
from api.knowledge.models import KnowledgeEntry
from api.places.models import Commune, Province
from api.querylog.models import Outcome, Turn

SCAM_INTENT = "scam_alert"
# A place's alerts "rise" when the last 7 days of the period have at least this
# many and at least twice those of the 7 days before.
RISING_MIN_ALERTS = 3
RISING_FACTOR = 2


def _where(f: Filters) -> list[Any]:
    return [
        *f.during(Turn.created_at),
        *(getattr(Turn, c) == v for c, v in f.area().items()),
    ]


def scam_figures(session: Session, f: Filters) -> dict[str, Any]:
    """Scam warnings given in the period and area of ``f``."""
    rows = session.execute(
        select(
            Turn.detail,
            Turn.channel,
            Turn.province_code,
            Turn.commune_code,
            Turn.created_at,
        ).where(Turn.intent == SCAM_INTENT, *_where(f))
    ).all()
    kinds = Counter((d or "").removeprefix("scam:") for d, *_ in rows)
    channels = Counter(c for _, c, *_ in rows)
    return {
        "alerts": len(rows),
        "kind_labels": SCAM_KINDS,
        "by_kind": dict(kinds.most_common()),
        "by_channel": dict(channels.most_common()),
        "rising": rising_places(session, f),
    }


def rising_places(session: Session, f: Filters) -> list[dict[str, Any]]:
    """Communes (or provinces, for turns whose commune is unknown) whose alerts in the
    last 7 days of the period are at least RISING_FACTOR times those of the 7 days
    before, and at least RISING_MIN_ALERTS."""
    week_end = f.end
    this_start = week_end - timedelta(days=6)
    last_start = this_start - timedelta(days=7)
    this_week = and_(
        Turn.created_at >= day_start(this_start),
        Turn.created_at < day_start(week_end + timedelta(days=1)),
    )
    area = [getattr(Turn, c) == v for c, v in f.area().items()]
    rows = session.execute(
        select(
            Turn.province_code,
            Turn.commune_code,
            func.sum(case((this_week, 1), else_=0)),
            func.count(),
        )
        .where(
            Turn.intent == SCAM_INTENT,
            Turn.province_code.is_not(None),
            Turn.created_at >= day_start(last_start),
            Turn.created_at < day_start(week_end + timedelta(days=1)),
            *area,
        )
        .group_by(Turn.province_code, Turn.commune_code)
    ).all()
    rising = []
    for province, commune, now, total in rows:
        now = int(now or 0)
        before = int(total) - now
        if now >= RISING_MIN_ALERTS and now >= RISING_FACTOR * before:
            rising.append(
                {
                    "province_code": province,
                    "commune_code": commune,
                    "this_week": now,
                    "week_before": before,
                    "kind": _top_kind(session, province, commune, this_start, week_end),
                }
            )
    names = _names(session, rising)
    for place in rising:
        place["name"] = names.get((place["province_code"], place["commune_code"]), "")
    return sorted(rising, key=lambda p: -p["this_week"])


def _top_kind(
    session: Session, province: str, commune: str | None, start: date, end: date
) -> str:
    kinds = session.scalars(
        select(Turn.detail).where(
            Turn.intent == SCAM_INTENT,
            Turn.province_code == province,
            Turn.commune_code.is_(None)
            if commune is None
            else Turn.commune_code == commune,
            Turn.created_at >= day_start(start),
            Turn.created_at < day_start(end + timedelta(days=1)),
        )
    )
    counted = Counter((k or "").removeprefix("scam:") for k in kinds)
    return counted.most_common(1)[0][0] if counted else ""


def _names(
    session: Session, places: list[dict[str, Any]]
) -> dict[tuple[str, str | None], str]:
    provinces = dict(
        session.execute(select(Province.code, Province.name)).tuples().all()
    )
    communes = {p["commune_code"] for p in places if p["commune_code"]}
    commune_names = (
        dict(
            session.execute(
                select(Commune.code, Commune.name).where(Commune.code.in_(communes))
            )
            .tuples()
            .all()
        )
        if communes
        else {}
    )
    names = {}
    for p in places:
        province = provinces.get(p["province_code"], p["province_code"])
        commune = commune_names.get(p["commune_code"]) if p["commune_code"] else None
        names[(p["province_code"], p["commune_code"])] = (
            f"{commune}, {province}" if commune else province
        )
    return names


def content_figures(session: Session, f: Filters, today: date) -> dict[str, Any]:
    """The knowledge base's state today, and the answers served in the period from
    drafts."""
    stale_before = today - timedelta(days=STALE_AFTER_DAYS)
    statuses = Counter(
        "stale"
        if status == "verified" and verified_on and verified_on < stale_before
        else status
        for status, verified_on in session.execute(
            select(KnowledgeEntry.status, KnowledgeEntry.verified_on)
        )
    )
    served, from_drafts = session.execute(
        select(func.count(), func.count().filter(Turn.answer_draft.is_(True))).where(
            Turn.outcome == Outcome.ANSWERED,
            Turn.answer_draft.is_not(None),
            *_where(f),
        )
    ).one()
    return {
        "verified": statuses.get("verified", 0),
        "draft": statuses.get("draft", 0),
        "stale": statuses.get("stale", 0),
        "answers_served": int(served),
        "answers_served_from_drafts": int(from_drafts),
    }
