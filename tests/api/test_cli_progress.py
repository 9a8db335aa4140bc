"""Long command-line jobs say what they are doing while they do it (issue #20, point
12): a silent minute looks like a hang to the person who runs them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.__main__ import main
from api.core.config import get_settings
from api.core.db import get_engine


@pytest.fixture
def cli(
    engine: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """`python -m api` pointed at the test database (emptied after the test)."""
    monkeypatch.setenv("BDHVS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


def test_seeding_announces_each_step_before_it_runs(
    cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
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
