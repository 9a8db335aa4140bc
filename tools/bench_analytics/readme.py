"""The results as text: the console table and bench/README.md's section."""

from __future__ import annotations

import re
from typing import Any

from tools.bench_analytics.config import README, README_END, README_START, TARGET_MS


def _row(r: dict[str, Any]) -> str:
    mark = " **>300**" if r["p95_ms"] > TARGET_MS else ""
    return (
        f"| {r['route']} | {r['period']} | {r['area']} | {r['status']} | "
        f"{r['p50_ms']} | {r['p95_ms']}{mark} | {r['max_ms']} |"
    )


def console_table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| route | period | area | status | p50 ms | p95 ms | max ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    return "\n".join([*lines, *(_row(r) for r in results)])


def slow_routes(results: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['route']} ({r['period']}, {r['area']}): p95 {r['p95_ms']} ms"
        for r in results
        if r["p95_ms"] > TARGET_MS
    ]


PERIODS = ("30 days", "quarter", "year")
AREAS = ("all", "province", "commune")


def _matrix(requests: list[dict[str, Any]]) -> str:
    """p95 per route (rows) and period x area (columns); over the target in bold."""
    cells: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for r in requests:
        cells.setdefault(r["route"], {})[(r["period"], r["area"])] = r

    def cell(r: dict[str, Any] | None) -> str:
        if r is None:
            return ""
        text = f"{r['p95_ms']:.0f}" if r["status"] == 200 else f"HTTP {r['status']}"
        return f"**{text}**" if r["p95_ms"] > TARGET_MS else text

    head = " | ".join(f"{p} {a}" for p in PERIODS for a in AREAS)
    lines = [f"| route | {head} |", "|---" + "|---:" * len(PERIODS) * len(AREAS) + "|"]
    once = []
    for route, by_case in cells.items():
        if ("-", "-") in by_case:
            once.append(f"{route} {cell(by_case[('-', '-')])}")
            continue
        row = " | ".join(cell(by_case.get((p, a))) for p in PERIODS for a in AREAS)
        lines.append(f"| {route} | {row} |")
    return "\n".join(lines) + "\n\nWithout a period (p95 ms): " + ", ".join(once) + "."


def readme_section(results: dict[str, Any]) -> str:
    """The analytics part of bench/README.md (kept when `make bench` rewrites the
    rest: it is written after tools/bench.py)."""
    db, g, r, routes = (
        results["postgresql"],
        results["generation"],
        results["rollup"],
        results["routes"],
    )
    t, d, settings = db["tables"], results["data"], db["settings"]
    requests = routes["requests"]
    over = len(results["slow_routes"])
    dirty = " with uncommitted changes" if results["git"]["uncommitted_changes"] else ""
    return f"""{README_START}
## Staff dashboard on PostgreSQL (`make bench-analytics`)

tools/bench_analytics/ creates a fresh PostgreSQL database (`bdhvs_bench_<random>`,
dropped at the end unless `--keep`), migrates it, loads seeds/ and generates `--turns`
turns (default 1 000 000) over the last 365 days, in SQL on the server: channels
web/zalo/telegram ~45/40/15 %; FAQ topics weighted (VNeID and the public service portal
most) with answer ids of their topic; ~80 % answered, 10 % unsure, 6 % out of scope,
the rest error, undelivered, rejected; ~60 % of the turns with a province, most of them
in Hà Tĩnh and its communes; ~30 000 citizens who come back on several days; feedback
on ~5 % of the answered turns; masked questions of 60-120 characters and replies of
~600; growth over the year, a weekly pattern and a few campaign days. The community
teams' year with them: hand-off tickets for ~0.4 % of the turns (their citizens',
mostly closed with a resolution minutes to days later, ~5 % escalated, a few open or
claimed in the last days, 1-4 messages each) and ~10 % as many declined offers;
residents assisted in helper mode for ~0.3 % of the turns in the province's communes;
24 notices, each delivered to the subscribers of its area then (~5 % of the
Telegram and Zalo citizens). Then it times the build and the periodic refresh of the
daily tables and every dashboard GET route through the real
application in-process (FastAPI TestClient: no network, no uvicorn): the analytics
with an analyst token, for the last 30 days (the default), the last quarter (92
days) and the year, each for all areas, for the province and for one of its
communes; the hand-off queue (active and closed tickets, the newest ticket's page)
as the team member of that commune and as an admin, and the notices log as an admin:
{results["warmup"]} warm-up then {results["repeat"]} timed requests each. Timings are
reported, not asserted: the command fails only if a request does not answer 200.

Run: `make bench-analytics` (part of `make bench`), or
`.venv/bin/python -m tools.bench_analytics --turns 100000 --keep --output /tmp/a.json`
for a quicker look (bench/README.md is only rewritten with the default output).
`--database-url` names the PostgreSQL server (the bench creates its own database).

Reading `analytics.json`: `data` is the generated mix as measured (`data.community`:
tickets, helper sessions, notices); `generation` the load (insert, the community data,
the words of each message, re-creating the indexes, VACUUM ANALYZE);
`rollup` the first build of the daily tables from an empty state
(`first_build_seconds`) and the refresh every gateway worker runs in the background
each `refresh_interval_seconds` (`refresh_seconds`; no request builds anything: the
requests read the turns since the last refresh live, here the last interval and the
two-minute settling time of them); `postgresql` the server version, settings (as the
application's sessions see them), row counts and sizes;
`routes.requests` one entry per route, period and area (p50/p95/max ms, HTTP status,
the role asking, the 1-minute load average when it was measured); `slow_routes` the
p95s over 300 ms.
The machine is shared: compare the load averages before reading much into a figure.

Last run ({results["measured_at"][:16].replace("T", " ")} UTC):

- Code: commit {results["git"]["commit"]}{dirty}.
- Machine: {results["machine"]["cpus"]} CPUs; PostgreSQL {db["version"].split()[0]} with
  shared_buffers {settings["shared_buffers"]}, work_mem {settings["work_mem"]}, jit
  {settings["jit"]} (api/core/db.py); load average {routes["load_before"]["loadavg"][0]} before the
  requests, {routes["load_after"]["loadavg"][0]} after.
- Data: {t["querylog_turn"]["rows"]:,} turns ({t["querylog_turn"]["total_mb"]:.0f} MB
  with indexes), {d["citizens"]:,} citizens; querylog_daily
  {t["querylog_daily"]["rows"]:,} rows, querylog_citizen_day
  {t["querylog_citizen_day"]["rows"]:,} rows; {t["handoff_ticket"]["rows"]:,} hand-off
  tickets and offers ({t["handoff_message"]["rows"]:,} messages),
  {t["helper_session"]["rows"]:,} helper sessions, {t["notice"]["rows"]:,} notices
  ({t["notice_delivery"]["rows"]:,} deliveries).
- Generation: {g["total_seconds"]:.0f} s (insert {g["insert_seconds"]:.0f} s, community
  data {g["community_seconds"]:.0f} s, words
  {g["words_seconds"] + g["rewrite_seconds"]:.0f} s, indexes {g["index_seconds"]:.0f} s,
  VACUUM ANALYZE {g["vacuum_analyze_seconds"]:.0f} s).
- Daily tables: first build {r["first_build_seconds"]:.1f} s; background refresh
  (every {r["refresh_interval_seconds"]:.0f} s) {r["refresh_seconds"]:.2f} s.
- {over} of {len(requests)} cases have a p95 over 300 ms (in bold below).

p95 in ms:

{_matrix(requests)}
{README_END}
"""


def write_readme(section: str) -> None:
    """Replaces the analytics section of bench/README.md, or appends it."""
    current = README.read_text(encoding="utf-8") if README.exists() else ""
    pattern = re.compile(
        re.escape(README_START) + r".*?" + re.escape(README_END) + r"\n?", re.S
    )
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    README.write_text(updated, encoding="utf-8")
