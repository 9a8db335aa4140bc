"""The answer decision: the classifier confirmed by the retrieval, and the offer's
combined ranking (actions/decision.py)."""

from __future__ import annotations

from dataclasses import replace

from actions.decision import (
    AnswerPolicy,
    answer_to_give,
    message_words,
    needs_retrieval,
    offer_ranking,
)

POLICY = AnswerPolicy(
    threshold=0.15,
    margin=0.0,
    retrieval_threshold=0.3,
    retrieval_margin=0.05,
    offer_weight=0.2,
    long_threshold=None,
)
CLASSIFIER = [("vneid_forgot_password", 0.6), ("dvc_forgot_password", 0.3)]


def test_answers_when_both_signals_put_the_same_answer_first() -> None:
    retrieval = [("vneid_forgot_password", 0.52), ("dvc_forgot_password", 0.38)]
    assert (
        answer_to_give(CLASSIFIER, retrieval, POLICY, words=5)
        == "vneid_forgot_password"
    )


def test_unsure_when_the_retrieval_disagrees_or_is_weak_or_close() -> None:
    disagrees = [("dvc_forgot_password", 0.5), ("vneid_forgot_password", 0.4)]
    weak = [("vneid_forgot_password", 0.25), ("dvc_forgot_password", 0.1)]
    close = [("vneid_forgot_password", 0.5), ("dvc_forgot_password", 0.47)]
    for retrieval in (disagrees, weak, close, []):
        assert answer_to_give(CLASSIFIER, retrieval, POLICY, words=5) is None, retrieval


def test_unsure_when_the_classifier_is_not_confident_even_if_retrieval_is() -> None:
    retrieval = [("vneid_forgot_password", 0.9)]
    timid = [("vneid_forgot_password", 0.1), ("dvc_forgot_password", 0.09)]
    assert answer_to_give(timid, retrieval, POLICY, words=5) is None
    assert answer_to_give([], retrieval, POLICY, words=5) is None


def test_without_a_retrieval_threshold_the_classifier_decides_alone() -> None:
    alone = replace(POLICY, threshold=0.4, margin=0.15, retrieval_threshold=None)
    assert answer_to_give(CLASSIFIER, [], alone, words=5) == "vneid_forgot_password"
    close = [("vneid_forgot_password", 0.45), ("dvc_forgot_password", 0.35)]
    assert answer_to_give(close, [], alone, words=5) is None


def test_the_offer_mixes_both_rankings_by_the_weight() -> None:
    classifier = [("a", 0.5), ("b", 0.3), ("c", 0.2)]
    retrieval = [("d", 0.6), ("c", 0.5), ("a", 0.1)]
    # 0.2 * classifier + 0.8 * retrieval: d 0.48, c 0.44, a 0.18, b 0.06
    assert [a for a, _ in offer_ranking(classifier, retrieval, 0.2)] == [
        "d",
        "c",
        "a",
        "b",
    ]
    assert [a for a, _ in offer_ranking(classifier, retrieval, 1.0)][:3] == [
        "a",
        "b",
        "c",
    ]
    assert offer_ranking([], [], 0.2) == []


def test_the_offer_keeps_the_classifiers_order_where_retrieval_says_nothing() -> None:
    classifier = [("b", 0.5), ("a", 0.3), ("c", 0.2)]
    assert [a for a, _ in offer_ranking(classifier, [], 0.0)] == ["b", "a", "c"]
    assert [a for a, _ in offer_ranking(classifier, [("c", 0.4)], 0.0)] == [
        "c",
        "b",
        "a",
    ]


def test_the_retrieval_is_needed_exactly_when_it_can_change_the_decision() -> None:
    import itertools

    rankings = [
        [],
        [("vneid_forgot_password", 0.9)],
        [("vneid_forgot_password", 0.7), ("dvc_forgot_password", 0.2)],
        [("vneid_forgot_password", 0.4), ("dvc_forgot_password", 0.35)],
        [("dvc_forgot_password", 0.65), ("vneid_forgot_password", 0.3)],
    ]
    policies = [
        POLICY,
        replace(POLICY, threshold=0.6, retrieval_threshold=None),
        replace(POLICY, threshold=0.6, margin=0.4, retrieval_threshold=None),
        replace(POLICY, threshold=0.8, long_threshold=0.6, retrieval_threshold=None),
    ]
    skipped = 0
    cases = itertools.product(policies, rankings, rankings, (5, 40))
    for policy, selector, retrieval, words in cases:
        if needs_retrieval(selector, policy, words=words):
            continue
        skipped += 1
        # Decided without the retrieval: the same answer, and it is an answer (so no
        # offer, which would read the retrieval, follows).
        given = answer_to_give(selector, [], policy, words=words)
        assert given is not None
        assert given == answer_to_give(selector, retrieval, policy, words=words)
    assert skipped, "no case decided without the retrieval: the test checks nothing"
    # A policy asking the retrieval to confirm always needs it.
    assert all(needs_retrieval(s, POLICY, words=5) for s in rankings)


def test_a_long_message_has_the_long_threshold() -> None:
    by_length = replace(
        POLICY,
        threshold=0.7,
        long_threshold=0.5,
        long_words=15,
        retrieval_threshold=None,
    )
    ranking = [("vneid_forgot_password", 0.6), ("dvc_forgot_password", 0.1)]
    assert answer_to_give(ranking, [], by_length, words=15) is None
    assert answer_to_give(ranking, [], by_length, words=16) == "vneid_forgot_password"
    # The retrieval is not read where the classifier decides alone.
    assert needs_retrieval(ranking, by_length, words=15)
    assert not needs_retrieval(ranking, by_length, words=16)
    # Without a long threshold, length changes nothing.
    same = replace(by_length, long_threshold=None)
    assert answer_to_give(ranking, [], same, words=40) is None


def test_a_message_is_as_long_as_its_words() -> None:
    assert message_words("") == 0
    assert message_words("  quên   mật khẩu\nVNeID ") == 4


def test_a_known_phrasing_is_answered_though_the_classifier_is_unsure() -> None:
    alone = replace(POLICY, threshold=0.8, retrieval_threshold=None)
    unsure = [("dvc_forgot_password", 0.4), ("vneid_forgot_password", 0.3)]
    known = [("vneid_forgot_password", 1.0), ("dvc_forgot_password", 0.4)]
    close = [("vneid_forgot_password", 0.99), ("dvc_forgot_password", 0.4)]
    assert answer_to_give(unsure, known, alone, words=5) == "vneid_forgot_password"
    assert answer_to_give(unsure, close, alone, words=5) is None
    # The classifier's confident answer is given as before.
    sure = [("dvc_forgot_password", 0.9)]
    assert answer_to_give(sure, known, alone, words=5) == "dvc_forgot_password"
