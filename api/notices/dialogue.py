"""Opting in to and out of notices: a side dialogue of the turn pipeline."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.citizen.profile import ask_place, remembered
from api.conversation.dialogue import Dialogue, Said, Turn, out
from api.core.step import Step
from api.notices.models import NoticeSubscription
from api.notices.wording import (
    NOT_SUBSCRIBED,
    SUBSCRIBE,
    SUBSCRIBED,
    SUBSCRIBED_ASK_PLACE,
    UNSUBSCRIBE,
    UNSUBSCRIBED,
    WEB_ONLY_CHAT,
    YOUR_PROVINCE,
)
from api.places.service import fold, place_names

# Logged intent of opting in to or out of notices.
NOTICES_INTENT = "notices"
# Notices reach citizens only where the gateway can write first.
MESSAGING = ("telegram", "zalo")


def subscription_turn(
    session: Session, channel: str, user: str, text: str
) -> Step | None:
    """Opt-in and opt-out messages; None for anything else."""
    words = fold(text)
    if words in SUBSCRIBE:
        if channel not in MESSAGING:
            return Step(WEB_ONLY_CHAT)
        if session.get(NoticeSubscription, (channel, user)) is None:
            session.add(NoticeSubscription(channel=channel, user_pseudonym=user))
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
            SUBSCRIBED.format(area=names.get(place.province_code, YOUR_PROVINCE))
        )
    if words in UNSUBSCRIBE:
        subscription = session.get(NoticeSubscription, (channel, user))
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
