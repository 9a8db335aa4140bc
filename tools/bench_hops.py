"""`make bench`, side by side: the development profile (`make run`: one Rasa, one
gateway worker, SQLite) and the production profile (`make run-prod`: two Rasa
instances on PostgreSQL and Redis, two gateway workers, under supervisord).

For each profile, on the same model and machine:

* one citizen, one question at a time (a new citizen every 10 questions): the
  gateway's ``Server-Timing`` header (api/conversation/hops.py) splits each turn
  into admit (masking, rate limit), the gateway's dialogues, the Rasa round trip
  (inside it: Rasa's handling, then the tracker read back), the dialogues'
  additions and the query-log write;
* in the development profile, where Rasa's HTTP API is on, NLU alone
  (POST /model/parse) and the action server alone (its webhook, given a tracker
  Rasa recorded): what is left of Rasa's handling is the policies, the tracker and
  lock stores and Sanic;
* 50 concurrent citizens: throughput, p50/p95/p99, errors;
* under that load, each process's CPU time per turn and memory (RSS, peak RSS and
  PSS), by role; the stack's memory as the sum of peak RSS and as the sum of PSS.

Writes bench/hops.json and a section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import httpx

from tools.bench import QUESTIONS, _load
from tools.bench_common import (
    BENCH,
    _machine,
    _percentile,
    git_commit,
    machine_pace,
    put_readme_section,
    write_json,
)
from tools.chaos import _free_port, running_profile
from tools.model import ROOT, model_path
from tools.stack import Ports, ProcessMeter, Stack

README_START = "<!-- hops-bench:start (written by tools/bench_hops.py) -->"
README_END = "<!-- hops-bench:end -->"
HOPS = (
    "admit",
    "dialogues",
    "rasa",
    "rasa-shape",
    "rasa-handle",
    "rasa-tracker",
    "after",
    "log",
)


def _timing(header: str) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        if duration:
            metrics[name] = float(duration)
    return metrics


def single_user(url: str, turns: int, prefix: str) -> dict[str, Any]:
    """Turns one at a time through POST /api/chat: the whole turn seen by the
    client and each hop, p50 and mean in ms."""
    whole: list[float] = []
    hops: dict[str, list[float]] = {name: [] for name in HOPS}
    with httpx.Client(timeout=60) as client:
        for n in range(turns):
            started = time.perf_counter()
            response = client.post(
                url + "/api/chat",
                json={
                    "sender": f"{prefix}-{n // 10}",
                    "text": QUESTIONS[n % len(QUESTIONS)],
                },
            )
            whole.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            for name, ms in _timing(response.headers.get("Server-Timing", "")).items():
                if name in hops:
                    hops[name].append(ms)
    return {
        "turns": turns,
        "client_p50_ms": _percentile(whole, 50),
        "client_mean_ms": round(statistics.fmean(whole), 1),
        "hops": {
            name: {
                "p50_ms": _percentile(values, 50),
                "mean_ms": round(statistics.fmean(values), 1),
            }
            for name, values in hops.items()
            if values
        },
    }


def _timed(call: Callable[[], httpx.Response], times: int) -> dict[str, float | None]:
    values = []
    for _ in range(times):
        started = time.perf_counter()
        call().raise_for_status()
        values.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": _percentile(values, 50),
        "mean_ms": round(statistics.fmean(values), 1),
    }


def rasa_parts(stack: Stack, token: str, times: int) -> dict[str, Any]:
    """NLU alone and the action server alone, in the development profile."""
    actions = f"http://127.0.0.1:{stack.ports.actions}/webhook"
    with httpx.Client(timeout=60) as client:
        n = iter(range(10**9))
        nlu = _timed(
            lambda: client.post(
                f"{stack.rasa_url}/model/parse?token={token}",
                json={"text": QUESTIONS[next(n) % len(QUESTIONS)]},
            ),
            times,
        )
        # A tracker as Rasa sends it to the action server, after an FAQ question.
        sender = "bench-hops-action"
        client.post(
            f"{stack.rasa_url}/webhooks/gateway/webhook",
            json={"sender": sender, "message": QUESTIONS[0]},
        ).raise_for_status()
        tracker = client.get(
            f"{stack.rasa_url}/conversations/{sender}/tracker?token={token}"
        ).json()
        domain = client.get(
            f"{stack.rasa_url}/domain?token={token}",
            headers={"Accept": "application/json"},
        ).json()
        body = {
            "next_action": "action_answer_faq",
            "sender_id": sender,
            "tracker": tracker,
            "domain": domain,
            "version": "3.6.21",
        }
        action = _timed(lambda: client.post(actions, json=body), times)
    return {"nlu_parse": nlu, "action_server": action}


@contextmanager
def development() -> Iterator[tuple[str, Stack, str, list[int]]]:
    database = ROOT / "var" / "bench-hops.sqlite3"
    database.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    stack = Stack(
        ports=Ports(rasa=_free_port(), actions=_free_port(), api=_free_port()),
        env={
            "BDHVS_DATABASE_URL": f"sqlite:///{database}",
            "BDHVS_ENVIRONMENT": "test",
            "BDHVS_RATE_LIMIT_MESSAGES": "1000000",
            "BDHVS_ADDRESS_MESSAGES_PER_MINUTE": "1000000",
        },
        log_dir=ROOT / "var" / "logs" / "bench-hops",
        rasa_api_token=token,
    )
    stack.prepare()
    stack.start()
    try:
        stack.wait_ready()
        yield (stack.api_url, stack, token, [p.pid for p in stack.processes.values()])
    finally:
        stack.stop()


@contextmanager
def production() -> Iterator[tuple[str, list[int]]]:
    # No platform server: this profile is measured through the web chat only.
    with running_profile(ROOT / "var" / "bench-hops-prod") as (run, _):
        yield run.url, [run.process.pid]


def _load_figures(url: str, users: int, turns: int) -> dict[str, Any]:
    def body(user: int, n: int) -> dict[str, str]:
        return {"sender": f"bench-load-{user}", "text": QUESTIONS[n % len(QUESTIONS)]}

    return asyncio.run(_load(url + "/api/chat", body, users, turns, {}))


def _under_load(url: str, roots: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """The load figures, and what each process of the stack spent on them: CPU time
    per turn (on 2 cores, 2 000 ms a second in all caps the throughput) and memory
    after the load (RSS, peak RSS, PSS) by role. PostgreSQL and Redis are shared
    services, not counted."""
    pace_before = machine_pace()
    meter = ProcessMeter(roots)
    meter.start()
    driver_cpu = time.process_time()
    load = _load_figures(url, args.users, args.load_turns)
    driver_cpu = time.process_time() - driver_cpu
    rows = meter.stop(load["requests"])
    pace_after = machine_pace()
    roles: dict[str, dict[str, float]] = {}
    for row in rows:
        role = roles.setdefault(
            row.role,
            {"processes": 0, "cpu_ms_per_turn": 0.0, "rss_mb": 0.0, "pss_mb": 0.0},
        )
        role["processes"] += 1
        role["cpu_ms_per_turn"] = round(
            role["cpu_ms_per_turn"] + row.cpu_ms_per_turn, 1
        )
        role["rss_mb"] = round(role["rss_mb"] + row.rss_mb, 1)
        role["pss_mb"] = round(role["pss_mb"] + row.pss_mb, 1)
    return {
        "load": load,
        "peak_rss_mb": round(sum(r.peak_rss_mb for r in rows), 1),
        "pss_mb": round(sum(r.pss_mb for r in rows), 1),
        "cpu_ms_per_turn": round(sum(r.cpu_ms_per_turn for r in rows), 1),
        "roles": roles,
        # The load runs on the machine it measures: what this process took (the
        # citizens' client, and the meter's sampling) is CPU the stack did not get.
        "driver_cpu_ms_per_turn": round(driver_cpu * 1000 / load["requests"], 1),
        # The machine's pace just before and after the load (bench_common.machine_pace).
        "pace_ms": [pace_before, pace_after],
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    profiles: dict[str, Any] = {}
    if "development" in args.profiles:
        print("development profile ...", flush=True)
        with development() as (url, stack, token, roots):
            single_user(url, 20, "warm")
            figures = {"single_user": single_user(url, args.turns, "hops")}
            figures["rasa_parts"] = rasa_parts(stack, token, args.turns)
            figures |= _under_load(url, roots, args)
            profiles["development"] = figures
        print(json.dumps(profiles["development"], indent=1), flush=True)
    if "production" in args.profiles:
        print("production profile ...", flush=True)
        with production() as (url, roots):
            single_user(url, 20, "warm")
            figures = {"single_user": single_user(url, args.turns, "hops")}
            figures |= _under_load(url, roots, args)
            profiles["production"] = figures
        print(json.dumps(profiles["production"], indent=1), flush=True)
    return profiles


def _readme(results: dict[str, Any]) -> str:
    profiles = results["profiles"]
    names = list(profiles)
    header = "| hop | " + " | ".join(f"{n} p50 ms" for n in names) + " |"
    rows = [header, "|---|" + "---:|" * len(names)]

    def cell(figures: dict[str, Any], hop: str) -> str:
        value = figures["single_user"]["hops"].get(hop, {}).get("p50_ms")
        return "–" if value is None else str(value)

    for hop in HOPS:
        rows.append(
            f"| {hop} | " + " | ".join(cell(profiles[n], hop) for n in names) + " |"
        )
    rows.append(
        "| whole turn at the client | "
        + " | ".join(str(profiles[n]["single_user"]["client_p50_ms"]) for n in names)
        + " |"
    )
    parts = profiles.get("development", {}).get("rasa_parts")
    if parts:
        rows.append(
            f"| (Rasa NLU alone, /model/parse) | {parts['nlu_parse']['p50_ms']} |"
            + " – |" * (len(names) - 1)
        )
        rows.append(
            f"| (action server alone, action_answer_faq) | {parts['action_server']['p50_ms']} |"
            + " – |" * (len(names) - 1)
        )
    load = [
        "| profile | users | turns | errors | turns/s | p50 ms | p95 ms | p99 ms | CPU ms a turn | load driver's CPU ms a turn | sum of peak RSS MB | PSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        f = profiles[name]["load"]
        load.append(
            f"| {name} | {f['concurrency']} | {f['requests']} | {f['errors']} | "
            f"{f['throughput_rps']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
            f"{profiles[name]['cpu_ms_per_turn']} | "
            f"{profiles[name].get('driver_cpu_ms_per_turn', '–')} | "
            f"{profiles[name]['peak_rss_mb']} | {profiles[name]['pss_mb']} |"
        )
    per_role = [
        "| profile | role | processes | CPU ms a turn | RSS MB | PSS MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in names:
        for role, f in sorted(profiles[name]["roles"].items()):
            per_role.append(
                f"| {name} | {role} | {f['processes']} | {f['cpu_ms_per_turn']} | "
                f"{f['rss_mb']} | {f['pss_mb']} |"
            )
    history = [
        "| measured | commit | profile | one citizen p50 ms | Rasa's handling p50 ms | turns/s at 50 | p95 ms | errors | peak RSS MB | PSS MB | machine's pace ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results.get("history", []):
        for name, f in run["profiles"].items():
            history.append(
                f"| {run['measured_at'][:16]} | {run['git_commit']} | {name} | "
                f"{f['single_user_p50_ms']} | {f['rasa_handle_p50_ms']} | "
                f"{f['turns_per_s']} | {f['p95_ms']} | {f['errors']} | {f['peak_rss_mb']} | "
                f"{f.get('pss_mb', '–')} | {_pace(f.get('pace_ms'))} |"
            )
    return f"""{README_START}
## One turn hop by hop, both profiles

`make bench` (tools/bench_hops.py) on {results["measured_at"][:10]}, commit
{results["git_commit"]}, {results["machine"]["cpus"]} CPUs. One citizen, one question at a
time ({results["settings"]["turns"]} turns), p50 of each hop from the gateway's
`Server-Timing` header; then {results["settings"]["users"]} concurrent citizens.

{chr(10).join(rows)}

{chr(10).join(load)}

Under that load, each process of the stack by role (PostgreSQL and Redis, shared
services, are not counted). "CPU ms a turn" is the CPU time the role's processes used
during the load divided by the turns: on 2 cores the whole stack's figure caps the
throughput at 2 000 / it turns a second. The load driver (the citizens' HTTP client,
aiohttp's) runs on the same 2 cores. "Sum of peak RSS" counts a library page
shared by several processes (TensorFlow's, in each Rasa instance) once per process;
PSS, after the load, counts it once in all. "Machine's pace" (in the runs' table
below) is the time of one fixed piece of pure-Python work just before and after the
load (tools/bench_common.py `machine_pace`): this shared machine's speed drifts from
one minute to the next, and a run is best read against it.

{chr(10).join(per_role)}

Every run of this benchmark (`bench/hops.json` keeps them):

{chr(10).join(history)}
{README_END}"""


def _pace(pace: list[float] | None) -> str:
    return "–" if not pace else " / ".join(str(p) for p in pace)


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    """One line of the history: what each profile did, for before/after."""
    return {
        "measured_at": results["measured_at"],
        "git_commit": results["git_commit"],
        "profiles": {
            name: {
                "single_user_p50_ms": f["single_user"]["client_p50_ms"],
                "rasa_handle_p50_ms": f["single_user"]["hops"]
                .get("rasa-handle", {})
                .get("p50_ms"),
                "turns_per_s": f["load"]["throughput_rps"],
                "p95_ms": f["load"]["p95_ms"],
                "errors": f["load"]["errors"],
                "peak_rss_mb": f["peak_rss_mb"],
                "pss_mb": f.get("pss_mb"),
                "pace_ms": f.get("pace_ms"),
            }
            for name, f in results["profiles"].items()
        },
    }


def write(results: dict[str, Any]) -> None:
    path = BENCH / "hops.json"
    earlier = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results["history"] = [*earlier.get("history", []), _summary(results)]
    write_json("hops.json", results)
    put_readme_section(README_START, README_END, _readme(results))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", nargs="+", default=["development", "production"])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--load-turns", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench (python -m tools.bench_hops)",
        "machine": _machine(),
        "model": model_path().name,
        "settings": {
            "turns": args.turns,
            "users": args.users,
            "load_turns": args.load_turns,
        },
        "profiles": measure(args),
        "git_commit": git_commit(),
    }
    if not args.no_write:
        write(results)
        print(f"wrote {BENCH / 'hops.json'} and a section of {BENCH / 'README.md'}")


if __name__ == "__main__":
    main()
