"""What the admin screens of the dashboard rely on: staff accounts with their
communes, the training-example queue with an admin's accept / reject, and place
filters given by name. Every refusal carries a Vietnamese message the dashboard shows
as it is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.analytics.examples import export_examples
from api.core.clock import today_local
from api.querylog.models import Outcome, TrainingExample, Turn
from api.staff.models import Role
from tests.api.conftest import staff_headers

THANH_SEN, TRAN_PHU = "18073", "18100"
ADMIN = "root"


def admin() -> dict[str, str]:
    return staff_headers(ADMIN, Role.ADMIN)


def message(response: Any) -> str:
    detail: dict[str, str] = response.json()["detail"]
    return detail["message"]


# ---------------------------------------------------------------- staff accounts


def test_admin_creates_a_community_account_then_changes_its_role_and_communes(
    client: TestClient,
) -> None:
    body = {
        "username": "to.thanhsen",
        "password": "một mật khẩu đủ dài",
        "role": "community",
        "communes": [THANH_SEN],
    }
    created = client.post("/api/staff/users", json=body, headers=admin())
    assert created.status_code == 201, created.text
    item = created.json()
    assert (item["role"], item["communes"], item["active"]) == (
        "community",
        [THANH_SEN],
        True,
    )
    assert "password" not in item and "password_hash" not in item

    moved = client.patch(
        "/api/staff/users/to.thanhsen",
        json={"communes": [THANH_SEN, TRAN_PHU]},
        headers=admin(),
    )
    assert moved.json()["communes"] == [THANH_SEN, TRAN_PHU]
    assert moved.json()["places"] == [
        {"code": THANH_SEN, "name": "Phường Thành Sen", "province_code": "42"},
        {"code": TRAN_PHU, "name": "Phường Trần Phú", "province_code": "42"},
    ]
    promoted = client.patch(
        "/api/staff/users/to.thanhsen", json={"role": "analyst"}, headers=admin()
    )
    assert promoted.json()["role"] == "analyst"
    off = client.patch(
        "/api/staff/users/to.thanhsen", json={"active": False}, headers=admin()
    )
    assert off.json()["active"] is False
    listed = client.get("/api/staff/users", headers=admin()).json()["items"]
    assert [u["username"] for u in listed] == [ADMIN, "to.thanhsen"]
    assert listed[1]["active"] is False


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        (
            {"role": "community", "communes": ["99999"]},
            422,
            "Không có xã, phường mã 99999.",
        ),
        (
            {"role": "community", "communes": []},
            422,
            "Tài khoản của Tổ công nghệ số cộng đồng cần ít nhất một xã, phường "
            "phụ trách.",
        ),
        (
            {"role": "community", "communes": [THANH_SEN], "provinces": ["77"]},
            422,
            "Không có tỉnh/thành phố mã 77.",
        ),
        (
            {"role": "analyst", "username": ADMIN},
            409,
            f"Tên đăng nhập “{ADMIN}” đã có. Anh/Chị chọn tên khác.",
        ),
    ],
    ids=["unknown-commune", "community-without-commune", "unknown-province", "taken"],
)
def test_an_account_that_cannot_be_made_is_refused_in_vietnamese(
    client: TestClient, body: dict[str, Any], status: int, text: str
) -> None:
    client.get("/api/staff/users", headers=admin())  # the admin's own account exists
    request = {"username": "moi", "password": "một mật khẩu đủ dài", **body}
    response = client.post("/api/staff/users", json=request, headers=admin())
    assert response.status_code == status, response.text
    assert message(response) == text
    users = client.get("/api/staff/users", headers=admin()).json()["items"]
    assert [u["username"] for u in users] == [ADMIN]


def test_an_admin_cannot_lock_out_itself_and_unknown_accounts_get_404(
    client: TestClient,
) -> None:
    own = client.patch(
        f"/api/staff/users/{ADMIN}", json={"active": False}, headers=admin()
    )
    assert own.status_code == 409
    assert message(own).startswith("Anh/Chị không thể tự khóa hay tự đổi vai trò")
    missing = client.patch(
        "/api/staff/users/nobody", json={"active": False}, headers=admin()
    )
    assert missing.status_code == 404
    assert message(missing) == "Không có tài khoản “nobody”."
    # Taking the last commune from a community account would leave it blind.
    client.post(
        "/api/staff/users",
        json={
            "username": "to.tranphu",
            "password": "một mật khẩu đủ dài",
            "role": "community",
            "communes": [TRAN_PHU],
        },
        headers=admin(),
    )
    emptied = client.patch(
        "/api/staff/users/to.tranphu", json={"communes": []}, headers=admin()
    )
    assert emptied.status_code == 422
    assert "cần ít nhất một xã, phường" in message(emptied)


# ---------------------------------------------------------------- training examples


def _queue(engine: Any, *texts: str) -> list[int]:
    with Session(engine) as session:
        rows = [
            TrainingExample(
                text=t, answer_id="vneid_activate_level2", created_by="analyst"
            )
            for t in texts
        ]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows]


def _decide(client: TestClient, example_id: int, decision: str) -> Any:
    return client.post(
        f"/api/staff/training-examples/{example_id}/decision",
        json={"decision": decision},
        headers=admin(),
    )


def test_only_examples_an_admin_accepted_are_exported(
    client: TestClient, seeded_engine: Any, tmp_path: Path
) -> None:
    keep, drop, later = _queue(
        seeded_engine,
        "kich hoat muc 2 the nao",
        "con meo nha toi",
        "lam sao len muc 2 vneid",
    )
    pending = client.get(
        "/api/staff/training-examples", params={"status": "pending"}, headers=admin()
    ).json()["items"]
    assert [e["id"] for e in pending] == [keep, drop, later]
    assert pending[0]["decision"] is None

    accepted = _decide(client, keep, "accepted")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["decision"], accepted.json()["decided_by"]) == (
        "accepted",
        ADMIN,
    )
    assert _decide(client, drop, "rejected").json()["decision"] == "rejected"
    pending = client.get(
        "/api/staff/training-examples", params={"status": "pending"}, headers=admin()
    ).json()["items"]
    assert [e["id"] for e in pending] == [later]

    with Session(seeded_engine) as session:
        path = export_examples(session, tmp_path, today_local())
    assert path is not None
    written = path.read_text(encoding="utf-8")
    assert "- kich hoat muc 2 the nao" in written
    assert "con meo nha toi" not in written
    assert "lam sao len muc 2 vneid" not in written

    too_late = _decide(client, keep, "rejected")
    assert too_late.status_code == 409
    assert "đã được ghi ra dữ liệu huấn luyện" in message(too_late)
    # The undecided one is still waiting; the rejected one never goes.
    assert _decide(client, later, "accepted").status_code == 200
    with Session(seeded_engine) as session:
        path = export_examples(session, tmp_path, today_local() + timedelta(days=1))
    assert path is not None
    assert "con meo nha toi" not in path.read_text(encoding="utf-8")


def test_a_decision_on_an_unknown_example_gets_404_and_analysts_cannot_decide(
    client: TestClient, seeded_engine: Any
) -> None:
    missing = _decide(client, 424242, "accepted")
    assert missing.status_code == 404
    assert message(missing) == "Không có câu mẫu này."
    [example] = _queue(seeded_engine, "cap lai mat khau vneid")
    refused = client.post(
        f"/api/staff/training-examples/{example}/decision",
        json={"decision": "accepted"},
        headers=staff_headers("analyst", Role.ANALYST),
    )
    assert refused.status_code == 403
    bad = client.post(
        f"/api/staff/training-examples/{example}/decision",
        json={"decision": "maybe"},
        headers=admin(),
    )
    assert bad.status_code == 422


# ---------------------------------------------------------------- places by name


def _filters(client: TestClient, **params: str) -> Any:
    return client.get("/api/staff/analytics/overview", params=params, headers=admin())


@pytest.mark.parametrize("name", ["01", "ha noi", "Hà Nội", "TP Hà Nội", "HÀ NỘI"])
def test_a_province_filter_takes_a_name_as_well_as_a_code(
    client: TestClient, name: str
) -> None:
    response = _filters(client, province=name)
    assert response.status_code == 200, response.text
    assert response.json()["filters"]["province"] == "01"


def test_a_commune_filter_takes_a_name_within_its_province_or_alone(
    client: TestClient,
) -> None:
    alone = _filters(client, commune="phuong thanh sen").json()["filters"]
    assert (alone["province"], alone["commune"]) == (None, THANH_SEN)
    within = _filters(client, province="Nghệ An", commune="Hoàng Mai")
    assert within.json()["filters"] == {
        "province": "40",
        "commune": "17110",
        "channel": None,
    }


def test_a_place_name_that_matches_nothing_or_several_gets_a_vietnamese_422(
    client: TestClient,
) -> None:
    nowhere = _filters(client, province="Atlantis")
    assert nowhere.status_code == 422
    assert message(nowhere).startswith("Không tìm thấy tỉnh/thành phố “Atlantis”.")
    several = _filters(client, commune="hoang mai")
    assert several.status_code == 422
    text = message(several)
    assert text.startswith("Có nhiều xã, phường tên “hoang mai”:")
    assert "Phường Hoàng Mai, Hà Nội (00319)" in text
    assert "Phường Hoàng Mai, Nghệ An (17110)" in text
    # The report export goes through the same filters.
    report = client.get(
        "/api/staff/reports/export",
        params={"province": "ha tinh", "commune": "khong co xa nay"},
        headers=admin(),
    )
    assert report.status_code == 422
    assert "Không tìm thấy xã, phường “khong co xa nay”" in message(report)


# ---------------------------------------------------------------- recent turns


def test_recent_turns_carry_the_answer_confidence_that_was_checked(
    client: TestClient, seeded_engine: Any
) -> None:
    with Session(seeded_engine) as session:
        session.add(
            Turn(
                channel="web",
                user_pseudonym="p1",
                conversation_id="c1",
                text_masked="kich hoat muc 2",
                intent="faq",
                confidence=1.0,
                answer_id="vneid_activate_level2",
                answer_confidence=0.41,
                outcome=Outcome.UNSURE,
                latency_ms=120,
            )
        )
        session.commit()
    [turn] = client.get("/api/staff/turns", headers=admin()).json()
    assert (turn["outcome"], turn["confidence"], turn["answer_confidence"]) == (
        "unsure",
        1.0,
        0.41,
    )
