"""NLU on the trained model: diacritics, teencode and out-of-scope questions.

The full evaluation is `make eval`; these are the guarantees every model must keep.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actions.decision import (
    AnswerPolicy,
    answer_to_give,
    message_words,
    selector_ranking,
)
from actions.retrieval import get_index
from bot.shape import model_classifier, question_of

# (accented, unaccented or abbreviated, expected answer id)
SAME_ANSWER = [
    (
        "làm sao kích hoạt tài khoản định danh điện tử mức 2",
        "lam sao kich hoat vneid muc 2",
        "vneid_activate_level2",
    ),
    (
        "quên mật khẩu tài khoản VNeID thì làm thế nào",
        "quen mk vneid",
        "vneid_forgot_password",
    ),
    ("chữ ký số là gì", "chu ky so la gi vay", "digsig_what_is"),
    (
        "đăng ký tài khoản trên Cổng Dịch vụ công quốc gia như thế nào",
        "dang ky tk dvc quoc gia ntn",
        "dvc_account_register",
    ),
]

OUT_OF_SCOPE = [
    "thời tiết Hà Nội ngày mai thế nào",
    "tối nay đội tuyển Việt Nam đá mấy giờ",
    "cho em vay 5 triệu được không",
]


def _answer(parse_data: dict[str, Any]) -> str | None:
    """The answer the action server would give (same decision, default settings)."""
    return answer_to_give(
        selector_ranking(parse_data),
        get_index().rank(parse_data["text"]),
        AnswerPolicy(),
        words=message_words(parse_data["text"]),
    )


@pytest.mark.parametrize(("accented", "plain", "answer_id"), SAME_ANSWER)
def test_accented_and_unaccented_questions_get_the_same_answer(
    parse: Any, accented: str, plain: str, answer_id: str
) -> None:
    for text in (accented, plain):
        data = parse(text)
        assert data["intent"]["name"] == "faq", text
        assert _answer(data) == answer_id, text


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope_questions_are_not_answered_as_faq(parse: Any, text: str) -> None:
    assert parse(text)["intent"]["name"] in {"out_of_scope", "nlu_fallback"}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("xin chào", "greet"),
        ("cảm ơn bạn nhiều", "thank"),
        ("bạn là người hay máy", "bot_challenge"),
        ("cho tôi nói chuyện với cán bộ", "request_human"),
    ],
)
def test_conversation_intents(parse: Any, text: str, intent: str) -> None:
    assert parse(text)["intent"]["name"] == intent


WRAPPED = [
    ("Chào anh chị ạ, {}. Em cảm ơn nhiều!", 0),
    ("chao ad, {}, cam on nhieu nha", 1),
    ("Kính gửi cán bộ xã, {}? Mong được hướng dẫn, xin cảm ơn.", 0),
]


@pytest.mark.parametrize(("accented", "plain", "answer_id"), SAME_ANSWER)
@pytest.mark.parametrize(("wrapping", "which"), WRAPPED)
def test_a_greeting_and_thanks_around_the_question_do_not_hide_it(
    agent: Any,
    parse: Any,
    accented: str,
    plain: str,
    answer_id: str,
    wrapping: str,
    which: int,
) -> None:
    question = (accented, plain)[which]
    loop = asyncio.new_event_loop()
    try:
        shaped = loop.run_until_complete(
            question_of(wrapping.format(question), model_classifier(agent))
        )
    finally:
        loop.close()
    # Courtesy the model does not know alone may stay ("Mong được hướng dẫn,").
    assert shaped.changed and question in shaped.question
    assert _answer(parse(shaped.question)) == answer_id


@pytest.mark.parametrize(
    "text", ["Xin chào", "chào em, cảm ơn em", "Cảm ơn. Tạm biệt nhé"]
)
def test_a_message_of_small_talk_only_is_still_small_talk(
    agent: Any, parse: Any, text: str
) -> None:
    loop = asyncio.new_event_loop()
    try:
        shaped = loop.run_until_complete(question_of(text, model_classifier(agent)))
    finally:
        loop.close()
    assert parse(shaped.question)["intent"]["name"] in {"greet", "thank", "goodbye"}


def test_the_answer_classifier_reads_like_rasas_response_selector(parse: Any) -> None:
    """What Rasa (full_retrieval_intent_name) and the action server read."""
    data = parse("quên mật khẩu vneid thì làm sao")
    selector = data["response_selector"]["faq"]
    best = selector["response"]
    assert data["response_selector"]["all_retrieval_intents"] == ["faq"]
    assert data["intent"]["full_retrieval_intent_name"] == best["intent_response_key"]
    assert best["utter_action"] == "utter_" + best["intent_response_key"]
    confidences = [c["confidence"] for c in selector["ranking"]]
    assert len(confidences) == 10
    assert confidences == sorted(confidences, reverse=True)
    assert best["confidence"] == confidences[0] and 0 < sum(confidences) <= 1 + 1e-9
    assert selector["ranking"][0]["intent_response_key"] == best["intent_response_key"]
