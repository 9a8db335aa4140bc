"""tools/evaluate_dev.py chooses the answer rule by what the held messages show (bot
environment: the tool runs there; no model needed)."""

from __future__ import annotations

from typing import Any

from tools.evaluate_dev import CLASSIFIER_ALONE, WITH_RETRIEVAL, Outcomes, choose


def _item(expected: str) -> dict[str, Any]:
    return {"text": expected, "expected": [expected], "style": "accented"}


def test_the_retrieval_rule_is_chosen_when_it_avoids_confident_wrong_answers() -> None:
    # The classifier is very sure every time but right only half the time; the
    # retrieval agrees exactly when it is right.
    items, parses = [], []
    for n in range(40):
        right = n % 2 == 0
        items.append(_item("a" if right else "b"))
        selector = [("a", 0.9), ("b", 0.05)]
        retrieval = [("a", 0.6), ("b", 0.1)] if right else [("b", 0.6), ("a", 0.1)]
        parses.append(("faq", selector, retrieval))
    outcomes = Outcomes(items, parses)
    everything = list(range(len(items)))
    policy = choose(outcomes, everything, CLASSIFIER_ALONE + WITH_RETRIEVAL)
    assert policy.retrieval_threshold is not None
    judged = outcomes.judge(policy, everything)
    assert sum(o["right"] for o in judged) == 20
    assert not any(o["wrong"] for o in judged)
    # Only the retrieval ranks "b" first when it is right; at the chosen offer weight
    # the offer follows it.
    offers = outcomes.offers(policy.offer_weight)
    assert all(offers[i][0] == items[i]["expected"][0] for i in everything)
