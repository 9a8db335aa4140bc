"""Channel rendering: splitting long answers and numbered menus for text-only channels."""

from __future__ import annotations

import pytest

from api.channels.render import menu_choice, numbered_menu, split_text
from api.conversation.replies import Button, OutMessage


def test_short_text_is_one_piece() -> None:
    assert split_text("Xin chào Anh/Chị", 2000) == ["Xin chào Anh/Chị"]


def test_long_text_splits_at_line_boundaries_within_the_limit() -> None:
    lines = [f"{n}. Mở ứng dụng VNeID và làm theo hướng dẫn." for n in range(1, 80)]
    text = "\n".join(lines)

    pieces = split_text(text, 500)

    assert all(len(p) <= 500 for p in pieces)
    assert "\n".join(pieces) == text  # every step whole, nothing lost


def test_text_without_spaces_is_cut_hard() -> None:
    pieces = split_text("x" * 4500, 2000)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_buttons_become_a_numbered_menu() -> None:
    message = OutMessage(
        "Chọn chủ đề:", [Button("VNeID", "/a"), Button("Chữ ký số", "/b")]
    )
    assert numbered_menu(message) == (
        "Chọn chủ đề:\n\nAnh/Chị gõ số để chọn:\n1. VNeID\n2. Chữ ký số"
    )


def test_a_list_already_in_the_text_is_not_repeated() -> None:
    text = "Có phải Anh/Chị muốn hỏi:\n1. VNeID\n2. Chữ ký số"
    message = OutMessage(text, [Button("VNeID", "/a"), Button("Chữ ký số", "/b")])
    assert numbered_menu(message) == text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2", "/b"),
        (" 1. ", "/a"),
        ("2)", "/b"),
        ("3", None),
        ("0", None),
        ("hai", None),
    ],
)
def test_a_typed_number_picks_a_menu_payload(typed: str, expected: str | None) -> None:
    assert menu_choice(typed, ["/a", "/b"]) == expected


def test_no_menu_no_choice() -> None:
    assert menu_choice("1", None) is None
