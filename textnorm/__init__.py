"""Pure Vietnamese text normalisation shared by the three processes: the NLU tokenizer
(:mod:`bot.components.vietnamese_tokenizer`, inside Rasa), the action server (answer
retrieval) and the gateway (place names, the scam detector).

A leaf package: it imports only the standard library (an import-linter contract in
pyproject.toml keeps it so), so each process may import it without importing another.

Citizens often type without diacritics ("kich hoat vneid muc 2"), with abbreviations
("tk", "mk", "dvc") and teencode ("ko", "dc", "j"). The tokenizer keeps every original
token but gives it a *lemma*: lower-cased, diacritic-folded, abbreviation-expanded.
Rasa's CountVectorsFeaturizer reads lemmas, so accented and unaccented spellings of the
same question produce the same features.
"""

from __future__ import annotations

import unicodedata

# Keys and values are already folded (lower case, no diacritics, "đ" -> "d").
# Multi-word expansions are fine: the featurizer splits lemmas on whitespace.
ABBREVIATIONS: dict[str, str] = {
    # domain terms
    "dvc": "dich vu cong",
    "dvcqg": "dich vu cong quoc gia",
    "cccd": "can cuoc cong dan",
    "cmnd": "chung minh nhan dan",
    "cmt": "chung minh nhan dan",
    "cks": "chu ky so",
    "tk": "tai khoan",
    "mk": "mat khau",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
    "gplx": "giay phep lai xe",
    "blx": "bang lai xe",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "lltp": "ly lich tu phap",
    "ubnd": "uy ban nhan dan",
    "dinhdanh": "dinh danh",
    "vneid": "vneid",
    "vn-eid": "vneid",
    "vnied": "vneid",
    "vneld": "vneid",
    "otp": "otp",
    "app": "ung dung",
    "ad": "admin",
    # teencode and chat shorthand
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "hok": "khong",
    "hong": "khong",
    "khg": "khong",
    "kg": "khong",
    "hem": "khong",
    "dc": "duoc",
    "dk": "dang ky",
    "j": "gi",
    "ji": "gi",
    "z": "vay",
    "v": "vay",
    "ntn": "nhu the nao",
    "lm": "lam",
    "bn": "bao nhieu",
    "mik": "minh",
    "mjk": "minh",
    "mn": "moi nguoi",
    "r": "roi",
    "ak": "a",
    "ah": "a",
    "e": "em",
    "a": "anh",
    "c": "chi",
    "b": "ban",
    "oy": "roi",
    "ui": "oi",
    "trc": "truoc",
    "vs": "voi",
    "ng": "nguoi",
    "nt": "nhan tin",
    "sms": "tin nhan",
    "ib": "nhan tin",
}


# Rasa's CountVectorsFeaturizer turns every number into one "__NUMBER__" token, so
# "mức 1" and "mức 2", or a typed choice "1" and "3", would look the same. Small numbers,
# the ones citizens type for levels and choices, become the words they are read as.
NUMBER_WORDS: dict[str, str] = {
    "1": "mot",
    "2": "hai",
    "3": "ba",
    "4": "bon",
    "5": "nam",
    "6": "sau",
    "7": "bay",
    "8": "tam",
    "9": "chin",
    "10": "muoi",
}


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics ("Định" -> "dinh")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


def lemma(token: str) -> str:
    """Return the normalised form of one token: folded, and abbreviation-expanded when
    it was typed without tone or vowel marks ("hong" -> "khong", but "hỏng" -> "hong"):
    shorthand is typed bare, and a marked word is never shorthand."""
    folded = fold(token)
    if folded != token.lower().replace("đ", "d"):
        return folded
    return NUMBER_WORDS.get(folded) or ABBREVIATIONS.get(folded, folded)


def normalize_text(text: str) -> str:
    """Normalise a whole message the way the tokenizer normalises each token."""
    return " ".join(lemma(word) for word in text.split())
