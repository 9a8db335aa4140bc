"""What the assistant remembers about a citizen: their commune (asked once).

After :data:`ASK_AFTER_ANSWERS` answered questions, a citizen whose place is unknown
is asked "Anh/Chị đang ở xã/phường nào?". Their next message is first read as a place;
if it is one, it is stored (and put on their recent turns), otherwise the message goes
to the assistant as usual. The state lives in the database, so any worker can take
the next message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.citizen.models import CitizenProfile
from api.places.service import PlaceMatch, PlaceRef, place_names, resolve_place
from api.querylog.models import Turn

ASK_PLACE = (
    "Để trợ lý và Tổ công nghệ số cộng đồng hỗ trợ Anh/Chị sát hơn, Anh/Chị đang ở "
    "xã/phường nào? (Ví dụ: “phường Thành Sen, Hà Tĩnh”. Anh/Chị có thể bỏ qua câu "
    "này và hỏi tiếp.)"
)

PLACE_SAVED = (
    "Cảm ơn Anh/Chị. Trợ lý đã ghi nhận địa bàn: {place}. Anh/Chị cứ tiếp tục đặt câu "
    "hỏi nhé."
)

PLACE_AMBIGUOUS = (
    "Có nhiều xã/phường trùng tên này:\n{options}\nAnh/Chị vui lòng gõ lại tên xã/phường "
    "kèm tên tỉnh/thành phố (ví dụ: “{example}”)."
)

ASK_AFTER_ANSWERS = 2
# Answered turns of these intents count as answered questions. Guide moves do not:
# the question would interrupt a step-by-step procedure.
QUESTION_INTENTS = frozenset({"faq", "choose", "select_option"})
# Turns this recent get the place a citizen tells (their conversation so far).
BACKFILL = timedelta(days=1)
# Words besides the place (and "tôi ở", "thôn 3"...) an answer to the place question
# may have: one ("nhà em gần chợ La Gi"), three after "xã"/"phường"/"tỉnh" ("số 12 Lê
# Lợi, phường Thành Sen"). More, and the message is a question that names a place.
MAX_OTHER_WORDS = 1
MAX_OTHER_WORDS_NAMED = 3


@dataclass(frozen=True)
class Place:
    """Province and commune codes of a citizen (either may be unknown)."""

    province_code: str | None = None
    commune_code: str | None = None


@dataclass(frozen=True)
class PlaceReply:
    """The citizen's message was about their place: what to answer, and whether it
    was understood."""

    text: str
    place: Place
    understood: bool


def _profile(session: Session, user: str) -> CitizenProfile:
    profile = session.get(CitizenProfile, user)
    if profile is None:
        profile = CitizenProfile(user_pseudonym=user, answered_turns=0)
        session.add(profile)
    return profile


def _created_profile(session: Session, user: str) -> CitizenProfile:
    """The citizen's profile, inserted now if missing (flushed, so that a concurrent
    insert by the same citizen's other message is caught here)."""
    try:
        profile = _profile(session, user)
        session.flush()
    except IntegrityError:  # the same citizen's other message created it just now
        session.rollback()
        profile = _profile(session, user)
    return profile


@dataclass(frozen=True)
class Remembered:
    """What the assistant knows of a citizen when their message arrives."""

    place: Place = Place()
    # The next message is read as the answer to the place question.
    awaiting_place: bool = False
    # The question is still to be asked (commune unknown, never asked): only then
    # are answered questions counted.
    may_ask: bool = True


# Read at every turn: the four columns with a statement built once (an ORM get
# builds its query and loads a whole object into the session each time).
_REMEMBERED = select(
    CitizenProfile.province_code,
    CitizenProfile.commune_code,
    CitizenProfile.awaiting_place,
    CitizenProfile.place_asked_at,
).where(CitizenProfile.user_pseudonym == bindparam("user"))


def remembered(session: Session, user: str) -> Remembered:
    """The citizen's place and where the place question stands."""
    row = session.execute(_REMEMBERED, {"user": user}).first()
    if row is None:
        return Remembered()
    return Remembered(
        Place(row.province_code, row.commune_code),
        bool(row.awaiting_place),
        row.commune_code is None and row.place_asked_at is None,
    )


def _label(session: Session, ref: PlaceRef, province_code: str | None) -> str:
    province = place_names(session, [province_code]).get(province_code or "", "")
    return f"{ref.name}, {province}" if province else ref.name


def take_place_answer(session: Session, user: str, text: str) -> PlaceReply | None:
    """Reads ``text`` as the answer to the place question; None when it is not a
    place (the question is then dropped and the message handled normally)."""
    profile = _profile(session, user)
    match = resolve_place(session, text)
    if match.other_words > (
        MAX_OTHER_WORDS_NAMED if match.kind_named else MAX_OTHER_WORDS
    ):
        # A question that happens to contain a place name ("chữ ký số là gì" and
        # Phường La Gi): not an answer; the question is dropped, the message answered.
        match = PlaceMatch()
    if match.commune is None and match.candidates:
        options = "\n".join(
            f"{i}. {_label(session, c, c.province_code)}"
            for i, c in enumerate(match.candidates, start=1)
        )
        example = _label(
            session, match.candidates[0], match.candidates[0].province_code
        )
        session.commit()
        return PlaceReply(
            PLACE_AMBIGUOUS.format(options=options, example=example), Place(), False
        )
    profile.awaiting_place = False
    profile.updated_at = datetime.now(timezone.utc)
    if match.province is None:
        session.commit()
        return None
    place = Place(match.province.code, match.commune.code if match.commune else None)
    profile.province_code, profile.commune_code = (
        place.province_code,
        place.commune_code,
    )
    session.execute(
        update(Turn)
        .where(
            Turn.user_pseudonym == user,
            Turn.province_code.is_(None),
            Turn.created_at >= datetime.now(timezone.utc) - BACKFILL,
        )
        .values(province_code=place.province_code, commune_code=place.commune_code)
    )
    session.commit()
    label = (
        _label(session, match.commune, match.province.code)
        if match.commune
        else match.province.name
    )
    return PlaceReply(PLACE_SAVED.format(place=label), place, True)


def after_answer(session: Session, user: str) -> str | None:
    """Counts an answered question; returns the place question when it is time to
    ask it (once per citizen)."""
    profile = _created_profile(session, user)
    profile.answered_turns = (profile.answered_turns or 0) + 1
    ask = (
        profile.commune_code is None
        and profile.place_asked_at is None
        and profile.answered_turns >= ASK_AFTER_ANSWERS
    )
    if ask:
        profile.awaiting_place = True
        profile.place_asked_at = datetime.now(timezone.utc)
    session.commit()
    return ASK_PLACE if ask else None


def ask_place(session: Session, user: str) -> None:
    """Reads the citizen's next message as their place (asked by another feature,
    e.g. the notices); counts as the place question."""
    profile = _created_profile(session, user)
    profile.awaiting_place = True
    profile.place_asked_at = profile.place_asked_at or datetime.now(timezone.utc)
    session.commit()
