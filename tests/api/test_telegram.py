"""Telegram through the real python-telegram-bot Application, with real Update JSON
and a loopback server standing in for the Bot API."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.conversation.messages import (
    RASA_UNAVAILABLE,
    TOO_LONG,
    TRIP_QUESTION,
    UNSUPPORTED_MEDIA,
)
from api.core.config import Settings
from api.privacy.pseudonym import pseudonymize
from api.querylog.models import Outcome
from tests.api.conftest import SECRET, TELEGRAM_SECRET, client_for, logged_turns
from tests.fakes import FakeRasa, FakeTelegram

WEBHOOK = "/channels/telegram/webhook"
CHAT_ID = 424242
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
CHAT = {"id": CHAT_ID, "type": "private", "first_name": "Lan"}
_ids = itertools.count(int(time.time()))


def message_update(text: str | None = None, **fields: Any) -> dict[str, Any]:
    """A private-chat ``message`` update as the Bot API sends it."""
    message: dict[str, Any] = {
        "message_id": next(_ids) % 100000,
        "date": int(time.time()),
        "chat": CHAT,
        "from": USER,
        **fields,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"offset": 0, "length": len(command), "type": "bot_command"}
            ]
    return {"update_id": next(_ids), "message": message}


def callback_update(data: str) -> dict[str, Any]:
    """A button press on one of the bot's messages."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cbq-{next(_ids)}",
            "from": USER,
            "chat_instance": "-1234",
            "data": data,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "chat": CHAT,
                "from": {"id": 7000001, "is_bot": True, "first_name": "Trợ lý"},
                "text": "Có phải Anh/Chị muốn hỏi…",
            },
        },
    }


def post(
    client: TestClient, update: dict[str, Any], secret: str = TELEGRAM_SECRET
) -> Any:
    return client.post(
        WEBHOOK, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )


ACTIVATE = '/choose{"answer_id":"vneid_activate_level2"}'


def test_text_is_answered_with_an_inline_keyboard_and_logged(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(
        "Để kích hoạt tài khoản định danh điện tử mức 2…",
        "faq",
        0.97,
        turn={"outcome": "answered", "answer_id": "vneid_activate_level2"},
        buttons=[{"title": "Hướng dẫn từng bước", "payload": ACTIVATE}],
    )

    response = post(channel_client, message_update("kich hoat vneid muc 2"))

    assert response.status_code == 200
    assert fake_rasa.received[0]["message"] == "kich hoat vneid muc 2"
    # A procedure answer: the trip question follows it (tests/api/test_trip_question).
    sent, question = fake_telegram.calls("sendMessage")
    assert question["text"] == TRIP_QUESTION
    assert [sent] == [
        {
            "chat_id": CHAT_ID,
            "text": "Để kích hoạt tài khoản định danh điện tử mức 2…",
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": "Hướng dẫn từng bước", "callback_data": ACTIVATE}]
                ]
            },
        }
    ]
    [turn] = logged_turns(seeded_engine)
    assert (turn.channel, turn.outcome, turn.answer_id) == (
        "telegram",
        Outcome.ANSWERED,
        "vneid_activate_level2",
    )
    assert turn.user_pseudonym == pseudonymize(SECRET, "telegram", str(CHAT_ID))


@pytest.mark.parametrize("secret", ["", "wrong-secret", TELEGRAM_SECRET + "x"])
def test_a_wrong_or_missing_secret_token_is_refused(
    channel_client: TestClient, fake_rasa: FakeRasa, secret: str
) -> None:
    response = post(channel_client, message_update("xin chào"), secret=secret)

    assert response.status_code == 403
    assert fake_rasa.received == []


def test_a_repeated_update_is_processed_once(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    update = message_update("xin chào")

    assert post(channel_client, update).status_code == 200
    assert post(channel_client, update).status_code == 200

    assert len(fake_rasa.received) == 1
    assert len(fake_telegram.calls("sendMessage")) == 1


@pytest.mark.parametrize(
    ("command", "sent"),
    [("/start", "/greet"), ("/menu", "/greet"), ("/help", "/help"), ("/xyz", "/help")],
)
def test_commands_show_the_menu_or_the_help(
    channel_client: TestClient, fake_rasa: FakeRasa, command: str, sent: str
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 1.0)

    post(channel_client, message_update(command))

    assert [m["message"] for m in fake_rasa.received] == [sent]


def test_a_button_press_is_acknowledged_and_sends_its_payload(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    fake_rasa.answer("Bước 1…", "guide", 1.0)
    update = callback_update(ACTIVATE)

    post(channel_client, update)

    assert fake_telegram.calls("answerCallbackQuery") == [
        {"callback_query_id": update["callback_query"]["id"]}
    ]
    assert fake_rasa.received[0]["message"] == ACTIVATE
    assert fake_telegram.calls("sendMessage")[0]["chat_id"] == CHAT_ID


def test_payloads_longer_than_64_bytes_travel_by_key(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    long_payload = '/guide{"answer_id":"public_service_portal_pay_fee_online_x"}'
    long_payload += " " * (70 - len(long_payload))
    fake_rasa.answer(
        "Chọn một mục:", "faq", 0.9, buttons=[{"title": "Mục", "payload": long_payload}]
    )
    post(channel_client, message_update("nop le phi"))
    [keyboard] = fake_telegram.calls("sendMessage")[0]["reply_markup"][
        "inline_keyboard"
    ]
    data = keyboard[0]["callback_data"]
    assert len(data.encode()) <= 64

    post(channel_client, callback_update(data))

    assert fake_rasa.received[-1]["message"] == long_payload.strip()


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        (
            {
                "photo": [
                    {
                        "file_id": "AgAD1",
                        "file_unique_id": "u1",
                        "width": 90,
                        "height": 90,
                    }
                ]
            },
            "photo",
        ),
        (
            {
                "sticker": {
                    "file_id": "CAAD1",
                    "file_unique_id": "s1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "sticker",
        ),
        (
            {
                "voice": {
                    "file_id": "AwAD1",
                    "file_unique_id": "v1",
                    "duration": 3,
                }
            },
            "voice",
        ),
        ({"location": {"latitude": 18.34, "longitude": 105.9}}, "location"),
        (
            {
                "document": {
                    "file_id": "BQAD1",
                    "file_unique_id": "d1",
                    "file_name": "cccd.pdf",
                }
            },
            "document",
        ),
    ],
)
def test_non_text_messages_get_a_polite_text_only_reply(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
    fields: dict[str, Any],
    kind: str,
) -> None:
    post(channel_client, message_update(None, **fields))

    assert fake_rasa.received == []
    [sent] = fake_telegram.calls("sendMessage")
    assert sent["text"] == UNSUPPORTED_MEDIA
    [turn] = logged_turns(seeded_engine)
    assert (turn.outcome, turn.detail, turn.text_masked) == (
        Outcome.REJECTED,
        f"unsupported:{kind}",
        f"[{kind}]",
    )


def test_an_edited_message_is_answered_as_the_corrected_question(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    fake_rasa.answer("Để lấy lại mật khẩu…", "faq", 0.9)
    update = message_update("quen mat khau vneid")
    update["edited_message"] = {**update.pop("message"), "edit_date": int(time.time())}

    post(channel_client, update)

    assert fake_rasa.received[0]["message"] == "quen mat khau vneid"
    assert len(fake_telegram.calls("sendMessage")) == 1


def test_a_long_answer_is_split_and_the_keyboard_goes_last(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    step = " ".join(["Bước hướng dẫn chi tiết."] * 8)
    steps = "\n".join(f"{n}. {step}" for n in range(1, 40))
    fake_rasa.answer(steps, "faq", 0.9, buttons=[{"title": "Tiếp", "payload": "/x"}])

    post(channel_client, message_update("huong dan"))

    sent = fake_telegram.calls("sendMessage")
    assert len(sent) == 2
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == steps
    assert "reply_markup" not in sent[0]
    assert sent[1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Tiếp"


def test_an_over_long_message_gets_a_polite_reply_and_is_logged(
    channel_client: TestClient,
    channel_settings: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    # A citizen ID straddling the cut must not survive in part.
    post(channel_client, message_update("a " * 996 + "001203004567 " + "b" * 1000))

    assert fake_rasa.received == []
    limit = channel_settings.max_message_chars
    assert fake_telegram.calls("sendMessage")[0]["text"] == TOO_LONG.format(limit=limit)
    [turn] = logged_turns(seeded_engine)
    assert (turn.outcome, turn.detail) == (Outcome.REJECTED, "too_long")
    assert not re.search(r"\d{4}", turn.text_masked)


def test_rasa_down_gives_a_polite_reply(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    fake_rasa.status = 500

    post(channel_client, message_update("chu ky so la gi"))

    assert fake_telegram.calls("sendMessage")[0]["text"] == RASA_UNAVAILABLE


def test_a_transient_send_failure_is_retried(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9)
    fake_telegram.failures["sendMessage"] = [(502, "Bad Gateway")]

    post(channel_client, message_update("chu ky so la gi"))

    assert len(fake_telegram.calls("sendMessage")) == 2


def test_a_blocked_bot_marks_the_turn_undelivered_and_keeps_both_texts(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9)
    fake_telegram.failures["sendMessage"] = [(403, "Forbidden: bot was blocked")]

    post(channel_client, message_update("chu ky so la gi"))

    assert len(fake_telegram.calls("sendMessage")) == 1  # not retried
    [turn] = logged_turns(seeded_engine)
    assert turn.outcome is Outcome.UNDELIVERED
    assert turn.detail == "telegram:Forbidden"
    assert (turn.text_masked, turn.reply_masked) == ("chu ky so la gi", "Chữ ký số là…")


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'{"message": {"text": "x"}}']
)
def test_malformed_updates_are_refused_cleanly(
    channel_client: TestClient, fake_rasa: FakeRasa, body: bytes
) -> None:
    response = channel_client.post(
        WEBHOOK,
        content=body,
        headers={
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
            "Content-Type": "application/json",
        },
    )

    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "invalid_request"
    assert fake_rasa.received == []


def test_the_webhook_is_absent_without_a_token(client: TestClient) -> None:
    assert post(client, message_update("xin chào")).status_code == 404


@pytest.fixture
def polling_client(channel_settings: Settings) -> Iterator[TestClient]:
    with client_for(channel_settings, telegram_mode="polling") as client:
        yield client


def test_polling_mode_answers_updates_without_a_webhook(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, polling_client: TestClient
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    fake_telegram.updates = [message_update("xin chào")]

    fake_telegram.wait_for(
        lambda requests: any(r.path.endswith("/sendMessage") for r in requests)
    )

    assert fake_telegram.calls("sendMessage")[0]["text"] == "Xin chào Anh/Chị!"
    assert post(polling_client, message_update("x")).status_code == 404
