"""`make bench`: the CPU a turn's hot paths cost, each beside the library path it
replaces.

Under load the stack is CPU-bound on 2 cores, and the whole-profile figures of
tools/bench_hops.py move by more than any one of these from run to run; so each
path is timed alone, in one process, on the development set's messages (as people
wrote them), alternating the two ways over ``--rounds`` rounds (median):

* ``gateway`` (services environment): the scam model reading a message
  (api.safety.model.ScamModel.assess against scikit-learn's FeatureUnion.transform);
  a Redis rate-limit hit (the Lua script against the MULTI/EXEC pipeline it
  replaced, on a scratch Redis database); a PostgreSQL pool checkout (the idle-only
  ping of api.core.db against SQLAlchemy's pool_pre_ping).
* ``selector`` (bot environment, the trained model): the answer selector's reading
  of one parsed message (bot/components/linear_selector.py: one hstack and its own
  TF-IDF weighing, against Rasa's Message.get_sparse_features and scikit-learn's
  TfidfTransformer.transform).

Writes its part of bench/hotpaths.json and a section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from tools.bench_common import (
    BENCH,
    _machine,
    dev_set_messages,
    git_commit,
    postgres_url,
    put_readme_section,
)
from tools.model import ROOT

README_START = "<!-- hotpaths-bench:start (written by tools/bench_hotpaths.py) -->"
README_END = "<!-- hotpaths-bench:end -->"
RESULTS = BENCH / "hotpaths.json"
REDIS_URL = os.environ.get("BDHVS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
POSTGRES_URL = postgres_url()


def _alternate(
    ways: dict[str, Callable[[], int]], rounds: int
) -> dict[str, dict[str, float]]:
    """Runs each way once a round, in turn; each returns how many calls it made.
    The median over the rounds of the CPU milliseconds a call."""
    spent: dict[str, list[float]] = {name: [] for name in ways}
    for run in ways.values():  # warm-up
        run()
    for _ in range(rounds):
        for name, run in ways.items():
            started = time.process_time()
            calls = run()
            spent[name].append((time.process_time() - started) * 1000 / calls)
    return {
        name: {"cpu_ms_per_call": round(statistics.median(values), 4)}
        for name, values in spent.items()
    }


def gateway(rounds: int) -> dict[str, Any]:
    """The gateway's paths (services environment)."""
    from scipy import sparse

    from api.safety.detector import normalized
    from api.safety.model import examples_dir, load_model

    texts = [normalized(m) for m in dev_set_messages()]
    model = load_model(examples_dir(ROOT / "seeds"), normalized)
    assert model is not None
    vectorizers = [v for _, v in model._features.transformer_list]

    def ours() -> int:
        for text in texts:
            model.assess(text)
        return len(texts)

    def scikit_learn() -> int:
        for text in texts:
            features = sparse.hstack(
                [v.transform([text]) for v in vectorizers], format="csr"
            )
            features @ model._scam.coef_[0]
        return len(texts)

    results: dict[str, Any] = {
        "scam_model_read": {
            "messages": len(texts),
            **_alternate({"ours": ours, "scikit_learn": scikit_learn}, rounds),
        }
    }
    results["rate_limit_hit"] = asyncio.run(_rate_limit(rounds))
    results["pool_checkout"] = _checkout(rounds)
    return results


async def _rate_limit(rounds: int) -> dict[str, Any]:
    from redis.asyncio import Redis

    from api.conversation.ratelimit import RedisRateLimiter, sliding_count

    class Pipelined(RedisRateLimiter):
        """The MULTI/EXEC pipeline the Lua script replaced."""

        async def hit(self, key: str, window_seconds: int) -> int:
            now = self._clock()
            window = int(now // window_seconds)
            prefix = f"bdhvs:bench-rate:{key}:{window_seconds}"
            name = f"{prefix}:{window}"
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds * 2)
                pipe.get(f"{prefix}:{window - 1}")
                count, _, previous = await pipe.execute()
            return sliding_count(int(previous or 0), int(count), now, window_seconds)

    calls = 2000
    limiters = {
        "ours": RedisRateLimiter(REDIS_URL, limit=10**9, window_seconds=60),
        "pipeline": Pipelined(REDIS_URL, limit=10**9, window_seconds=60),
    }
    spent: dict[str, list[float]] = {name: [] for name in limiters}
    try:
        for limiter in limiters.values():
            for n in range(100):
                await limiter.hit(f"bench-{n % 50}", 60)
        for _ in range(rounds):
            for name, limiter in limiters.items():
                started = time.process_time()
                for n in range(calls):
                    await limiter.hit(f"bench-{n % 50}", 60)
                spent[name].append((time.process_time() - started) * 1000 / calls)
    finally:
        for limiter in limiters.values():
            await limiter.close()
        scratch = Redis.from_url(REDIS_URL)
        await scratch.flushdb()
        await scratch.aclose()
    return {
        "calls": calls,
        **{
            name: {"cpu_ms_per_call": round(statistics.median(values), 4)}
            for name, values in spent.items()
        },
    }


def _checkout(rounds: int) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    from api.core.db import make_engine

    calls = 2000
    engines = {
        "ours": make_engine(POSTGRES_URL),
        "pool_pre_ping": create_engine(
            POSTGRES_URL, pool_pre_ping=True, pool_size=10, max_overflow=20
        ),
    }

    def checkouts(engine: Any) -> Callable[[], int]:
        def run() -> int:
            for _ in range(calls):
                with engine.connect():
                    pass
            return calls

        return run

    try:
        for engine in engines.values():
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        return {
            "calls": calls,
            **_alternate({n: checkouts(e) for n, e in engines.items()}, rounds),
        }
    finally:
        for engine in engines.values():
            engine.dispose()


def selector(rounds: int) -> dict[str, Any]:
    """The answer selector's reading of a parsed message (bot environment)."""
    import numpy as np
    from rasa.core.agent import Agent

    from bot.components.linear_selector import LinearResponseSelector
    from tools.model import model_path

    parsed: list[Any] = []
    components: list[LinearResponseSelector] = []
    process = LinearResponseSelector.process

    def keep(self: LinearResponseSelector, messages: list[Any]) -> list[Any]:
        components.append(self)
        parsed.extend(messages)
        return process(self, messages)

    # Set before the model is loaded: Rasa's graph binds the method then.
    LinearResponseSelector.process = keep  # type: ignore[method-assign]
    try:
        agent = Agent.load(str(model_path()))
        for text in dev_set_messages():
            asyncio.run(agent.parse_message(text))
    finally:
        LinearResponseSelector.process = process  # type: ignore[method-assign]
    component = components[0]
    assert component.weights is not None and component._idf is not None
    width = len(component._idf)

    def ours() -> int:
        for message in parsed:
            component.probabilities(
                component.weighted(LinearResponseSelector._features([message], width))
            )
        return len(parsed)

    def rasa_and_scikit_learn() -> int:
        assert component.weights is not None
        for message in parsed:
            _, sentence = message.get_sparse_features("text")
            component.probabilities(component.weights.transform(sentence.features))
        return len(parsed)

    same = all(
        np.allclose(
            component.weighted(LinearResponseSelector._features([m], width)).toarray(),
            component.weights.transform(
                m.get_sparse_features("text")[1].features
            ).toarray(),
        )
        for m in parsed[:100]
    )
    return {
        "answer_selector_read": {
            "messages": len(parsed),
            "same_features_as_the_library_path": same,
            **_alternate(
                {"ours": ours, "rasa_and_scikit_learn": rasa_and_scikit_learn}, rounds
            ),
        }
    }


def _readme(results: dict[str, Any]) -> str:
    rows = ["| path | ours, ms CPU a call | replaced path | its ms CPU a call |"]
    rows.append("|---|---:|---|---:|")
    names = {
        "scam_model_read": ("scam model, one message", "scikit_learn"),
        "rate_limit_hit": ("Redis rate-limit hit", "pipeline"),
        "pool_checkout": ("PostgreSQL pool checkout", "pool_pre_ping"),
        "answer_selector_read": (
            "answer selector, one parsed message",
            "rasa_and_scikit_learn",
        ),
    }
    for part in ("gateway", "selector"):
        for key, figures in results.get(part, {}).get("paths", {}).items():
            label, other = names[key]
            rows.append(
                f"| {label} | {figures['ours']['cpu_ms_per_call']} | "
                f"{other.replace('_', ' ')} | {figures[other]['cpu_ms_per_call']} |"
            )
    measured = "; ".join(
        f"{part} {results[part]['measured_at'][:16]} at {results[part]['git_commit']}"
        for part in ("gateway", "selector")
        if part in results
    )
    return f"""{README_START}
## A turn's hot paths, each beside the path it replaced

`make bench` (`python -m tools.bench_hotpaths gateway`, then `selector` in the bot
environment), {measured}, 2 CPUs: each path alone in one process, on the development
set's messages, the two ways alternated, median of the rounds. A gateway turn reads
the scam model once, hits the rate limit twice (address, citizen) and checks out a
pooled connection for each of its few sessions; Rasa reads the answer selector about
once per message (bot/shape.py may parse a message twice).

{chr(10).join(rows)}
{README_END}"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["gateway", "selector"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    paths = gateway(args.rounds) if args.part == "gateway" else selector(args.rounds)
    part = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "command": f"python -m tools.bench_hotpaths {args.part}",
        "machine": _machine(),
        "rounds": args.rounds,
        "paths": paths,
    }
    print(json.dumps(part, indent=2, ensure_ascii=False))
    if args.no_write:
        return
    results = (
        json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    )
    results[args.part] = part
    BENCH.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    put_readme_section(README_START, README_END, _readme(results))


if __name__ == "__main__":
    main(sys.argv[1:])
