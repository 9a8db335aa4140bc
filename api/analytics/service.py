"""Dashboard figures, aggregated in SQL over the daily tables and today's turns.

Every figure is asked for a :class:`~api.analytics.filters.Filters` (period, province,
commune, channel). Counts of turns and citizens come from :mod:`api.analytics.sources`
(the daily tables for the days already built, the query log for the rest), so the
same numbers come out before and after a purge. Per-answer figures (top questions,
feedback) need the turns themselves and therefore cover the retention period only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Subquery,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.analytics.sources import (
    citizen_counts,
    citizens_by,
    daily_rows,
    int_sum,
    next_month,
    turn_conditions,
)
from api.core.labels import UNKNOWN_TOPIC
from api.knowledge.models import KnowledgeEntry
from api.knowledge.schemas import Taxonomy
from api.places.service import place_names
from api.querylog.models import Outcome, Turn
from api.querylog.rollup import FIRST_VISIT, as_date, first_since
from api.querylog.sqlfuncs import count_if, latest, period_start

UNKNOWN = "unknown"
UNKNOWN_PLACE_LABEL = "Chưa rõ địa bàn"
OUTCOMES = [o.value for o in Outcome]
RATE_OUTCOMES = ("answered", "unsure", "out_of_scope")


def _outcome_sums(rows: Subquery) -> list[ColumnElement[int]]:
    return [
        int_sum(case((rows.c.outcome == o, rows.c.turns), else_=0)).label(o)
        for o in RATE_OUTCOMES
    ]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _totals(
    by_outcome: dict[str, int],
    helpful: int,
    not_helpful: int,
    citizens: int,
    returning: int,
) -> dict[str, Any]:
    turns = sum(by_outcome.values())
    return {
        "turns": turns,
        "citizens": citizens,
        "returning_citizens": returning,
        "new_citizens": citizens - returning,
        "outcomes": {o: int(by_outcome.get(o, 0)) for o in OUTCOMES},
        "rates": {o: _rate(int(by_outcome.get(o, 0)), turns) for o in RATE_OUTCOMES},
        "feedback": {
            "helpful": helpful,
            "not_helpful": not_helpful,
            "helpful_rate": _rate(helpful, helpful + not_helpful),
        },
    }


class Analytics:
    """The dashboard's questions, for one database session."""

    def __init__(self, session: Session, taxonomy: Taxonomy) -> None:
        """Binds the session and the topic taxonomy (labels, pillars)."""
        self._session = session
        self._taxonomy = taxonomy
        self._topics = {t.code: t for t in taxonomy.topics}

    def _envelope(self, f: Filters, **body: Any) -> dict[str, Any]:
        return {
            "period": {"from": f.start.isoformat(), "to": f.end.isoformat()},
            "filters": f.echo(),
            **body,
        }

    def totals(self, f: Filters) -> dict[str, Any]:
        """Turns by outcome, feedback, citizens (new, and returning: who wrote in the
        same area before the period) for ``f``."""
        return self.totals_of([f])[0]

    def totals_of(self, periods: list[Filters]) -> list[dict[str, Any]]:
        """:meth:`totals` for several periods (and areas) at once: one statement for
        the turns and one for the citizens, whatever their number."""
        sums: list[Select[Any]] = []
        people: list[Select[Any]] = []
        for i, f in enumerate(periods):
            rows = daily_rows(self._session, f, ["outcome"])
            sums.append(
                select(
                    literal(i).label("period"),
                    rows.c.outcome,
                    rows.c.turns,
                    rows.c.helpful,
                    rows.c.not_helpful,
                )
            )
            # Each citizen once (their first day in the period), returning when they
            # wrote in the same area before it.
            counts = citizen_counts(self._session, f)
            people.append(
                select(
                    literal(i).label("period"),
                    counts.c.citizens,
                    case(
                        (counts.c.gap != FIRST_VISIT, counts.c.citizens), else_=0
                    ).label("returned"),
                ).where(first_since(counts, literal(f.start, Date)))
            )
        turns = union_all(*sums).subquery()
        by_outcome: list[dict[str, int]] = [{} for _ in periods]
        helpful = [0] * len(periods)
        not_helpful = [0] * len(periods)
        for i, outcome, n, rated_helpful, rated_not_helpful in self._session.execute(
            select(
                turns.c.period,
                turns.c.outcome,
                int_sum(turns.c.turns),
                int_sum(turns.c.helpful),
                int_sum(turns.c.not_helpful),
            ).group_by(turns.c.period, turns.c.outcome)
        ).tuples():
            by_outcome[i][outcome] = n
            helpful[i] += rated_helpful
            not_helpful[i] += rated_not_helpful
        citizens = union_all(*people).subquery()
        counted = {
            i: (total, returning)
            for i, total, returning in self._session.execute(
                select(
                    citizens.c.period,
                    int_sum(citizens.c.citizens),
                    int_sum(citizens.c.returned),
                ).group_by(citizens.c.period)
            ).tuples()
        }
        return [
            _totals(by_outcome[i], helpful[i], not_helpful[i], *counted.get(i, (0, 0)))
            for i in range(len(periods))
        ]

    def overview(self, f: Filters) -> dict[str, Any]:
        """Cards of the dashboard."""
        return self._envelope(f, **self.totals(f))

    def volume(self, f: Filters, interval: str) -> dict[str, Any]:
        """Turns and citizens per day, week or month, without gaps."""
        rows = daily_rows(self._session, f, ["outcome"], by_day=interval != "month")
        # Summed per day first, so that the bucket of a day is computed once.
        per_day = (
            select(
                rows.c.day, int_sum(rows.c.turns).label("turns"), *_outcome_sums(rows)
            )
            .group_by(rows.c.day)
            .subquery()
        )
        bucket = period_start(per_day.c.day, interval)
        sums = [int_sum(per_day.c[c]) for c in ("turns", *RATE_OUTCOMES)]
        turns = {
            as_date(b): (t, a, u, o)
            for b, t, a, u, o in self._session.execute(
                select(bucket, *sums).group_by(bucket)
            ).tuples()
        }
        people = self._citizens_per_bucket(f, interval)
        series = []
        for start in _buckets(f.start, f.end, interval):
            t, a, u, o = turns.get(start, (0, 0, 0, 0))
            series.append(
                {
                    "start": start.isoformat(),
                    "turns": t,
                    "answered": a,
                    "unsure": u,
                    "out_of_scope": o,
                    "citizens": people.get(start, 0),
                }
            )
        return self._envelope(f, interval=interval, series=series)

    def _citizens_per_bucket(self, f: Filters, interval: str) -> dict[date, int]:
        """Distinct citizens per day, week or month of ``f`` (the first and last
        buckets cut to the period).

        A citizen-day is its citizen's first in its bucket when its previous day is
        before the bucket's start (or the period's, if later). They are counted per
        day and gap to the previous day (:func:`citizen_counts`), so that the
        buckets are computed for those fewer rows only.
        """
        counts = citizen_counts(self._session, f)
        per_day = (
            select(
                counts.c.day, counts.c.gap, int_sum(counts.c.citizens).label("citizens")
            )
            .group_by(counts.c.day, counts.c.gap)
            .subquery()
        )
        bucket = period_start(per_day.c.day, interval)
        since = latest(bucket, literal(f.start, Date))
        return {
            as_date(b): int(n)
            for b, n in self._session.execute(
                select(bucket, int_sum(per_day.c.citizens))
                .where(first_since(per_day, since))
                .group_by(bucket)
            ).tuples()
        }

    def topic_counts(self, f: Filters) -> list[dict[str, Any]]:
        """Turns per topic with outcome counts, most asked first."""
        rows = daily_rows(self._session, f, ["topic", "outcome"])
        result = self._session.execute(
            select(rows.c.topic, int_sum(rows.c.turns), *_outcome_sums(rows))
            .group_by(rows.c.topic)
            .order_by(int_sum(rows.c.turns).desc(), rows.c.topic)
        ).tuples()
        items = []
        for code, turns, answered, unsure, out_of_scope in result:
            topic = self._topics.get(code)
            pillar = topic.pillar if topic else UNKNOWN
            items.append(
                {
                    "topic": code or UNKNOWN,
                    "label": topic.label if topic else UNKNOWN_TOPIC,
                    "pillar": pillar,
                    "pillar_label": self._taxonomy.pillars.get(pillar, UNKNOWN_TOPIC),
                    "turns": turns,
                    "answered": answered,
                    "unsure": unsure,
                    "out_of_scope": out_of_scope,
                }
            )
        return items

    def topics(self, f: Filters) -> dict[str, Any]:
        """Turns per topic."""
        return self._envelope(f, items=self.topic_counts(f))

    def pillar_counts(self, f: Filters) -> list[dict[str, Any]]:
        """Turns per công dân số pillar (and public services, safety, conversation)."""
        rows = daily_rows(self._session, f, ["topic"])
        mapping = {t.code: t.pillar for t in self._taxonomy.topics}
        pillar = case(mapping, value=rows.c.topic, else_=literal_column(f"'{UNKNOWN}'"))
        counts = dict(
            self._session.execute(
                select(pillar, int_sum(rows.c.turns)).group_by(pillar)
            )
            .tuples()
            .all()
        )
        labels = {**self._taxonomy.pillars, UNKNOWN: UNKNOWN_TOPIC}
        return [
            {"pillar": code, "label": label, "turns": int(counts.get(code, 0))}
            for code, label in labels.items()
        ]

    def pillars(self, f: Filters) -> dict[str, Any]:
        """Turns per pillar."""
        return self._envelope(f, items=self.pillar_counts(f))

    def channels(self, f: Filters) -> dict[str, Any]:
        """Turns and citizens per channel."""
        rows = daily_rows(self._session, f, ["channel"])
        turns = self._session.execute(
            select(rows.c.channel, int_sum(rows.c.turns))
            .group_by(rows.c.channel)
            .order_by(int_sum(rows.c.turns).desc())
        ).all()
        people = {c: n for (c,), n in citizens_by(self._session, f, "channel").items()}
        items = [
            {"channel": c, "turns": n, "citizens": people.get(c, 0)} for c, n in turns
        ]
        return self._envelope(f, items=items)

    def place_counts(
        self, f: Filters, level: str, limit: int | None
    ) -> list[dict[str, Any]]:
        """Turns, answered turns and citizens per province or commune, most active
        first (all of them when ``limit`` is None)."""
        column = "province_code" if level == "province" else "commune_code"
        rows = daily_rows(self._session, f, [column, "province_code", "outcome"])
        keys = (rows.c[column], rows.c.province_code)
        answered = int_sum(case((rows.c.outcome == "answered", rows.c.turns), else_=0))
        result = self._session.execute(
            select(*keys, int_sum(rows.c.turns), answered)
            .group_by(*keys)
            .order_by(int_sum(rows.c.turns).desc(), *keys)
            .limit(limit)
        ).tuples()
        people = citizens_by(self._session, f, column, "province_code")
        rows_out = list(result)
        names = place_names(
            self._session,
            {c for c, *_ in rows_out if c} | {p for _, p, *_ in rows_out if p},
        )
        return [
            {
                "code": code or None,
                "name": names.get(code, code) if code else UNKNOWN_PLACE_LABEL,
                "province_code": province or None,
                "province_name": names.get(province) if province else None,
                "turns": n,
                "answered": a,
                "citizens": people.get((code, province), 0),
            }
            for code, province, n, a in rows_out
        ]

    def places(self, f: Filters, level: str, limit: int) -> dict[str, Any]:
        """Turns per province or commune."""
        return self._envelope(f, level=level, items=self.place_counts(f, level, limit))

    def _answer_turns(self, f: Filters) -> list[ColumnElement[bool]]:
        return [*turn_conditions(f), Turn.answer_id.is_not(None)]

    def top_questions(
        self, f: Filters, topic: str | None, limit: int
    ) -> dict[str, Any]:
        """The answers given most often (optionally within one topic)."""
        where = [*self._answer_turns(f), Turn.outcome == Outcome.ANSWERED]
        if topic:
            where.append(Turn.topic == topic)
        count = func.count()
        helpful = count_if(Turn.feedback == "helpful")
        not_helpful = count_if(Turn.feedback == "not_helpful")
        counted = (
            select(
                Turn.answer_id,
                count.label("turns"),
                helpful.label("helpful"),
                not_helpful.label("not_helpful"),
            )
            .where(*where)
            .group_by(Turn.answer_id)
            .order_by(count.desc(), Turn.answer_id)
            .limit(limit)
            .subquery()
        )
        result = self._session.execute(
            select(counted, KnowledgeEntry.question, KnowledgeEntry.topic)
            .outerjoin(KnowledgeEntry, KnowledgeEntry.id == counted.c.answer_id)
            .order_by(counted.c.turns.desc(), counted.c.answer_id)
        ).mappings()
        items = [
            {
                "answer_id": r["answer_id"],
                "question": r["question"],
                "topic": r["topic"],
                "turns": r["turns"],
                "helpful": r["helpful"],
                "not_helpful": r["not_helpful"],
            }
            for r in result
        ]
        return self._envelope(f, topic=topic, items=items)

    def feedback(self, f: Filters, limit: int) -> dict[str, Any]:
        """Answers rated by citizens, the least helpful first."""
        helpful = count_if(Turn.feedback == "helpful")
        not_helpful = count_if(Turn.feedback == "not_helpful")
        rate = helpful * 1.0 / func.count()
        rated = (
            select(
                Turn.answer_id,
                helpful.label("helpful"),
                not_helpful.label("not_helpful"),
                rate.label("helpful_rate"),
            )
            .where(*self._answer_turns(f), Turn.feedback.is_not(None))
            .group_by(Turn.answer_id)
            .order_by(rate, not_helpful.desc(), Turn.answer_id)
            .limit(limit)
            .subquery()
        )
        result = self._session.execute(
            select(rated, KnowledgeEntry.question, KnowledgeEntry.topic)
            .outerjoin(KnowledgeEntry, KnowledgeEntry.id == rated.c.answer_id)
            .order_by(
                rated.c.helpful_rate, rated.c.not_helpful.desc(), rated.c.answer_id
            )
        ).mappings()
        items = [
            {
                "answer_id": r["answer_id"],
                "question": r["question"],
                "topic": r["topic"],
                "helpful": r["helpful"],
                "not_helpful": r["not_helpful"],
                "helpful_rate": round(float(r["helpful_rate"]), 4),
            }
            for r in result
        ]
        return self._envelope(f, items=items)


def _bucket_start(day: date, interval: str) -> date:
    """The first day of the day, week (Monday) or month holding ``day``."""
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _buckets(start: date, end: date, interval: str) -> list[date]:
    """First days of the day/week/month buckets covering [start, end]."""
    out = []
    current = _bucket_start(start, interval)
    while current <= end:
        out.append(current)
        if interval == "day":
            current += timedelta(days=1)
        elif interval == "week":
            current += timedelta(days=7)
        else:
            current = next_month(current)
    return out
