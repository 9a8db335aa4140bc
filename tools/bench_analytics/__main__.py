"""`make bench-analytics`: runs the bench (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.cli import migrate
from api.core.db import make_engine
from api.knowledge.seeding import seed_knowledge
from api.places.seeding import places_seed_path, seed_places
from api.teams import seed_teams
from tools.bench_analytics.community_sql import ROLLUP_TABLES
from tools.bench_analytics.config import DEFAULT_SERVER, OUTPUT, SEEDS, TARGET_MS
from tools.bench_analytics.generate import generate, vacuum_analyze
from tools.bench_analytics.mix import CITIZENS_PER_TURN
from tools.bench_analytics.profile import (
    data_profile,
    database_info,
    fresh_database,
    git_info,
    machine_load,
)
from tools.bench_analytics.readme import (
    console_table,
    readme_section,
    slow_routes,
    write_readme,
)
from tools.bench_analytics.timing import time_rollup, time_routes
from tools.bench_common import _machine


def main() -> int:
    """Runs the benchmark; 1 if any request did not answer 200."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench_analytics")
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument(
        "--citizens", type=int, help="default: 3 %% of the turns (30 000 for 1 000 000)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL server URL; the bench creates its own database on it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help="bench/README.md is updated only with the default output",
    )
    args = parser.parse_args()
    citizens = args.citizens or max(50, round(args.turns * CITIZENS_PER_TURN))
    if not args.database_url.startswith("postgresql"):
        parser.error("the analytics bench needs PostgreSQL")

    git = git_info()  # the code measured: others may commit while the bench runs
    print(f"load: {machine_load()['uptime']}", flush=True)
    with fresh_database(args.database_url, args.keep) as url:
        print(f"database {make_url(url).database}", flush=True)
        migrate(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                seed_knowledge(session, SEEDS)
                seed_places(session, places_seed_path(SEEDS))
                seed_teams(session, SEEDS)
            now = datetime.now(timezone.utc)
            print(f"generating {args.turns:,} turns ...", flush=True)
            generation = generate(engine, args.turns, citizens, args.seed, now)
            print(f"  {generation}", flush=True)
            rollup = time_rollup(engine, now)
            print(f"  rollup {rollup}", flush=True)
            vacuum_analyze(engine, *ROLLUP_TABLES)
            data = data_profile(engine)
            database = database_info(engine)

            def progress(r: dict[str, Any]) -> None:
                print(
                    f"  {r['route']:<24} {r['period']:<8} {r['area']:<9} {r['status']} "
                    f"p50 {r['p50_ms']:>7} p95 {r['p95_ms']:>7} max {r['max_ms']:>7}",
                    flush=True,
                )

            routes = time_routes(engine, url, args.warmup, args.repeat, progress)
        finally:
            engine.dispose()

    requests = routes["requests"]
    failures = [r for r in requests if r["status"] != 200]
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench-analytics",
        "git": git,
        "machine": _machine(),
        "postgresql": database,
        "turns_requested": args.turns,
        "citizens_requested": citizens,
        "seed": args.seed,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "transport": "in-process ASGI (fastapi.testclient.TestClient), no network",
        "target_p95_ms": TARGET_MS,
        "data": data,
        "generation": generation,
        "rollup": {
            **rollup,
            "note": "first_build: refresh on an empty rollup state (every day); "
            "refresh: the one every worker runs each refresh interval (the last "
            "REBUILD_DAYS days and today again); the requests then read the last "
            "interval and SETTLE of turns live, as just before the next refresh",
        },
        "routes": routes,
        "slow_routes": slow_routes(requests),
        "failures": [
            {k: r.get(k) for k in ("route", "period", "area", "status", "failure")}
            for r in failures
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    if args.output.resolve() == OUTPUT.resolve():
        write_readme(readme_section(results))
    print()
    print(console_table(requests))
    print()
    print(f"load before/after: {routes['load_before']['uptime']}")
    print(f"                   {routes['load_after']['uptime']}")
    print("p95 above 300 ms:" if results["slow_routes"] else "every p95 <= 300 ms")
    for line in results["slow_routes"]:
        print(f"  {line}")
    print(f"wrote {args.output}")
    for failure in results["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
