"""What every benchmark writes beside its figures, standard library only: the bot
environment's benchmarks (tools/bench_shape.py) use it as the services environment's
do."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from tools.model import ROOT

BENCH = ROOT / "bench"
# The machine's own PostgreSQL (trust authentication), as the Makefile's PG_URL.
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str:
    """The server the benchmarks create their databases on: BDHVS_TEST_POSTGRES_URL,
    else the local one."""
    return os.environ.get("BDHVS_TEST_POSTGRES_URL", LOCAL_POSTGRES)


def _machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def machine_pace(rounds: int = 7) -> float:
    """The median time, in ms, of one fixed piece of pure-Python work on an idle
    moment of this process: on these shared machines the same code runs up to half
    again as fast from one minute to the next, and a figure measured beside this one
    can be read against the machine's pace at the time."""
    document = {"events": [{"n": n, "text": "kích hoạt VNeID"} for n in range(200)]}
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        sum(n * n for n in range(200_000))
        for _ in range(20):
            json.loads(json.dumps(document))
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def git_commit() -> str:
    """The short hash of the commit being measured."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()


def write_json(name: str, results: dict[str, Any]) -> Path:
    """Writes ``results`` to bench/``name`` as indented UTF-8 JSON; returns the path."""
    BENCH.mkdir(exist_ok=True)
    path = BENCH / name
    path.write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def put_readme_section(start: str, end: str, section: str) -> None:
    """Puts ``section`` (which begins with ``start`` and ends with ``end``) into
    bench/README.md, in place of the one between those markers, or at the end."""
    readme = BENCH / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    if start in body and end in body:
        before, rest = body.split(start, 1)
        body = before + section + rest.split(end, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(body, encoding="utf-8")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


def dev_set_messages() -> list[str]:
    """The development set's messages (tests/dev_set/), as people wrote them, each
    once, in file order. PyYAML is in both environments; imported here so that the
    module itself stays standard library only."""
    import yaml

    messages: dict[str, None] = {}
    for path in sorted((ROOT / "tests" / "dev_set").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            messages.setdefault(str(item["text"]), None)
    return list(messages)
