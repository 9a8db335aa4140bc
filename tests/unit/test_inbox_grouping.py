"""Grouping of unanswered messages: the words stored with a turn, and the grouping
with prefix filtering against a plain all-pairs reference."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from api.analytics.inbox import _similar, group_messages
from api.querylog.wording import message_words


@dataclass(frozen=True)
class Message:
    id: int
    text_words: str


def reference_groups(turns: list[Message]) -> list[list[int]]:
    """The same rule without any index: identical word sets together, then each
    group (biggest first) joins the first earlier-kept group it is similar to."""
    by_key: dict[str, list[Message]] = {}
    for turn in turns:
        by_key.setdefault(turn.text_words, []).append(turn)
    kept: list[tuple[frozenset[str], list[Message]]] = []
    for key, members in sorted(by_key.items(), key=lambda kv: -len(kv[1])):
        words = frozenset(key.split())
        for kept_words, kept_members in kept:
            if _similar(words, kept_words):
                kept_members.extend(members)
                break
        else:
            kept.append((words, list(members)))
    groups = [sorted((t.id for t in m), reverse=True) for _, m in kept]
    return sorted(groups, key=lambda ids: (-len(ids), -ids[0]))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Tôi không kích hoạt được VNeID!", "hoat kich vneid"),
        ("toi ko kich hoat dc vneid", "hoat kich vneid"),
        ("Làm sao để nộp hồ sơ trên Cổng DVC?", "cong dvc ho nop so tren"),
        ("cho tôi hỏi", "hoi"),
        ("không", "khong"),  # only stopwords: kept, not empty
        ("🙏🙏", ""),
        ("", ""),
    ],
)
def test_the_words_of_a_message_ignore_accents_case_punctuation_and_stopwords(
    text: str, words: str
) -> None:
    assert message_words(text) == words


def test_grouping_matches_the_all_pairs_rule_on_random_messages() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(40)]
    for _ in range(200):
        turns = []
        for number in range(rng.randint(1, 120)):
            size = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12])
            weights = [1 / (i + 1) for i in range(len(vocabulary))]  # a few common
            words = set(rng.choices(vocabulary, weights, k=size))
            turns.append(Message(1000 - number, " ".join(sorted(words))))
        got = [[t.id for t in g.turns] for g in group_messages(turns)]
        assert got == reference_groups(turns)


def test_similar_wordings_share_a_group_and_different_ones_do_not() -> None:
    texts = [
        "kích hoạt vneid mức 2 ở đâu",
        "kich hoat vneid muc 2 o dau",
        "kích hoạt VNeID mức 2 ở đâu ạ",
        "giá vé máy bay đi Đà Nẵng",
    ]
    turns = [Message(10 - i, message_words(t)) for i, t in enumerate(texts)]
    groups = [[t.id for t in g.turns] for g in group_messages(turns)]
    assert groups == [[10, 9, 8], [7]]
