"""tools/evaluate_dev.py chooses the answer rule by what the held messages show (bot
environment: the tool runs there; no model needed)."""

from __future__ import annotations

from typing import Any

from tools.evaluate_dev import (
    BY_LENGTH,
    CLASSIFIER_ALONE,
    WITH_RETRIEVAL,
    Outcomes,
    choose,
)


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
        parses.append(("faq", selector, retrieval, 6))
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


def test_a_threshold_for_long_messages_is_chosen_when_they_are_right_but_less_sure() -> (
    None
):
    # Short messages: the classifier is fairly sure and wrong. Long ones: as sure,
    # and right. One threshold cannot answer the long ones without the short ones.
    items, parses = [], []
    for n in range(40):
        long = n % 2 == 0
        items.append(_item("a" if long else "b"))
        parses.append(("faq", [("a", 0.65), ("b", 0.2)], [], 30 if long else 6))
    outcomes = Outcomes(items, parses)
    everything = list(range(len(items)))
    alone = choose(outcomes, everything, CLASSIFIER_ALONE)
    assert not any(o["right"] for o in outcomes.judge(alone, everything))
    policy = choose(outcomes, everything, CLASSIFIER_ALONE + BY_LENGTH)
    assert policy.long_threshold is not None
    assert policy.long_threshold <= 0.65 < policy.threshold
    judged = outcomes.judge(policy, everything)
    assert sum(o["right"] for o in judged) == 20
    assert not any(o["wrong"] for o in judged)
