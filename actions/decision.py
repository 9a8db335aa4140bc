"""When is an FAQ answer good enough to give, and what to offer when it is not?
(stdlib only: also used by `make eval`).

Two signals rank the answers: the answer classifier (bot/components/linear_selector.py,
in Rasa's ResponseSelector's place and with its output) and a lexical
retrieval over the knowledge base's own phrasings (actions/retrieval.py). They fail
differently: the classifier is sure of itself on words it has seen in another answer's
examples, the retrieval is fooled by a long story that repeats another answer's words.
So an answer is given only when both put it first, each clearly enough; otherwise the
assistant says it is unsure and offers the three answers with the best combined score.

FallbackClassifier does not see a response selector's confidence (RasaHQ/rasa#9751), so
this rule is applied by the action server itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RETRIEVAL_INTENT = "faq"

# Chosen by 5-fold cross-validation on the development set of real questions
# (tools/evaluate_dev.py, eval/dev_set.md, eval/experiments.md): the rule that answers
# most questions right while giving a wrong answer to at most 3 % of in-scope questions.
# Since the logistic-regression answer classifier, its confidence alone does as well
# as requiring the retrieval to agree (None: no confirmation); an operator can still
# ask for it (BDHVS_FAQ_RETRIEVAL_THRESHOLD, with the margin below).
DEFAULT_FAQ_THRESHOLD = 0.7
DEFAULT_FAQ_MARGIN = 0.0
DEFAULT_RETRIEVAL_THRESHOLD: float | None = None
DEFAULT_RETRIEVAL_MARGIN = 0.08
# The offer ranks by weight * classifier + (1 - weight) * retrieval; chosen by the same
# cross-validation, for the right answer to be among the three offered. At 0 the
# retrieval orders the offer and the classifier's answers only follow its own.
DEFAULT_OFFER_WEIGHT = 0.1

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class AnswerPolicy:
    """The parameters of the answer decision.

    ``threshold``/``margin``: the classifier's confidence in its first answer and its
    lead over the runner-up. ``retrieval_threshold``/``retrieval_margin``: the same for
    the retrieval, which must put the same answer first; ``None`` lets the classifier
    decide alone (the rule before the retrieval existed). ``offer_weight``: the
    classifier's share of the score that orders the offer.
    """

    threshold: float = DEFAULT_FAQ_THRESHOLD
    margin: float = DEFAULT_FAQ_MARGIN
    retrieval_threshold: float | None = DEFAULT_RETRIEVAL_THRESHOLD
    retrieval_margin: float = DEFAULT_RETRIEVAL_MARGIN
    offer_weight: float = DEFAULT_OFFER_WEIGHT


def selector_ranking(parse_data: dict[str, Any]) -> Ranking:
    """(answer_id, confidence) pairs the answer classifier gave a parsed message, best
    first (``parse_data`` is Rasa's parse result, or a tracker's latest message)."""
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    prefix = RETRIEVAL_INTENT + "/"
    return [
        (key.removeprefix(prefix), float(candidate.get("confidence", 0)))
        for candidate in selector.get("ranking") or []
        if (key := candidate.get("intent_response_key") or "").startswith(prefix)
    ]


def confident_answer(ranking: Ranking, threshold: float, margin: float) -> str | None:
    """The first answer of one signal's ``ranking`` (best first) when it reaches
    ``threshold`` and leads the runner-up by ``margin``; else None."""
    if not ranking:
        return None
    best_id, best = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    if best < threshold or best - runner_up < margin:
        return None
    return best_id


def answer_to_give(
    selector: Ranking, retrieval: Ranking, policy: AnswerPolicy
) -> str | None:
    """The answer id to give, or None when unsure: the classifier's confident answer,
    confirmed by the retrieval's confident answer unless the policy has none."""
    answer = confident_answer(selector, policy.threshold, policy.margin)
    if answer is None or policy.retrieval_threshold is None:
        return answer
    confirmed = confident_answer(
        retrieval, policy.retrieval_threshold, policy.retrieval_margin
    )
    return answer if confirmed == answer else None


def needs_retrieval(selector: Ranking, policy: AnswerPolicy) -> bool:
    """Whether :func:`answer_to_give` or the offer will read the retrieval's ranking:
    when the policy asks it to confirm the classifier, or when the classifier alone is
    not confident enough (the assistant then offers, ordered by both). Otherwise the
    answer is decided without it, and it need not be computed."""
    return (
        policy.retrieval_threshold is not None
        or confident_answer(selector, policy.threshold, policy.margin) is None
    )


def offer_ranking(selector: Ranking, retrieval: Ranking, weight: float) -> Ranking:
    """Every answer either signal ranked, by ``weight * classifier + (1 - weight) *
    retrieval`` (an answer a signal did not rank scores 0 there), best first; equal
    scores keep the classifier's order, then the retrieval's."""
    classifier, lexical = dict(selector), dict(retrieval)
    scores = {
        answer_id: weight * classifier.get(answer_id, 0.0)
        + (1 - weight) * lexical.get(answer_id, 0.0)
        for answer_id in classifier.keys() | lexical.keys()
    }
    return sorted(
        scores.items(),
        key=lambda pair: (
            -pair[1],
            -classifier.get(pair[0], 0.0),
            -lexical.get(pair[0], 0.0),
            pair[0],
        ),
    )
