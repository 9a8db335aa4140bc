"""`make eval` (real phrasing): the trained model on the development set of questions
people really wrote (tests/dev_set/*.yml, collected from public pages by people who had
not seen nlu_data/; never used for training).

Runs in the bot environment, with the action server's own answer decision. For each
message it asks: was the right answer given (answered right), was an answer given that
is not among the right ones (confident-wrong; for a question the knowledge base does
not answer, any answer is wrong), was the assistant unsure, and was a right answer among
the three it would offer. Out-of-scope questions should be turned away, greetings and
thanks recognised. Every accented message is also sent with its diacritics stripped
(group ``variant:stripped``), as citizens type on phones.

The answer threshold and margin (actions/decision.py) are chosen here: 5-fold
cross-validation over the development set picks, on four folds, the pair that answers
most questions right with at most MAX_WRONG confident-wrong, and judges the fifth with
it; the figures reported are those of the held folds. The pair chosen on the whole set
is the recommendation. Writes eval/dev_set.json, eval/dev_set.md, the answer-rate /
precision curve eval/answer_rate_precision.png, and its table into eval/report.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import yaml
from tqdm import tqdm

from actions.decision import (
    DEFAULT_FAQ_MARGIN,
    DEFAULT_FAQ_THRESHOLD,
    confident_answer,
    selector_ranking,
)
from bot.components.normalize import fold
from tools.evaluate import REJECTED
from tools.model import ROOT, model_path

DEV_SET = ROOT / "tests" / "dev_set"
OUT = ROOT / "eval"
SMALL_TALK = {"greet": "greet", "thanks": "thank", "goodbye": "goodbye"}
MAX_WRONG = 0.03
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
MARGINS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15)
FOLDS = 5
REPORT_START = "<!-- dev-set:start (written by tools/evaluate_dev.py) -->"
REPORT_END = "<!-- dev-set:end -->"


def load() -> list[dict[str, Any]]:
    """Every message of the development set (and a stripped copy of accented ones)."""
    items = []
    for path in sorted(DEV_SET.glob("*.yml")):
        items += yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    stripped = [
        {**item, "text": fold(item["text"]), "variant": "stripped"}
        for item in items
        if item["style"] != "no_diacritics"
        and fold(item["text"]) != item["text"].lower()
    ]
    return items + stripped


def fold_of(item: dict[str, Any]) -> int:
    """The cross-validation fold of a message (its stripped copy goes with it)."""
    return hashlib.sha256(fold(item["text"]).encode()).digest()[0] % FOLDS


def judge(
    item: dict[str, Any],
    intent: str,
    ranking: list[tuple[str, float]],
    t: float,
    m: float,
) -> dict[str, bool]:
    """What happened to one message with threshold ``t`` and margin ``m``."""
    answer = confident_answer(ranking, t, m) if intent == "faq" else None
    expected = [str(e) for e in item["expected"]]
    offered = [a for a, _ in ranking[:3]]
    if expected == ["out_of_scope"]:
        return {"rejected": answer is None and intent in REJECTED | {"faq"}}
    if expected[0] in SMALL_TALK:
        return {"small_talk": intent == SMALL_TALK[expected[0]]}
    if expected == ["none"]:
        return {"not_answered": answer is None, "wrong": answer is not None}
    return {
        "right": answer in expected,
        "wrong": answer is not None and answer not in expected,
        "unsure": answer is None,
        "in_offer": any(a in expected for a in offered),
    }


def parse_all(items: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, float]]]]:
    """(intent, answer ranking) of every message, parsed once by the trained model."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path()))
    loop = asyncio.new_event_loop()
    parses = []
    for item in tqdm(items, desc="development set", unit="msg", mininterval=2):
        parse = loop.run_until_complete(agent.parse_message(item["text"]))
        parses.append((parse["intent"]["name"], selector_ranking(parse)))
    loop.close()
    return parses


def _score(outcomes: Iterable[dict[str, bool]]) -> tuple[float, float]:
    """(answered right among questions the KB answers, confident-wrong among the
    in-scope questions, answered or not in the KB)."""
    right = wrong = in_kb = in_scope = 0
    for o in outcomes:
        if "right" in o:
            in_kb += 1
            right += o["right"]
        if "wrong" in o:
            in_scope += 1
            wrong += o["wrong"]
    return right / max(in_kb, 1), wrong / max(in_scope, 1)


def choose(
    items: list[dict[str, Any]], parses: list[Any], indices: list[int]
) -> tuple[float, float]:
    """The (threshold, margin) answering most right with confident-wrong ≤ MAX_WRONG."""
    best: tuple[float, float, float, float] | None = None
    for t in THRESHOLDS:
        for m in MARGINS:
            right, wrong = _score(judge(items[i], *parses[i], t, m) for i in indices)
            if wrong <= MAX_WRONG and (best is None or (right, -wrong) > best[:2]):
                best = (right, -wrong, t, m)
    if best is None:  # nothing is that safe: the most cautious pair
        return THRESHOLDS[-1], MARGINS[-1]
    return best[2], best[3]


def group_keys(item: dict[str, Any]) -> list[str]:
    keys = [
        "all",
        f"style:{item['style']}",
        f"source:{item['source_kind']}",
        f"origin:{item['origin']}",
    ]
    if item.get("variant"):
        keys = ["variant:stripped", *(k + " (stripped)" for k in keys[1:2])]
    return keys


def grouped(
    items: list[dict[str, Any]], outcomes: list[dict[str, bool]]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for item, outcome in zip(items, outcomes, strict=True):
        for key in group_keys(item):
            for name, value in outcome.items():
                groups[key][name].append(value)
    return {
        key: {name: _rate(values) for name, values in sorted(metrics.items())}
        for key, metrics in sorted(groups.items())
    }


def _rate(values: list[bool]) -> dict[str, Any]:
    return {
        "n": len(values),
        "rate": round(sum(values) / len(values), 4) if values else None,
    }


def curve(
    items: list[dict[str, Any]], parses: list[Any], margin: float
) -> list[dict[str, Any]]:
    """Answer rate and precision (right among answers given) over thresholds, on the
    questions the knowledge base answers."""
    rows = []
    in_kb = [
        i
        for i, item in enumerate(items)
        if str(item["expected"][0]) not in {"none", "out_of_scope", *SMALL_TALK}
    ]
    for t in (0.05, *THRESHOLDS, 0.7, 0.8):
        outcomes = [judge(items[i], *parses[i], t, margin) for i in in_kb]
        answered = sum(o["right"] or o["wrong"] for o in outcomes)
        right = sum(o["right"] for o in outcomes)
        rows.append(
            {
                "threshold": t,
                "answer_rate": round(answered / len(outcomes), 4),
                "precision": round(right / answered, 4) if answered else None,
                "answered_right": round(right / len(outcomes), 4),
            }
        )
    return rows


def evaluate(threshold: float | None, margin: float | None) -> dict[str, Any]:
    """Parses every message once; cross-validates the threshold choice."""
    items = load()
    parses = parse_all(items)
    everything = list(range(len(items)))
    chosen_t, chosen_m = choose(items, parses, everything)
    held: list[dict[str, bool]] = [{}] * len(items)
    per_fold = []
    for k in range(FOLDS):
        train = [i for i in everything if fold_of(items[i]) != k]
        t, m = choose(items, parses, train)
        per_fold.append({"fold": k, "threshold": t, "margin": m})
        for i in everything:
            if fold_of(items[i]) == k:
                held[i] = judge(items[i], *parses[i], t, m)
    used_t = DEFAULT_FAQ_THRESHOLD if threshold is None else threshold
    used_m = DEFAULT_FAQ_MARGIN if margin is None else margin
    in_use = [judge(items[i], *parses[i], used_t, used_m) for i in everything]
    return {
        "model": model_path().name,
        "messages": len([i for i in items if not i.get("variant")]),
        "max_wrong": MAX_WRONG,
        "chosen": {"threshold": chosen_t, "margin": chosen_m},
        "folds": per_fold,
        "cross_validated": grouped(items, held),
        "in_use": {
            "threshold": used_t,
            "margin": used_m,
            "groups": grouped(items, in_use),
        },
        "curve": curve(items, parses, chosen_m),
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


def _table(groups: dict[str, dict[str, Any]]) -> list[str]:
    columns = list(LABELS)
    lines = [
        "| group | " + " | ".join(LABELS[c] for c in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for key, metrics in groups.items():
        cells = []
        for c in columns:
            cell = metrics.get(c)
            cells.append(
                "–"
                if not cell or cell["rate"] is None
                else f"{cell['rate'] * 100:.0f} % ({cell['n']})"
            )
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def curve_table(results: dict[str, Any]) -> list[str]:
    lines = [
        f"Answer rate against precision on the development set's questions the knowledge "
        f"base answers (margin {results['chosen']['margin']}; "
        "eval/answer_rate_precision.png):",
        "",
        "| threshold | answered | precision (right among answered) | answered right |",
        "|---|---|---|---|",
    ]
    for r in results["curve"]:
        precision = "–" if r["precision"] is None else f"{r['precision'] * 100:.1f} %"
        lines.append(
            f"| {r['threshold']} | {r['answer_rate'] * 100:.1f} % | {precision} |"
            f" {r['answered_right'] * 100:.1f} % |"
        )
    return lines


def report(results: dict[str, Any]) -> str:
    """eval/dev_set.md."""
    chosen, used = results["chosen"], results["in_use"]
    folds = ", ".join(f"{f['threshold']}/{f['margin']}" for f in results["folds"])
    lines = [
        "# Real phrasing: the development set",
        "",
        f"`make eval` (tools/evaluate_dev.py), model `{results['model']}`,"
        f" {results['messages']} messages people wrote (tests/dev_set/), plus each"
        " accented one again with its diacritics stripped. For a question the knowledge"
        " base lacks, any answer is wrong.",
        "",
        "## Cross-validated (the threshold and margin chosen on the other four folds)",
        "",
        f"Chosen per fold (threshold/margin): {folds}. On the whole set: threshold"
        f" {chosen['threshold']}, margin {chosen['margin']} (most answered right with"
        f" at most {results['max_wrong'] * 100:.0f} % confident-wrong).",
        "",
        *_table(results["cross_validated"]),
        "",
        f"## With the thresholds in use (threshold {used['threshold']}, margin"
        f" {used['margin']})",
        "",
        *_table(used["groups"]),
        "",
        "## Answer rate and precision",
        "",
        *curve_table(results),
    ]
    return "\n".join(lines) + "\n"


def write_curve(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["curve"] if r["precision"] is not None]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.plot(
        [r["answer_rate"] for r in rows], [r["precision"] for r in rows], marker="o"
    )
    for r in rows:
        ax.annotate(str(r["threshold"]), (r["answer_rate"], r["precision"]), fontsize=7)
    ax.set_xlabel("answered directly (share of questions the KB answers)")
    ax.set_ylabel("precision (right among answered)")
    ax.set_title(f"Answer rate vs precision, model {results['model'][:8]}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(OUT / "answer_rate_precision.png", dpi=110)
    plt.close(fig)


def _into_report(results: dict[str, Any]) -> None:
    """Puts the curve's table into eval/report.md between markers."""
    path = OUT / "report.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = "\n".join(
        [
            REPORT_START,
            "## Real phrasing: answer rate and precision",
            "",
            *curve_table(results),
            REPORT_END,
        ]
    )
    if REPORT_START in text:
        head, _, rest = text.partition(REPORT_START)
        text = head + section + rest.partition(REPORT_END)[2]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Writes eval/dev_set.json, eval/dev_set.md and the curve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--margin", type=float, default=None)
    args = parser.parse_args(argv)
    results = evaluate(args.threshold, args.margin)
    OUT.mkdir(exist_ok=True)
    (OUT / "dev_set.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (OUT / "dev_set.md").write_text(report(results), encoding="utf-8")
    write_curve(results)
    _into_report(results)
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
