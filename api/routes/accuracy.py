"""Answer accuracy: the weekly sample to judge, the verdicts, the monthly figure
(analyst or admin)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import select

from api.accuracy.models import AccuracyReview, Verdict
from api.accuracy.service import (
    SAMPLE_SIZE,
    UnknownReview,
    last_full_week,
    mark,
    monthly,
    sample,
    week_of,
)
from api.core.clock import today_local
from api.knowledge.models import KnowledgeEntry
from api.routes.deps import SessionDep, require_roles
from api.routes.schemas.accuracy import AccuracyFigures, SampledTurn, WeeklySample
from api.staff.models import Role
from api.staff.security import TokenClaims

router = APIRouter(prefix="/api/staff/accuracy", tags=["accuracy"])

AnalystDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST))]


class VerdictBody(BaseModel):
    """A staff verdict on a sampled turn."""

    verdict: Verdict


def _turn(review: AccuracyReview, titles: dict[str, str]) -> SampledTurn:
    return SampledTurn(
        id=review.id,
        answered_on=review.answered_on,
        question=review.question_masked,
        reply=review.reply_masked,
        answer_id=review.answer_id,
        answer_question=titles.get(review.answer_id),
        verdict=review.verdict,
        reviewed_by=review.reviewed_by,
    )


def _titles(session: SessionDep, ids: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(KnowledgeEntry.id, KnowledgeEntry.question).where(
            KnowledgeEntry.id.in_(ids)
        )
    ).all()
    return {str(i): str(q) for i, q in rows}


@router.get("/sample", response_model=WeeklySample)
def weekly_sample(
    session: SessionDep,
    _: AnalystDep,
    week: Annotated[date | None, Query(description="any day of the week")] = None,
) -> WeeklySample:
    """The week's random sample of answered turns (last complete week by default)."""
    monday = week_of(week) if week else last_full_week(today_local())
    if monday > week_of(today_local()):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Tuần này chưa bắt đầu."
        )
    reviews = sample(session, monday, SAMPLE_SIZE)
    titles = _titles(session, {r.answer_id for r in reviews})
    return WeeklySample(
        week=monday,
        week_end=monday + timedelta(days=6),
        size=len(reviews),
        reviewed=sum(r.verdict is not None for r in reviews),
        turns=[_turn(r, titles) for r in reviews],
    )


@router.post("/{review_id}", response_model=SampledTurn)
def judge(
    review_id: int, body: VerdictBody, session: SessionDep, claims: AnalystDep
) -> SampledTurn:
    """Records whether the answer given answers the question (right/partly/wrong)."""
    try:
        review = mark(session, review_id, body.verdict, claims.username)
    except UnknownReview:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "Không có lượt hỏi này trong mẫu."
        ) from None
    return _turn(review, _titles(session, {review.answer_id}))


@router.get("", response_model=AccuracyFigures)
def figures(
    session: SessionDep,
    _: AnalystDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> AccuracyFigures:
    """Accuracy per month of the period (default: the last twelve months)."""
    end = end or today_local()
    if start is None:
        months = end.year * 12 + end.month - 1 - 11
        start = date(months // 12, months % 12 + 1, 1)
    if start > end:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' is after 'to'"
        )
    return AccuracyFigures.model_validate(monthly(session, start, end))
