"""`make bench` (second part): the cost of a turn as one conversation grows.

One sender sends 500 turns without a pause through POST /api/chat (the gateway, Rasa's
dialogue, the action server, the query log), once with the gateway channel's session
bound switched off (BDHVS_SESSION_MAX_EVENTS very large: Rasa's behaviour alone, a new
session only after two hours of silence) and once with the shipped bound, on the
in-memory tracker store; then with the shipped bound on the production profile's
stores (Rasa's SQL tracker store on a fresh PostgreSQL database, the Redis lock
store), where every earlier session stays in the events table. Reports the median
latency of turns 1-10, 241-250 and 491-500 of each run.

Results: bench/session.json and a section appended to bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from typing import Any

import httpx

from tools.bench import QUESTIONS
from tools.bench_common import BENCH, _machine, put_readme_section, write_json
from tools.chaos import fresh_databases
from tools.model import ROOT
from tools.prod import store_environment
from tools.stack import Ports, Stack

UNBOUNDED = "1000000000"
README_START = "<!-- session-bench:start (written by tools/bench_session.py) -->"
README_END = "<!-- session-bench:end -->"
WINDOWS = {
    "turns 1-10": (0, 10),
    "turns 241-250": (240, 250),
    "turns 491-500": (490, 500),
}


IN_MEMORY = "in memory"
POSTGRESQL = "PostgreSQL + Redis"


def _production_stores(resources: ExitStack) -> dict[str, str]:
    """Rasa's stores as in the production profile, on a fresh PostgreSQL database."""
    _, tracker_url = resources.enter_context(fresh_databases())
    return {
        "BDHVS_BOT_ENDPOINTS": "bot/endpoints.production.yml",
        **store_environment(tracker_url, "redis://127.0.0.1:6379/6"),
    }


def _one_conversation(
    bound: str | None, turns: int, store: str = IN_MEMORY
) -> dict[str, Any]:
    resources = ExitStack()
    env = {
        "BDHVS_DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'bench-session.sqlite3'}",
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_RATE_LIMIT_MESSAGES": "1000000",
        "BDHVS_ADDRESS_MESSAGES_PER_MINUTE": "1000000",
    }
    (ROOT / "var" / "bench-session.sqlite3").unlink(missing_ok=True)
    if bound is not None:
        env["BDHVS_SESSION_MAX_EVENTS"] = bound
    if store == POSTGRESQL:
        env |= _production_stores(resources)
    stack = Stack(
        ports=Ports(rasa=26005, actions=26055, api=29000),
        env=env,
        log_dir=ROOT / "var" / "logs" / "bench-session",
    )
    stack.prepare()
    stack.start()
    latencies: list[float] = []
    try:
        stack.wait_ready()
        with httpx.Client(timeout=60) as client:
            for n in range(turns):
                started = time.perf_counter()
                response = client.post(
                    f"{stack.api_url}/api/chat",
                    json={
                        "sender": "one-long-talker",
                        "text": QUESTIONS[n % len(QUESTIONS)],
                    },
                )
                latencies.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    finally:
        stack.stop()
        resources.close()
    medians = {
        name: round(statistics.median(latencies[a:b]), 1)
        for name, (a, b) in WINDOWS.items()
    }
    first, last = medians["turns 1-10"], medians["turns 491-500"]
    return {
        "tracker_store": store,
        "session_max_events": "off"
        if bound == UNBOUNDED
        else (bound or "default (60)"),
        "median_ms": medians,
        "last_over_first": round(last / first, 2) if first else None,
    }


def main() -> None:
    """Runs both conversations and writes the results."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench_session")
    parser.add_argument("--turns", type=int, default=500)
    args = parser.parse_args()
    runs = [
        _one_conversation(UNBOUNDED, args.turns),
        _one_conversation(None, args.turns),
        _one_conversation(None, args.turns, POSTGRESQL),
    ]
    for run in runs:
        print(run, flush=True)
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench (python -m tools.bench_session)",
        "machine": _machine(),
        "turns": args.turns,
        "runs": runs,
    }
    write_json("session.json", results)
    rows = [
        "| tracker store | session bound | "
        + " | ".join(WINDOWS)
        + " | last / first |",
        "|---|---|" + "---:|" * (len(WINDOWS) + 1),
    ]
    for run in runs:
        cells = " | ".join(str(run["median_ms"][w]) for w in WINDOWS)
        rows.append(
            f"| {run['tracker_store']} | {run['session_max_events']} | {cells}"
            f" | {run['last_over_first']} |"
        )
    section = f"""{README_START}
## One long conversation

Measured by `make bench` (tools/bench_session.py) on {results["measured_at"][:10]}; raw
figures in `session.json`. One sender, {args.turns} turns without a pause through
POST /api/chat on the development stack; median latency in ms. "off": Rasa alone (a new
session only after two hours of silence); the default closes a session once it holds
more than 60 events (bot/channels/gateway.py). "PostgreSQL + Redis": the production
profile's tracker and lock stores, where the earlier sessions stay in the events table
(one Rasa instance, one gateway worker).

{chr(10).join(rows)}
{README_END}"""
    put_readme_section(README_START, README_END, section)
    print(f"wrote {BENCH / 'session.json'} and {BENCH / 'README.md'}")


if __name__ == "__main__":
    main()
