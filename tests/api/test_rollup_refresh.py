"""The daily tables are refreshed in the background, never by a dashboard request:
what a refresh builds, what is read live, and how workers share the work."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from api.core.config import Settings
from api.querylog.models import CitizenDay, DailyStat, RollupState
from api.querylog.rollup import LAYOUT
from api.querylog.rollup_refresh import SETTLE, built_state, refresh
from tests.api.conftest import client_for
from tests.api.test_analytics import (
    HA_TINH,
    NOON,
    THANH_SEN,
    TODAY,
    Row,
    get,
    insert,
    period,
)

ROWS = [
    Row(9, "u1", "zalo", province=HA_TINH, commune=THANH_SEN),
    Row(2, "u1", "zalo", province=HA_TINH, commune=THANH_SEN, feedback="helpful"),
    Row(2, "u2", "web"),
    Row(1, "u3", "telegram", topic="scam_safety", answer_id="scam_fake_police_call"),
]


def _built_turns(engine: Any) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.coalesce(func.sum(DailyStat.turns), 0))))


def test_the_gateway_refreshes_the_daily_figures_in_the_background(
    settings: Settings, seeded_engine: Any
) -> None:
    insert(seeded_engine, ROWS)
    assert _built_turns(seeded_engine) == 0
    with client_for(settings, rollup_refresh_seconds=0.2) as client:
        deadline = time.monotonic() + 20
        while _built_turns(seeded_engine) < len(ROWS):
            assert time.monotonic() < deadline, "no refresh within 20 s"
            time.sleep(0.1)
        overview = get(client, "/api/staff/analytics/overview", **period(14))
    assert overview["turns"] == len(ROWS)
    assert overview["citizens"] == 3
    assert overview["returning_citizens"] == 0


def test_dashboard_requests_read_new_turns_live_and_never_build(
    client: TestClient, seeded_engine: Any
) -> None:
    insert(seeded_engine, ROWS[:2])
    now = NOON
    with Session(seeded_engine) as session:
        refresh(session, now=now)
        before = built_state(session)
    assert before is not None
    # Logged after the refresh: read from the query log until the next one.
    later = [
        Row(0, "u1", "zalo", province=HA_TINH, commune=THANH_SEN),
        Row(0, "u4", "web"),
    ]
    insert(seeded_engine, later, at=now)
    overview = get(client, "/api/staff/analytics/overview", **period(14))
    assert overview["turns"] == 4
    assert overview["citizens"] == 2
    assert _built_turns(seeded_engine) == 2
    with Session(seeded_engine) as session:
        assert built_state(session) == before  # the request built nothing
        refresh(session, now=now + SETTLE + timedelta(seconds=1))
    assert _built_turns(seeded_engine) == 4
    assert get(client, "/api/staff/analytics/overview", **period(14)) == overview


def test_a_turn_written_on_both_sides_of_a_refresh_counts_its_citizen_once(
    client: TestClient, seeded_engine: Any
) -> None:
    now = NOON
    insert(seeded_engine, [Row(0, "u1", "web")], at=now - timedelta(minutes=10))
    with Session(seeded_engine) as session:
        refresh(session, now=now)
    insert(seeded_engine, [Row(0, "u1", "web"), Row(0, "u2", "web")], at=now)
    overview = get(client, "/api/staff/analytics/overview", **period(1))
    assert (overview["turns"], overview["citizens"]) == (3, 2)
    [today] = get(client, "/api/staff/analytics/volume", **period(1))["series"]
    assert (today["turns"], today["citizens"]) == (3, 2)
    with Session(seeded_engine) as session:
        days = session.scalar(select(func.count()).select_from(CitizenDay))
    assert days == 1  # u1's first turn only


def test_a_refresh_rebuilds_the_recent_days_for_late_feedback(
    client: TestClient, seeded_engine: Any
) -> None:
    insert(seeded_engine, ROWS)
    with Session(seeded_engine) as session:
        refresh(session, now=NOON)
        session.execute(text("UPDATE querylog_turn SET feedback = 'not_helpful'"))
        session.commit()
        # Refreshed less than five minutes ago: nothing to do yet.
        refresh(session, now=NOON, unless_newer_than=timedelta(minutes=5))
    before = get(client, "/api/staff/analytics/overview", **period(14))
    assert before["feedback"]["not_helpful"] == 0
    with Session(seeded_engine) as session:
        refresh(session, now=NOON + timedelta(minutes=5))
    after = get(client, "/api/staff/analytics/overview", **period(14))
    # The days since REBUILD_DAYS before the last refresh are built again; the turn
    # of nine days ago keeps the figure it was built with.
    assert after["feedback"]["not_helpful"] == 3


def test_figures_are_read_from_the_daily_tables_while_the_aggregates_are_rebuilt(
    client: TestClient, seeded_engine: Any
) -> None:
    insert(seeded_engine, ROWS)
    with Session(seeded_engine) as session:
        refresh(session)
        session.execute(update(RollupState).values(layout=LAYOUT - 1))
        session.execute(text("DELETE FROM querylog_rollup"))
        session.execute(text("DELETE FROM querylog_citizen_gap"))
        session.commit()
    questions = [
        ("/api/staff/analytics/topics", {}),
        ("/api/staff/analytics/volume", {"interval": "week"}),
        ("/api/staff/analytics/volume", {"interval": "month", "province": HA_TINH}),
    ]
    stale = [get(client, path, **period(60), **extra) for path, extra in questions]
    with Session(seeded_engine) as session:
        refresh(session)
        assert session.scalar(select(RollupState.layout)) == LAYOUT
    assert [get(client, p, **period(60), **extra) for p, extra in questions] == stale
    assert sum(i["turns"] for i in stale[0]["items"]) == len(ROWS)
    assert sum(b["citizens"] for b in stale[1]["series"]) == 4  # u1 in two weeks
    months = {(TODAY - timedelta(days=d)).replace(day=1) for d in (9, 2)}
    assert sum(b["citizens"] for b in stale[2]["series"]) == len(months)  # u1


@pytest.mark.postgres
def test_a_worker_skips_the_refresh_while_another_one_builds(
    seeded_engine: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL")
    insert(seeded_engine, ROWS)
    with Session(seeded_engine) as session:
        first = refresh(session, now=NOON)
    later = NOON + timedelta(minutes=10)
    with Session(seeded_engine) as holder:
        holder.scalars(select(RollupState).with_for_update()).one()
        result: list[datetime] = []
        worker = threading.Thread(
            target=lambda: result.append(refresh(Session(seeded_engine), now=later))
        )
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the second worker waited for the lock"
        holder.rollback()
    assert result == [first]  # how far the tables go as far as it knows
    with Session(seeded_engine) as session:
        state = built_state(session)
        assert state is not None and state.before == first


@pytest.mark.postgres
def test_a_refresh_leaves_the_daily_tables_vacuumed(
    seeded_engine: Any, database_url: str
) -> None:
    """Every page a refresh wrote is all-visible again once it returns, so the
    figures' index-only scans need not read the table (PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("VACUUM: PostgreSQL")
    tables = ("querylog_daily", "querylog_citizen_day", "querylog_citizen_gap")

    def pages() -> dict[str, tuple[int, int]]:
        with seeded_engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT relname, relpages, relallvisible FROM pg_class"
                    " WHERE relname = ANY(:tables)"
                ),
                {"tables": list(tables)},
            )
            return {name: (total, visible) for name, total, visible in rows}

    insert(seeded_engine, ROWS)
    with Session(seeded_engine) as session:
        refresh(session)
    first = pages()
    insert(seeded_engine, ROWS[:2])
    with Session(seeded_engine) as session:
        refresh(session, now=datetime.now(timezone.utc) + timedelta(minutes=5))
    for counts in (first, pages()):
        assert set(counts) == set(tables)
        for name, (total, visible) in counts.items():
            assert total > 0 and visible == total, (name, total, visible)
