"""The Vietnamese tokenizer keeps tokens and offsets, and normalises lemmas."""

from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.vietnamese_tokenizer import VietnameseTokenizer


def _tokens(text: str) -> list[tuple[str, int, str]]:
    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    return [
        (t.text, t.start, t.lemma)
        for t in tokenizer.tokenize(Message({TEXT: text}), TEXT)
    ]


def test_tokens_keep_original_text_and_offsets_with_folded_lemmas() -> None:
    assert _tokens("Kích hoạt VNeID mức 2") == [
        ("Kích", 0, "kich"),
        ("hoạt", 5, "hoat"),
        ("VNeID", 10, "vneid"),
        ("mức", 16, "muc"),
        ("2", 20, "hai"),
    ]


def test_abbreviations_are_expanded_in_lemmas_only() -> None:
    assert _tokens("quên mk tk dvc") == [
        ("quên", 0, "quen"),
        ("mk", 5, "mat khau"),
        ("tk", 8, "tai khoan"),
        ("dvc", 11, "dich vu cong"),
    ]


def test_emoji_only_message_still_has_a_token() -> None:
    assert len(_tokens("👍")) == 1
