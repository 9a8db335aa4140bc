"""Notices to citizens who asked for them ("Nhận thông báo"), e.g. a new scam warning.

Citizens on Telegram and Zalo opt in by typing "nhận thông báo" and out by typing "hủy
nhận thông báo" (at once: a notice being sent checks again before each message). An
admin previews a notice (how many would get it, per channel; Zalo followers outside
the 48-hour consultation window are not sent anything, by Zalo's rules), then sends
it with the preview's key. Every notice is logged with each recipient's outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import CursorResult, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.channels.models import (
    ChannelContact,
    Notice,
    NoticeDelivery,
    Subscription,
)
from api.citizen.profile import ASK_PLACE, ask_place, remembered
from api.conversation.dialogue import Dialogue, Said, Turn, out
from api.core.db import utcnow
from api.core.step import Step
from api.places.service import fold, place_names
from api.querylog.models import CitizenProfile

# Logged intent of opting in to or out of notices.
NOTICES_INTENT = "notices"
MESSAGING = ("telegram", "zalo")
SUBSCRIBE = {"nhan thong bao", "nhanthongbao", "dang ky nhan thong bao"}
UNSUBSCRIBE = {
    "huy nhan thong bao",
    "huythongbao",
    "huy thong bao",
    "dung thong bao",
    "dung nhan thong bao",
    "tat thong bao",
    "khong nhan thong bao",
}
MAX_NOTICE_CHARS = 1000
# Telegram allows about 30 messages a second to different chats; stay under it.
SEND_INTERVAL_SECONDS = 0.05
NOTICE_HEADER = "THÔNG BÁO từ Trợ lý Bình dân học vụ số"
NOTICE_FOOTER = "(Gõ “hủy nhận thông báo” để không nhận nữa.)"

SUBSCRIBED = (
    "Anh/Chị đã đăng ký nhận thông báo (ví dụ cảnh báo lừa đảo mới) của {area}. Gõ "
    "“hủy nhận thông báo” bất cứ lúc nào để dừng."
)
SUBSCRIBED_ASK_PLACE = (
    "Anh/Chị đã đăng ký nhận thông báo chung (ví dụ cảnh báo lừa đảo mới). Gõ “hủy "
    "nhận thông báo” bất cứ lúc nào để dừng.\n\n" + ASK_PLACE
)
UNSUBSCRIBED = (
    "Anh/Chị đã hủy nhận thông báo, trợ lý sẽ không gửi thêm. Gõ “nhận thông báo” nếu "
    "muốn nhận lại."
)
NOT_SUBSCRIBED = "Anh/Chị chưa đăng ký nhận thông báo nên không cần hủy."
WEB_ONLY_CHAT = (
    "Thông báo hiện được gửi qua Telegram và Zalo. Anh/Chị nhắn “nhận thông báo” cho "
    "trợ lý trên một trong hai kênh đó để đăng ký."
)


def subscription_turn(
    session: Session, channel: str, user: str, text: str
) -> Step | None:
    """Opt-in and opt-out messages; None for anything else."""
    words = fold(text)
    if words in SUBSCRIBE:
        if channel not in MESSAGING:
            return Step(WEB_ONLY_CHAT)
        if session.get(Subscription, (channel, user)) is None:
            session.add(Subscription(channel=channel, user_pseudonym=user))
            try:
                session.commit()
            except IntegrityError:  # the same citizen's other message, just now
                session.rollback()
        place = remembered(session, user).place
        if place.province_code is None:
            ask_place(session, user)
            return Step(SUBSCRIBED_ASK_PLACE)
        names = place_names(session, [place.province_code])
        return Step(
            SUBSCRIBED.format(area=names.get(place.province_code, "tỉnh của Anh/Chị"))
        )
    if words in UNSUBSCRIBE:
        subscription = session.get(Subscription, (channel, user))
        if subscription is None:
            return Step(NOT_SUBSCRIBED)
        session.delete(subscription)
        session.commit()
        return Step(UNSUBSCRIBED)
    return None


class NoticesDialogue(Dialogue):
    """Opting in to and out of notices, in the turn pipeline."""

    def before_rasa(self, session: Session, turn: Turn) -> Said | None:
        """The reply to an opt-in or opt-out message, else None."""
        step = subscription_turn(session, turn.channel, turn.user, turn.masked)
        return None if step is None else Said([out(step)], NOTICES_INTENT)


@dataclass(frozen=True)
class Recipient:
    """A subscriber and whether a notice may reach them now."""

    channel: str
    user_pseudonym: str
    # None when it may be sent, else why not ("outside_window").
    skip: str | None


def recipients(
    session: Session, province: str | None, zalo_window: timedelta, now: datetime
) -> list[Recipient]:
    """The subscribers of ``province`` (all when None) with a known address."""
    query = (
        select(
            Subscription.channel,
            Subscription.user_pseudonym,
            ChannelContact.last_inbound_at,
        )
        .join(
            ChannelContact,
            (ChannelContact.channel == Subscription.channel)
            & (ChannelContact.user_pseudonym == Subscription.user_pseudonym),
        )
        .order_by(Subscription.channel, Subscription.user_pseudonym)
    )
    if province is not None:
        query = query.join(
            CitizenProfile, CitizenProfile.user_pseudonym == Subscription.user_pseudonym
        ).where(CitizenProfile.province_code == province)
    return [
        Recipient(
            channel,
            user,
            "outside_window"
            if channel == "zalo" and now - last_inbound > zalo_window
            else None,
        )
        for channel, user, last_inbound in session.execute(query).tuples()
    ]


def preview_counts(people: list[Recipient]) -> dict[str, int]:
    """How many would get the notice, per channel, and how many Zalo's rules skip."""
    counts = Counter(p.channel for p in people if p.skip is None)
    return {
        "telegram": counts.get("telegram", 0),
        "zalo": counts.get("zalo", 0),
        "zalo_outside_window": sum(p.skip == "outside_window" for p in people),
        "total": sum(counts.values()),
    }


def preview_key(secret: str, text: str, province: str | None) -> str:
    """Binds a send to the preview of the same text and area."""
    message = f"{province or '*'}\n{text}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def notice_text(text: str) -> str:
    """The notice as citizens receive it."""
    return f"{NOTICE_HEADER}\n\n{text}\n\n{NOTICE_FOOTER}"


def create_notice(
    session: Session,
    text: str,
    province: str | None,
    author: str,
    people: list[Recipient],
) -> int:
    """Logs the notice and one queued (or skipped) delivery per recipient."""
    notice = Notice(
        text=text,
        province_code=province,
        created_by=author,
        recipients=len(people),
        sent=0,
        failed=0,
        skipped=sum(p.skip is not None for p in people),
    )
    session.add(notice)
    session.flush()
    session.add_all(
        NoticeDelivery(
            notice_id=notice.id,
            channel=p.channel,
            user_pseudonym=p.user_pseudonym,
            status=f"skipped:{p.skip}" if p.skip else "queued",
        )
        for p in people
    )
    session.commit()
    return notice.id


Sender = Callable[[str, str, str], Awaitable[str]]


# A delivery being sent is marked "sending:<UTC time>"; one still marked so after
# this long belongs to a process that died mid-send and is sent again.
SENDING_STALE = timedelta(minutes=10)


def _sending_mark(at: datetime) -> str:
    return f"sending:{at.strftime('%Y-%m-%dT%H:%M:%S')}"


def _stale(status: str, now: datetime) -> bool:
    if not status.startswith("sending:"):
        return False
    try:
        since = datetime.strptime(status[8:], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=timezone.utc
        )
    except ValueError:
        return True
    return now - since > SENDING_STALE


async def send_notice(engine: Engine, notice_id: int, send: Sender) -> None:
    """Sends the queued deliveries of a notice through ``send(channel, pseudonym,
    text)`` (which returns "sent" or "failed:<reason>"), skipping citizens who opted
    out meanwhile, and records every outcome.

    Each delivery is claimed before it is sent (queued -> sending, one UPDATE), so
    several workers may run this for the same notice, as they do when they resume
    unfinished notices at start-up, without sending anything twice."""

    def pending() -> tuple[str, list[tuple[str, str, str]]]:
        with Session(engine) as session:
            notice = session.get(Notice, notice_id)
            assert notice is not None
            now = utcnow()
            rows = [
                (channel, user, status)
                for channel, user, status in session.execute(
                    select(
                        NoticeDelivery.channel,
                        NoticeDelivery.user_pseudonym,
                        NoticeDelivery.status,
                    ).where(
                        NoticeDelivery.notice_id == notice_id,
                        or_(
                            NoticeDelivery.status == "queued",
                            NoticeDelivery.status.like("sending:%"),
                        ),
                    )
                ).tuples()
                if status == "queued" or _stale(status, now)
            ]
            return notice_text(notice.text), rows

    def claim(channel: str, user: str, status: str) -> bool:
        """Marks the delivery as being sent, if still ``status`` and subscribed
        (an opt-out meanwhile is recorded as skipped)."""
        with Session(engine) as session:
            subscribed = session.get(Subscription, (channel, user)) is not None
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(NoticeDelivery)
                .where(
                    NoticeDelivery.notice_id == notice_id,
                    NoticeDelivery.channel == channel,
                    NoticeDelivery.user_pseudonym == user,
                    NoticeDelivery.status == status,
                )
                .values(
                    status=_sending_mark(utcnow())
                    if subscribed
                    else "skipped:opted_out"
                )
            )
            session.commit()
            return bool(result.rowcount) and subscribed

    def record(channel: str, user: str, status: str) -> None:
        with Session(engine) as session:
            delivery = session.get(NoticeDelivery, (notice_id, channel, user))
            assert delivery is not None
            delivery.status = status[:60]
            session.commit()

    text, rows = await asyncio.to_thread(pending)
    for channel, user, status in rows:
        if await asyncio.to_thread(claim, channel, user, status):
            outcome = await send(channel, user, text)
            await asyncio.to_thread(record, channel, user, outcome)
            await asyncio.sleep(SEND_INTERVAL_SECONDS)
    await asyncio.to_thread(_finish, engine, notice_id)


def unfinished_notices(engine: Engine) -> list[int]:
    """Notices whose sending a process left unfinished (it stopped or died)."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Notice.id)
                .where(Notice.finished_at.is_(None))
                .order_by(Notice.id)
            )
        )


def _outcomes(session: Session, notice_id: int) -> Counter[str]:
    """The notice's deliveries by outcome: sent, failed, skipped, queued, sending."""
    return Counter(
        s.split(":")[0]
        for s in session.scalars(
            select(NoticeDelivery.status).where(NoticeDelivery.notice_id == notice_id)
        )
    )


def _finish(engine: Engine, notice_id: int) -> None:
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        statuses = _outcomes(session, notice_id)
        if statuses.get("queued") or statuses.get("sending"):
            # Another worker is still sending some (a resume after a restart runs
            # beside it): the one that sends the last delivery finishes the notice.
            return
        notice.sent = statuses.get("sent", 0)
        notice.failed = statuses.get("failed", 0)
        notice.skipped = statuses.get("skipped", 0)
        notice.finished_at = utcnow()
        session.commit()


def notice_items(session: Session, limit: int) -> list[dict[str, Any]]:
    """The notices sent, newest first, with their outcome counts (so far, for a
    notice still being sent: the dashboard shows its progress)."""
    notices = session.scalars(
        select(Notice).order_by(Notice.id.desc()).limit(limit)
    ).all()
    names = place_names(session, {n.province_code for n in notices if n.province_code})
    live = {n.id: _outcomes(session, n.id) for n in notices if n.finished_at is None}

    def count(notice: Notice, outcome: str) -> int:
        if notice.id in live:
            return live[notice.id].get(outcome, 0)
        return int(getattr(notice, outcome))

    return [
        {
            "id": n.id,
            "text": n.text,
            "province_code": n.province_code,
            "province_name": names.get(n.province_code or ""),
            "created_by": n.created_by,
            "created_at": n.created_at.isoformat(),
            "finished_at": n.finished_at.isoformat() if n.finished_at else None,
            "recipients": n.recipients,
            "sent": count(n, "sent"),
            "failed": count(n, "failed"),
            "skipped": count(n, "skipped"),
        }
        for n in notices
    ]
