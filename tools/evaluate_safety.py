"""`make eval` (safety part): how many scam messages get the warning first, and how
many ordinary questions raise a false alarm.

Reads tests/safety/scam_set.yml and ordinary_set.yml (never used to write rules from:
the rules are tuned on the development half only, and the test half is reported
apart). The halves are fixed by a hash of each message, so they never move. Writes
eval/safety.json and eval/safety.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from api.safety.detector import detect

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "safety"
# A second development set, written apart (tuning only).
DEV_B = ROOT / "tests" / "safety_dev"
OUT = ROOT / "eval"


def split_of(text: str) -> str:
    """'dev' or 'test', fixed for each message."""
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "test"


def load(name: str, folder: Path = SETS) -> list[dict[str, Any]]:
    """The messages of one set."""
    raw = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    return list(raw["messages"])


def _split(split: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The scam and ordinary messages of one part."""
    if split == "dev_b":
        return load("scam_b.yml", DEV_B), load("ordinary_b.yml", DEV_B)
    scam, ordinary = load("scam_set.yml"), load("ordinary_set.yml")
    if split == "all":
        return scam, ordinary
    return (
        [m for m in scam if split_of(m["text"]) == split],
        [m for m in ordinary if split_of(m["text"]) == split],
    )


def _rate(hits: int, total: int) -> dict[str, Any]:
    return {"n": total, "hits": hits, "rate": round(hits / total, 4) if total else None}


def evaluate() -> dict[str, Any]:
    """Caught and false-alarm rates per split, spelling and kind."""
    results: dict[str, Any] = {}
    misses: dict[str, list[str]] = defaultdict(list)
    started = time.perf_counter()
    count = 0
    for split in ("dev", "dev_b", "test", "all"):
        scam, ordinary = _split(split)
        caught: dict[str, list[bool]] = defaultdict(list)
        for message in scam:
            hit = detect(message["text"]) is not None
            count += 1
            for key in ("all", f"style:{message['style']}", f"kind:{message['kind']}"):
                caught[key].append(hit)
            if not hit and split in ("dev", "dev_b"):
                misses["missed"].append(message["text"])
        alarms: dict[str, list[bool]] = defaultdict(list)
        for message in ordinary:
            alert = detect(message["text"])
            count += 1
            for key in (
                "all",
                f"style:{message['style']}",
                f"topic:{message['topic']}",
            ):
                alarms[key].append(alert is not None)
            if alert is not None and split in ("dev", "dev_b"):
                misses["false_alarm"].append(f"{message['text']} ({alert.kind})")
        results[split] = {
            "caught": {k: _rate(sum(v), len(v)) for k, v in sorted(caught.items())},
            "false_alarm": {
                k: _rate(sum(v), len(v)) for k, v in sorted(alarms.items())
            },
        }
    elapsed = time.perf_counter() - started
    results["detector_ms_per_message"] = round(elapsed * 1000 / max(count, 1), 3)
    results["dev_errors"] = dict(misses)
    return results


def _pct(cell: dict[str, Any]) -> str:
    return (
        "–"
        if cell["rate"] is None
        else f"{cell['rate'] * 100:.1f} % ({cell['hits']}/{cell['n']})"
    )


def report(results: dict[str, Any]) -> str:
    """eval/safety.md."""
    lines = [
        "# Safety: scam warnings",
        "",
        "Produced by `make eval` (tools/evaluate_safety.py) from tests/safety/ and",
        "tests/safety_dev/. The rules were tuned on the **dev** half of tests/safety/ and on",
        "**dev_b** (tests/safety_dev/, written apart); the **test** half of tests/safety/",
        "was never looked at message by message: it is the honest figure.",
        "",
    ]
    for split in ("test", "dev", "dev_b", "all"):
        part = results[split]
        lines += [f"## {split}", "", "| scam messages | warned first |", "|---|---|"]
        lines += [f"| {k} | {_pct(v)} |" for k, v in part["caught"].items()]
        lines += ["", "| ordinary questions | false alarm |", "|---|---|"]
        lines += [f"| {k} | {_pct(v)} |" for k, v in part["false_alarm"].items()]
        lines.append("")
    lines.append(
        f"Detector time: {results['detector_ms_per_message']} ms a message (one process)."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Writes eval/safety.json and eval/safety.md; prints the test half's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-dev-errors", action="store_true")
    args = parser.parse_args(argv)
    results = evaluate()
    OUT.mkdir(exist_ok=True)
    (OUT / "safety.json").write_text(
        json.dumps(
            {k: v for k, v in results.items() if k != "dev_errors"},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (OUT / "safety.md").write_text(report(results), encoding="utf-8")
    test = results["test"]
    print(
        "safety (test half): warned first",
        _pct(test["caught"]["all"]),
        "false alarms",
        _pct(test["false_alarm"]["all"]),
    )
    if args.show_dev_errors:
        for kind, texts in results["dev_errors"].items():
            for text in texts:
                print(f"{kind}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
