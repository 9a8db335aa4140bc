"""Staff API: login, accounts, answers, places, recent turns. Every route but login
needs a token of an allowed role."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.core.clock import today_local
from api.knowledge.editing import (
    AnswerEdit,
    InvalidEdit,
    UnknownRevision,
    answer_item,
    edit_answer,
    history,
    revert_answer,
    verify_answer,
)
from api.knowledge.models import KnowledgeEntry
from api.knowledge.seeding import cached_taxonomy
from api.places.models import Commune, Province
from api.places.service import list_communes, list_provinces
from api.routes import throttle
from api.routes.deps import SessionDep, SettingsDep, require_roles
from api.routes.schemas.staff import (
    AnswerItem,
    Answers,
    History,
    Me,
    PlaceNames,
    RecentTurn,
    StaffAccount,
    StaffAccounts,
    TokenResponse,
)
from api.staff.models import Role, StaffUser
from api.staff.security import TokenClaims
from api.staff.service import (
    authenticate,
    create_staff,
    recent_turns,
    staff_item,
    token_for,
    update_staff,
)

router = APIRouter(prefix="/api/staff", tags=["staff"])

AnalystDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST))]
AdminDep = Annotated[TokenClaims, Depends(require_roles(Role.ADMIN))]
StaffDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST, Role.COMMUNITY))]


class LoginRequest(BaseModel):
    """Credentials."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


@router.post("/login", response_model=TokenResponse)
async def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep, request: Request
) -> TokenResponse:
    """Exchanges credentials for a short-lived token; 429 after too many attempts
    from one address or for one user name."""
    await throttle.login_attempt(request, body.username)
    user = await asyncio.to_thread(authenticate, session, body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    token = token_for(user, settings.token_secret(), settings.staff_token_minutes)
    return TokenResponse(
        access_token=token,
        role=user.role.value,
        expires_in=settings.staff_token_minutes * 60,
    )


@router.get("/turns", response_model=list[RecentTurn])
def turns(
    _: AnalystDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The latest turns (masked)."""
    return recent_turns(session, limit)


@router.get("/me", response_model=Me)
def me(claims: StaffDep) -> dict[str, str]:
    """Who the token belongs to."""
    return {"username": claims.username, "role": claims.role}


@router.get("/answers", response_model=Answers)
def answers(
    _: AnalystDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Every answer of the knowledge base."""
    taxonomy = cached_taxonomy(settings.seeds_dir)
    entries = session.scalars(
        select(KnowledgeEntry).order_by(KnowledgeEntry.topic, KnowledgeEntry.id)
    )
    today = today_local()
    return {"items": [answer_item(e, taxonomy, today) for e in entries]}


def _entry(session: SessionDep, answer_id: str) -> KnowledgeEntry:
    entry = session.get(KnowledgeEntry, answer_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such answer")
    return entry


@router.get("/answers/{answer_id}", response_model=AnswerItem)
def answer(
    _: AnalystDep, session: SessionDep, settings: SettingsDep, answer_id: str
) -> dict[str, Any]:
    """One answer."""
    return answer_item(
        _entry(session, answer_id), cached_taxonomy(settings.seeds_dir), today_local()
    )


@router.put("/answers/{answer_id}", response_model=AnswerItem)
def update_answer(
    claims: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    answer_id: str,
    body: AnswerEdit,
) -> dict[str, Any]:
    """Edits an answer; the assistant uses the new text on its next reply."""
    entry = _entry(session, answer_id)
    taxonomy = cached_taxonomy(settings.seeds_dir)
    try:
        edited = edit_answer(
            session, entry, body, claims.username, taxonomy, today_local()
        )
    except InvalidEdit as exc:
        raise _invalid(exc) from exc
    return answer_item(edited, taxonomy, today_local())


def _invalid(exc: InvalidEdit) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        {
            "code": "invalid_answer",
            "message": "Câu trả lời chưa hợp lệ.",
            "problems": exc.problems,
        },
    )


@router.post("/answers/{answer_id}/verify", response_model=AnswerItem)
def verify(
    claims: AdminDep, session: SessionDep, settings: SettingsDep, answer_id: str
) -> dict[str, Any]:
    """ "Đã kiểm tra hôm nay với trang nguồn": the answer, as it stands, was checked
    against its source page today by this staff member."""
    entry = _entry(session, answer_id)
    taxonomy = cached_taxonomy(settings.seeds_dir)
    try:
        verified = verify_answer(
            session, entry, claims.username, taxonomy, today_local()
        )
    except InvalidEdit as exc:
        raise _invalid(exc) from exc
    return answer_item(verified, taxonomy, today_local())


@router.get("/answers/{answer_id}/history", response_model=History)
def answer_history(
    _: AnalystDep, session: SessionDep, answer_id: str
) -> dict[str, Any]:
    """Every change of the answer, newest first: who, when, which fields, before
    and after."""
    _entry(session, answer_id)
    return {"items": history(session, answer_id)}


class RevertRequest(BaseModel):
    """The revision to undo: the answer goes back to how it was before it."""

    revision_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/answers/{answer_id}/revert", response_model=AnswerItem)
def revert(
    claims: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    answer_id: str,
    body: RevertRequest,
) -> dict[str, Any]:
    """Undoes one change (itself recorded as a change)."""
    entry = _entry(session, answer_id)
    try:
        reverted = revert_answer(session, entry, body.revision_id, claims.username)
    except UnknownRevision as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such revision") from exc
    return answer_item(reverted, cached_taxonomy(settings.seeds_dir), today_local())


@router.get("/places/provinces", response_model=PlaceNames)
def provinces(_: StaffDep, session: SessionDep) -> dict[str, Any]:
    """The 34 provinces and cities (after the 2025 reorganisation)."""
    return {
        "items": [{"code": p.code, "name": p.name} for p in list_provinces(session)]
    }


@router.get("/places/communes", response_model=PlaceNames)
def communes(
    _: StaffDep,
    session: SessionDep,
    province: Annotated[str, Query(max_length=8, pattern=r"^\d+$")],
) -> dict[str, Any]:
    """The communes and wards of one province."""
    return {
        "items": [
            {"code": c.code, "name": c.name} for c in list_communes(session, province)
        ]
    }


class NewStaff(BaseModel):
    """A staff account to create."""

    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    communes: list[str] = Field(default=[], max_length=200)
    provinces: list[str] = Field(default=[], max_length=40)


class StaffChange(BaseModel):
    """Changes to a staff account."""

    active: bool | None = None
    role: Role | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)
    communes: list[str] | None = Field(default=None, max_length=200)
    provinces: list[str] | None = Field(default=None, max_length=40)


def _problem(status_code: int, code: str, message: str) -> HTTPException:
    """An error the dashboard shows as it is (``message`` is Vietnamese)."""
    return HTTPException(status_code, {"code": code, "message": message})


def _account(session: SessionDep, user: StaffUser) -> dict[str, Any]:
    """``staff_item`` with the names of the account's communes and provinces."""
    places: list[dict[str, Any]] = []
    for code in user.communes or []:
        commune = session.get(Commune, code)
        if commune is not None:
            places.append(
                {
                    "code": code,
                    "name": commune.name,
                    "province_code": commune.province_code,
                }
            )
    for code in user.provinces or []:
        province = session.get(Province, code)
        if province is not None:
            places.append({"code": code, "name": province.name})
    return {**staff_item(user), "places": places}


def _check_scope(
    session: SessionDep, role: Role, communes: list[str], provinces: list[str]
) -> None:
    """422 when a commune or province code is unknown, or a community team account
    would serve no place (it would see no hand-off request at all)."""
    known_communes = set(
        session.scalars(select(Commune.code).where(Commune.code.in_(communes)))
    )
    unknown = [c for c in communes if c not in known_communes]
    if unknown:
        raise _problem(
            422, "unknown_commune", f"Không có xã, phường mã {', '.join(unknown)}."
        )
    known_provinces = set(
        session.scalars(select(Province.code).where(Province.code.in_(provinces)))
    )
    unknown = [p for p in provinces if p not in known_provinces]
    if unknown:
        raise _problem(
            422,
            "unknown_province",
            f"Không có tỉnh/thành phố mã {', '.join(unknown)}.",
        )
    if role is Role.COMMUNITY and not communes and not provinces:
        raise _problem(
            422,
            "no_communes",
            "Tài khoản của Tổ công nghệ số cộng đồng cần ít nhất một xã, phường "
            "phụ trách.",
        )


@router.get("/users", response_model=StaffAccounts)
def users(_: AdminDep, session: SessionDep) -> dict[str, Any]:
    """Every staff account (no password hashes)."""
    rows = session.scalars(select(StaffUser).order_by(StaffUser.username))
    return {"items": [_account(session, u) for u in rows]}


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=StaffAccount)
def add_user(_: AdminDep, session: SessionDep, body: NewStaff) -> dict[str, Any]:
    """Creates a staff account; 409 when the user name is taken, 422 for unknown
    places or a community account without any."""
    if session.scalar(select(StaffUser.id).where(StaffUser.username == body.username)):
        raise _problem(
            409,
            "username_taken",
            f"Tên đăng nhập “{body.username}” đã có. Anh/Chị chọn tên khác.",
        )
    _check_scope(session, body.role, body.communes, body.provinces)
    user = create_staff(
        session, body.username, body.password, body.role, body.communes, body.provinces
    )
    return _account(session, user)


@router.patch("/users/{username}", response_model=StaffAccount)
def change_user(
    claims: AdminDep, session: SessionDep, username: str, body: StaffChange
) -> dict[str, Any]:
    """Deactivates, re-roles, re-scopes or resets the password of an account."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise _problem(404, "no_such_user", f"Không có tài khoản “{username}”.")
    if username == claims.username and (body.active is False or body.role):
        raise _problem(
            409,
            "own_account",
            "Anh/Chị không thể tự khóa hay tự đổi vai trò tài khoản của mình; "
            "nhờ một quản trị viên khác làm việc này.",
        )
    changes = body.model_dump(exclude_none=True)
    _check_scope(
        session,
        changes.get("role", user.role),
        changes.get("communes", list(user.communes or [])),
        changes.get("provinces", list(user.provinces or [])),
    )
    return _account(session, update_staff(session, user, **changes))
