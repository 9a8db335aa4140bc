"""`make eval` (safety part): how many scam messages get the warning first, and how
many ordinary questions raise a false alarm.

Two kinds of data, kept apart:
- seeds/safety/examples/ (sets A-J): the rules were tuned on sets A-D
  and H-J and the detector's model is trained on all of them (sets E and G-J were
  held-out test sets, each measured once as such before they joined the examples). The thresholds that combine rules and model
  are chosen here by 5-fold cross-validation on these examples (the model of each
  fold never saw the fold's messages).
- tests/safety/ (the held-out test set): never tuned or trained on; its figures are
  the honest ones.

Writes eval/safety.json and eval/safety.md (figures per spelling, kind and topic,
and the trade-off table behind the chosen thresholds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from sklearn.model_selection import StratifiedKFold

from api.safety.detector import Detector, Thresholds, normalized
from api.safety.model import Example, ScamModel, examples_dir

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "safety"
EXAMPLES = examples_dir(ROOT / "seeds")
OUT = ROOT / "eval"
# The false-alarm rate the thresholds may cost at most (cross-validated); the target
# on the held-out set is 2 %.
MAX_FALSE_ALARMS = 0.015
RAISE_GRID = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
VETO_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def load(path: Path) -> list[dict[str, Any]]:
    """The messages of one file."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def examples_with_labels() -> list[dict[str, Any]]:
    """Every example message, with its set (A to G) and label."""
    rows = []
    for path in sorted(EXAMPLES.glob("*.yml")):
        scam = path.name.startswith("scam_")
        for m in load(path):
            rows.append({**m, "scam": scam, "set": path.stem.split("_")[-1]})
    return rows


def test_set(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The held-out messages: the first set (scam_set.yml, ordinary_set.yml) and any
    later one (scam_set_<name>.yml, ordinary_set_<name>.yml), each tagged with its set
    and with whether one of ``examples`` cites the same page."""
    # The pages are few: a test message may paraphrase a case an example paraphrases
    # too. Its figures are also given apart.
    seen = {m.get("source_url") for m in examples} - {None}
    rows = []
    for path in sorted(TEST.glob("*_set*.yml")):
        name = path.stem.partition("_set")[2].lstrip("_") or "first"
        scam = path.name.startswith("scam_")
        rows += [
            {
                **m,
                "scam": scam,
                "set": name,
                "held_out": True,
                "page": "cited by an example"
                if m.get("source_url") in seen
                else "cited by no example",
            }
            for m in load(path)
        ]
    return rows


def _rate(hits: int, total: int) -> dict[str, Any]:
    return {"n": total, "hits": hits, "rate": round(hits / total, 4) if total else None}


def figures(
    rows: Iterable[dict[str, Any]], alerted: Callable[[int, dict[str, Any]], bool]
) -> dict[str, Any]:
    """Caught (scam) and false-alarm (ordinary) rates, overall and per group."""
    caught: dict[str, list[bool]] = defaultdict(list)
    alarms: dict[str, list[bool]] = defaultdict(list)
    for i, m in enumerate(rows):
        hit = alerted(i, m)
        held_out = (
            (f"set:{m['set']}", f"set:{m['set']} style:{m['style']}")
            if m.get("held_out")
            else ()
        )
        if m["scam"]:
            page = (f"page:{m['page']}",) if m.get("page") else ()
            keys = ("all", *held_out, *page, f"style:{m['style']}", f"kind:{m['kind']}")
            for key in keys:
                caught[key].append(hit)
        else:
            for key in ("all", *held_out, f"style:{m['style']}", f"topic:{m['topic']}"):
                alarms[key].append(hit)
    return {
        "caught": {k: _rate(sum(v), len(v)) for k, v in sorted(caught.items())},
        "false_alarm": {k: _rate(sum(v), len(v)) for k, v in sorted(alarms.items())},
    }


def _examples(rows: list[dict[str, Any]]) -> list[Example]:
    return [Example(m["text"], m.get("kind") if m["scam"] else None) for m in rows]


def cross_validated(rows: list[dict[str, Any]]) -> list[tuple[bool, float]]:
    """For each example: did the rules fire, and the P(scam) of a model that never
    saw it (5 folds)."""
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    labels = [m["scam"] for m in rows]
    out: list[tuple[bool, float]] = [(False, 0.0)] * len(rows)
    rules_only = Detector(None)
    for number, (train, held) in enumerate(folds.split(rows, labels), 1):
        print(f"safety cross-validation: fold {number}/5", file=sys.stderr, flush=True)
        model = ScamModel(_examples([rows[i] for i in train]), normalized)
        for i in held:
            words = normalized(rows[i]["text"])
            out[i] = (
                rules_only.detect(rows[i]["text"]) is not None,
                model.probability(words),
            )
    return out


def _decide(rule: bool, p: float, t: Thresholds) -> bool:
    return (rule and p >= t.veto_below) or (not rule and p >= t.raise_at)


def trade_off(
    rows: list[dict[str, Any]], cv: list[tuple[bool, float]]
) -> list[dict[str, Any]]:
    """Cross-validated caught / false-alarm rates over the threshold grid."""
    table = []
    scam = [i for i, m in enumerate(rows) if m["scam"]]
    ordinary = [i for i, m in enumerate(rows) if not m["scam"]]
    for raise_at in RAISE_GRID:
        for veto in VETO_GRID:
            t = Thresholds(raise_at=raise_at, veto_below=veto)
            table.append(
                {
                    "raise_at": raise_at,
                    "veto_below": veto,
                    "caught": round(
                        sum(_decide(*cv[i], t) for i in scam) / len(scam), 4
                    ),
                    "false_alarm": round(
                        sum(_decide(*cv[i], t) for i in ordinary) / len(ordinary), 4
                    ),
                }
            )
    return table


def choose(table: list[dict[str, Any]]) -> dict[str, Any]:
    """The most scams caught within MAX_FALSE_ALARMS (then the fewest alarms)."""
    allowed = [r for r in table if r["false_alarm"] <= MAX_FALSE_ALARMS]
    return max(allowed, key=lambda r: (r["caught"], -r["false_alarm"], r["raise_at"]))


def evaluate() -> dict[str, Any]:
    rows = examples_with_labels()
    cv = cross_validated(rows)
    table = trade_off(rows, cv)
    chosen = choose(table)
    in_use = Thresholds()
    detector = Detector.from_seeds(ROOT / "seeds")
    rules_only = Detector(None)
    test = test_set(rows)
    started = time.perf_counter()
    verdicts = [detector.detect(m["text"]) is not None for m in test]
    per_message_ms = (time.perf_counter() - started) * 1000 / len(test)
    return {
        "examples": len(rows),
        "thresholds_in_use": {
            "raise_at": in_use.raise_at,
            "veto_below": in_use.veto_below,
        },
        "thresholds_chosen_by_cv": chosen,
        "cross_validated": figures(rows, lambda i, _: _decide(*cv[i], in_use)),
        "cross_validated_rules_only": figures(rows, lambda i, _: cv[i][0]),
        "test": figures(test, lambda i, _: verdicts[i]),
        "test_rules_only": figures(
            test, lambda _, m: rules_only.detect(m["text"]) is not None
        ),
        "trade_off": table,
        "detector_ms_per_message": round(per_message_ms, 3),
    }


def _pct(cell: dict[str, Any]) -> str:
    if cell["rate"] is None:
        return "–"
    return f"{cell['rate'] * 100:.1f} % ({cell['hits']}/{cell['n']})"


def _tables(part: dict[str, Any]) -> list[str]:
    lines = ["| scam messages | warned first |", "|---|---|"]
    lines += [f"| {k} | {_pct(v)} |" for k, v in part["caught"].items()]
    lines += ["", "| ordinary questions | false alarm |", "|---|---|"]
    lines += [f"| {k} | {_pct(v)} |" for k, v in part["false_alarm"].items()]
    return [*lines, ""]


def report(results: dict[str, Any]) -> str:
    """eval/safety.md."""
    used, chosen = results["thresholds_in_use"], results["thresholds_chosen_by_cv"]
    lines = [
        "# Safety: scam warnings",
        "",
        "Produced by `make eval` (tools/evaluate_safety.py). The detector is the rules of",
        "api/safety/detector.py with a second opinion from a model trained on the",
        f"{results['examples']} example messages of seeds/safety/examples/ (sets A to J; the rules were written on A to D and H to J; E and G to J were held-out sets, measured once before they joined).",
        "The **test** set (tests/safety/) was never tuned or trained on: it is the honest",
        "figure. The cross-validated figures are on the examples, each message judged by",
        "a model that never saw it (the rules, though, were tuned on all of them).",
        "",
        f"Thresholds in use: raise an alert the rules missed at P(scam) ≥ {used['raise_at']},"
        f" silence a rule's alert at P(scam) < {used['veto_below']}. Chosen by"
        f" cross-validation (most scams caught with at most {MAX_FALSE_ALARMS * 100:.1f} %"
        f" false alarms): raise ≥ {chosen['raise_at']}, silence < {chosen['veto_below']}.",
        "",
        "## Held-out test set",
        "",
        "Rules and model:",
        "",
        *_tables(results["test"]),
        "Rules alone, for comparison: warned first "
        + _pct(results["test_rules_only"]["caught"]["all"])
        + ", false alarms "
        + _pct(results["test_rules_only"]["false_alarm"]["all"])
        + ".",
        "",
        "## Examples, cross-validated",
        "",
        *_tables(results["cross_validated"]),
        "Rules alone on the examples they were tuned on: warned first "
        + _pct(results["cross_validated_rules_only"]["caught"]["all"])
        + ", false alarms "
        + _pct(results["cross_validated_rules_only"]["false_alarm"]["all"])
        + ".",
        "",
        "## Trade-off (cross-validated on the examples)",
        "",
        "| raise at P ≥ | silence at P < | warned first | false alarms |",
        "|---|---|---|---|",
    ]
    for r in results["trade_off"]:
        if r["veto_below"] in (0.0, 0.1, 0.2):
            lines.append(
                f"| {r['raise_at']} | {r['veto_below']} | {r['caught'] * 100:.1f} % |"
                f" {r['false_alarm'] * 100:.1f} % |"
            )
    lines += [
        "",
        f"Detector time: {results['detector_ms_per_message']} ms a message (one process;"
        " `make security` measures it on the gateway).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Writes eval/safety.json and eval/safety.md; prints the held-out figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    results = evaluate()
    OUT.mkdir(exist_ok=True)
    (OUT / "safety.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (OUT / "safety.md").write_text(report(results), encoding="utf-8")
    test = results["test"]
    print(
        "safety (held-out test): warned first",
        _pct(test["caught"]["all"]),
        "false alarms",
        _pct(test["false_alarm"]["all"]),
        "| thresholds chosen by CV:",
        results["thresholds_chosen_by_cv"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
