"""The scam detector on the examples it was tuned and trained on: a regression guard
(the honest figures are the held-out set's, in eval/safety.md), and how the model
and the rules combine."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from api.safety.detector import KINDS, Detector, Thresholds, normalized
from api.safety.model import (
    CHAR_NGRAMS,
    Example,
    ScamModel,
    char_wb_ngrams,
    examples_dir,
    load_model,
)
from tests.conftest import ROOT
from tools.evaluate_safety import examples_with_labels


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_seeds(ROOT / "seeds")


def _rates(detect: Detector, rows: list[dict]) -> tuple[float, float]:
    scam = [m for m in rows if m["scam"]]
    ordinary = [m for m in rows if not m["scam"]]
    caught = sum(detect.detect(m["text"]) is not None for m in scam) / len(scam)
    alarms = sum(detect.detect(m["text"]) is not None for m in ordinary) / len(ordinary)
    return caught, alarms


def test_the_examples_stay_caught_without_false_alarms(detector: Detector) -> None:
    rows = examples_with_labels()
    assert len(rows) >= 1600
    # The rules alone, on the sets they were written on (A-D; later sets only
    # train the model beside them).
    tuned_on = [m for m in rows if m["set"] in {"a", "b", "c", "d"}]
    caught, alarms = _rates(Detector(None), tuned_on)
    assert caught >= 0.9 and alarms <= 0.05, (caught, alarms)
    caught, alarms = _rates(detector, rows)
    assert caught >= 0.97 and alarms <= 0.02, (caught, alarms)


def test_every_alert_names_a_known_kind_and_ordinary_words_do_not_alarm(
    detector: Detector,
) -> None:
    alert = detector.detect(
        "co nguoi goi dien bao toi cap nhat dinh danh muc 3 co dung khong"
    )
    assert alert is not None and alert.kind == "identity_update"
    for text in (
        "mã OTP không về điện thoại",
        "quên passcode VNeID",
        "tải VNeID ở đâu cho đúng app thật",
        "nộp phạt giao thông online",
        "công an xã hẹn lên kích hoạt mức 2 thì mang gì",
        "ngân hàng gửi otp qua tin nhắn hay email",
    ):
        assert detector.detect(text) is None, text
    rows = [m for m in examples_with_labels() if m["scam"]]
    assert {a.kind for m in rows if (a := detector.detect(m["text"]))} <= set(KINDS)


def _toy_model() -> ScamModel:
    scam = [
        "co nguoi goi xin ma otp",
        "nguoi la bat chuyen tien gap",
        "ho doi ma xac nhan",
    ]
    ordinary = ["quen mat khau vneid", "tai ung dung vneid o dau", "nop phi truc tuyen"]
    return ScamModel(
        [Example(t, "code_request") for t in scam]
        + [Example(t, None) for t in ordinary],
        normalized,
    )


def test_the_model_raises_only_when_sure_and_vetoes_only_when_sure() -> None:
    model = _toy_model()
    text = "co nguoi goi xin ma otp"  # the rules alone see a code request here
    assert Detector(None).detect(text) is not None
    p = model.probability(normalized(text))
    # A rule's alert stands unless the model finds the message unlikely enough.
    assert Detector(model, Thresholds(raise_at=1.01, veto_below=p - 0.01)).detect(text)
    assert (
        Detector(model, Thresholds(raise_at=1.01, veto_below=p + 0.01)).detect(text)
        is None
    )
    # Where no rule fires, the model alone warns only above raise_at.
    quiet = "bat chuyen tien gap cho ho"
    q = model.probability(normalized(quiet))
    assert Detector(None).detect(quiet) is None
    assert Detector(model, Thresholds(raise_at=q + 0.01)).detect(quiet) is None
    alert = Detector(model, Thresholds(raise_at=q - 0.01)).detect(quiet)
    assert alert is not None and alert.kind == "code_request"


def test_the_models_character_features_are_scikit_learns_char_wb() -> None:
    # The cached analyzer must not change what the model learns from.
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS)
    analyze = reference.build_analyzer()
    texts = [
        "co nguoi goi xin ma otp",
        "a bc def ghij klmno pqrstu",
        "  Tôi  QUÊN\tmật khẩu  ",
        normalized("Nó bảo đọc mã OTP 6 số, em đọc rồi 😢"),
        "",
    ]
    for text in texts:
        assert char_wb_ngrams(text) == analyze(text), text


def test_the_model_reads_a_message_as_scikit_learn_does() -> None:
    """ScamModel.assess skips scikit-learn's per-call checks: the features and the
    probability stay those of the fitted FeatureUnion and classifier."""
    model = load_model(examples_dir(ROOT / "seeds"), normalized)
    assert model is not None
    texts = [normalized(m["text"]) for m in examples_with_labels()[:200]]
    texts += ["", "ok", "xin chào", "a" * 500]
    for text in texts:
        ours = model.assess(text)
        theirs = model._features.transform([text])
        np.testing.assert_allclose(
            ours.features.toarray(), theirs.toarray(), atol=1e-12
        )
        expected = model._scam.predict_proba(theirs)[0][1]
        assert abs(ours.probability - expected) < 1e-9
