"""Building the report: the figures of the period and its three comparisons, the
breakdowns, the unanswered themes and the teams' work, read from one snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.accuracy.service import monthly
from api.analytics.community import community_figures
from api.analytics.filters import Filters
from api.analytics.inbox import inbox, is_payload
from api.analytics.safety import content_figures, scam_figures
from api.analytics.service import UNKNOWN, Analytics
from api.core.clock import VIETNAM_TZ
from api.core.db import read_together
from api.core.labels import UNKNOWN_TOPIC
from api.knowledge.schemas import Taxonomy
from api.report.figures import (
    Area,
    BreakdownRow,
    Counts,
    Report,
    Theme,
    describe_area,
    figure_table,
)
from api.report.narrative import draft_paragraph

# The unanswered themes a report lists, biggest first.
MAX_THEMES = 30


def place_breakdown(analytics: Analytics, f: Filters, level: str) -> list[BreakdownRow]:
    """Turns, answered turns and citizens per commune (or province) with activity in
    ``f``, most active first; turns without a known place last ("Chưa rõ địa bàn")."""
    out = [
        BreakdownRow(
            code=item["code"],
            label=item["name"],
            turns=int(item["turns"]),
            answered=int(item["answered"]),
            citizens=int(item["citizens"]),
        )
        for item in analytics.place_counts(f, level, None)
    ]
    return sorted(out, key=lambda r: (r.code is None, -r.turns, r.label))


def topic_breakdown(
    analytics: Analytics, taxonomy: Taxonomy, f: Filters
) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """(pillars in taxonomy order, topics most asked first) with answered turns."""
    labels = {**taxonomy.pillars, UNKNOWN: UNKNOWN_TOPIC}
    topics = []
    pillar_turns = dict.fromkeys(labels, 0)
    pillar_answered = dict.fromkeys(labels, 0)
    for item in analytics.topic_counts(f):
        pillar = item["pillar"] if item["pillar"] in labels else UNKNOWN
        turns, answered = int(item["turns"]), int(item["answered"])
        pillar_turns[pillar] += turns
        pillar_answered[pillar] += answered
        topics.append(
            BreakdownRow(
                code=item["topic"],
                label=item["label"],
                turns=turns,
                answered=answered,
                unsure=int(item["unsure"]),
                out_of_scope=int(item["out_of_scope"]),
                group=labels[pillar],
            )
        )
    pillars = [
        BreakdownRow(code, label, pillar_turns[code], pillar_answered[code])
        for code, label in labels.items()
    ]
    return pillars, topics


def unanswered_themes(
    session: Session, f: Filters, limit: int
) -> tuple[list[Theme], bool]:
    """The biggest groups of unsure and out-of-scope messages in ``f`` (reviewed or
    not), from the unanswered inbox (turns still in the log only), and whether they
    were grouped from all of them."""
    found = inbox(session, f, "all", limit)
    themes = []
    for group in found["groups"]:
        texts = list(group["sample_texts"])
        if all(is_payload(t) for t in texts):
            continue  # a stale button tapped, not a question to report
        themes.append(
            Theme(
                count=int(group["count"]),
                sample=texts[0] if texts else "",
                others=texts[1:],
                unsure=int(group["outcomes"].get("unsure", 0)),
                out_of_scope=int(group["outcomes"].get("out_of_scope", 0)),
                first_at=datetime.fromisoformat(group["first_at"]),
                last_at=datetime.fromisoformat(group["last_at"]),
            )
        )
    return themes, bool(found["complete"])


def build_report(
    session: Session,
    taxonomy: Taxonomy,
    f: Filters,
    now: datetime | None = None,
) -> Report:
    """The report for the period and area of ``f``."""
    periods = [f, f.previous_period(), f.same_period_last_year(), f.year_to_date()]
    level = "commune" if f.province or f.commune else "province"

    def figures(s: Session) -> tuple[list[Counts], Any, Area]:
        analytics = Analytics(s, taxonomy)
        return (
            Counts.of(analytics, periods),
            topic_breakdown(analytics, taxonomy, f),
            describe_area(s, f),
        )

    def places(s: Session) -> list[BreakdownRow]:
        return place_breakdown(Analytics(s, taxonomy), f, level)

    def unanswered_and_community(
        s: Session,
    ) -> tuple[
        list[Theme],
        bool,
        dict[str, Any],
        dict[str, Any],
        dict[str, Any],
        dict[str, Any],
    ]:
        themes, complete = unanswered_themes(s, f, MAX_THEMES)
        return (
            themes,
            complete,
            community_figures(s, f, level),
            scam_figures(s, f),
            content_figures(s, f, f.end),
            monthly(s, f.start, f.end)["overall"],
        )

    # Three parts of about the same cost, read at the same time from one snapshot.
    (
        (counts, (pillars, topics), area),
        place_rows,
        (themes, complete, community, safety, content, accuracy),
    ) = read_together(session, [figures, places, unanswered_and_community])
    report = Report(
        filters=f,
        area=area,
        generated_at=(now or datetime.now(VIETNAM_TZ))
        .astimezone(VIETNAM_TZ)
        .replace(microsecond=0),
        previous=periods[1],
        last_year=periods[2],
        year_to_date=periods[3],
        counts=counts,
        figures=figure_table(counts),
        place_level=level,
        places=place_rows,
        pillars=pillars,
        topics=topics,
        themes=themes,
        themes_complete=complete,
        community=community,
        safety=safety,
        content=content,
        accuracy=accuracy,
    )
    report.paragraph = draft_paragraph(report)
    return report
