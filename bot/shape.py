"""Which part of a citizen's message is the question.

People write to the assistant as they would write to a commune office or an advice
column: an address or a greeting before the question ("Chào anh chị, cho em hỏi..."),
thanks after it ("... Mong được giải đáp, xin cảm ơn!"). Read whole, such a message
is still a question to the intent classifier, but the courtesy words pull the FAQ
ranking away from it: "Kính gửi cán bộ xã, quen mk vneid? Mong được hướng dẫn, xin cảm
ơn." ranked "protect your account" first, the question alone "forgot password". So the
gateway channel (bot/channels/gateway.py) hands Rasa the question without its opening
and closing small talk, and `make eval` measures the same (tools/evaluate_dev.py).

Which part is small talk is decided by the trained model itself, on the part alone
(its greeting, thanks and goodbye examples, regional forms included), not by a word
list here: a short clause at either end of the message is dropped when the model is
sure it is small talk. Nothing else is touched. A message the model reads, whole, as
small talk stays whole: letter-style courtesies ("Mong Luật sư tư vấn giúp tôi. Tôi
xin chân thành cảm ơn!") would otherwise lose their thanks and leave a request with
no question, answered with a menu (eval/experiments.md).
So does a story before a question, whose words are often what the question is about
("... bấm mãi không được, giờ sao ạ").

Standard library only: the services environment tests the splitting without Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# A clause: up to and including its punctuation (a sentence end, a comma, a line end).
_CLAUSE = re.compile(r"[^.!?…;,\n]*(?:[.!?…;,]+|\n+|$)")
_EDGES = " \t\n.!?…;,"
# Longer clauses are not tried: courtesy formulas are short, and each try is a parse.
MAX_WORDS = 12
# At most this many clauses are dropped at each end, one more at the end when it reads
# as thanks together with them (at most twice as many parses, and one).
MAX_DROPPED = 2
OPENING = frozenset({"greet"})
CLOSING = frozenset({"thank", "goodbye"})
# Chosen on the development set (tools/evaluate_dev.py --shape-min-confidence,
# eval/experiments.md).
DEFAULT_MIN_CONFIDENCE = 0.8

# text -> (intent name, confidence), e.g. the loaded model's parse.
Classify = Callable[[str], Awaitable[tuple[str | None, float]]]


@dataclass(frozen=True)
class Shaped:
    """The question part of a message, and the small talk dropped around it."""

    question: str
    opening: str = ""
    closing: str = ""

    @property
    def changed(self) -> bool:
        """True when small talk was dropped."""
        return bool(self.opening or self.closing)


def model_classifier(agent: Any) -> Classify:
    """The intent classifier of a loaded Rasa ``Agent`` (``rasa.core.agent``)."""

    async def classify(piece: str) -> tuple[str | None, float]:
        intent = (await agent.parse_message(piece)).get("intent") or {}
        return intent.get("name"), float(intent.get("confidence") or 0.0)

    return classify


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of ``text``'s clauses, in order, each with its punctuation;
    clauses with no word are left out."""
    spans = []
    for match in _CLAUSE.finditer(text):
        if any(ch.isalnum() for ch in match.group()):
            spans.append((match.start(), match.end()))
    return spans


def _short(piece: str) -> bool:
    return len(piece.split()) <= MAX_WORDS


async def question_of(
    text: str, classify: Classify, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> Shaped:
    """``text`` without the greeting clauses it opens with and the thanks or goodbye
    clauses it ends with, each recognised by ``classify`` with at least
    ``min_confidence``; ``text`` itself when there is nothing else."""
    spans = clauses(text)
    if len(spans) < 2:
        return Shaped(text)

    async def small_talk(span: tuple[int, int], kinds: frozenset[str]) -> bool:
        piece = text[span[0] : span[1]]
        if not _short(piece):
            return False
        intent, confidence = await classify(piece.strip(_EDGES))
        return intent in kinds and confidence >= min_confidence

    first, last = 0, len(spans)
    while (
        first < last - 1
        and first < MAX_DROPPED
        and await small_talk(spans[first], OPENING)
    ):
        first += 1
    while (
        last - 1 > first
        and len(spans) - last < MAX_DROPPED
        and await small_talk(spans[last - 1], CLOSING)
    ):
        last -= 1
    # A request that is courtesy only with the thanks after it ("Mong được hướng dẫn,"
    # before "xin cảm ơn."): read together with the thanks already dropped.
    if (
        last < len(spans)
        and last - 1 > first
        and await small_talk((spans[last - 1][0], spans[-1][1]), CLOSING)
    ):
        last -= 1
    if first == 0 and last == len(spans):
        return Shaped(text)
    intent, confidence = await classify(text)
    if intent in OPENING | CLOSING and confidence >= min_confidence:
        return Shaped(text)
    start, end = spans[first][0], spans[last - 1][1]
    return Shaped(
        question=text[start:end].strip(),
        opening=text[: spans[first][0]].strip(),
        closing=text[end:].strip(),
    )
