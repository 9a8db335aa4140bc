"""`make eval` (real phrasing): the trained model on the development set of questions
people really wrote (tests/dev_set/*.yml, collected from public pages by people who had
not seen nlu_data/; never used for training).

Runs in the bot environment, with the action server's own answer decision. For each
message it asks: was the right answer given (answered right), was an answer given that
is not among the right ones (confident-wrong; for a question the knowledge base does
not answer, any answer is wrong), was the assistant unsure, and was a right answer among
the three it would offer. Out-of-scope questions should be turned away, greetings and
thanks recognised. Figures per style, per source kind and per origin (found / written),
in eval/dev_set.json and eval/dev_set.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict
from typing import Any

import yaml

from actions.decision import DEFAULT_FAQ_MARGIN, DEFAULT_FAQ_THRESHOLD
from tools.evaluate import REJECTED, _prediction
from tools.model import ROOT, model_path

DEV_SET = ROOT / "tests" / "dev_set"
OUT = ROOT / "eval"
SMALL_TALK = {"greet": "greet", "thanks": "thank", "goodbye": "goodbye"}


def load() -> list[dict[str, Any]]:
    """Every message of the development set."""
    items = []
    for path in sorted(DEV_SET.glob("*.yml")):
        items += yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return items


def judge(item: dict[str, Any], pred: dict[str, Any]) -> dict[str, bool]:
    """What happened to one message."""
    expected = [str(e) for e in item["expected"]]
    offered = [a for a, _ in pred["ranking"]]
    if expected == ["out_of_scope"]:
        return {
            "rejected": pred["answer"] is None and pred["intent"] in REJECTED | {"faq"}
        }
    if expected[0] in SMALL_TALK:
        return {"small_talk": pred["intent"] == SMALL_TALK[expected[0]]}
    if expected == ["none"]:
        return {
            "not_answered": pred["answer"] is None,
            "wrong": pred["answer"] is not None,
        }
    return {
        "right": pred["answer"] in expected,
        "wrong": pred["answer"] is not None and pred["answer"] not in expected,
        "unsure": pred["answer"] is None,
        "in_offer": any(a in expected for a in offered),
    }


def _rate(values: list[bool]) -> dict[str, Any]:
    return {
        "n": len(values),
        "rate": round(sum(values) / len(values), 4) if values else None,
    }


def evaluate(threshold: float, margin: float) -> dict[str, Any]:
    """Parses every message and groups the outcomes."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path()))
    loop = asyncio.new_event_loop()
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    examples: dict[str, list[str]] = defaultdict(list)
    for item in load():
        parse = loop.run_until_complete(agent.parse_message(item["text"]))
        pred = _prediction(parse, threshold, margin)
        outcome = judge(item, pred)
        keys = [
            "all",
            f"style:{item['style']}",
            f"source:{item['source_kind']}",
            f"origin:{item['origin']}",
        ]
        for key in keys:
            for name, value in outcome.items():
                groups[key][name].append(value)
        if outcome.get("wrong") and len(examples["wrong"]) < 25:
            examples["wrong"].append(f"{item['text'][:120]} -> {pred['answer']}")
    loop.close()
    return {
        "threshold": threshold,
        "margin": margin,
        "model": model_path().name,
        "groups": {
            key: {name: _rate(values) for name, values in sorted(metrics.items())}
            for key, metrics in sorted(groups.items())
        },
        "wrong_examples": examples["wrong"],
    }


LABELS = {
    "right": "answered right",
    "wrong": "confident-wrong",
    "unsure": "unsure",
    "in_offer": "right answer in the offer",
    "not_answered": "KB lacks it: not answered",
    "rejected": "out of scope turned away",
    "small_talk": "greeting/thanks recognised",
}


def report(results: dict[str, Any]) -> str:
    """eval/dev_set.md."""
    columns = list(LABELS)
    lines = [
        "# Real phrasing: the development set",
        "",
        f"`make eval` (tools/evaluate_dev.py), model `{results['model']}`, threshold "
        f"{results['threshold']}, margin {results['margin']}. Questions people wrote, from "
        "public pages (tests/dev_set/); `written` rows were written from real situations "
        "and are reported apart. For a question the knowledge base lacks, any answer "
        "is wrong.",
        "",
        "| group | " + " | ".join(LABELS[c] for c in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for key, metrics in results["groups"].items():
        cells = []
        for c in columns:
            cell = metrics.get(c)
            cells.append(
                "–"
                if not cell or cell["rate"] is None
                else f"{cell['rate'] * 100:.0f} % ({cell['n']})"
            )
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Writes eval/dev_set.json and eval/dev_set.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=DEFAULT_FAQ_THRESHOLD)
    parser.add_argument("--margin", type=float, default=DEFAULT_FAQ_MARGIN)
    args = parser.parse_args(argv)
    results = evaluate(args.threshold, args.margin)
    OUT.mkdir(exist_ok=True)
    (OUT / "dev_set.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (OUT / "dev_set.md").write_text(report(results), encoding="utf-8")
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
