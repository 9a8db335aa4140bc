"""Vietnamese normalisation used for Token.lemma (pure, no Rasa needed)."""

from __future__ import annotations

import pytest

from textnorm import fold, lemma, normalize_text


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Định danh điện tử", "dinh danh dien tu"),
        ("ĐĂNG KÝ", "dang ky"),
        ("kích hoạt mức 2", "kich hoat muc 2"),
        ("Chữ ký số", "chu ky so"),
        ("Ngưỡng ưu tiên", "nguong uu tien"),
    ],
)
def test_fold_strips_diacritics_and_lowercases(accented: str, plain: str) -> None:
    assert fold(accented) == plain


def test_fold_handles_decomposed_input() -> None:
    assert fold("ki\u0301ch hoa\u0323t") == "kich hoat"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("dvc", "dich vu cong"),
        ("DVC", "dich vu cong"),
        ("cccd", "can cuoc cong dan"),
        ("tk", "tai khoan"),
        ("mk", "mat khau"),
        ("sđt", "so dien thoai"),
        ("ko", "khong"),
        ("đc", "duoc"),
        ("j", "gi"),
        ("VNeID", "vneid"),
        ("cks", "chu ky so"),
    ],
)
def test_lemma_expands_abbreviations_and_teencode(token: str, expected: str) -> None:
    assert lemma(token) == expected


def test_accented_and_unaccented_questions_normalise_identically() -> None:
    assert normalize_text("Quên mật khẩu tài khoản VNeID") == normalize_text(
        "quen mk tk vneid"
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("hỏng", "hong"),
        ("hong", "khong"),
        ("Vậy", "vay"),
        ("cả", "ca"),
        ("Đăng", "dang"),
    ],
)
def test_words_typed_with_marks_are_never_taken_for_shorthand(
    token: str, expected: str
) -> None:
    assert lemma(token) == expected


def test_small_numbers_are_read_as_words_so_levels_and_choices_differ() -> None:
    assert normalize_text("mức 2") == normalize_text("muc hai") == "muc hai"
    assert normalize_text("mức 1") != normalize_text("mức 2")
    assert lemma("3") == "ba"
    assert lemma("2025") == "2025"
