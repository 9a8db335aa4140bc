"""Telegram and Zalo OA end to end: real gateway, real Rasa model, real action server;
only the platforms' APIs are loopback stand-ins."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from api.conversation.messages import TRIP_QUESTION
from tests.fakes import FakeTelegram, FakeZaloOA, zalo_signed
from tests.stack.conftest import TELEGRAM_SECRET, ZALO_APP_ID, ZALO_OA_SECRET
from tools.stack import Stack

pytestmark = pytest.mark.stack

CHAT = {"id": 5550001, "type": "private", "first_name": "Hà"}
USER = {"id": 5550001, "is_bot": False, "first_name": "Hà", "language_code": "vi"}


def _telegram(stack: Stack, update_id: int, text: str) -> None:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": CHAT,
        "from": USER,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"offset": 0, "length": len(text), "type": "bot_command"}
        ]
    response = httpx.post(
        f"{stack.api_url}/channels/telegram/webhook",
        json={"update_id": update_id, "message": message},
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=30,
    )
    assert response.status_code == 200


def _sent_after(fake: FakeTelegram, before: int, count: int) -> list[dict[str, Any]]:
    fake.wait_for(
        lambda _: len(fake.calls("sendMessage")) >= before + count, timeout=60
    )
    return fake.calls("sendMessage")[before:]


def test_telegram_start_shows_the_main_menu_and_a_question_is_answered(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    before = len(fake_telegram.calls("sendMessage"))
    _telegram(stack, 900001, "/start")
    greeting, menu = _sent_after(fake_telegram, before, 2)
    assert greeting["text"].startswith("Xin chào Anh/Chị")
    titles = [row[0]["text"] for row in menu["reply_markup"]["inline_keyboard"]]
    assert "Tài khoản định danh VNeID" in titles

    before = len(fake_telegram.calls("sendMessage"))
    _telegram(stack, 900002, "lam sao kich hoat vneid muc 2")
    # A procedure answer, then the one-tap question whether a trip is still needed.
    answer, trip = _sent_after(fake_telegram, before, 2)
    assert "Nguồn: https://" in answer["text"]
    buttons = [row[0] for row in answer["reply_markup"]["inline_keyboard"]]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert "Hướng dẫn từng bước" in [b["text"] for b in buttons]
    assert trip["text"] == TRIP_QUESTION


def test_zalo_question_is_answered_with_a_numbered_menu(
    stack: Stack, fake_zalo: FakeZaloOA
) -> None:
    before = len(fake_zalo.sent)
    body = {
        "app_id": ZALO_APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "8800110022"},
        "recipient": {"id": "1234"},
        "message": {"msg_id": "stack-msg-1", "text": "quen mat khau vneid"},
    }
    raw, headers = zalo_signed(body, ZALO_APP_ID, ZALO_OA_SECRET)

    response = httpx.post(
        f"{stack.api_url}/channels/zalo/webhook",
        content=raw,
        headers=headers,
        timeout=30,
    )

    assert response.status_code == 200
    fake_zalo.wait_for(lambda _: len(fake_zalo.sent) > before, timeout=60)
    text = fake_zalo.sent[before].body["message"]["text"]
    assert "mật khẩu" in text
    assert len(text) <= 2000
