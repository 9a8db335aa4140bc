"""Helper mode: a team member guiding a resident with the assistant.

A member links their own chat to their staff account once, with a one-time code from
the dashboard ("liên kết 123456"). In that chat, "/hotro" starts a session: the
assistant asks the resident's group and commune (buttons), then answers as usual,
adding the link to the printable step list of every guided procedure. "/xong" asks
which task was done and records the session (group, commune, task: nothing
personal); "/huy" drops it. The records feed the analytics and the report.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from api.citizen.profile import Place
from api.core.labels import RESIDENT_GROUPS
from api.core.step import Step
from api.helper_mode.models import (
    HelperSession,
    HelperStatus,
    LinkCode,
    ResidentGroup,
    StaffChatLink,
)
from api.knowledge.models import KnowledgeEntry
from api.places.models import Commune
from api.places.service import fold, place_names, resolve_place
from api.querylog.models import Turn
from api.staff.models import StaffUser

LINK_CODE_DIGITS = 6
LINK_CODE_TTL = timedelta(minutes=10)
OTHER_TASK = "other"
MAX_TASK_BUTTONS = 5
# The groups' buttons in this order, named in api.core.labels.
GROUP_LABELS = {ResidentGroup(code): label for code, label in RESIDENT_GROUPS.items()}
OTHER_TASK_LABEL = "Việc khác"
GROUP_PAYLOAD = "/helper_group "
PLACE_PAYLOAD = "/helper_place "
TASK_PAYLOAD = "/helper_task "
# Commands, folded (fold() turns "/" into a space): "/hotro", "hỗ trợ người dân", ...
_LINK = re.compile(r"^lien ?ket (\d{6})$")
_START = {"hotro", "ho tro", "ho tro nguoi dan"}
_END = {"xong"}
_CANCEL = {"huy"}
OPEN_STATUSES = (
    HelperStatus.CHOOSING_GROUP,
    HelperStatus.CHOOSING_PLACE,
    HelperStatus.ACTIVE,
    HelperStatus.CHOOSING_TASK,
)

LINKED = (
    "Đã liên kết trò chuyện này với tài khoản cán bộ {username}. Khi bắt đầu hỗ trợ "
    "một người dân, Anh/Chị gõ /hotro; khi xong, gõ /xong."
)
LINK_FAILED = (
    "Mã liên kết không đúng hoặc đã hết hạn (mã dùng một lần, trong 10 phút). "
    "Anh/Chị lấy mã mới ở trang quản trị, mục “Hỗ trợ người dân”."
)
ASK_GROUP = (
    "Chế độ “Đang hỗ trợ người dân”. Người dân Anh/Chị đang hỗ trợ thuộc nhóm nào?"
)
ASK_PLACE = "Người dân ở xã/phường nào?"
ASK_PLACE_TYPED = (
    "Anh/Chị gõ tên xã/phường của người dân, ví dụ: “phường Thành Sen, Hà Tĩnh”."
)
STARTED = (
    "Đang hỗ trợ người dân ({group}, {place}). Anh/Chị cứ hỏi trợ lý như bình thường; "
    "với thủ tục nhiều bước, trợ lý gửi kèm đường dẫn bản in các bước để đưa người dân. "
    "Gõ /xong khi hoàn thành, /huy để bỏ phiên này."
)
ALREADY_ACTIVE = (
    "Anh/Chị đang trong một phiên hỗ trợ. Gõ /xong khi hoàn thành, /huy để bỏ."
)
ASK_TASK = "Anh/Chị đã giúp người dân làm việc gì?"
RECORDED = "Đã ghi nhận: hỗ trợ 1 người dân ({group}, {place}): {task}. Cảm ơn Anh/Chị!"
CANCELLED = "Đã bỏ phiên hỗ trợ này, không ghi nhận."
LINK_LOGGED = "[liên kết tài khoản cán bộ]"
LINK_TOO_MANY = (
    "Anh/Chị đã nhập mã liên kết sai quá nhiều lần. Vui lòng chờ 15 phút rồi lấy "
    "mã mới trên trang quản trị."
)
PRINT_LINK = "Bản in các bước để đưa người dân: {url}"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_link_code(session: Session, username: str, now: datetime) -> str:
    """A fresh one-time code for ``username`` (their older codes are dropped)."""
    session.execute(delete(LinkCode).where(LinkCode.staff_username == username))
    code = f"{secrets.randbelow(10**LINK_CODE_DIGITS):0{LINK_CODE_DIGITS}d}"
    session.add(
        LinkCode(
            code_hash=_hash(code),
            staff_username=username,
            expires_at=now + LINK_CODE_TTL,
        )
    )
    session.commit()
    return code


@dataclass(frozen=True)
class HelperTurn:
    """The gateway's own reply in helper mode (``step``), or, in an active session,
    what the assistant's answer needs: the resident's place for the log and the
    base of the print links."""

    step: Step | None = None
    active: bool = False
    place: Place = field(default_factory=Place)
    # The message held a link code: log LINK_LOGGED instead of its text.
    conceal: bool = False


# Read at every turn of every chat: built once (an ORM get builds its query and
# loads a whole object each time).
_LINKED_STAFF = select(StaffChatLink.staff_username).where(
    StaffChatLink.channel == bindparam("channel"),
    StaffChatLink.user_pseudonym == bindparam("user"),
)


def helper_turn(
    session: Session, channel: str, user: str, text: str, now: datetime
) -> HelperTurn:
    """Reads a message of a (possibly) linked member's chat. ``text`` is the raw
    message: the link code is read before masking and never stored."""
    words = fold(text).strip()
    link = _LINK.match(words)
    if link:
        return HelperTurn(
            _link(session, channel, user, link.group(1), now), conceal=True
        )
    linked = session.execute(
        _LINKED_STAFF, {"channel": channel, "user": user}
    ).scalar_one_or_none()
    if linked is None:
        return HelperTurn()
    current = session.scalars(
        select(HelperSession)
        .where(
            HelperSession.channel == channel,
            HelperSession.user_pseudonym == user,
            HelperSession.status.in_(OPEN_STATUSES),
        )
        .order_by(HelperSession.id.desc())
        .limit(1)
    ).first()
    if words in _START:
        if current is not None and current.status is HelperStatus.ACTIVE:
            return HelperTurn(Step(ALREADY_ACTIVE))
        if current is not None:
            current.status = HelperStatus.CANCELLED
        session.add(
            HelperSession(
                staff_username=linked,
                channel=channel,
                user_pseudonym=user,
                status=HelperStatus.CHOOSING_GROUP,
                started_at=now,
            )
        )
        session.commit()
        return HelperTurn(Step(ASK_GROUP, _group_buttons()))
    if current is None:
        return HelperTurn()
    if words in _CANCEL:
        current.status = HelperStatus.CANCELLED
        current.ended_at = now
        session.commit()
        return HelperTurn(Step(CANCELLED))
    if current.status is HelperStatus.CHOOSING_GROUP:
        return HelperTurn(_choose_group(session, current, text, words))
    if current.status is HelperStatus.CHOOSING_PLACE:
        return HelperTurn(_choose_place(session, current, text))
    if current.status is HelperStatus.CHOOSING_TASK:
        return HelperTurn(_choose_task(session, current, text, now))
    if words in _END:
        current.status = HelperStatus.CHOOSING_TASK
        session.commit()
        return HelperTurn(Step(ASK_TASK, _task_buttons(session, current)))
    return HelperTurn(
        active=True, place=Place(current.province_code, current.commune_code)
    )


def is_link_code(text: str) -> bool:
    """Whether ``text`` is a link code message ("liên kết 123456")."""
    return _LINK.match(fold(text).strip()) is not None


def _link(session: Session, channel: str, user: str, code: str, now: datetime) -> Step:
    row = session.get(LinkCode, _hash(code))
    if row is None or row.expires_at < now:
        return Step(LINK_FAILED)
    staff = session.scalar(
        select(StaffUser).where(StaffUser.username == row.staff_username)
    )
    session.delete(row)
    if staff is None or not staff.active:
        session.commit()
        return Step(LINK_FAILED)
    link = session.get(StaffChatLink, (channel, user))
    if link is None:
        link = StaffChatLink(channel=channel, user_pseudonym=user)
        session.add(link)
    link.staff_username = staff.username
    link.linked_at = now
    session.commit()
    return Step(LINKED.format(username=staff.username))


def _group_buttons() -> tuple[tuple[str, str], ...]:
    return tuple((label, GROUP_PAYLOAD + g.value) for g, label in GROUP_LABELS.items())


def _choose_group(
    session: Session, current: HelperSession, text: str, words: str
) -> Step:
    group = _pick(
        text,
        words,
        GROUP_PAYLOAD,
        {g.value: label for g, label in GROUP_LABELS.items()},
    )
    if group is None:
        return Step(ASK_GROUP, _group_buttons())
    current.group = ResidentGroup(group)
    member = session.scalar(
        select(StaffUser).where(StaffUser.username == current.staff_username)
    )
    communes = list(member.communes or []) if member is not None else []
    if len(communes) == 1:
        return _started(session, current, communes[0])
    current.status = HelperStatus.CHOOSING_PLACE
    session.commit()
    if not communes:
        return Step(ASK_PLACE_TYPED)
    names = place_names(session, communes)
    return Step(
        ASK_PLACE, tuple((names.get(c, c), PLACE_PAYLOAD + c) for c in communes)
    )


def _choose_place(session: Session, current: HelperSession, text: str) -> Step:
    code = (
        text.removeprefix(PLACE_PAYLOAD).strip()
        if text.startswith(PLACE_PAYLOAD)
        else None
    )
    if code is None:
        match = resolve_place(session, text)
        code = match.commune.code if match.commune is not None else None
    if code is None or session.get(Commune, code) is None:
        return Step(ASK_PLACE_TYPED)
    return _started(session, current, code)


def _started(session: Session, current: HelperSession, commune_code: str) -> Step:
    commune = session.get(Commune, commune_code)
    assert commune is not None and current.group is not None
    current.commune_code = commune.code
    current.province_code = commune.province_code
    current.status = HelperStatus.ACTIVE
    session.commit()
    return Step(
        STARTED.format(group=GROUP_LABELS[current.group].lower(), place=commune.name)
    )


def _guides_used(session: Session, current: HelperSession) -> list[KnowledgeEntry]:
    """The guided procedures the assistant answered in this session, most recent
    first."""
    ids = session.scalars(
        select(Turn.answer_id)
        .where(
            Turn.user_pseudonym == current.user_pseudonym,
            Turn.channel == current.channel,
            Turn.created_at >= current.started_at,
            Turn.answer_id.is_not(None),
        )
        .order_by(Turn.id.desc())
    ).all()
    entries = {
        e.id: e
        for e in session.scalars(
            select(KnowledgeEntry).where(KnowledgeEntry.id.in_(set(ids)))
        )
        if e.steps
    }
    return [entries[i] for i in dict.fromkeys(ids) if i in entries][:MAX_TASK_BUTTONS]


def _task_buttons(
    session: Session, current: HelperSession
) -> tuple[tuple[str, str], ...]:
    return (
        *((e.question, TASK_PAYLOAD + e.id) for e in _guides_used(session, current)),
        (OTHER_TASK_LABEL, TASK_PAYLOAD + OTHER_TASK),
    )


def _choose_task(
    session: Session, current: HelperSession, text: str, now: datetime
) -> Step:
    task = (
        text.removeprefix(TASK_PAYLOAD).strip()
        if text.startswith(TASK_PAYLOAD)
        else None
    )
    entry = session.get(KnowledgeEntry, task) if task and task != OTHER_TASK else None
    if task is None or (task != OTHER_TASK and entry is None):
        return Step(ASK_TASK, _task_buttons(session, current))
    current.task = task
    current.status = HelperStatus.DONE
    current.ended_at = now
    session.commit()
    assert current.group is not None and current.commune_code is not None
    place = place_names(session, [current.commune_code]).get(current.commune_code, "")
    return Step(
        RECORDED.format(
            group=GROUP_LABELS[current.group].lower(),
            place=place,
            task=entry.question if entry is not None else OTHER_TASK_LABEL.lower(),
        )
    )


def _pick(text: str, words: str, payload: str, labels: dict[str, str]) -> str | None:
    """A choice from its button payload, its number in the list or its label."""
    if text.startswith(payload):
        value = text.removeprefix(payload).strip()
        return value if value in labels else None
    keys: Sequence[str] = list(labels)
    if words.isdigit() and 1 <= int(words) <= len(keys):
        return keys[int(words) - 1]
    by_label = {fold(label): key for key, label in labels.items()}
    return by_label.get(words)


def print_link(base_url: str, answer_id: str) -> str:
    """The printable step list of a guided procedure, as a full URL."""
    return PRINT_LINK.format(url=f"{base_url.rstrip('/')}/huong-dan/{answer_id}")


def active_place(session: Session, channel: str, user: str) -> Place | None:
    """The resident's place of the member's active helper session (read only)."""
    current = session.scalars(
        select(HelperSession)
        .where(
            HelperSession.channel == channel,
            HelperSession.user_pseudonym == user,
            HelperSession.status == HelperStatus.ACTIVE,
        )
        .order_by(HelperSession.id.desc())
        .limit(1)
    ).first()
    if current is None:
        return None
    return Place(current.province_code, current.commune_code)
