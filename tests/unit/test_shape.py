"""bot/shape.py: the question without the small talk around it, with a stand-in for
the model (the bot tier checks the same with the trained one, tests/bot/test_nlu.py)."""

from __future__ import annotations

import asyncio

from bot.shape import MAX_WORDS, Shaped, clauses, question_of

SMALL_TALK = {
    "chào anh chị": ("greet", 0.97),
    "thưa cán bộ": ("greet", 0.9),
    "xin cảm ơn": ("thank", 0.95),
    "tạm biệt": ("goodbye", 0.92),
    "cảm ơn em": ("thank", 0.5),  # not sure enough
    # Whole messages the model reads as small talk.
    "chào anh chị, xin cảm ơn": ("thank", 0.99),
    "mong được giải đáp. xin cảm ơn!": ("thank", 0.98),
    # A request that is courtesy only with the thanks after it.
    "mong được hướng dẫn, xin cảm ơn": ("thank", 0.97),
}


class Model:
    """Classifies the pieces it knows as small talk, anything else as a question,
    and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, piece: str) -> tuple[str | None, float]:
        self.asked.append(piece)
        return SMALL_TALK.get(piece.lower(), ("faq", 0.99))


def shaped(text: str, model: Model | None = None) -> Shaped:
    return asyncio.run(question_of(text, model or Model()))


def test_greeting_and_thanks_around_a_question_are_dropped() -> None:
    result = shaped("Chào anh chị, cho em hỏi kích hoạt VNeID thế nào? Xin cảm ơn!")
    assert result.question == "cho em hỏi kích hoạt VNeID thế nào?"
    assert (result.opening, result.closing) == ("Chào anh chị,", "Xin cảm ơn!")
    assert result.changed


def test_two_openings_and_a_goodbye_on_its_own_line() -> None:
    result = shaped("Thưa cán bộ. Chào anh chị,\nmất căn cước thì làm sao\ntạm biệt")
    assert result.question == "mất căn cước thì làm sao"


def test_a_message_the_model_reads_whole_as_small_talk_stays_whole() -> None:
    assert shaped("Chào anh chị").question == "Chào anh chị"
    assert shaped("Chào anh chị, xin cảm ơn").question == "Chào anh chị, xin cảm ơn"
    text = "Mong được giải đáp. Xin cảm ơn!"
    assert shaped(text) == Shaped(text)
    # Read whole as a question: only the small talk is dropped.
    assert shaped("Chào anh chị. Xin cảm ơn").question == "Xin cảm ơn"


def test_a_question_alone_or_small_talk_not_sure_enough_is_untouched() -> None:
    model = Model()
    text = "làm lại căn cước có mất phí không"
    assert shaped(text, model) == Shaped(text)
    assert model.asked == []  # one clause: the model is not asked
    text = "làm lại căn cước có mất phí không, cảm ơn em"
    assert shaped(text).question == text


def test_small_talk_in_the_middle_stays() -> None:
    text = "mất điện thoại, xin cảm ơn, giờ đăng nhập VNeID sao"
    assert shaped(text).question == text


def test_long_clauses_are_not_tried() -> None:
    model = Model()
    story = " ".join(["chữ"] * (MAX_WORDS + 1))
    shaped(story + ". Tài khoản bị khóa thì làm sao?", model)
    assert model.asked == ["Tài khoản bị khóa thì làm sao"]


def test_clauses_keep_their_punctuation_and_skip_empty_ones() -> None:
    text = "Chào em,, hỏi chút… ok?!\n\n😀 !"
    assert [text[a:b] for a, b in clauses(text)] == ["Chào em,,", " hỏi chút…", " ok?!"]


def test_a_request_read_as_thanks_with_the_thanks_after_it_is_dropped_too() -> None:
    model = Model()
    result = shaped(
        "Thưa cán bộ, chữ ký số là gì? Mong được hướng dẫn, xin cảm ơn.", model
    )
    assert result.question == "chữ ký số là gì?"
    assert result.closing == "Mong được hướng dẫn, xin cảm ơn."
    # Alone, the request is not small talk; it is tried once with the thanks.
    assert "Mong được hướng dẫn" in model.asked
    assert "Mong được hướng dẫn, xin cảm ơn" in model.asked


def test_the_last_clause_left_is_never_dropped_with_the_thanks() -> None:
    text = "Chào anh chị, mong được hướng dẫn, xin cảm ơn"
    result = shaped(text)
    assert result.question == "mong được hướng dẫn,"
