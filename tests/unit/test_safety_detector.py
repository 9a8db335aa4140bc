"""The scam rules on the sets they were tuned on: a regression guard (the honest
figure is the held-out half, in eval/safety.md)."""

from __future__ import annotations

from api.safety.detector import KINDS, detect
from tools.evaluate_safety import _split


def _rates(split: str) -> tuple[float, float]:
    scam, ordinary = _split(split)
    caught = sum(detect(m["text"]) is not None for m in scam) / len(scam)
    alarms = sum(detect(m["text"]) is not None for m in ordinary) / len(ordinary)
    return caught, alarms


def test_the_tuning_sets_stay_caught_without_false_alarms() -> None:
    for split in ("dev", "dev_b"):
        caught, alarms = _rates(split)
        assert caught >= 0.97, (split, caught)
        assert alarms <= 0.03, (split, alarms)


def test_every_alert_names_a_known_kind_and_ordinary_words_do_not_alarm() -> None:
    assert detect("co nguoi goi dien bao toi cap nhat dinh danh muc 3 co dung khong")
    for text in (
        "mã OTP không về điện thoại",
        "quên passcode VNeID",
        "tải VNeID ở đâu cho đúng app thật",
        "nộp phạt giao thông online",
        "công an xã hẹn lên kích hoạt mức 2 thì mang gì",
    ):
        assert detect(text) is None, text
    scam, _ = _split("dev_b")
    assert {a.kind for m in scam if (a := detect(m["text"]))} <= set(KINDS)
