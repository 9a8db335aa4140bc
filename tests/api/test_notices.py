"""Notices: citizens opt in and out on Telegram and Zalo; an admin previews, sends
and reads the log. Real python-telegram-bot and Zalo webhook handling, loopback
stand-ins for both platforms."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.core.config import Settings
from api.core.db import utcnow
from api.notices.models import NoticeDelivery
from api.staff.models import Role
from tests import factories
from tests.api.conftest import client_for, staff_token, wait_until
from tests.api.test_relay import running_relay
from tests.api.test_telegram import message_update
from tests.api.test_telegram import post as telegram_post
from tests.api.test_zalo import event
from tests.api.test_zalo import post as zalo_post
from tests.api.test_zalo import texts as zalo_texts
from tests.fakes import FakeTelegram, FakeZaloOA

HA_TINH = "42"
WARNING = (
    "Cảnh báo: kẻ gian giả danh Công an gọi điện yêu cầu cài ứng dụng lạ. Không làm "
    "theo, không cung cấp mã OTP."
)


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token('admin1', 'admin')}"}


def telegram_texts(fake: FakeTelegram) -> list[str]:
    return [str(c["text"]) for c in fake.calls("sendMessage")]


def preview(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/staff/notices/preview", json=body, headers=admin())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_opted_in_citizens_of_the_province_get_the_notice_after_a_preview(
    channel_client: TestClient,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
    fake_rasa: Any,
    seeded_engine: Any,
) -> None:
    # A Telegram citizen opts in and tells their commune; a Zalo one only opts in.
    assert (
        telegram_post(channel_client, message_update("/nhanthongbao")).status_code
        == 200
    )
    assert "đã đăng ký nhận thông báo chung" in telegram_texts(fake_telegram)[-1]
    telegram_post(channel_client, message_update("phường Thành Sen, Hà Tĩnh"))
    assert "Phường Thành Sen" in telegram_texts(fake_telegram)[-1]
    zalo_post(channel_client, event(text="Nhận thông báo"))
    assert "đã đăng ký nhận thông báo" in zalo_texts(fake_zalo)[-1]
    web = channel_client.post(
        "/api/chat", json={"sender": "w1", "text": "nhan thong bao"}
    )
    assert "Telegram và Zalo" in web.json()["messages"][0]["text"]
    assert fake_rasa.received == []

    ha_tinh = preview(channel_client, text=WARNING, province=HA_TINH)
    assert ha_tinh["recipients"] == {
        "telegram": 1,
        "zalo": 0,
        "zalo_outside_window": 0,
        "total": 1,
    }
    everyone = preview(channel_client, text=WARNING)
    assert everyone["recipients"]["total"] == 2
    assert everyone["text_as_sent"].startswith("THÔNG BÁO")

    # Sending needs the preview of this very text and area.
    refused = channel_client.post(
        "/api/staff/notices",
        json={"text": WARNING + "!", "preview_key": ha_tinh["preview_key"]},
        headers=admin(),
    )
    assert refused.status_code == 409
    before = len(telegram_texts(fake_telegram)), len(zalo_texts(fake_zalo))
    sent = channel_client.post(
        "/api/staff/notices",
        json={
            "text": WARNING,
            "province": HA_TINH,
            "preview_key": ha_tinh["preview_key"],
        },
        headers=admin(),
    )
    assert sent.status_code == 202
    # Background tasks run before the test client returns.
    [notice] = telegram_texts(fake_telegram)[before[0] :]
    assert WARNING in notice and "hủy nhận thông báo" in notice
    assert len(zalo_texts(fake_zalo)) == before[1]  # not in Hà Tĩnh as far as known
    [logged] = channel_client.get("/api/staff/notices", headers=admin()).json()["items"]
    assert (logged["recipients"], logged["sent"], logged["failed"]) == (1, 1, 0)
    assert logged["province_name"] == "Hà Tĩnh" and logged["created_by"] == "admin1"
    assert logged["finished_at"] is not None


def test_opting_out_stops_notices_at_once_and_zalo_rules_are_kept(
    channel_client: TestClient,
    fake_telegram: FakeTelegram,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    telegram_post(channel_client, message_update("nhận thông báo"))
    zalo_post(channel_client, event(text="nhan thong bao"))
    with Session(seeded_engine) as session:
        session.execute(
            update(ChannelContact)
            .where(ChannelContact.channel == "zalo")
            .values(last_inbound_at=utcnow() - timedelta(days=3))
        )
        session.commit()
    counts = preview(channel_client, text=WARNING)["recipients"]
    assert counts == {"telegram": 1, "zalo": 0, "zalo_outside_window": 1, "total": 1}

    telegram_post(channel_client, message_update("Hủy nhận thông báo"))
    assert "đã hủy nhận thông báo" in telegram_texts(fake_telegram)[-1]
    again = preview(channel_client, text=WARNING)
    assert again["recipients"]["telegram"] == 0
    before = len(zalo_texts(fake_zalo))
    response = channel_client.post(
        "/api/staff/notices",
        json={"text": WARNING, "preview_key": again["preview_key"]},
        headers=admin(),
    )
    assert response.status_code == 202
    assert len(zalo_texts(fake_zalo)) == before  # outside the window: not sent
    with Session(seeded_engine) as session:
        statuses = session.scalars(select(NoticeDelivery.status)).all()
    assert statuses == ["skipped:outside_window"]
    [logged] = channel_client.get("/api/staff/notices", headers=admin()).json()["items"]
    assert (logged["sent"], logged["skipped"]) == (0, 1)


def test_notices_are_for_admins_and_checked(
    channel_client: TestClient, seeded_engine: Any
) -> None:
    analyst = {"Authorization": f"Bearer {staff_token('a', Role.ANALYST)}"}
    assert (
        channel_client.post(
            "/api/staff/notices/preview", json={"text": WARNING}, headers=analyst
        ).status_code
        == 403
    )
    for body in (
        {"text": "   "},
        {"text": "x" * 1001},
        {"text": "a", "province": "99"},
    ):
        assert (
            channel_client.post(
                "/api/staff/notices/preview", json=body, headers=admin()
            ).status_code
            == 422
        ), body


def test_a_notice_a_dead_process_left_half_sent_is_finished_at_start_up_once_each(
    channel_settings: Any, fake_telegram: FakeTelegram, seeded_engine: Any
) -> None:
    from datetime import timezone

    from api.notices.models import Notice, NoticeSubscription

    def mark(minutes_ago: int) -> str:
        at = (utcnow() - timedelta(minutes=minutes_ago)).astimezone(timezone.utc)
        return "sending:" + at.strftime("%Y-%m-%dT%H:%M:%S")

    statuses = {
        "sent-before": "sent",
        "still-queued": "queued",
        "died-mid-send": mark(30),  # its process is long gone
        "being-sent": mark(0),  # another worker is sending it right now
    }
    with Session(seeded_engine) as session:
        notice = Notice(text=WARNING, created_by="admin1", recipients=4)
        session.add(notice)
        session.flush()
        for n, (user, status) in enumerate(statuses.items()):
            session.add(NoticeSubscription(channel="telegram", user_pseudonym=user))
            session.add(
                ChannelContact(
                    channel="telegram", user_pseudonym=user, address=str(7000 + n)
                )
            )
            session.add(
                NoticeDelivery(
                    notice_id=notice.id,
                    channel="telegram",
                    user_pseudonym=user,
                    status=status,
                )
            )
        session.commit()

    with client_for(channel_settings):
        for _ in range(100):
            if len(fake_telegram.calls("sendMessage")) >= 2:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # a second send, were there one, would be out by now

    chats = sorted(c["chat_id"] for c in fake_telegram.calls("sendMessage"))
    assert chats == [7001, 7002]
    with Session(seeded_engine) as session:
        now = dict(
            session.execute(
                select(NoticeDelivery.user_pseudonym, NoticeDelivery.status)
            )
            .tuples()
            .all()
        )
    assert now["still-queued"] == now["died-mid-send"] == "sent"
    assert now["being-sent"] == statuses["being-sent"]


def test_the_log_shows_how_far_a_notice_being_sent_has_got(
    channel_client: TestClient, seeded_engine: Any
) -> None:
    with Session(seeded_engine) as session:
        factories.notice_being_sent(session, WARNING, "admin1")
    response = channel_client.get("/api/staff/notices", headers=admin())
    assert response.status_code == 200, response.text
    item = response.json()["items"][0]
    assert item["finished_at"] is None
    assert (item["recipients"], item["sent"], item["failed"], item["skipped"]) == (
        5,
        2,
        1,
        1,
    )


def send_warning(client: TestClient) -> None:
    """Sends WARNING to everyone the preview counts."""
    everyone = preview(client, text=WARNING)
    sent = client.post(
        "/api/staff/notices",
        json={"text": WARNING, "preview_key": everyone["preview_key"]},
        headers=admin(),
    )
    assert sent.status_code == 202


def latest_notice(client: TestClient) -> dict[str, Any]:
    """The newest notice of the log."""
    items = client.get("/api/staff/notices", headers=admin()).json()["items"]
    return dict(items[0])


def test_a_notice_the_platform_refuses_for_a_while_goes_through_the_outbox_once(
    channel_settings: Any, fake_telegram: FakeTelegram, seeded_engine: Any
) -> None:
    with client_for(
        channel_settings,
        send_attempts=1,
        outbox_poll_seconds=0.05,
        # The retry waits 1-2 s (jitter takes up to half off): long enough to see the
        # delivery held in the outbox on a loaded machine.
        outbox_backoff_seconds=2.0,
    ) as client:
        telegram_post(client, message_update("/nhanthongbao"))
        fake_telegram.failures["sendMessage"] = [(502, "Bad Gateway")]
        send_warning(client)

        def statuses() -> list[str]:
            with Session(seeded_engine) as session:
                return list(session.scalars(select(NoticeDelivery.status)))

        # Refused once: the outbox holds it, and the notice is not finished yet.
        wait_until(lambda: statuses() == ["outbox"])
        assert latest_notice(client)["finished_at"] is None
        wait_until(lambda: latest_notice(client)["finished_at"] is not None)
        time.sleep(0.3)  # a second delivery, were there one, would be out by now

    item = latest_notice(client)
    assert (item["recipients"], item["sent"], item["failed"]) == (1, 1, 0)
    notices = [t for t in telegram_texts(fake_telegram) if WARNING in t]
    assert len(notices) == 2  # refused once, then delivered once


def test_with_a_relay_a_notice_is_handed_over_and_finished_when_it_is_delivered(
    channel_settings: Any, fake_telegram: FakeTelegram, seeded_engine: Any
) -> None:
    settings = Settings(
        **{
            **channel_settings.model_dump(),
            "outbox_relay": True,
            "outbox_poll_seconds": 0.05,
        }
    )
    with client_for(settings) as client:
        telegram_post(client, message_update("/nhanthongbao"))
        send_warning(client)

        # The gateway sent nothing itself: the delivery waits for the relay.
        wait_until(lambda: latest_notice(client)["recipients"] == 1)
        time.sleep(0.3)
        assert [t for t in telegram_texts(fake_telegram) if WARNING in t] == []
        assert latest_notice(client)["finished_at"] is None

        with running_relay(settings):
            wait_until(lambda: latest_notice(client)["finished_at"] is not None)
            time.sleep(0.3)  # a second delivery, were there one, would be out by now

    item = latest_notice(client)
    assert (item["recipients"], item["sent"], item["failed"]) == (1, 1, 0)
    assert len([t for t in telegram_texts(fake_telegram) if WARNING in t]) == 1
