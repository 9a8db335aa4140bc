"""Generating the year: the daily plan, then the SQL over it."""

from __future__ import annotations

import math
import random
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, text

from api.core.clock import day_start, today_local
from api.core.config import Settings
from api.knowledge.models import KnowledgeEntry
from api.knowledge.seeding import load_taxonomy
from api.querylog.wording import message_words
from tools.bench_analytics.community_sql import (
    ADMIN,
    CREATE_TEAMS,
    DECLINED_PER_TICKET,
    DESCRIPTION_TEXTS,
    ESCALATED_SHARE,
    GROUP_WEIGHTS,
    HANDOFF_WEIGHTS,
    HELPER_SESSIONS_PER_TURN,
    INSERT_HELPER_SESSIONS,
    INSERT_NOTICE_DELIVERIES,
    INSERT_NOTICES,
    INSERT_SUBSCRIPTIONS,
    INSERT_TICKET_MESSAGES,
    INSERT_TICKETS,
    MEMBERS,
    NOTICE_TEXTS,
    NOTICES,
    OTHER_TASK_SHARE,
    RESOLUTION_WEIGHTS,
    SUBSCRIBED_SHARE,
    TEAM_REPLY_TEXTS,
    TICKETS_PER_TURN,
    UPDATE_NOTICE_COUNTS,
)
from tools.bench_analytics.config import DAYS, SEEDS
from tools.bench_analytics.mix import (
    CANNED_REPLIES,
    CHANNEL_WEIGHTS,
    CITIZEN_PLACE,
    DEFAULT_TOPIC_WEIGHT,
    ERROR_REPLY,
    FEEDBACK_RATE,
    HOUR_WEIGHTS,
    MAIN_PROVINCE,
    MAIN_PROVINCE_SHARE,
    MAIN_WITH_COMMUNE,
    OTHER_WITH_COMMUNE,
    OUT_OF_SCOPE_TEXTS,
    OUTCOME_WEIGHTS,
    PROVINCE_WEIGHTS,
    QUESTION_PREFIXES,
    QUESTION_SUFFIXES,
    RATE_LIMITED_TEXTS,
    SESSION_LENGTHS,
    SMALLTALK,
    SMALLTALK_INTENTS,
    SMALLTALK_TEXTS,
    TOO_LONG_TEXT,
    TOPIC_WEIGHTS,
    UNANSWERED_DETAILS,
    UNSURE_TEXTS,
    WEEKDAY_FACTORS,
    WITH_PLACE,
)
from tools.bench_analytics.turns_sql import (
    CREATE_COMMUNES,
    CREATE_DAYS,
    CREATE_SESSIONS,
    CREATE_TEXTS,
    CREATE_TOPICS,
    CREATE_USERS,
    INSERT_DAY,
    INSERT_TEXT,
    INSERT_TURNS,
    SET_USER_COMMUNES,
    SET_USER_PLACE_TEXTS,
    SET_USER_PROVINCES,
)

T = TypeVar("T")


@dataclass(frozen=True)
class DayPlan:
    """Turns of one Vietnam-local day and how they are drawn."""

    d: int
    start_utc: datetime
    turns: int
    sessions: int
    users_joined: int
    today: bool
    span_seconds: float


def _pool(weights: Mapping[T, float], size: int = 1000) -> list[T]:
    """``size`` keys, each repeated in proportion to its weight (an array to draw
    from with one random index)."""
    total = sum(weights.values())
    exact = {k: w / total * size for k, w in weights.items() if w > 0}
    counts = {k: max(1, math.floor(v)) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: exact[k] - math.floor(exact[k]))
    while sum(counts.values()) < size:
        counts[by_remainder.pop()] += 1
    while sum(counts.values()) > size:
        biggest = max(counts, key=lambda k: counts[k])
        counts[biggest] -= 1
    return [k for k, n in counts.items() for _ in range(n)]


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders)."""
    exact = [w / sum(weights) * total for w in weights]
    counts = [math.floor(v) for v in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_days(
    turns: int, citizens: int, now: datetime, rng: random.Random
) -> list[DayPlan]:
    """The last :data:`DAYS` days up to today: growth over the year, a weekly pattern,
    day-to-day noise, four campaign days; today only as far as ``now``."""
    today = today_local(now)
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    weights = []
    for i, day in enumerate(days):
        growth = 0.35 + 0.65 * (i / (DAYS - 1)) ** 1.3
        noise = min(1.3, max(0.7, rng.gauss(1, 0.08)))
        weights.append(growth * WEEKDAY_FACTORS[day.weekday()] * noise)
    for i in rng.sample(range(30, DAYS - 7), 4):
        weights[i] *= 1.8
        weights[i + 1] *= 1.3
    elapsed = (now - day_start(today)).total_seconds()
    hour = int(elapsed // 3600)
    share = (
        sum(HOUR_WEIGHTS[:hour]) + HOUR_WEIGHTS[hour] * (elapsed % 3600) / 3600
    ) / (sum(HOUR_WEIGHTS))
    weights[-1] *= share
    counts = _allocate(turns, weights)
    mean_session = sum(k * w for k, w in SESSION_LENGTHS.items()) / sum(
        SESSION_LENGTHS.values()
    )
    plans, cumulative = [], 0
    for i, (day, n) in enumerate(zip(days, counts, strict=True)):
        cumulative += n
        joined = round(citizens * (0.05 + 0.95 * cumulative / max(turns, 1)))
        plans.append(
            DayPlan(
                d=i,
                start_utc=day_start(day),
                turns=n,
                sessions=math.ceil(n / mean_session * 1.15) + 5 if n else 0,
                users_joined=max(1, min(citizens, joined)),
                today=day == today,
                span_seconds=max(0.0, elapsed - 600),
            )
        )
    return plans


def _without_accents(value: str) -> str:
    """How many citizens type: lower case, no diacritics ("đ" -> "d")."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _variants(base: str, rng: random.Random, count: int) -> list[str]:
    """Ways citizens ask ``base``: greetings, politeness, a masked phone number,
    often without diacritics."""
    out = []
    for _ in range(count):
        prefix = rng.choice(QUESTION_PREFIXES)
        body = base[0].lower() + base[1:] if prefix else base
        value = prefix + body + rng.choice(QUESTION_SUFFIXES)
        if rng.random() < 0.35:
            value = _without_accents(value).replace("[sdt]", "[SĐT]")
        out.append(value)
    return list(dict.fromkeys(out))


def _text_rows(connection: Connection, rng: random.Random) -> list[dict[str, Any]]:
    """Masked questions and replies per answer id, and for the turns without one."""
    rows = []
    entries = connection.execute(
        select(
            KnowledgeEntry.id,
            KnowledgeEntry.question,
            KnowledgeEntry.answer,
            KnowledgeEntry.steps,
            KnowledgeEntry.source_ref,
            KnowledgeEntry.source_url,
            KnowledgeEntry.related,
        ).order_by(KnowledgeEntry.id)
    ).all()
    questions = {e.id: e.question for e in entries}
    for entry in entries:
        steps = "".join(f"\n{n}. {s}" for n, s in enumerate(entry.steps, start=1))
        source = entry.source_ref or "Nguồn chính thức"
        # Messaging channels show the related questions' buttons as a list.
        related = "".join(
            f"\n- {questions[r]}" for r in entry.related[:3] if r in questions
        )
        reply = (
            f"{entry.answer}{steps}\n\nNguồn: {source} – {entry.source_url}"
            + (f"\n\nAnh/Chị có thể hỏi thêm:{related}" if related else "")
            + "\n\nThông tin này có hữu ích với Anh/Chị không?"
        )
        rows.append(
            {
                "key": entry.id,
                "texts": _variants(entry.question, rng, 8),
                "reply": reply,
                "p_not_helpful": rng.uniform(0.1, 0.5),
            }
        )
    pools = {
        "~smalltalk": SMALLTALK_TEXTS,
        "~place": ["(the citizen's place)"],
        "~unsure": [v for t in UNSURE_TEXTS for v in _variants(t, rng, 3)],
        "~out_of_scope": [v for t in OUT_OF_SCOPE_TEXTS for v in _variants(t, rng, 2)],
        "~photo": ["[photo]"],
        "~sticker": ["[sticker]"],
        "~voice": ["[voice]"],
        "~rate_limited": RATE_LIMITED_TEXTS,
        "~too_long": [TOO_LONG_TEXT],
    }
    for key, texts in pools.items():
        rows.append(
            {
                "key": key,
                "texts": texts,
                "reply": CANNED_REPLIES[key],
                "p_not_helpful": None,
            }
        )
    return rows


def _province_pool(connection: Connection, main: str) -> list[str]:
    weights: dict[str, float] = {}
    for code, name in connection.execute(text("SELECT code, name FROM place_province")):
        if code != main:
            weights[code] = PROVINCE_WEIGHTS.get(name, 1)
    return _pool(weights)


def _topic_weights(connection: Connection) -> dict[str, float]:
    """Weights of the topics answered turns are drawn from: every topic with answers,
    and small talk and the citizen's place (answered without an answer id)."""
    taxonomy = load_taxonomy(SEEDS)
    with_answers = {
        row[0]
        for row in connection.execute(
            text("SELECT DISTINCT topic FROM knowledge_entry")
        )
    }
    weights: dict[str, float] = {}
    for topic in taxonomy.topics:
        if topic.code in with_answers:
            weights[topic.code] = TOPIC_WEIGHTS.get(topic.code, DEFAULT_TOPIC_WEIGHT)
        elif topic.code in (SMALLTALK, CITIZEN_PLACE):
            weights[topic.code] = TOPIC_WEIGHTS[topic.code]
    return weights


@contextmanager
def timer(into: dict[str, float], key: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - started, 2)


def generate(
    engine: Engine, turns: int, citizens: int, seed: int, now: datetime
) -> dict[str, Any]:
    """Fills ``querylog_turn`` with ``turns`` turns; returns the timings (seconds)."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(text("SET synchronous_commit = off"))
        connection.execute(text("SET maintenance_work_mem = '256MB'"))
        connection.execute(text("SELECT setseed(:s)"), {"s": rng.uniform(-1, 1)})
        main = connection.scalar(
            text("SELECT code FROM place_province WHERE name = :n"),
            {"n": MAIN_PROVINCE},
        )
        with timer(timings, "lookup_tables_seconds"):
            connection.execute(text(CREATE_DAYS))
            connection.execute(
                text(INSERT_DAY),
                [asdict(p) for p in plan_days(turns, citizens, now, rng)],
            )
            connection.execute(
                text(CREATE_USERS),
                {"channels": _pool(CHANNEL_WEIGHTS), "users": citizens},
            )
            connection.execute(
                text(SET_USER_PROVINCES),
                {
                    "with_place": WITH_PLACE,
                    "main_share": MAIN_PROVINCE_SHARE,
                    "main": main,
                    "others": _province_pool(connection, main),
                },
            )
            connection.execute(text(CREATE_COMMUNES))
            connection.execute(
                text(SET_USER_COMMUNES),
                {
                    "main": main,
                    "main_with_commune": MAIN_WITH_COMMUNE,
                    "other_with_commune": OTHER_WITH_COMMUNE,
                },
            )
            for statement in SET_USER_PLACE_TEXTS:
                connection.execute(text(statement))
            connection.execute(text("CREATE INDEX ON bench_user (uid)"))
            connection.execute(
                text(CREATE_SESSIONS),
                {
                    "hours": _pool(dict(enumerate(HOUR_WEIGHTS))),
                    "lengths": _pool(SESSION_LENGTHS),
                },
            )
            topic_weights = _topic_weights(connection)
            connection.execute(text(CREATE_TOPICS), {"codes": list(topic_weights)})
            connection.execute(text(CREATE_TEXTS))
            connection.execute(text(INSERT_TEXT), _text_rows(connection, rng))
            connection.execute(text("ANALYZE bench_user"))
            connection.execute(text("ANALYZE bench_session"))
        indexes = [
            (name, definition)
            for name, definition in connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'querylog_turn' AND indexname NOT LIKE 'pk_%'"
                )
            )
        ]
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        with timer(timings, "insert_seconds"):
            inserted = connection.execute(
                text(INSERT_TURNS),
                {
                    "error_reply": ERROR_REPLY,
                    "feedback_rate": FEEDBACK_RATE,
                    "smalltalk_intents": SMALLTALK_INTENTS,
                    "smalltalk_count": len(SMALLTALK_INTENTS),
                    "details": UNANSWERED_DETAILS,
                    "detail_count": len(UNANSWERED_DETAILS),
                    "now": now,
                    "outcomes": _pool(OUTCOME_WEIGHTS),
                    "topics": _pool(topic_weights),
                },
            ).rowcount
        with timer(timings, "community_seconds"):
            community = _generate_community(connection, turns, main, now)
        with timer(timings, "words_seconds"):
            _fill_words(connection)
        connection.commit()
    # The update left a dead copy of every row: rewrite the table (no indexes yet).
    rewrite = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with timer(timings, "rewrite_seconds"), rewrite as c:
        c.execute(text("VACUUM FULL querylog_turn"))
    with engine.connect() as connection:
        with timer(timings, "index_seconds"):
            for _, definition in indexes:
                connection.execute(text(definition))
        connection.commit()
    with timer(timings, "vacuum_analyze_seconds"):
        vacuum_analyze(engine)
    timings["total_seconds"] = round(time.perf_counter() - started, 2)
    timings["turns_inserted"] = inserted
    return {**timings, **community}


def _generate_community(
    connection: Connection, turns: int, main: str, now: datetime
) -> dict[str, int]:
    """The community teams' year, after the turns (of the citizens of
    ``bench_user``): hand-off tickets and offers, their threads, helper sessions,
    subscriptions, notices and their deliveries. Returns the rows inserted."""
    tickets = round(turns * TICKETS_PER_TURN)
    claim_hours = Settings.model_fields["handoff_claim_hours"].default
    connection.execute(text(CREATE_TEAMS))
    inserted = {}
    inserted["tickets_inserted"] = connection.execute(
        text(INSERT_TICKETS),
        {
            "tickets": tickets,
            "declined": round(tickets * DECLINED_PER_TICKET),
            "w_requested": HANDOFF_WEIGHTS["requested"],
            "w_not_understood": HANDOFF_WEIGHTS["not_understood"],
            "w_unhelpful": HANDOFF_WEIGHTS["unhelpful"],
            # Minutes to the claim: 5 + claim_scale * u^4, over the claim window
            # (escalated) for ESCALATED_SHARE of the tickets.
            "claim_scale": (claim_hours * 60 - 5) / (1 - ESCALATED_SHARE) ** 4,
            "claim_hours": claim_hours,
            "members": MEMBERS,
            "descriptions": DESCRIPTION_TEXTS,
            "description_count": len(DESCRIPTION_TEXTS),
            "resolutions": _pool(RESOLUTION_WEIGHTS),
            "now": now,
        },
    ).rowcount
    inserted["ticket_messages_inserted"] = connection.execute(
        text(INSERT_TICKET_MESSAGES),
        {
            "replies": TEAM_REPLY_TEXTS,
            "reply_count": len(TEAM_REPLY_TEXTS),
            "now": now,
        },
    ).rowcount
    inserted["helper_sessions_inserted"] = connection.execute(
        text(INSERT_HELPER_SESSIONS),
        {
            "sessions": round(turns * HELPER_SESSIONS_PER_TURN),
            "groups": _pool(GROUP_WEIGHTS),
            "other_share": OTHER_TASK_SHARE,
            "members": MEMBERS,
            "main": main,
            "now": now,
        },
    ).rowcount
    inserted["subscriptions_inserted"] = connection.execute(
        text(INSERT_SUBSCRIPTIONS), {"share": SUBSCRIBED_SHARE, "now": now}
    ).rowcount
    inserted["notices_inserted"] = connection.execute(
        text(INSERT_NOTICES),
        {
            "texts": NOTICE_TEXTS,
            "text_count": len(NOTICE_TEXTS),
            "main": main,
            "admin": ADMIN,
            "now": now,
            "count": NOTICES,
            "days": DAYS,
        },
    ).rowcount
    inserted["notice_deliveries_inserted"] = connection.execute(
        text(INSERT_NOTICE_DELIVERIES)
    ).rowcount
    for statement in UPDATE_NOTICE_COUNTS:
        connection.execute(text(statement))
    return inserted


def _fill_words(connection: Connection) -> None:
    """``text_words`` of every generated turn, as the application computes it when it
    logs a turn (api.querylog.wording), once per distinct text."""
    texts = connection.scalars(
        text("SELECT DISTINCT text_masked FROM querylog_turn")
    ).all()
    connection.execute(
        text("CREATE TEMP TABLE bench_words (text text PRIMARY KEY, words text)")
    )
    connection.execute(
        text("INSERT INTO bench_words VALUES (:text, :words)"),
        [{"text": t, "words": message_words(t)} for t in texts],
    )
    connection.execute(
        text(
            "UPDATE querylog_turn t SET text_words = w.words FROM bench_words w "
            "WHERE w.text = t.text_masked"
        )
    )


def vacuum_analyze(engine: Engine, *tables: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(
            text(f"VACUUM ANALYZE {', '.join(tables)}" if tables else "VACUUM ANALYZE")
        )
