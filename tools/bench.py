"""`make bench`: speed and memory of the running stack, written to bench/.

Starts the stack (Rasa with the current model, action server, gateway) on spare ports
with a fresh database, then measures:

* cold start: process start to the first answered question;
* turn latency p50/p95/p99 and throughput through POST /api/chat at 1, 10 and 50
  concurrent users;
* Rasa's bare POST /model/parse at the same concurrency, so the gateway's overhead
  (Rasa dialogue + action server + masking + query log) is a ratio;
* training time of the current model (recorded by tools/model.py) and peak RSS of
  each process.

Results: bench/results.json and a table in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from tools.bench_common import BENCH, _machine, _percentile, git_commit
from tools.model import ROOT, model_path
from tools.stack import Ports, Stack

QUESTIONS = [
    "làm sao kích hoạt tài khoản định danh điện tử mức 2",
    "lam sao kich hoat vneid muc 2",
    "quên mật khẩu vneid phải làm sao",
    "chu ky so la gi",
    "đăng ký tài khoản dịch vụ công quốc gia",
    "nop ho so truc tuyen tren dvc nhu the nao",
    "có người gọi xưng công an bảo cài app, có phải lừa đảo không",
    "xin chào",
    "thời tiết hôm nay thế nào",
    "bình dân học vụ số là gì",
]
LEVELS = (1, 10, 50)
REQUESTS_PER_LEVEL = {1: 100, 10: 300, 50: 500}


async def _load(
    url: str, make_body: Any, concurrency: int, total: int, headers: dict[str, str]
) -> dict[str, Any]:
    """``concurrency`` users posting ``total`` requests in all, each waiting for its
    answer before the next. The client is aiohttp's: the load runs on the machine it
    measures, and httpx would take several times the CPU a request
    (bench/http_client.json) from the stack under test."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency + 5)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as client:

        async def user(user_no: int) -> None:
            nonlocal errors
            for n in counter:
                started = time.perf_counter()
                try:
                    async with client.post(url, json=make_body(user_no, n)) as response:
                        await response.read()
                        failed = response.status != 200
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    failed = True
                latencies.append((time.perf_counter() - started) * 1000)
                errors += failed

        started = time.perf_counter()
        await asyncio.gather(*(user(u) for u in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "throughput_rps": round(len(latencies) / elapsed, 1),
    }


def _cold_start(stack: Stack, timeout: float = 300) -> float:
    started = min(stack.started_at.values())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body = httpx.post(
                f"{stack.api_url}/api/chat",
                json={"sender": "bench-cold", "text": QUESTIONS[0], "channel": "api"},
                timeout=10,
            ).json()
            if body.get("answered"):
                return round(time.perf_counter() - started, 1)
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.25)
    raise TimeoutError("no answer within the cold-start timeout")


def _write(results: dict[str, Any]) -> None:
    BENCH.mkdir(exist_ok=True)
    (BENCH / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    m = results["machine"]
    rows = [
        "| users | requests | errors | p50 ms | p95 ms | p99 ms | req/s | bare parse p50 ms | p50 ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for chat, bare in zip(results["chat"], results["rasa_parse"], strict=True):
        ratio = round(chat["p50_ms"] / bare["p50_ms"], 1) if bare["p50_ms"] else None
        rows.append(
            f"| {chat['concurrency']} | {chat['requests']} | {chat['errors']} | "
            f"{chat['p50_ms']} | {chat['p95_ms']} | {chat['p99_ms']} | "
            f"{chat['throughput_rps']} | {bare['p50_ms']} | {ratio} |"
        )
    rss = ", ".join(f"{k} {v} MB" for k, v in results["peak_rss_mb"].items())
    text = f"""# Benchmarks

Measured by `make bench` (tools/bench.py) on {results["measured_at"][:10]}; raw figures in
`results.json`. Machine: {m["cpus"]} CPUs ({m["cpu_model"]}), {m["memory_gb"]} GB RAM,
{m["os"]}. Database: {results["database"]}. Gateway workers: {results["api_workers"]}.

One turn = POST /api/chat through the gateway (masking, Rasa's dialogue over HTTP, the
action server reading the knowledge store, one query-log row). "Bare parse" = Rasa's
POST /model/parse alone, at the same concurrency; the ratio is the gateway turn's
p50 over the bare parse's p50.

{chr(10).join(rows)}

- Cold start (process start to the first answered question): {results["cold_start_seconds"]} s
  (ready per process: {results["ready_seconds"]})
- Training time of the model measured ({results["model"]}): {results["training_seconds"]} s
- Peak RSS: {rss}
"""
    readme = BENCH / "README.md"
    old = readme.read_text(encoding="utf-8") if readme.exists() else ""
    # The sections other benchmarks wrote (make chaos, the hop breakdown) stay.
    for kept in re.finditer(
        r"<!-- ([\w-]+):start.*?<!-- \1:end -->", old, flags=re.DOTALL
    ):
        text += "\n" + kept.group(0) + "\n"
    readme.write_text(text, encoding="utf-8")


def main() -> None:
    """Runs the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in var/")
    parser.add_argument("--api-workers", type=int, default=1)
    args = parser.parse_args()

    database = args.database_url or f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    if database.startswith("sqlite:///"):
        Path(database.removeprefix("sqlite:///")).unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    stack = Stack(
        ports=Ports(rasa=25005, actions=25055, api=28000),
        env={
            "BDHVS_DATABASE_URL": database,
            "BDHVS_ENVIRONMENT": "test",
            # Each simulated citizen asks far faster than a person: measure answering,
            # not the per-user rate limit (which would reject most of the load).
            "BDHVS_RATE_LIMIT_MESSAGES": "1000000",
            # ... and every simulated citizen comes from 127.0.0.1.
            "BDHVS_ADDRESS_MESSAGES_PER_MINUTE": "1000000",
        },
        log_dir=ROOT / "var" / "logs" / "bench",
        rasa_api_token=token,
        api_workers=args.api_workers,
    )
    stack.prepare()
    stack.start()
    try:
        cold = _cold_start(stack)
        ready = stack.wait_ready()

        def chat_body(user: int, n: int) -> dict[str, str]:
            return {
                "sender": f"bench-{user}",
                "text": QUESTIONS[n % len(QUESTIONS)],
                "channel": "api",
            }

        def parse_body(user: int, n: int) -> dict[str, str]:
            return {"text": QUESTIONS[n % len(QUESTIONS)]}

        chat, bare = [], []
        for level in LEVELS:
            total = REQUESTS_PER_LEVEL[level]
            chat.append(
                asyncio.run(
                    _load(f"{stack.api_url}/api/chat", chat_body, level, total, {})
                )
            )
            bare.append(
                asyncio.run(
                    _load(
                        f"{stack.rasa_url}/model/parse?token={token}",
                        parse_body,
                        level,
                        total,
                        {},
                    )
                )
            )
            print(
                f"{level:>3} users: chat {chat[-1]}\n           parse {bare[-1]}",
                flush=True,
            )
        rss = stack.peak_rss_mb()
    finally:
        stack.stop()

    failed = sum(level["errors"] for level in chat + bare)
    if failed:
        # Latencies of refused requests measure nothing: nothing is written.
        raise SystemExit(f"{failed} requests failed: bench/ left as it was")
    meta_path = model_path().with_suffix("").with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench",
        "machine": _machine(),
        "database": database.split(":")[0],
        "api_workers": args.api_workers,
        "model": model_path().name,
        "training_seconds": meta.get("training_seconds"),
        "cold_start_seconds": cold,
        "ready_seconds": ready,
        "chat": chat,
        "rasa_parse": bare,
        "peak_rss_mb": rss,
        "git_commit": git_commit(),
    }
    _write(results)
    print(f"wrote {BENCH / 'results.json'} and {BENCH / 'README.md'}")


if __name__ == "__main__":
    main()
