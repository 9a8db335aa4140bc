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

The answer decision's parameters (actions/decision.py) are chosen here: 5-fold
cross-validation over the development set picks, on four folds, the rule that answers
most questions right with at most MAX_WRONG confident-wrong (and the offer weight that
puts the right answer among the three offered most often), and judges the fifth with
it; the figures reported are those of the held folds. The rule chosen on the whole set
is the recommendation. Candidate rules: the classifier alone (threshold, margin), the
classifier with a lower threshold for messages of more than so many words, and the
classifier confirmed by the retrieval (its own threshold and margin too); the
classifier-alone family is also cross-validated on its own, as the baseline, and so is
the family with the length. Writes eval/dev_set.json, eval/dev_set.md, the answer-rate /
precision curve eval/answer_rate_precision.png, and its table into eval/report.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, fields, replace
from typing import Any

import yaml
from tqdm import tqdm

from actions.decision import (
    AnswerPolicy,
    Ranking,
    answer_to_give,
    message_words,
    offer_ranking,
    selector_ranking,
)
from actions.retrieval import get_index
from bot.shape import DEFAULT_MIN_CONFIDENCE, model_classifier, question_of
from textnorm import fold
from tools.evaluate import REJECTED, long_rule
from tools.model import ROOT, model_path

DEV_SET = ROOT / "tests" / "dev_set"
OUT = ROOT / "eval"
SMALL_TALK = {"greet": "greet", "thanks": "thank", "goodbye": "goodbye"}
MAX_WRONG = 0.03
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9)
MARGINS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15)
RETRIEVAL_THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
RETRIEVAL_MARGINS = (0.0, 0.02, 0.05, 0.08, 0.1)
OFFER_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
# Where a message counts as long, in words (actions/decision.py, message_words).
LONG_WORDS = (15, 20, 25, 30)
# The classifier alone (the rule before the retrieval), then confirmed by it; both with
# one threshold for every length of message.
CLASSIFIER_ALONE = [
    AnswerPolicy(t, m, None, 0.0, 1.0, long_threshold=None)
    for t in THRESHOLDS
    for m in MARGINS
]
WITH_RETRIEVAL = [
    AnswerPolicy(t, m, rt, rm, 1.0, long_threshold=None)
    for t in THRESHOLDS
    for m in MARGINS
    for rt in RETRIEVAL_THRESHOLDS
    for rm in RETRIEVAL_MARGINS
]
# The classifier alone, with a lower threshold for long messages.
BY_LENGTH = [
    AnswerPolicy(t, m, None, 0.0, 1.0, long_threshold, words)
    for t in THRESHOLDS
    for long_threshold in THRESHOLDS
    if long_threshold < t
    for words in LONG_WORDS
    for m in MARGINS
]
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


# intent, classifier ranking, retrieval ranking, words of the text the model parsed
Parse = tuple[str, Ranking, Ranking, int]


def judge(
    item: dict[str, Any], intent: str, answer: str | None, offered: list[str]
) -> dict[str, bool]:
    """What happened to one message given the ``answer`` the decision chose (only an
    FAQ intent is answered) and the answers it would have ``offered``."""
    answer = answer if intent == "faq" else None
    expected = [str(e) for e in item["expected"]]
    if expected == ["out_of_scope"]:
        return {"rejected": answer is None and intent in REJECTED | {"faq"}}
    if expected[0] in SMALL_TALK:
        return {"small_talk": intent == SMALL_TALK[expected[0]]}
    # Answers judged to answer the question only in part: still wrong (the citizen
    # is not answered), counted apart as well to show how much of the wrong is that.
    partial = [str(p) for p in item.get("partial") or []]
    if expected == ["none"]:
        return {
            "not_answered": answer is None,
            "wrong": answer is not None,
            "partly": answer is not None and answer in partial,
        }
    return {
        "right": answer in expected,
        "wrong": answer is not None and answer not in expected,
        "partly": answer is not None and answer in partial,
        "unsure": answer is None,
        "in_offer": any(a in expected for a in offered[:3]),
    }


def parse_all(
    items: list[dict[str, Any]], min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> tuple[list[Parse], int]:
    """(intent, classifier ranking, retrieval ranking, words) of every message, parsed once
    by the trained model and the action server's retrieval index, after the greeting
    or thanks around its question is dropped as the gateway channel drops it
    (bot/shape.py; ``min_confidence`` above 1 keeps every message whole); and how
    many messages lost such a part."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path()))
    index = get_index()
    loop = asyncio.new_event_loop()
    classify = model_classifier(agent)
    parses, shaped = [], 0
    for item in tqdm(items, desc="development set", unit="msg", mininterval=2):
        text = item["text"]
        if min_confidence <= 1.0:
            question = loop.run_until_complete(
                question_of(text, classify, min_confidence)
            )
            shaped += question.changed
            text = question.question
        parse = loop.run_until_complete(agent.parse_message(text))
        parses.append(
            (
                parse["intent"]["name"],
                selector_ranking(parse),
                index.rank(text),
                message_words(text),
            )
        )
    loop.close()
    return parses, shaped


class Outcomes:
    """Judges every message under a policy once: the folds reuse the judgements."""

    def __init__(self, items: list[dict[str, Any]], parses: list[Parse]) -> None:
        self.items, self.parses = items, parses
        self._answers: dict[AnswerPolicy, list[str | None]] = {}
        self._offers: dict[float, list[list[str]]] = {}

    def answers(self, policy: AnswerPolicy) -> list[str | None]:
        key = replace(policy, offer_weight=1.0)  # the answer does not depend on it
        if key not in self._answers:
            self._answers[key] = [
                answer_to_give(selector, retrieval, policy, words=words)
                for _, selector, retrieval, words in self.parses
            ]
        return self._answers[key]

    def offers(self, weight: float) -> list[list[str]]:
        if weight not in self._offers:
            self._offers[weight] = [
                [a for a, _ in offer_ranking(selector, retrieval, weight)[:3]]
                for _, selector, retrieval, _ in self.parses
            ]
        return self._offers[weight]

    def judge(
        self, policy: AnswerPolicy, indices: Iterable[int]
    ) -> list[dict[str, bool]]:
        answers, offers = self.answers(policy), self.offers(policy.offer_weight)
        return [
            judge(self.items[i], self.parses[i][0], answers[i], offers[i])
            for i in indices
        ]


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
    outcomes: Outcomes,
    indices: list[int],
    candidates: list[AnswerPolicy],
    offer_weights: Iterable[float] = OFFER_WEIGHTS,
) -> AnswerPolicy:
    """The candidate answering most right with confident-wrong ≤ MAX_WRONG, with the
    offer weight that puts a right answer among the three offered most often."""
    best: tuple[float, float, AnswerPolicy] | None = None
    for policy in candidates:
        right, wrong = _score(outcomes.judge(policy, indices))
        if wrong <= MAX_WRONG and (best is None or (right, -wrong) > best[:2]):
            best = (right, -wrong, policy)
    # Nothing is that safe: the most cautious candidate.
    chosen = candidates[-1] if best is None else best[2]
    in_kb = [i for i in indices if "in_offer" in outcomes.judge(chosen, [i])[0]]
    weight = max(
        offer_weights,
        key=lambda w: sum(
            o["in_offer"]
            for o in outcomes.judge(replace(chosen, offer_weight=w), in_kb)
        ),
    )
    return replace(chosen, offer_weight=weight)


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


def curve(outcomes: Outcomes, chosen: AnswerPolicy) -> list[dict[str, Any]]:
    """Answer rate and precision (right among answers given) over the threshold that
    gates the chosen rule (the retrieval's when it has one), its other parameters
    kept, on the questions the knowledge base answers."""
    rows = []
    in_kb = [
        i
        for i, item in enumerate(outcomes.items)
        if str(item["expected"][0]) not in {"none", "out_of_scope", *SMALL_TALK}
    ]
    if chosen.retrieval_threshold is None:
        # A lower threshold for long messages moves with the other, the same
        # distance below it.
        below = (
            0.0
            if chosen.long_threshold is None
            else chosen.threshold - chosen.long_threshold
        )
        policies = [
            (
                t,
                replace(
                    chosen,
                    threshold=t,
                    long_threshold=None
                    if chosen.long_threshold is None
                    else round(max(t - below, 0.0), 4),
                ),
            )
            for t in sorted({0.05, *THRESHOLDS[1:], 0.7, 0.8})
        ]
    else:
        policies = [
            (t, replace(chosen, retrieval_threshold=t))
            for t in (0.1, 0.15, *RETRIEVAL_THRESHOLDS, 0.6, 0.7)
        ]
    for t, policy in policies:
        judged = outcomes.judge(policy, in_kb)
        answered = sum(o["right"] or o["wrong"] for o in judged)
        right = sum(o["right"] for o in judged)
        rows.append(
            {
                "threshold": t,
                "answer_rate": round(answered / len(judged), 4),
                "precision": round(right / answered, 4) if answered else None,
                "answered_right": round(right / len(judged), 4),
            }
        )
    return rows


def cross_validate(
    outcomes: Outcomes,
    candidates: list[AnswerPolicy],
    offer_weights: Iterable[float] = OFFER_WEIGHTS,
) -> tuple[list[dict[str, bool]], list[AnswerPolicy]]:
    """Each message judged by the rule chosen on the other folds; the rules chosen."""
    items = outcomes.items
    everything = list(range(len(items)))
    held: list[dict[str, bool]] = [{}] * len(items)
    per_fold = []
    for k in range(FOLDS):
        train = [i for i in everything if fold_of(items[i]) != k]
        policy = choose(outcomes, train, candidates, tuple(offer_weights))
        per_fold.append(policy)
        test = [i for i in everything if fold_of(items[i]) == k]
        for i, outcome in zip(test, outcomes.judge(policy, test), strict=True):
            held[i] = outcome
    return held, per_fold


def summary(held: list[dict[str, bool]]) -> dict[str, float]:
    """Answered right, confident-wrong and right-in-offer rates of judged messages."""
    right, wrong = _score(held)
    offer = [o["in_offer"] for o in held if "in_offer" in o]
    return {
        "right": round(right, 4),
        "wrong": round(wrong, 4),
        "in_offer": round(sum(offer) / max(len(offer), 1), 4),
    }


def evaluate(
    in_use: AnswerPolicy, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> dict[str, Any]:
    """Parses every message once; cross-validates the choice of rule."""
    items = load()
    parses, shaped = parse_all(items, min_confidence)
    outcomes = Outcomes(items, parses)
    everything = list(range(len(items)))
    candidates = CLASSIFIER_ALONE + BY_LENGTH + WITH_RETRIEVAL
    chosen = choose(outcomes, everything, candidates)
    held, per_fold = cross_validate(outcomes, candidates)
    baseline, _ = cross_validate(outcomes, CLASSIFIER_ALONE, offer_weights=(1.0,))
    by_length, _ = cross_validate(
        outcomes, CLASSIFIER_ALONE + BY_LENGTH, offer_weights=(1.0,)
    )
    return {
        "model": model_path().name,
        "messages": len([i for i in items if not i.get("variant")]),
        "shaping": {"min_confidence": min_confidence, "shaped": shaped},
        "max_wrong": MAX_WRONG,
        "chosen": asdict(chosen),
        "folds": [asdict(p) for p in per_fold],
        "compared": {
            "classifier alone": summary(baseline),
            "classifier, with a threshold for long messages": summary(by_length),
            "any of these, or classifier confirmed by retrieval": summary(held),
        },
        "cross_validated": grouped(items, held),
        "in_use": {
            "policy": asdict(in_use),
            "groups": grouped(items, outcomes.judge(in_use, everything)),
        },
        "curve": curve(outcomes, chosen),
    }


LABELS = {
    "right": "answered right",
    "wrong": "confident-wrong",
    "partly": "of which answering in part",
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


def describe(policy: dict[str, Any]) -> str:
    """A rule in words, for the reports."""
    text = (
        f"classifier ≥ {policy['threshold']}{long_rule(policy)},"
        f" lead ≥ {policy['margin']}"
    )
    if policy["retrieval_threshold"] is not None:
        text += (
            f"; retrieval agrees, ≥ {policy['retrieval_threshold']}, lead ≥"
            f" {policy['retrieval_margin']}"
        )
    return text + f"; offer weight {policy['offer_weight']}"


def curve_table(results: dict[str, Any]) -> list[str]:
    chosen = results["chosen"]
    gate = (
        "threshold" if chosen["retrieval_threshold"] is None else "retrieval threshold"
    )
    lines = [
        f"Answer rate against precision on the development set's questions the knowledge "
        f"base answers, over the {gate} of the chosen rule ({describe(chosen)}; "
        "eval/answer_rate_precision.png)"
        + (
            ", the long messages' threshold moved with it:"
            if chosen.get("long_threshold") is not None
            else ":"
        ),
        "",
        f"| {gate} | answered | precision (right among answered) | answered right |",
        "|---|---|---|---|",
    ]
    for r in results["curve"]:
        precision = "–" if r["precision"] is None else f"{r['precision'] * 100:.1f} %"
        lines.append(
            f"| {r['threshold']} | {r['answer_rate'] * 100:.1f} % | {precision} |"
            f" {r['answered_right'] * 100:.1f} % |"
        )
    return lines


def _shaping_line(shaping: dict[str, Any]) -> str:
    if not shaping or shaping["min_confidence"] > 1:
        return (
            "Messages read whole (no greeting or thanks dropped around the question)."
        )
    return (
        f"As the gateway channel does (bot/shape.py), a greeting before the question or"
        f" thanks after it was dropped when the model was at least"
        f" {shaping['min_confidence']} sure of it: {shaping['shaped']} messages."
    )


def report(results: dict[str, Any]) -> str:
    """eval/dev_set.md."""
    chosen, used = results["chosen"], results["in_use"]
    folds = "; ".join(f"({describe(f)})" for f in results["folds"])
    lines = [
        "# Real phrasing: the development set",
        "",
        f"`make eval` (tools/evaluate_dev.py), model `{results['model']}`,"
        f" {results['messages']} messages people wrote (tests/dev_set/), plus each"
        " accented one again with its diacritics stripped. For a question the knowledge"
        " base lacks, any answer is wrong.",
        "",
        _shaping_line(results.get("shaping") or {}),
        "",
        "## Cross-validated (the rule chosen on the other four folds)",
        "",
        f"Chosen per fold: {folds}. On the whole set: {describe(chosen)} (most answered"
        f" right with at most {results['max_wrong'] * 100:.0f} % confident-wrong).",
        "",
        "| candidate rules | answered right | confident-wrong | right answer in the offer |",
        "|---|---|---|---|",
        *[
            f"| {name} | {s['right'] * 100:.1f} % | {s['wrong'] * 100:.1f} % |"
            f" {s['in_offer'] * 100:.1f} % |"
            for name, s in results["compared"].items()
        ],
        "",
        *_table(results["cross_validated"]),
        "",
        f"## With the rule in use ({describe(used['policy'])})",
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
    defaults = AnswerPolicy()
    for field in fields(AnswerPolicy):
        parser.add_argument(
            "--" + field.name.replace("_", "-"),
            type=int if field.name == "long_words" else float,
            default=getattr(defaults, field.name),
            help="the rule in use (default: actions/decision.py)",
        )
    parser.add_argument(
        "--shape-min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help="the model's confidence that a clause around the question is small "
        "talk, for it to be dropped (bot/shape.py); above 1, messages stay whole",
    )
    parser.add_argument(
        "--print-only",
        action="store_true",
        help="an experiment: print the report, write nothing in eval/",
    )
    args = parser.parse_args(argv)
    in_use = AnswerPolicy(
        **{f.name: getattr(args, f.name) for f in fields(AnswerPolicy)}
    )
    results = evaluate(in_use, args.shape_min_confidence)
    if args.print_only:
        print(report(results))
        return 0
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
