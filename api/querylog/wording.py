"""What a message says, as the set of its words: for grouping similar messages.

Computed once, when a turn is logged (``querylog_turn.text_words``), so that grouping
thousands of unanswered messages does not fold their texts on every request.
"""

from __future__ import annotations

from api.places.service import fold

# Words that say nothing about what was asked.
STOPWORDS = frozenset(
    [
        "a",
        "ad",
        "ak",
        "ah",
        "oi",
        "voi",
        "cho",
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "ban",
        "la",
        "lam",
        "co",
        "khong",
        "ko",
        "k",
        "gi",
        "j",
        "nao",
        "the",
        "thi",
        "ma",
        "va",
        "de",
        "duoc",
        "dc",
        "nhe",
        "nha",
        "vay",
        "sao",
        "ra",
        "vao",
        "roi",
        "nhu",
    ]
)


def message_words(text: str) -> str:
    """The distinct folded words of ``text`` (accents, case and punctuation ignored)
    without the stopwords, sorted and joined by spaces; all its words when it has
    nothing else: "Tôi không kích hoạt được VNeID" -> "hoat kich vneid"."""
    words = fold(text).split()
    return " ".join(sorted(set([w for w in words if w not in STOPWORDS] or words)))
