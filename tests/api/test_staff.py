"""Staff routes: every one refuses anonymous and wrong-role requests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.staff.models import Role
from api.staff.security import issue_token
from api.staff.service import create_staff
from tests.api.conftest import TOKEN_SECRET, staff_token

PUBLIC = {
    ("POST", "/api/chat"),
    ("POST", "/api/feedback"),  # a citizen can only rate their own turns
    ("GET", "/healthz"),
    ("POST", "/api/staff/login"),
    ("GET", "/api/guides/{answer_id}"),  # the printable procedures (issue #6)
    ("GET", "/api/chat/updates"),  # team replies for the web chat's own sender id
    (
        "GET",
        "/api/labels",
    ),  # display names of codes; the dashboard loads them before sign-in
}


# Routes a community team member may use (the rest needs analyst or admin).
COMMUNITY_ROUTES = {
    ("GET", "/api/staff/me"),
    ("GET", "/api/staff/places/provinces"),
    ("GET", "/api/staff/places/communes"),
    ("GET", "/api/staff/teams"),
}
# The hand-off queue: community team members and admins, not analysts.
HANDOFF_ROUTES = {
    ("GET", "/api/staff/tickets"),
    ("GET", "/api/staff/tickets/{ticket_id}"),
    ("POST", "/api/staff/tickets/{ticket_id}/claim"),
    ("POST", "/api/staff/tickets/{ticket_id}/reply"),
    ("POST", "/api/staff/tickets/{ticket_id}/close"),
    ("POST", "/api/staff/helper/link-code"),
}
ADMIN_ROUTES = {
    ("PUT", "/api/staff/answers/{answer_id}"),
    ("POST", "/api/staff/answers/{answer_id}/verify"),
    ("POST", "/api/staff/answers/{answer_id}/revert"),
    ("GET", "/api/staff/users"),
    ("POST", "/api/staff/users"),
    ("PATCH", "/api/staff/users/{username}"),
    ("PUT", "/api/staff/teams/{team_id}"),
    ("POST", "/api/staff/teams"),
    ("POST", "/api/staff/training-examples/{example_id}/decision"),
    ("POST", "/api/staff/notices/preview"),
    ("POST", "/api/staff/notices"),
    ("GET", "/api/staff/notices"),
}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    ]


def test_every_non_public_route_refuses_anonymous_requests(client: TestClient) -> None:
    protected = [r for r in _routes(client) if r not in PUBLIC]
    assert protected, "no staff routes found"
    for method, path in protected:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)


def test_every_staff_route_refuses_the_roles_it_does_not_serve(
    client: TestClient, seeded_engine: Any
) -> None:
    with Session(seeded_engine) as session:
        create_staff(session, "someone", "a-long-password", Role.COMMUNITY, ["18073"])
    protected = [r for r in _routes(client) if r not in PUBLIC]
    for role, allowed in (
        (Role.COMMUNITY, COMMUNITY_ROUTES | HANDOFF_ROUTES),
        (Role.ANALYST, set(protected) - ADMIN_ROUTES - HANDOFF_ROUTES),
        (Role.ADMIN, set(protected)),
    ):
        token = staff_token("someone", role)
        for method, path in protected:
            response = client.request(
                method, path, headers={"Authorization": f"Bearer {token}"}
            )
            if (method, path) in allowed:
                assert response.status_code not in (401, 403), (role, method, path)
            else:
                assert response.status_code == 403, (role, method, path)


def test_staff_routes_refuse_forged_and_expired_tokens(client: TestClient) -> None:
    forged = issue_token("another-key", "mallory", "admin", 60, 1, 0)
    expired = issue_token(TOKEN_SECRET, "alice", "admin", 0, 1, 0)[:-1] + "x"
    for token in (forged, expired, "garbage"):
        response = client.get(
            "/api/staff/turns", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401


def test_community_role_cannot_read_analytics(client: TestClient) -> None:
    token = staff_token("member", Role.COMMUNITY)
    response = client.get(
        "/api/staff/analytics/overview", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403


def test_login_then_read_turns_and_figures(
    client: TestClient, seeded_engine: Any, fake_rasa: Any
) -> None:
    with Session(seeded_engine) as session:
        create_staff(session, "analyst1", "correct horse battery", Role.ANALYST)
    assert (
        client.post(
            "/api/staff/login",
            json={"username": "analyst1", "password": "wrong password!"},
        ).status_code
        == 401
    )
    login = client.post(
        "/api/staff/login",
        json={"username": "analyst1", "password": "correct horse battery"},
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    fake_rasa.answer("Xin chào", "greet", 0.99)
    client.post(
        "/api/chat", json={"sender": "c1", "text": "chào bạn, sđt tôi 0912345678"}
    )

    [turn] = client.get("/api/staff/turns", headers=headers).json()
    assert turn["text"] == "chào bạn, sđt tôi [SĐT]"
    assert turn["topic"] == "smalltalk"
    overview = client.get("/api/staff/analytics/overview", headers=headers).json()
    assert overview["turns"] == 1
    assert overview["citizens"] == 1
    assert overview["outcomes"]["answered"] == 1
    topics = client.get("/api/staff/analytics/topics", headers=headers).json()
    assert [(t["topic"], t["turns"]) for t in topics["items"]] == [("smalltalk", 1)]


def test_pages_are_served_in_vietnamese(client: TestClient) -> None:
    chat = client.get("/")
    staff = client.get("/staff")
    assert chat.status_code == staff.status_code == 200
    assert '<html lang="vi">' in chat.text
    assert "Trợ lý Bình dân học vụ số" in chat.text
    assert "Đăng nhập" in staff.text
