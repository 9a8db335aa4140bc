"""`make bench` (bot environment): what Rasa's SQL tracker store costs per turn on
PostgreSQL, as Rasa ships it and with bot/speedups.py's statements.

Under load the whole stack's figures move with whatever else the machine runs, by more
than this part of a turn; here one process reads and saves conversations the way a
turn does (read the session, add a turn's five events, save), on a fresh database,
the two implementations taking turns on the same conversations' shapes. Sessions are
closed after 60 events, as the gateway channel does. Reported: CPU time and wall time
per turn (median of the rounds), and SQL statements per turn, which does not depend on
the machine.

Writes bench/tracker.json and a section of bench/README.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import speedups
from bot.channels.gateway import SESSION_MAX_EVENTS, session_length
from tools.bench_common import _machine, git_commit, put_readme_section, write_json

README_START = "<!-- tracker-bench:start (written by tools/bench_tracker.py) -->"
README_END = "<!-- tracker-bench:end -->"
ROUNDS = 5
TURNS = 300
CONVERSATIONS = 20
# Events each conversation already holds, in earlier sessions, in the second scenario:
# a Zalo or Telegram citizen, or a community team member, who has written for months.
HISTORY = (0, 3000)
IMPLEMENTATIONS = {
    "Rasa 3.6.21's SQLTrackerStore": (
        speedups._rasa_sql_retrieve,
        speedups._rasa_sql_save,
    ),
    "bot/speedups.py": (speedups.retrieve_events, speedups.save_events),
}
# What Rasa stores for a question: the parse data with its rankings.
PARSE = {
    "text": "làm sao kích hoạt tài khoản định danh điện tử mức 2",
    "intent": {"name": "faq", "confidence": 0.98},
    "entities": [],
    "intent_ranking": [{"name": f"intent_{k}", "confidence": 0.01} for k in range(5)],
    "response_selector": {
        "faq": {
            "response": {"intent_response_key": "faq/vneid_activate_level2"},
            "ranking": [
                {"id": k, "confidence": 0.1, "intent_response_key": f"faq/a{k}"}
                for k in range(5)
            ],
        }
    },
}
ANSWER = "Anh/Chị mở ứng dụng VNeID, chọn “Kích hoạt tài khoản”. " * 8


def _store() -> tuple[SQLTrackerStore, Any]:
    base = sa.engine.make_url(
        os.environ.get(
            "BDHVS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ).replace("postgresql+psycopg://", "postgresql://", 1)
    )
    name = f"bdhvs_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    store = SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=base.host,
        port=base.port,
        db=name,
        username=base.username,
        password=base.password,
    )

    def drop() -> None:
        store.engine.dispose()
        with admin.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        admin.dispose()

    return store, drop


def _history(store: SQLTrackerStore, prefix: str, events: int) -> None:
    """``events`` earlier events for each conversation of ``prefix``, a month back, in
    sessions of SESSION_MAX_EVENTS events (as the gateway channel closes them)."""
    if not events:
        return
    start = time.time() - 30 * 86400
    rows = []
    for n in range(CONVERSATIONS):
        for k in range(events):
            at = start + k
            event = (
                SessionStarted(timestamp=at)
                if k % SESSION_MAX_EVENTS == 0
                else UserUttered(PARSE["text"], parse_data=PARSE, timestamp=at)
            )
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": f"{prefix}-{n}",
                    "type_name": event.type_name,
                    "timestamp": at,
                    "intent_name": None,
                    "action_name": None,
                    "data": json.dumps(data),
                }
            )
    with store.engine.begin() as connection:
        connection.execute(store.SQLEvent.__table__.insert(), rows)
        connection.execute(sa.text("ANALYZE events"))


def _new_session(tracker: DialogueStateTracker) -> None:
    tracker.update(ActionExecuted(ACTION_SESSION_START_NAME))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))


async def _turns(
    store: SQLTrackerStore, prefix: str, retrieve: Any, save: Any
) -> tuple[float, float]:
    """CPU and wall seconds of ``TURNS`` turns over ``CONVERSATIONS`` senders."""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(TURNS):
        sender = f"{prefix}-{n % CONVERSATIONS}"
        tracker = await retrieve(store, sender, False)
        if tracker is None:
            tracker = DialogueStateTracker(sender, [])
            _new_session(tracker)
        tracker.update(UserUttered(PARSE["text"], parse_data=PARSE))
        tracker.update(ActionExecuted("action_answer_faq"))
        tracker.update(BotUttered(ANSWER))
        tracker.update(SlotSet("last_answer", "vneid_activate_level2"))
        tracker.update(ActionExecuted("action_listen"))
        await save(store, tracker)
        if session_length(tracker) > SESSION_MAX_EVENTS:
            _new_session(tracker)
            await save(store, tracker)
    return time.process_time() - cpu, time.perf_counter() - wall


def measure() -> dict[str, Any]:
    store, drop = _store()
    statements = {"count": 0}

    def counted(*_: Any) -> None:
        statements["count"] += 1

    sa.event.listen(store.engine, "before_cursor_execute", counted)
    figures: dict[tuple[str, int], dict[str, list[float]]] = {
        (name, history): {"cpu": [], "wall": [], "statements": []}
        for history in HISTORY
        for name in IMPLEMENTATIONS
    }
    loop = asyncio.new_event_loop()
    try:
        for round_ in range(ROUNDS):
            for (name, history), figure in figures.items():
                retrieve, save = IMPLEMENTATIONS[name]
                prefix = f"r{round_}h{history}{name[:4]}"
                _history(store, prefix, history)
                statements["count"] = 0
                cpu, wall = loop.run_until_complete(
                    _turns(store, prefix, retrieve, save)
                )
                figure["cpu"].append(cpu / TURNS * 1000)
                figure["wall"].append(wall / TURNS * 1000)
                figure["statements"].append(statements["count"] / TURNS)
    finally:
        loop.close()
        drop()
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": _machine(),
        "rounds": ROUNDS,
        "turns": TURNS,
        "conversations": CONVERSATIONS,
        "session_max_events": SESSION_MAX_EVENTS,
        "runs": [
            {
                "implementation": name,
                "earlier_events": history,
                "cpu_ms_per_turn": round(statistics.median(f["cpu"]), 2),
                "wall_ms_per_turn": round(statistics.median(f["wall"]), 2),
                "statements_per_turn": round(statistics.median(f["statements"]), 2),
            }
            for (name, history), f in figures.items()
        ],
    }


def section(r: dict[str, Any]) -> str:
    """The bench/README.md section."""
    rows = [
        f"| {f['implementation']} | {f['earlier_events']} | {f['cpu_ms_per_turn']} |"
        f" {f['wall_ms_per_turn']} | {f['statements_per_turn']} |"
        for f in r["runs"]
    ]
    return "\n".join(
        [
            README_START,
            "## Rasa's SQL tracker store, one turn's read and save",
            "",
            f"`make bench` (tools/bench_tracker.py) on {r['measured_at'][:10]}, commit"
            f" {r['commit']}, {r['machine']['cpus']} CPUs, PostgreSQL: one process,"
            f" {r['turns']} turns over {r['conversations']} conversations (read the"
            " session, add a turn's five events, save; a new session after"
            f" {r['session_max_events']} events), the two implementations in turn,"
            f" median of {r['rounds']} rounds; once on new conversations, once on"
            " conversations that already hold earlier sessions' events. The table"
            " has bot/speedups.py's (sender, time) index in both.",
            "",
            "| implementation | earlier events of each conversation | CPU ms a turn"
            " | wall ms a turn | SQL statements a turn |",
            "|---|---:|---:|---:|---:|",
            *rows,
            README_END,
        ]
    )


def main() -> None:
    """Measures and writes bench/tracker.json and the README section."""
    results = measure()
    write_json("tracker.json", results)
    put_readme_section(README_START, README_END, section(results))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
