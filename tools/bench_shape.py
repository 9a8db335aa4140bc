"""`make bench` (bot environment): what dropping the greeting or thanks around a
question (bot/shape.py) costs per message, on messages as people write them.

The gateway channel runs it in Rasa before the turn: a message of one clause costs
nothing, a longer one costs a parse of each short clause tried at its ends, and of the
whole message when something would be dropped. The benchmark messages of
tools/bench_hops.py are short questions, so its ``rasa-shape`` hop says little; here
every message of the development set (tests/dev_set/, as written) goes through the
same function with the trained model, in one process, and the time is compared with
one parse of the message (what Rasa spends on NLU for it anyway).

Writes bench/shape.json and a section of bench/README.md.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import datetime, timezone
from typing import Any

from bot.shape import Shaped, model_classifier, question_of
from tools.bench_common import (
    _machine,
    _percentile,
    dev_set_messages,
    git_commit,
    put_readme_section,
    write_json,
)
from tools.model import model_path

README_START = "<!-- shape-bench:start (written by tools/bench_shape.py) -->"
README_END = "<!-- shape-bench:end -->"


def measure() -> dict[str, Any]:
    """Times one parse and the shaping of every development message."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path()))
    classify = model_classifier(agent)
    calls = 0

    async def counted(piece: str) -> tuple[str | None, float]:
        nonlocal calls
        calls += 1
        return await classify(piece)

    loop = asyncio.new_event_loop()
    messages = dev_set_messages()
    for text in messages[:20]:  # warm-up: TensorFlow's first calls are slow
        loop.run_until_complete(agent.parse_message(text))
    parse_ms, shape_ms, parses, changed = [], [], [], 0
    for text in messages:
        started = time.perf_counter()
        loop.run_until_complete(agent.parse_message(text))
        parse_ms.append((time.perf_counter() - started) * 1000)
        calls = 0
        started = time.perf_counter()
        shaped: Shaped = loop.run_until_complete(question_of(text, counted))
        shape_ms.append((time.perf_counter() - started) * 1000)
        parses.append(calls)
        changed += shaped.changed
    loop.close()
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="minutes"),
        "commit": git_commit(),
        "model": model_path().name,
        "machine": _machine(),
        "messages": len(messages),
        "changed": changed,
        "without_any_parse": sum(1 for n in parses if n == 0),
        "parses_mean": round(statistics.mean(parses), 2),
        "parse_ms": {
            "p50": _percentile(parse_ms, 50),
            "p95": _percentile(parse_ms, 95),
        },
        "shape_ms": {
            "p50": _percentile(shape_ms, 50),
            "p95": _percentile(shape_ms, 95),
            "mean": round(statistics.mean(shape_ms), 2),
        },
    }


def section(r: dict[str, Any]) -> str:
    """The bench/README.md section."""
    return "\n".join(
        [
            README_START,
            "## Dropping the greeting or thanks around a question",
            "",
            f"`make bench` (tools/bench_shape.py) on {r['measured_at'][:10]}, commit"
            f" {r['commit']}, model `{r['model']}`, {r['machine']['cpus']} CPUs: the"
            f" {r['messages']} development-set messages as people wrote them, one"
            " process, no server.",
            "",
            "| | p50 ms | p95 ms | mean ms |",
            "|---|---:|---:|---:|",
            f"| one parse of the message (Rasa's NLU) | {r['parse_ms']['p50']} |"
            f" {r['parse_ms']['p95']} | – |",
            f"| shaping it (bot/shape.py) | {r['shape_ms']['p50']} |"
            f" {r['shape_ms']['p95']} | {r['shape_ms']['mean']} |",
            "",
            f"{r['without_any_parse']} of {r['messages']} messages needed no parse"
            f" (one clause, or no short clause at either end); on average"
            f" {r['parses_mean']} parses a message; {r['changed']} messages lost a"
            " greeting or thanks.",
            README_END,
        ]
    )


def main() -> None:
    """Measures and writes bench/shape.json and the README section."""
    results = measure()
    write_json("shape.json", results)
    put_readme_section(README_START, README_END, section(results))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
