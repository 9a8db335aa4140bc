"""Staff analytics, unanswered inbox and training-example queue (analyst or admin)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from api.analytics.community import community_figures
from api.analytics.filters import Filters
from api.analytics.inbox import (
    ExampleExported,
    UnknownAnswer,
    UnknownExample,
    decide_example,
    example_item,
    inbox,
    review,
    training_examples,
)
from api.analytics.safety import content_figures, scam_figures
from api.analytics.service import Analytics
from api.core.clock import today_local
from api.knowledge.seeding import cached_taxonomy
from api.querylog.models import ExampleDecision, ReviewStatus
from api.report import ReportRequestError, area_codes
from api.routes.deps import FiguresSessionDep, SessionDep, SettingsDep, require_roles
from api.routes.schemas.analytics import (
    Channels,
    CommunityFigures,
    Content,
    Feedback,
    Overview,
    Pillars,
    Places,
    Safety,
    Topics,
    TopQuestions,
    Volume,
)
from api.routes.schemas.inbox import (
    Inbox,
    Reviewed,
    TrainingExampleItem,
    TrainingExamples,
)
from api.safety.content import load_content, notice_draft
from api.staff.models import Role
from api.staff.security import TokenClaims

router = APIRouter(prefix="/api/staff", tags=["analytics"])

AnalystDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST))]
AdminDep = Annotated[TokenClaims, Depends(require_roles(Role.ADMIN))]
MAX_PERIOD_DAYS = 3 * 366


def period_filters(
    session: SessionDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    province: Annotated[str | None, Query(max_length=120)] = None,
    commune: Annotated[str | None, Query(max_length=120)] = None,
    channel: Literal["web", "telegram", "zalo"] | None = None,
) -> Filters:
    """Period (default: the last 30 days) and area from the query string; a place
    is a code or a name ("ha tinh", "TP Hà Nội"), 422 with a Vietnamese message when
    a name matches no place or several."""
    try:
        province, commune = area_codes(session, province, commune)
    except ReportRequestError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {"code": "invalid_place", "message": str(exc)},
        ) from exc
    if start is None and end is None:
        return Filters.default(province=province, commune=commune, channel=channel)
    end = end or today_local()
    start = start or end - timedelta(days=29)
    if start > end:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' is after 'to'"
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the period is longer than 3 years"
        )
    return Filters(start, end, province, commune, channel)


FiltersDep = Annotated[Filters, Depends(period_filters)]


def _analytics(session: FiguresSessionDep, settings: SettingsDep) -> Analytics:
    return Analytics(session, cached_taxonomy(settings.seeds_dir))


AnalyticsDep = Annotated[Analytics, Depends(_analytics)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/analytics/overview", response_model=Overview)
def overview(_: AnalystDep, f: FiltersDep, analytics: AnalyticsDep) -> dict[str, Any]:
    """Turns, citizens, outcome rates and feedback for the period and area."""
    return analytics.overview(f)


@router.get("/analytics/volume", response_model=Volume)
def volume(
    _: AnalystDep,
    f: FiltersDep,
    analytics: AnalyticsDep,
    interval: Literal["day", "week", "month"] = "day",
) -> dict[str, Any]:
    """Turns and citizens per day, week or month."""
    return analytics.volume(f, interval)


@router.get("/analytics/community", response_model=CommunityFigures)
def community(
    _: AnalystDep, f: FiltersDep, session: FiguresSessionDep
) -> dict[str, Any]:
    """The community teams' work: hand-off tickets opened in the period and
    residents assisted in helper mode, by commune, group and task."""
    return community_figures(session, f)


@router.get("/analytics/safety", response_model=Safety)
def safety(
    _: AnalystDep, f: FiltersDep, session: FiguresSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Scam warnings given: by kind, channel, and the places where they rise week on
    week (each with a draft notice for its residents)."""
    figures = scam_figures(session, f)
    content = load_content(settings.seeds_dir)
    for place in figures["rising"]:
        place["notice_draft"] = notice_draft(content, place["name"], place["kind"])
    return {"filters": f.echo(), **figures}


@router.get("/analytics/content", response_model=Content)
def content(_: AnalystDep, f: FiltersDep, session: FiguresSessionDep) -> dict[str, Any]:
    """Answers verified, drafts and due for a check today; answers served in the
    period and how many of them from drafts."""
    return {"filters": f.echo(), **content_figures(session, f, today_local())}


@router.get("/analytics/topics", response_model=Topics)
def topics(_: AnalystDep, f: FiltersDep, analytics: AnalyticsDep) -> dict[str, Any]:
    """Turns per topic with outcome counts."""
    return analytics.topics(f)


@router.get("/analytics/pillars", response_model=Pillars)
def pillars(_: AnalystDep, f: FiltersDep, analytics: AnalyticsDep) -> dict[str, Any]:
    """Turns per công dân số pillar."""
    return analytics.pillars(f)


@router.get("/analytics/channels", response_model=Channels)
def channels(_: AnalystDep, f: FiltersDep, analytics: AnalyticsDep) -> dict[str, Any]:
    """Turns and citizens per channel."""
    return analytics.channels(f)


@router.get("/analytics/places", response_model=Places)
def places(
    _: AnalystDep,
    f: FiltersDep,
    analytics: AnalyticsDep,
    level: Literal["province", "commune"] = "commune",
    limit: Limit = 20,
) -> dict[str, Any]:
    """Turns and citizens per province or commune."""
    return analytics.places(f, level, limit)


@router.get("/analytics/top-questions", response_model=TopQuestions)
def top_questions(
    _: AnalystDep,
    f: FiltersDep,
    analytics: AnalyticsDep,
    topic: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 10,
) -> dict[str, Any]:
    """The answers given most often."""
    return analytics.top_questions(f, topic, limit)


@router.get("/analytics/feedback", response_model=Feedback)
def feedback(
    _: AnalystDep, f: FiltersDep, analytics: AnalyticsDep, limit: Limit = 10
) -> dict[str, Any]:
    """Answers rated by citizens, least helpful first."""
    return analytics.feedback(f, limit)


@router.get("/inbox", response_model=Inbox)
def unanswered_inbox(
    _: AnalystDep,
    f: FiltersDep,
    session: SessionDep,
    status_: Annotated[
        Literal["open", "reviewed", "all"], Query(alias="status")
    ] = "open",
    limit: Limit = 50,
) -> dict[str, Any]:
    """Unsure and out-of-scope messages grouped by similarity, biggest first."""
    return inbox(session, f, status_, limit)


class ReviewRequest(BaseModel):
    """A decision on a group of unanswered messages."""

    turn_ids: list[int] = Field(min_length=1, max_length=5000)
    action: ReviewStatus
    answer_id: str | None = Field(default=None, max_length=32)


@router.post("/inbox/review", response_model=Reviewed)
def review_inbox(
    claims: AnalystDep, body: ReviewRequest, session: SessionDep
) -> dict[str, int]:
    """Marks messages reviewed, queues them as examples of an answer, or flags them
    as needing a new answer."""
    try:
        updated = review(
            session, body.turn_ids, body.action, body.answer_id, claims.username
        )
    except UnknownAnswer as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown answer id {exc}"
        ) from exc
    return {"updated": updated}


@router.get("/training-examples", response_model=TrainingExamples)
def queued_examples(
    _: AnalystDep,
    session: SessionDep,
    status_: Annotated[
        Literal["pending", "queued", "exported", "all"], Query(alias="status")
    ] = "queued",
) -> dict[str, Any]:
    """Messages queued as training examples: "pending" (no admin decision yet),
    "queued" (not exported yet, whatever the decision), "exported" or "all". The
    accepted ones are written to nlu_data/ by `python -m api export-examples`."""
    exported = {"pending": False, "queued": False, "exported": True, "all": None}
    return {
        "items": training_examples(
            session, exported[status_], pending_only=status_ == "pending"
        )
    }


class ExampleDecisionRequest(BaseModel):
    """An admin's decision on a queued example."""

    decision: ExampleDecision


@router.post(
    "/training-examples/{example_id}/decision", response_model=TrainingExampleItem
)
def decide_training_example(
    claims: AdminDep,
    session: SessionDep,
    example_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: ExampleDecisionRequest,
) -> dict[str, Any]:
    """Accepts (it will be exported for the next training) or rejects (it never
    will) a queued example; 404 for an unknown one, 409 once it was exported."""
    try:
        example = decide_example(session, example_id, body.decision, claims.username)
    except UnknownExample as exc:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            {"code": "no_such_example", "message": "Không có câu mẫu này."},
        ) from exc
    except ExampleExported as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {
                "code": "example_exported",
                "message": "Câu mẫu này đã được ghi ra dữ liệu huấn luyện, không "
                "đổi quyết định được nữa.",
            },
        ) from exc
    return example_item(example)
