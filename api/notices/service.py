"""Notices in the database: who would get one, the preview key, the logged notice and
its deliveries (claimed before each is sent, recorded after, the notice finished by
whoever records the last), and the log the dashboard reads."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import CursorResult, Engine, or_, select, update
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.citizen.models import CitizenProfile
from api.core.db import utcnow
from api.notices.models import Notice, NoticeDelivery, NoticeSubscription
from api.notices.wording import notice_text
from api.places.service import place_names

MAX_NOTICE_CHARS = 1000
# A delivery being sent is marked "sending:<UTC time>"; one still marked so after
# this long belongs to a process that died mid-send and is sent again.
SENDING_STALE = timedelta(minutes=10)


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
            NoticeSubscription.channel,
            NoticeSubscription.user_pseudonym,
            ChannelContact.last_inbound_at,
        )
        .join(
            ChannelContact,
            (ChannelContact.channel == NoticeSubscription.channel)
            & (ChannelContact.user_pseudonym == NoticeSubscription.user_pseudonym),
        )
        .order_by(NoticeSubscription.channel, NoticeSubscription.user_pseudonym)
    )
    if province is not None:
        query = query.join(
            CitizenProfile,
            CitizenProfile.user_pseudonym == NoticeSubscription.user_pseudonym,
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


def pending_deliveries(
    engine: Engine, notice_id: int
) -> tuple[str, list[tuple[str, str, str]]]:
    """The notice as citizens receive it, and its deliveries still to send as
    (channel, pseudonym, status): queued, or left "sending" by a dead process."""
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


def claim_delivery(
    engine: Engine, notice_id: int, channel: str, user: str, status: str
) -> bool:
    """Marks the delivery as being sent, if still ``status`` and subscribed (an
    opt-out meanwhile is recorded as skipped); True when the caller may send it.
    One UPDATE, so of several workers sending the same notice only one wins."""
    with Session(engine) as session:
        subscribed = session.get(NoticeSubscription, (channel, user)) is not None
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(NoticeDelivery)
            .where(
                NoticeDelivery.notice_id == notice_id,
                NoticeDelivery.channel == channel,
                NoticeDelivery.user_pseudonym == user,
                NoticeDelivery.status == status,
            )
            .values(
                status=_sending_mark(utcnow()) if subscribed else "skipped:opted_out"
            )
        )
        session.commit()
        return bool(result.rowcount) and subscribed


# A delivery the platform refused for a while, held by the durable outbox until
# it is delivered or given up (api.notices.sending.settle records which).
IN_OUTBOX = "outbox"


def record_delivery(
    engine: Engine, notice_id: int, channel: str, user: str, outcome: str
) -> None:
    """Records how a claimed delivery went: "sent", "failed:<reason>", or "queued"
    (the outbox took it: the delivery waits as :data:`IN_OUTBOX`)."""
    with Session(engine) as session:
        delivery = session.get(NoticeDelivery, (notice_id, channel, user))
        assert delivery is not None
        delivery.status = IN_OUTBOX if outcome == "queued" else outcome[:60]
        session.commit()


def record_outbox_outcome(
    engine: Engine, notice_id: int, channel: str, address: str, outcome: str
) -> None:
    """Records how the outbox ended the delivery of ``notice_id`` to the citizen
    whose address on ``channel`` is ``address`` ("sent" or "failed:<reason>")."""
    with Session(engine) as session:
        users = select(ChannelContact.user_pseudonym).where(
            ChannelContact.channel == channel, ChannelContact.address == address
        )
        session.execute(
            update(NoticeDelivery)
            .where(
                NoticeDelivery.notice_id == notice_id,
                NoticeDelivery.channel == channel,
                NoticeDelivery.status == IN_OUTBOX,
                NoticeDelivery.user_pseudonym.in_(users.scalar_subquery()),
            )
            .values(status=outcome[:60])
        )
        session.commit()


def _outcomes(session: Session, notice_id: int) -> Counter[str]:
    """The notice's deliveries by outcome: sent, failed, skipped, queued, sending."""
    return Counter(
        s.split(":")[0]
        for s in session.scalars(
            select(NoticeDelivery.status).where(NoticeDelivery.notice_id == notice_id)
        )
    )


def finish_notice(engine: Engine, notice_id: int) -> None:
    """Writes the notice's outcome counts and marks it finished, unless some of its
    deliveries are still queued or being sent."""
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        statuses = _outcomes(session, notice_id)
        if statuses.get("queued") or statuses.get("sending") or statuses.get(IN_OUTBOX):
            # Another worker is still sending some (a resume after a restart runs
            # beside it), or the outbox holds some: whoever records the last
            # delivery finishes the notice.
            return
        notice.sent = statuses.get("sent", 0)
        notice.failed = statuses.get("failed", 0)
        notice.skipped = statuses.get("skipped", 0)
        notice.finished_at = utcnow()
        session.commit()


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
