"""The masking test set: every case with and without diacritics, exact output."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from api.privacy.masking import mask

CASES = yaml.safe_load(
    (Path(__file__).with_name("masking_cases.yml")).read_text(encoding="utf-8")
)
PLACEHOLDER = re.compile(r"\[[^\]]+\]")


def unaccented(text: str) -> str:
    """``text`` as typed without diacritics (placeholders are the masker's, kept)."""

    def strip(part: str) -> str:
        decomposed = unicodedata.normalize("NFD", part)
        plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        return plain.replace("đ", "d").replace("Đ", "D")

    out, position = [], 0
    for match in PLACEHOLDER.finditer(text):
        out += [strip(text[position : match.start()]), match.group()]
        position = match.end()
    return "".join([*out, strip(text[position:])])


MASKED = [
    pytest.param(text, expected, id=f"{i}-{style}")
    for i, (original, masked) in enumerate(CASES["mask"])
    for style, text, expected in (
        ("accented", original, masked),
        ("plain", unaccented(original), unaccented(masked)),
    )
]
KEPT = [
    pytest.param(text, id=f"{i}-{style}")
    for i, original in enumerate(CASES["keep"])
    for style, text in (("accented", original), ("plain", unaccented(original)))
]


def test_the_set_is_large_enough() -> None:
    assert len(MASKED) + len(KEPT) >= 150


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_survive(text: str) -> None:
    assert mask(text) == text
