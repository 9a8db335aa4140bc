"""Dashboard figures, aggregated in SQL over the daily tables and today's turns.

Every figure is asked for a :class:`~api.analytics.filters.Filters` (period, province,
commune, channel). Counts of turns come from :func:`daily_rows`, counts of citizens
from :func:`citizen_counts`; both read the daily tables for the days already built and
the query log for the rest, so the same numbers come out before and after a purge.
Per-answer figures (top questions, feedback) need the turns themselves and therefore
cover the retention period only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    Subquery,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.clock import day_start
from api.knowledge.models import KnowledgeEntry
from api.knowledge.schemas import Taxonomy
from api.places.service import place_names
from api.querylog.models import (
    AREA_COLUMNS,
    CitizenDay,
    CitizenGap,
    DailyStat,
    Outcome,
    Rollup,
    Turn,
)
from api.querylog.rollup import (
    AGGREGATES,
    DAILY_DIMENSIONS,
    DROPPED,
    FIRST_VISIT,
    GAP_LEVELS,
    Aggregate,
    as_date,
    built_state,
    first_since,
    live_citizen_days,
    live_daily,
    visit_gap,
)
from api.querylog.sqlfuncs import count_if, latest, period_start

UNKNOWN = "unknown"
UNKNOWN_TOPIC_LABEL = "Chưa xác định"
UNKNOWN_PLACE_LABEL = "Chưa rõ địa bàn"
OUTCOMES = [o.value for o in Outcome]
RATE_OUTCOMES = ("answered", "unsure", "out_of_scope")
DAILY_COLUMNS = (*DAILY_DIMENSIONS, "turns", "helpful", "not_helpful")
COUNT_COLUMNS = (*AREA_COLUMNS, "day", "gap", "citizens")
ONE_DAY = timedelta(days=1)


def daily_rows(
    session: Session, f: Filters, needs: Iterable[str] = (), by_day: bool = False
) -> Subquery:
    """Turns per day and dimension for ``f`` (columns of ``querylog_daily``).

    ``needs`` names the dimensions the caller groups by (the area of ``f`` is added).
    Whole calendar months are read from the smallest monthly aggregate keeping them,
    unless the caller needs days (``by_day``: then ``day`` is a month's first day for
    those rows); the other built days from the smallest daily one (``querylog_daily``
    itself when none keeps them, or while the aggregates are being rebuilt); the
    turns not built yet from the query log.
    """
    needed = {*needs, *f.area()}

    def built(first: date, last: date, aggregates: bool) -> list[Select[Any]]:
        parts = []
        spans = [(first, last)]
        months = None if by_day else _whole_months(first, last)
        monthly = _smallest("month", needed) if aggregates else None
        if months is not None and monthly is not None:
            since, until = months
            parts.append(_rollup_rows(monthly, since, until))
            spans = [(first, since - ONE_DAY), (until, last)]
        daily = _smallest("day", needed) if aggregates else None
        for start, end in spans:
            if start > end:
                continue
            if daily is None:
                parts.append(
                    select(*(getattr(DailyStat, c) for c in DAILY_COLUMNS)).where(
                        DailyStat.day >= start, DailyStat.day <= end
                    )
                )
            else:
                parts.append(_rollup_rows(daily, start, end + ONE_DAY))
        return parts

    def live(start: datetime, end: datetime, _: date | None) -> Select[Any]:
        return live_daily(start, end)

    return _built_and_live(session, f, built, live, DAILY_COLUMNS)


def citizen_counts(session: Session, f: Filters, keys: Iterable[str] = ()) -> Subquery:
    """Citizen-days for ``f`` counted per day, place and gap to the citizen's
    previous day at the place level of ``f`` and ``keys`` (columns
    :data:`COUNT_COLUMNS`; the place columns finer than the level may hold "*"):
    from ``querylog_citizen_gap`` for the country and province levels, else from the
    citizen-days themselves."""
    level = _previous_day_level(f, keys)

    def counted(rows: Subquery) -> Select[Any]:
        return select(
            *(rows.c[c] for c in AREA_COLUMNS),
            rows.c.day,
            visit_gap(rows, level).label("gap"),
            literal(1).label("citizens"),
        )

    def built(first: date, last: date, aggregates: bool) -> list[Select[Any]]:
        if aggregates and level in GAP_LEVELS:
            return [
                select(
                    CitizenGap.channel,
                    CitizenGap.province_code,
                    literal_column(f"'{DROPPED}'").label("commune_code"),
                    CitizenGap.day,
                    CitizenGap.gap,
                    CitizenGap.citizens,
                ).where(
                    CitizenGap.level == level,
                    CitizenGap.day >= first,
                    CitizenGap.day <= last,
                )
            ]
        rows = select(CitizenDay).where(CitizenDay.day >= first, CitizenDay.day <= last)
        return [counted(rows.subquery())]

    def live(start: datetime, end: datetime, built_before: date | None) -> Select[Any]:
        return counted(live_citizen_days(start, end, built_before).subquery())

    return _built_and_live(session, f, built, live, COUNT_COLUMNS)


def _smallest(grain: str, needed: set[str]) -> Aggregate | None:
    return next((a for a in AGGREGATES if a.grain == grain and a.covers(needed)), None)


def _rollup_rows(aggregate: Aggregate, since: date, until: date) -> Select[Any]:
    """Rows of ``aggregate`` for the periods starting in [since, until)."""
    return select(
        Rollup.period_start.label("day"),
        *(getattr(Rollup, c) for c in DAILY_COLUMNS[1:]),
    ).where(
        Rollup.aggregate == aggregate.name,
        Rollup.period_start >= since,
        Rollup.period_start < until,
    )


def _whole_months(first: date, last: date) -> tuple[date, date] | None:
    """[since, until): the calendar months wholly inside [first, last], if any."""
    since = first if first.day == 1 else _next_month(first)
    after = last + ONE_DAY
    until = after.replace(day=1)
    return (since, until) if since < until else None


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _built_and_live(
    session: Session,
    f: Filters,
    built: Callable[[date, date, bool], list[Select[Any]]],
    live: Callable[[datetime, datetime, date | None], Select[Any]],
    columns: tuple[str, ...],
) -> Subquery:
    """``columns`` from ``built`` (first day, last day, whether the aggregates are
    current) for the turns already in the daily tables and from ``live`` (the same
    grouping computed from the query log, given the first day not in the daily
    tables) for the others, in the area of ``f``."""
    state = built_state(session)
    start, end = day_start(f.start), day_start(f.end + ONE_DAY)
    parts: list[Select[Any]] = []
    if state is not None and f.start <= state.last_day:
        last = min(f.end, state.last_day)
        parts.extend(built(f.start, last, state.aggregates))
        start = max(start, state.before)
    if start < end:
        after = state.last_day + ONE_DAY if state is not None else None
        rows = live(start, end, after).subquery()
        parts.append(select(*(rows.c[c] for c in columns)))
    source = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    area = [source.c[column] == value for column, value in f.area().items()]
    return select(source).where(*area).subquery()


def turn_conditions(f: Filters) -> list[ColumnElement[bool]]:
    """Conditions on the query log for the period and area of ``f``."""
    return [
        *f.during(Turn.created_at),
        *(getattr(Turn, column) == value for column, value in f.area().items()),
    ]


def _sum(column: Any) -> ColumnElement[int]:
    # PostgreSQL sums bigints as numeric (Decimal); counts stay integers.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def _outcome_sums(rows: Subquery) -> list[ColumnElement[int]]:
    return [
        _sum(case((rows.c.outcome == o, rows.c.turns), else_=0)).label(o)
        for o in RATE_OUTCOMES
    ]


def citizens_by(session: Session, f: Filters, *keys: str) -> dict[tuple[Any, ...], int]:
    """Distinct citizens of ``f`` per value of the columns ``keys``: the citizen-days
    that are their citizen's first in the period (at the place level of ``keys``)."""
    counts = citizen_counts(session, f, keys)
    columns = [counts.c[k] for k in keys]
    return {
        tuple(row[:-1]): row[-1]
        for row in session.execute(
            select(*columns, _sum(counts.c.citizens))
            .where(first_since(counts, literal(f.start, Date)))
            .group_by(*columns)
        ).tuples()
    }


def _previous_day_level(f: Filters, keys: Iterable[str]) -> str:
    place = {*keys, *f.area()}
    if "commune_code" in place:
        return "previous_day_commune"
    if "province_code" in place:
        return "previous_day_province"
    return "previous_day"


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
                _sum(turns.c.turns),
                _sum(turns.c.helpful),
                _sum(turns.c.not_helpful),
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
                    _sum(citizens.c.citizens),
                    _sum(citizens.c.returned),
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
            select(rows.c.day, _sum(rows.c.turns).label("turns"), *_outcome_sums(rows))
            .group_by(rows.c.day)
            .subquery()
        )
        bucket = period_start(per_day.c.day, interval)
        sums = [_sum(per_day.c[c]) for c in ("turns", *RATE_OUTCOMES)]
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
                counts.c.day, counts.c.gap, _sum(counts.c.citizens).label("citizens")
            )
            .group_by(counts.c.day, counts.c.gap)
            .subquery()
        )
        bucket = period_start(per_day.c.day, interval)
        since = latest(bucket, literal(f.start, Date))
        return {
            as_date(b): int(n)
            for b, n in self._session.execute(
                select(bucket, _sum(per_day.c.citizens))
                .where(first_since(per_day, since))
                .group_by(bucket)
            ).tuples()
        }

    def topic_counts(self, f: Filters) -> list[dict[str, Any]]:
        """Turns per topic with outcome counts, most asked first."""
        rows = daily_rows(self._session, f, ["topic", "outcome"])
        result = self._session.execute(
            select(rows.c.topic, _sum(rows.c.turns), *_outcome_sums(rows))
            .group_by(rows.c.topic)
            .order_by(_sum(rows.c.turns).desc(), rows.c.topic)
        ).tuples()
        items = []
        for code, turns, answered, unsure, out_of_scope in result:
            topic = self._topics.get(code)
            pillar = topic.pillar if topic else UNKNOWN
            items.append(
                {
                    "topic": code or UNKNOWN,
                    "label": topic.label if topic else UNKNOWN_TOPIC_LABEL,
                    "pillar": pillar,
                    "pillar_label": self._taxonomy.pillars.get(
                        pillar, UNKNOWN_TOPIC_LABEL
                    ),
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
            self._session.execute(select(pillar, _sum(rows.c.turns)).group_by(pillar))
            .tuples()
            .all()
        )
        labels = {**self._taxonomy.pillars, UNKNOWN: UNKNOWN_TOPIC_LABEL}
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
            select(rows.c.channel, _sum(rows.c.turns))
            .group_by(rows.c.channel)
            .order_by(_sum(rows.c.turns).desc())
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
        answered = _sum(case((rows.c.outcome == "answered", rows.c.turns), else_=0))
        result = self._session.execute(
            select(*keys, _sum(rows.c.turns), answered)
            .group_by(*keys)
            .order_by(_sum(rows.c.turns).desc(), *keys)
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
            current = _next_month(current)
    return out
