"""Long command-line jobs say what they are doing while they do it (issue #20, point
12): a silent minute looks like a hang to the person who runs them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.__main__ import main
from api.querylog.models import CitizenDay, DailyStat
from api.querylog.rollup_refresh import rebuild_all
from tests.api.test_analytics import Row, insert


def test_seeding_announces_each_step_before_it_runs(
    cli_database: None, engine: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # (engine: the tables are emptied after the test)
    assert main(["seed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    steps = [n for n, line in enumerate(lines) if line.startswith("seeding ")]
    assert [lines[n].split(":")[0] for n in steps] == [
        "seeding 1/3",
        "seeding 2/3",
        "seeding 3/3",
    ]
    # each step's result comes after its announcement and before the next one
    results = [
        next(n for n, line in enumerate(lines) if line.startswith(prefix))
        for prefix in ("knowledge:", "places:", "community teams:")
    ]
    assert steps[0] < results[0] < steps[1] < results[1] < steps[2] < results[2]


def _tables(engine: Any) -> tuple[list[Any], list[Any]]:
    with Session(engine) as session:
        daily = sorted(tuple(r) for r in session.execute(select(DailyStat.__table__)))
        citizens = sorted(
            tuple(r) for r in session.execute(select(CitizenDay.__table__))
        )
    return daily, citizens


def test_rebuilding_the_daily_tables_counts_its_steps_and_builds_the_same_tables(
    cli_database: None, engine: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Turns over 75 days: three chunks of 31 days; a citizen comes back across them.
    insert(
        engine,
        [
            Row(75, "u1", "zalo"),
            Row(40, "u1", "zalo", feedback="helpful"),
            Row(40, "u2", "web"),
            Row(3, "u1", "zalo"),
            Row(1, "u3", "telegram"),
        ],
    )
    assert main(["rollup", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    chunks = [line for line in lines if line.startswith("daily tables: ")]
    assert [line.rsplit(" ", 1)[1] for line in chunks] == ["(1/3)", "(2/3)", "(3/3)"]
    assert lines[-1].startswith("daily figures hold every turn logged before")
    by_chunks = _tables(engine)
    assert sum(row.turns for row in _daily_rows(engine)) == 5
    # The same tables as one build of every day at once.
    with Session(engine) as session:
        rebuild_all(session, chunk_days=10_000)
    assert _tables(engine) == by_chunks


def _daily_rows(engine: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.scalars(select(DailyStat)))
