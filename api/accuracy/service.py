"""Weekly random samples of answered turns, the staff's verdicts, and the monthly
accuracy with its sample size and 95 % confidence interval.

Right topic is not right answer: only a person reading the citizen's question next to
the answer given can tell whether it answers what was asked. Each week the dashboard
offers a sample of last week's answered turns; everyone sees the same sample (drawn
once, stored), so two staff members do not judge different turns for one figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scipy.stats import binomtest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.accuracy.models import AccuracyReview, Verdict
from api.core.clock import day_start, local_date
from api.core.db import utcnow
from api.querylog.models import Outcome, Turn

SAMPLE_SIZE = 20


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def last_full_week(today: date) -> date:
    """The Monday of the last complete week before ``today``."""
    return week_of(today) - timedelta(days=7)


def sample(
    session: Session, week: date, size: int = SAMPLE_SIZE
) -> list[AccuracyReview]:
    """The sample of ``week`` (a Monday): drawn on first request from the answered
    turns of that week, then always the same."""
    drawn = _reviews(session, week)
    if drawn:
        return drawn
    turns = session.scalars(
        select(Turn)
        .where(
            Turn.outcome == Outcome.ANSWERED,
            Turn.answer_id.is_not(None),
            Turn.created_at >= day_start(week),
            Turn.created_at < day_start(week + timedelta(days=7)),
        )
        .order_by(func.random())
        .limit(size)
    ).all()
    now = utcnow()
    session.add_all(
        AccuracyReview(
            week=week,
            turn_id=t.id,
            answered_on=local_date(t.created_at),
            question_masked=t.text_masked,
            reply_masked=t.reply_masked or "",
            answer_id=t.answer_id or "",
            sampled_at=now,
        )
        for t in turns
    )
    try:
        session.commit()
    except IntegrityError:  # another staff member drew it at the same moment
        session.rollback()
    return _reviews(session, week)


def _reviews(session: Session, week: date) -> list[AccuracyReview]:
    return list(
        session.scalars(
            select(AccuracyReview)
            .where(AccuracyReview.week == week)
            .order_by(AccuracyReview.answered_on, AccuracyReview.id)
        )
    )


class UnknownReview(LookupError):
    """No sampled turn with that id."""


def mark(
    session: Session, review_id: int, verdict: Verdict, username: str
) -> AccuracyReview:
    """Records (or changes) the verdict on one sampled turn."""
    review = session.get(AccuracyReview, review_id)
    if review is None:
        raise UnknownReview(review_id)
    review.verdict = verdict
    review.reviewed_by = username
    review.reviewed_at = utcnow()
    session.commit()
    return review


@dataclass(frozen=True)
class Accuracy:
    """Verdicts of one month (or of a whole period)."""

    reviewed: int
    right: int
    partly: int
    wrong: int

    def as_dict(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "reviewed": self.reviewed,
            "right": self.right,
            "partly": self.partly,
            "wrong": self.wrong,
            "accuracy": None,
            "ci_low": None,
            "ci_high": None,
        }
        if self.reviewed:
            # Wilson's interval: honest for small samples and rates near 0 or 1.
            ci = binomtest(self.right, self.reviewed).proportion_ci(0.95, "wilson")
            figures["accuracy"] = round(self.right / self.reviewed, 4)
            figures["ci_low"] = round(float(ci.low), 4)
            figures["ci_high"] = round(float(ci.high), 4)
        return figures


def monthly(session: Session, start: date, end: date) -> dict[str, Any]:
    """Accuracy per calendar month of the answered date, within [start, end]."""
    rows = session.execute(
        select(AccuracyReview.answered_on, AccuracyReview.verdict).where(
            AccuracyReview.verdict.is_not(None),
            AccuracyReview.answered_on >= start,
            AccuracyReview.answered_on <= end,
        )
    ).all()
    counts: dict[str, dict[Verdict, int]] = defaultdict(lambda: defaultdict(int))
    for answered_on, verdict in rows:
        counts[answered_on.strftime("%Y-%m")][verdict] += 1
        counts["all"][verdict] += 1

    def figures(c: dict[Verdict, int]) -> dict[str, Any]:
        right, partly, wrong = c[Verdict.RIGHT], c[Verdict.PARTLY], c[Verdict.WRONG]
        return Accuracy(right + partly + wrong, right, partly, wrong).as_dict()

    return {
        "months": [
            {"month": month, **figures(counts[month])}
            for month in sorted(k for k in counts if k != "all")
        ],
        "overall": figures(counts["all"]),
    }


def forget_texts(session: Session, before: date) -> int:
    """Blanks the copied question and answer of samples answered before ``before``
    (the retention limit of the query log); the verdicts, and so the monthly
    figures, stay."""
    reviews = session.scalars(
        select(AccuracyReview).where(
            AccuracyReview.answered_on < before, AccuracyReview.question_masked != ""
        )
    ).all()
    for review in reviews:
        review.question_masked = ""
        review.reply_masked = ""
    session.commit()
    return len(reviews)
