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
DEFAULT_FAQ_THRESHOLD = 0.8
DEFAULT_FAQ_MARGIN = 0.0
# The classifier is less sure of a long message than of a short one about the same
# thing (a story spreads its words over several answers' examples), and the short
# ones are where it is sure of an answer that lacks the fact asked (a fee, a time):
# so a message of more than DEFAULT_FAQ_LONG_WORDS words has a threshold of its own,
# chosen by the same cross-validation (None: the same threshold for every length).
DEFAULT_FAQ_LONG_THRESHOLD: float | None = 0.6
DEFAULT_FAQ_LONG_WORDS = 15
DEFAULT_RETRIEVAL_THRESHOLD: float | None = None
DEFAULT_RETRIEVAL_MARGIN = 0.08
# The offer ranks by weight * classifier + (1 - weight) * retrieval; chosen by the same
# cross-validation, for the right answer to be among the three offered. At 0 the
# retrieval orders the offer and the classifier's answers only follow its own.
DEFAULT_OFFER_WEIGHT = 0.1

# The retrieval's score for a message that is, once folded, one of a single answer's
# own phrasings (actions/retrieval.py): a question in seeds/ or a training example,
# such as a citizen's message staff linked to an answer (nlu_data/reviewed/). Such a
# message is answered even when the classifier is unsure of it, so that what staff
# taught is answered the next time, whatever the threshold.
KNOWN_PHRASING_SCORE = 1.0

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class AnswerPolicy:
    """The parameters of the answer decision.

    ``threshold``/``margin``: the classifier's confidence in its first answer and its
    lead over the runner-up. ``retrieval_threshold``/``retrieval_margin``: the same for
    the retrieval, which must put the same answer first; ``None`` lets the classifier
    decide alone (the rule before the retrieval existed). ``offer_weight``: the
    classifier's share of the score that orders the offer. ``long_threshold``: the
    classifier's threshold for a message of more than ``long_words`` words (``None``:
    ``threshold`` for every message).
    """

    threshold: float = DEFAULT_FAQ_THRESHOLD
    margin: float = DEFAULT_FAQ_MARGIN
    retrieval_threshold: float | None = DEFAULT_RETRIEVAL_THRESHOLD
    retrieval_margin: float = DEFAULT_RETRIEVAL_MARGIN
    offer_weight: float = DEFAULT_OFFER_WEIGHT
    long_threshold: float | None = DEFAULT_FAQ_LONG_THRESHOLD
    long_words: int = DEFAULT_FAQ_LONG_WORDS

    def threshold_for(self, words: int) -> float:
        """The classifier's threshold for a message of ``words`` words."""
        if self.long_threshold is not None and words > self.long_words:
            return self.long_threshold
        return self.threshold


def message_words(text: str) -> int:
    """The length of a message as the answer decision counts it: its words (the text
    the model parsed, after the greeting and thanks around the question were dropped)."""
    return len(text.split())


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
    selector: Ranking, retrieval: Ranking, policy: AnswerPolicy, *, words: int
) -> str | None:
    """The answer id to give to a message of ``words`` words (:func:`message_words`),
    or None when unsure: the classifier's confident answer, confirmed by the
    retrieval's confident answer unless the policy has none; else the answer the
    message is a known phrasing of."""
    answer = confident_answer(selector, policy.threshold_for(words), policy.margin)
    if answer is None:
        return known_phrasing(retrieval)
    if policy.retrieval_threshold is None:
        return answer
    confirmed = confident_answer(
        retrieval, policy.retrieval_threshold, policy.retrieval_margin
    )
    return answer if confirmed == answer else None


def known_phrasing(retrieval: Ranking) -> str | None:
    """The answer whose own phrasing the message is (its retrieval score is
    KNOWN_PHRASING_SCORE), or None."""
    if retrieval and retrieval[0][1] >= KNOWN_PHRASING_SCORE:
        return retrieval[0][0]
    return None


def needs_retrieval(selector: Ranking, policy: AnswerPolicy, *, words: int) -> bool:
    """Whether :func:`answer_to_give` or the offer will read the retrieval's ranking:
    when the policy asks it to confirm the classifier, or when the classifier alone is
    not confident enough (the assistant then offers, ordered by both). Otherwise the
    answer is decided without it, and it need not be computed."""
    return (
        policy.retrieval_threshold is not None
        or confident_answer(selector, policy.threshold_for(words), policy.margin)
        is None
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
