"""Personal data is masked before anything is stored (Vietnamese examples)."""

from __future__ import annotations

import pytest

from api.privacy.masking import ACCOUNT, CARD, CITIZEN_ID, EMAIL, OTP, PHONE, mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("số cccd của tôi là 001203004567", "số cccd của tôi là " + CITIZEN_ID),
        ("CCCD: 001 203 004 567 ạ", "CCCD: " + CITIZEN_ID + " ạ"),
        ("căn cước 0012.0300.4567", "căn cước " + CITIZEN_ID),
        ("cmnd cũ 123456789", "cmnd cũ " + CITIZEN_ID),
        ("sđt em 0912345678", "sđt em " + PHONE),
        ("gọi 0912 345 678 nhé", "gọi " + PHONE + " nhé"),
        ("số +84 912 345 678", "số " + PHONE),
        ("zalo 84912345678", "zalo " + PHONE),
        ("mail nguyenvana@gmail.com giúp em", "mail " + EMAIL + " giúp em"),
        ("mã OTP là 482913", "mã OTP là " + OTP),
        ("otp 4821 có đúng không", "otp " + OTP + " có đúng không"),
        ("mã xác nhận: 99887766", "mã xác nhận: " + OTP),
        ("thẻ 4111 1111 1111 1111 bị trừ tiền", "thẻ " + CARD + " bị trừ tiền"),
        ("stk 19034567890123 techcombank", "stk " + ACCOUNT + " techcombank"),
        ("số tài khoản: 0123 4567 891", "số tài khoản: " + ACCOUNT),
    ],
)
def test_mask_replaces_personal_data(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "kích hoạt vneid mức 2",
        "tôi 65 tuổi, năm 2025 có cần làm lại căn cước không",
        "phí 50.000 đồng phải không",
        "nghị định 69/2024/NĐ-CP",
        "giờ làm việc 7h30 đến 17h",
    ],
)
def test_mask_keeps_ordinary_numbers(text: str) -> None:
    assert mask(text) == text
