"""When is an FAQ answer good enough to give? (stdlib only: also used by `make eval`).

FallbackClassifier does not see the ResponseSelector's confidence (RasaHQ/rasa#9751), so
the answer itself must clear a threshold and be clearly ahead of the runner-up; otherwise
the assistant says it is unsure and offers the closest questions.
"""

from __future__ import annotations

from typing import Any

RETRIEVAL_INTENT = "faq"

# Chosen by 5-fold cross-validation on the development set of real questions
# (tools/evaluate_dev.py, eval/dev_set.md): the pair that answers most questions right
# while giving a wrong answer to at most 3 % of in-scope questions. With many answers
# the selector's softmax confidences are low even when right, so the threshold does
# most of the work; the margin keeps the answers whose runner-up is close (two
# entries of the same procedure) for the offer of both.
DEFAULT_FAQ_THRESHOLD = 0.4
DEFAULT_FAQ_MARGIN = 0.15


def selector_ranking(parse_data: dict[str, Any]) -> list[tuple[str, float]]:
    """(answer_id, confidence) pairs the ResponseSelector gave a parsed message, best
    first (``parse_data`` is Rasa's parse result, or a tracker's latest message)."""
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    prefix = RETRIEVAL_INTENT + "/"
    return [
        (key.removeprefix(prefix), float(candidate.get("confidence", 0)))
        for candidate in selector.get("ranking") or []
        if (key := candidate.get("intent_response_key") or "").startswith(prefix)
    ]


def confident_answer(
    ranking: list[tuple[str, float]], threshold: float, margin: float
) -> str | None:
    """The answer id to give, or None when unsure. ``ranking`` is best first."""
    if not ranking:
        return None
    best_id, best = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    if best < threshold or best - runner_up < margin:
        return None
    return best_id
