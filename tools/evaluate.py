"""`make eval`: how well the trained model answers citizens' real phrasing.

Runs in the bot environment. Parses every message of tests/eval/test_set.yml (never
used for training) with the current model, applies the same answer decision as the
action server (actions/decision.py), and reports answer-id and topic accuracy split by
accented / unaccented / teencode, out-of-scope rejection, the confident-wrong rate,
the most confused pairs and the training time. With --cross-validation it also runs
Rasa's 5-fold cross-validation on nlu_data/. Writes eval/results.json and eval/report.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import asdict, fields, replace
from datetime import datetime, timezone
from typing import Any

import yaml
from tqdm import tqdm

from actions.decision import (
    AnswerPolicy,
    answer_to_give,
    message_words,
    offer_ranking,
    selector_ranking,
)
from actions.retrieval import get_index
from bot.shape import model_classifier, question_of
from tools.model import MODELS, ROOT, model_path, rasa_env

TEST_SET = ROOT / "tests" / "eval" / "test_set.yml"
OUT = ROOT / "eval"
REJECTED = {"out_of_scope", "nlu_fallback"}


def _topics() -> tuple[dict[str, str], dict[str, str]]:
    """answer id -> topic, intent -> topic (from seeds/)."""
    answers = {}
    for path in sorted((ROOT / "seeds" / "knowledge").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            answers[entry["id"]] = entry["topic"]
    taxonomy = yaml.safe_load(
        (ROOT / "seeds" / "topics.yml").read_text(encoding="utf-8")
    )
    intents = {i: t["code"] for t in taxonomy["topics"] for i in t.get("intents", [])}
    return answers, intents


def _prediction(
    parse: dict[str, Any], retrieval: list[tuple[str, float]], policy: AnswerPolicy
) -> dict[str, Any]:
    """What the action server would do with a parsed message (actions/decision.py)."""
    intent = parse["intent"]["name"]
    selector = selector_ranking(parse)
    offer = offer_ranking(selector, retrieval, policy.offer_weight)
    top = offer[0] if offer else (None, 0.0)
    words = message_words(str(parse.get("text") or ""))
    answer = (
        answer_to_give(selector, retrieval, policy, words=words)
        if intent == "faq"
        else None
    )
    return {
        "intent": intent,
        "words": words,
        "answer": answer,
        "top": top[0],
        "top_confidence": top[1],
        "ranking": offer[:3],
        "selector": selector,
        "retrieval": retrieval,
    }


# The retrieval's threshold and margin, the parameters that gate the answer most.
SWEEP_THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
SWEEP_MARGINS = (0.0, 0.02, 0.05, 0.1)


def sweep(rows: list[dict[str, Any]], policy: AnswerPolicy) -> list[dict[str, Any]]:
    """Answer accuracy and confident-wrong rates for other retrieval thresholds and
    margins, the rest of ``policy`` kept, from the same parses: how the choice of
    BDHVS_FAQ_RETRIEVAL_* trades answers for risk."""
    in_scope = [r for r in rows if r.get("answer_id")]
    table = []
    for threshold in SWEEP_THRESHOLDS:
        for margin in SWEEP_MARGINS:
            other = replace(
                policy, retrieval_threshold=threshold, retrieval_margin=margin
            )
            given = [
                answer_to_give(r["selector"], r["retrieval"], other, words=r["words"])
                if r["intent"] == "faq"
                else None
                for r in rows
            ]
            right = sum(
                1
                for r, g in zip(rows, given, strict=True)
                if r.get("answer_id") and g == r["answer_id"]
            )
            wrong = sum(
                1
                for r, g in zip(rows, given, strict=True)
                if g and g != r.get("answer_id")
            )
            table.append(
                {
                    "threshold": threshold,
                    "margin": margin,
                    "answer_accuracy": round(right / len(in_scope), 4),
                    "confident_wrong": round(wrong / len(rows), 4),
                }
            )
    return table


def long_rule(policy: dict[str, Any]) -> str:
    """The long messages' threshold of a rule, in words, or nothing (the reports of
    both evaluations)."""
    if policy.get("long_threshold") is None:
        return ""
    return f" ({policy['long_threshold']} over {policy['long_words']} words)"


def evaluate(policy: AnswerPolicy) -> dict[str, Any]:
    """Parses the test set and computes the metrics."""
    from rasa.core.agent import Agent

    items = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))["messages"]
    answer_topics, intent_topics = _topics()
    agent = Agent.load(str(model_path()))
    index = get_index()
    loop = asyncio.new_event_loop()
    classify = model_classifier(agent)
    rows = []
    # tqdm (Rasa's own progress bars): the held-out set takes a minute or more.
    for item in tqdm(items, desc="held-out set", unit="msg", mininterval=2):
        # As the gateway channel reads it: without a greeting or thanks around it.
        text = loop.run_until_complete(question_of(item["text"], classify)).question
        parse = loop.run_until_complete(agent.parse_message(text))
        pred = _prediction(parse, index.rank(text), policy)
        expected_answer = item.get("answer_id")
        expected_topic = (
            answer_topics.get(expected_answer) if expected_answer else item.get("topic")
        )
        predicted_topic = (
            answer_topics.get(pred["answer"])
            if pred["answer"]
            else intent_topics.get(pred["intent"])
        )
        rows.append(
            {
                **item,
                **pred,
                "expected_topic": expected_topic,
                "predicted_topic": predicted_topic,
            }
        )
    loop.close()

    def share(selected: list[dict[str, Any]], ok: Any) -> dict[str, Any]:
        hits = sum(1 for r in selected if ok(r))
        return {
            "n": len(selected),
            "correct": hits,
            "rate": round(hits / len(selected), 4) if selected else None,
        }

    in_scope = [r for r in rows if r.get("answer_id")]
    by_kind = {
        kind: share(
            [r for r in in_scope if r["kind"] == kind],
            lambda r: r["answer"] == r["answer_id"],
        )
        for kind in ("accented", "unaccented", "teencode")
    }
    topic_by_kind = {
        kind: share(
            [
                r
                for r in rows
                if r["kind"] == kind and r["expected_topic"] != "out_of_scope"
            ],
            lambda r: r["predicted_topic"] == r["expected_topic"],
        )
        for kind in ("accented", "unaccented", "teencode")
    }
    oos = [r for r in rows if r.get("topic") == "out_of_scope"]
    confident_wrong = [
        r for r in rows if r["answer"] and r["answer"] != r.get("answer_id")
    ]
    confused = Counter(
        (r["answer_id"], r["top"])
        for r in in_scope
        if r["top"] and r["top"] != r["answer_id"]
    )
    return {
        "messages": len(rows),
        "threshold": policy.threshold,
        "margin": policy.margin,
        "policy": asdict(policy),
        "answer_accuracy": share(in_scope, lambda r: r["answer"] == r["answer_id"]),
        "answer_accuracy_by_kind": by_kind,
        "topic_accuracy_by_kind": topic_by_kind,
        "out_of_scope_rejection": share(
            oos, lambda r: r["answer"] is None and r["intent"] in REJECTED | {"faq"}
        ),
        "confident_wrong": {
            "n": len(confident_wrong),
            "rate": round(len(confident_wrong) / len(rows), 4),
        },
        "unsure_rate": share(in_scope, lambda r: r["answer"] is None),
        "top1_accuracy": share(in_scope, lambda r: r["top"] == r["answer_id"]),
        "in_offered_three": share(
            in_scope, lambda r: r["answer_id"] in [a for a, _ in r["ranking"]]
        ),
        "sweep": sweep(rows, policy),
        "most_confused": [
            {"expected": a, "predicted": b, "count": n}
            for (a, b), n in confused.most_common(10)
        ],
        "errors": [
            {
                k: r[k]
                for k in (
                    "text",
                    "kind",
                    "answer_id",
                    "topic",
                    "intent",
                    "answer",
                    "top",
                    "top_confidence",
                )
                if k in r
            }
            for r in rows
            if (r.get("answer_id") and r["answer"] != r["answer_id"])
            or (r.get("topic") == "out_of_scope" and r["answer"])
        ],
    }


def cross_validate(folds: int) -> dict[str, Any]:
    """Rasa's k-fold cross-validation of the NLU data; returns the summary figures."""
    out = OUT / "cross_validation"
    started = time.perf_counter()
    subprocess.run(
        [
            str(ROOT / ".venv-bot" / "bin" / "python"),
            "-m",
            "rasa",
            "test",
            "nlu",
            "--config",
            "bot/config.yml",
            "--domain",
            "bot/domain",
            "--nlu",
            "nlu_data",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=rasa_env(),
        check=True,
    )
    summary: dict[str, Any] = {
        "folds": folds,
        "seconds": round(time.perf_counter() - started, 1),
    }
    for name, key in (
        ("intent_report.json", "intent"),
        ("response_selection_report.json", "answer"),
    ):
        path = out / name
        if path.exists():
            report = json.loads(path.read_text())
            summary[key] = {
                m: round(report[m]["f1-score"], 4)
                for m in ("weighted avg", "macro avg")
                if m in report
            }
            summary[key]["accuracy"] = round(report.get("accuracy", 0.0), 4)
    return summary


def _pct(block: dict[str, Any]) -> str:
    return (
        "–"
        if block.get("rate") is None
        else f"{100 * block['rate']:.1f} % ({block['correct']}/{block['n']})"
    )


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of one run, kept in later runs' history."""
    t = results["test_set"]
    by_kind = t["answer_accuracy_by_kind"]
    return {
        "measured_at": results["measured_at"],
        "model": results["model"],
        "threshold": t["threshold"],
        "long_threshold": (t.get("policy") or {}).get("long_threshold"),
        "long_words": (t.get("policy") or {}).get("long_words"),
        "margin": t["margin"],
        "answer_accuracy": t["answer_accuracy"]["rate"],
        "accented": by_kind["accented"]["rate"],
        "unaccented": by_kind["unaccented"]["rate"],
        "teencode": by_kind["teencode"]["rate"],
        "out_of_scope_rejection": t["out_of_scope_rejection"]["rate"],
        "confident_wrong": t["confident_wrong"]["rate"],
    }


def _previous() -> dict[str, Any]:
    """The committed eval/results.json, or {}."""
    path = OUT / "results.json"
    if not path.exists():
        return {}
    previous: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return previous


def _history() -> list[dict[str, Any]]:
    """Earlier runs' headline figures, from the committed eval/results.json."""
    previous = _previous()
    if not previous:
        return []
    history: list[dict[str, Any]] = previous.get("history", [])
    try:
        return [*history, _summary(previous)][-10:]
    except KeyError:  # an older format without these figures
        return history


def write_report(results: dict[str, Any]) -> None:
    """eval/results.json and eval/report.md."""
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    t = results["test_set"]
    lines = [
        "# NLU evaluation",
        "",
        f"`make eval` on {results['measured_at'][:10]}, model `{results['model']}` "
        f"(trained in {results['training_seconds']} s), test set `tests/eval/test_set.yml` "
        f"({t['messages']} messages, never used for training); answer rule: classifier threshold {t['threshold']}{long_rule(t.get('policy') or {})}, "
        f"margin {t['margin']}"
        + (
            (
                f", confirmed by the retrieval (threshold {t['policy']['retrieval_threshold']}, margin {t['policy']['retrieval_margin']})"
                if t["policy"].get("retrieval_threshold") is not None
                else ", not confirmed by the retrieval"
            )
            + f"; offer weight {t['policy']['offer_weight']}."
            if t.get("policy")
            else "."
        ),
        "",
        "| measure | accented | unaccented | teencode / abbreviations |",
        "|---|---|---|---|",
        "| answer-id accuracy | "
        + " | ".join(
            _pct(t["answer_accuracy_by_kind"][k])
            for k in ("accented", "unaccented", "teencode")
        )
        + " |",
        "| topic accuracy | "
        + " | ".join(
            _pct(t["topic_accuracy_by_kind"][k])
            for k in ("accented", "unaccented", "teencode")
        )
        + " |",
        "",
        f"- Answer-id accuracy overall: {_pct(t['answer_accuracy'])}; unsure (offered choices): {_pct(t['unsure_rate'])}",
        f"- Best candidate right, whatever its confidence: {_pct(t['top1_accuracy'])}; right answer among the three offered when unsure: {_pct(t['in_offered_three'])}",
        f"- Out-of-scope rejection: {_pct(t['out_of_scope_rejection'])}",
        f"- Confident-wrong (a wrong answer given above the threshold): {100 * t['confident_wrong']['rate']:.1f} % ({t['confident_wrong']['n']} of {t['messages']})",
        "",
        "## Most confused pairs (expected → top candidate)",
        "",
        "| expected | predicted | count |",
        "|---|---|---|",
        *[
            f"| {c['expected']} | {c['predicted']} | {c['count']} |"
            for c in t["most_confused"]
        ],
    ]
    lines += [
        "",
        "## Retrieval threshold and margin sweep (same parses, the rest of the rule kept)",
        "",
        "| retrieval threshold | "
        + " | ".join(
            f"retrieval margin {m}: accuracy / confident-wrong" for m in SWEEP_MARGINS
        )
        + " |",
        "|---|" + "---|" * len(SWEEP_MARGINS),
    ]
    for threshold in SWEEP_THRESHOLDS:
        cells = [
            f"{100 * c['answer_accuracy']:.1f} % / {100 * c['confident_wrong']:.1f} %"
            for c in t["sweep"]
            if c["threshold"] == threshold
        ]
        lines.append(f"| {threshold} | " + " | ".join(cells) + " |")
    history = results.get("history", [])
    if history:
        lines += [
            "",
            "## How the figures moved (earlier runs, newest last)",
            "",
            "| measured | model | threshold / margin | answer accuracy | accented | unaccented | teencode | out-of-scope rejection | confident-wrong |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for h in [*history, _summary(results)]:
            lines.append(
                f"| {h['measured_at'][:16]} | {h['model'][:8]} | {h['threshold']}{long_rule(h)} / {h['margin']} | "
                + " | ".join(
                    "–" if h[k] is None else f"{100 * h[k]:.1f} %"
                    for k in (
                        "answer_accuracy",
                        "accented",
                        "unaccented",
                        "teencode",
                        "out_of_scope_rejection",
                        "confident_wrong",
                    )
                )
                + " |"
            )
    cv = results.get("cross_validation")
    if cv:
        lines += [
            "",
            f"## {cv['folds']}-fold cross-validation on nlu_data/ ({cv['seconds']} s)",
            "",
        ]
        if cv.get("model") != results["model"]:
            lines += [
                f"From an earlier run (model {cv.get('model', 'before 2026-11-23')}); "
                "`make eval` runs it again.",
                "",
            ]
        for key in ("intent", "answer"):
            if key in cv:
                lines.append(
                    f"- {key}: " + ", ".join(f"{m} {v}" for m, v in cv[key].items())
                )
    (OUT / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="tools/evaluate.py")
    parser.add_argument("--cross-validation", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    # The action server's settings (actions/settings.py), read the same way.
    defaults = AnswerPolicy()

    def setting(name: str) -> float | int | None:
        value = os.environ.get("BDHVS_FAQ_" + name.upper())
        if not value:
            return getattr(defaults, name)
        return int(value) if name == "long_words" else float(value)

    policy = AnswerPolicy(
        **{field.name: setting(field.name) for field in fields(AnswerPolicy)}
    )
    meta_path = MODELS / (model_path().name.removesuffix(".tar.gz") + ".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    results: dict[str, Any] = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make eval",
        "model": model_path().name,
        "training_seconds": meta.get("training_seconds"),
        "test_set": evaluate(policy),
        "history": _history(),
    }
    if args.cross_validation:
        results["cross_validation"] = {
            "model": model_path().name,
            **cross_validate(args.folds),
        }
    elif _previous().get("cross_validation"):
        # Kept from the last run that had it; the report names its model.
        results["cross_validation"] = _previous()["cross_validation"]
    write_report(results)
    print((OUT / "report.md").read_text())


if __name__ == "__main__":
    main()
