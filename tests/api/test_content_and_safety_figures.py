"""Staff keep the answers true (verify, history, revert; drafts served are counted)
and see where scam warnings rise, with a draft notice for the residents there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.clock import today_local
from api.core.db import utcnow
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from tests.api.conftest import logged_turns, staff_token
from tests.conftest import ROOT
from tests.fakes import FakeRasa

HA_TINH = "42"


def _seed_entries() -> list[dict[str, Any]]:
    entries = []
    for path in sorted((ROOT / "seeds" / "knowledge").glob("*.yml")):
        entries += yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    return entries


def _a_draft() -> dict[str, Any]:
    return next(e for e in _seed_entries() if e["status"] == "draft")


def _headers(role: Role = Role.ADMIN, name: str = "editor") -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(name, role)}"}


def test_answers_served_from_drafts_are_counted_apart(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    draft = _a_draft()
    fake_rasa.answer(
        "…", "faq", 0.95, turn={"outcome": "answered", "answer_id": draft["id"]}
    )
    client.post("/api/chat", json={"sender": "c1", "text": "hỏi một câu"})
    [turn] = logged_turns(seeded_engine)
    assert turn.answer_draft is True
    figures = client.get(
        "/api/staff/analytics/content", headers=_headers(Role.ANALYST)
    ).json()
    assert (figures["answers_served"], figures["answers_served_from_drafts"]) == (1, 1)
    assert figures["draft"] >= 1 and figures["verified"] >= 1


def test_verify_history_and_revert(client: TestClient) -> None:
    draft = _a_draft()
    path = f"/api/staff/answers/{draft['id']}"
    before = client.get(path, headers=_headers()).json()
    assert (before["status"], before["due_for_check"]) == ("draft", True)

    # verified against a page outside the accepted sites: refused
    edit = {
        k: before[k] for k in ("question", "answer", "steps", "sources", "source_ref")
    }
    outside = client.put(
        path,
        json={**edit, "source_url": "https://example.com/bai-viet", "verified": True},
        headers=_headers(),
    )
    assert outside.status_code == 422
    changed = client.put(
        path,
        json={
            **edit,
            "answer": "Anh/Chị hỏi Ủy ban nhân dân cấp xã nơi cư trú để được hướng dẫn.",
            "source_url": "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc.html",
        },
        headers=_headers(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "draft"
    verified = client.post(f"{path}/verify", headers=_headers())
    assert verified.status_code == 200
    assert (verified.json()["status"], verified.json()["verified_by"]) == (
        "verified",
        "editor",
    )
    assert verified.json()["verified_on"] == today_local().isoformat()
    assert (
        client.post(f"{path}/verify", headers=_headers(Role.ANALYST, "an")).status_code
        == 403
    )

    history = client.get(
        f"{path}/history", headers=_headers(Role.ANALYST, "an")
    ).json()["items"]
    assert [h["action"] for h in history] == ["verify", "edit"]
    assert history[1]["changed"] == ["answer", "source_url"]
    assert history[1]["changed_by"] == "editor"

    reverted = client.post(
        f"{path}/revert", json={"revision_id": history[1]["id"]}, headers=_headers()
    )
    assert reverted.status_code == 200
    after = reverted.json()
    assert (after["answer"], after["source_url"], after["status"]) == (
        before["answer"],
        before["source_url"],
        "draft",
    )
    assert (
        client.post(
            f"{path}/revert", json={"revision_id": 999_999}, headers=_headers()
        ).status_code
        == 404
    )


def _alert(session: Session, days_ago: int, commune: str | None, kind: str) -> None:
    session.add(
        Turn(
            channel="zalo",
            user_pseudonym=f"p{days_ago}{kind}",
            conversation_id="c",
            text_masked="có người gọi xin mã OTP",
            reply_masked="⚠️",
            intent="scam_alert",
            topic="scam_safety",
            outcome=Outcome.ANSWERED,
            detail=f"scam:{kind}",
            latency_ms=0,
            province_code=HA_TINH,
            commune_code=commune,
            created_at=utcnow() - timedelta(days=days_ago, minutes=5),
        )
    )


def test_scam_alerts_are_counted_and_a_rising_commune_gets_a_draft_notice(
    client: TestClient, seeded_engine: Any
) -> None:
    from sqlalchemy import select

    from api.places.models import Commune

    with Session(seeded_engine) as session:
        commune = session.scalars(
            select(Commune).where(Commune.province_code == HA_TINH).limit(1)
        ).one()
        code, name = commune.code, commune.name
        for day in (0, 1, 2, 3):
            _alert(session, day, code, "code_request")
        _alert(session, 9, code, "identity_update")
        _alert(session, 1, None, "prize_fee")
        session.commit()
    today = today_local().isoformat()
    start = (today_local() - timedelta(days=29)).isoformat()
    data = client.get(
        "/api/staff/analytics/safety",
        params={"from": start, "to": today, "province": HA_TINH},
        headers=_headers(Role.ANALYST, "an"),
    ).json()
    assert data["alerts"] == 6
    assert data["by_kind"] == {"code_request": 4, "identity_update": 1, "prize_fee": 1}
    assert data["by_channel"] == {"zalo": 6}
    [rising] = data["rising"]
    assert (rising["commune_code"], rising["this_week"], rising["week_before"]) == (
        code,
        4,
        1,
    )
    assert name in rising["notice_draft"]
    assert "mã OTP" in rising["notice_draft"]

    summary = client.get(
        "/api/staff/reports/summary",
        params={"from": start, "to": today, "province": HA_TINH},
        headers=_headers(Role.ANALYST, "an"),
    ).json()
    assert summary["safety"]["alerts"] == 6
    assert (
        "cảnh báo 6 lượt người dân hỏi về tình huống nghi lừa đảo"
        in summary["paragraph"]
    )


def test_the_workbook_has_the_safety_and_content_section(
    client: TestClient, seeded_engine: Any
) -> None:
    import io

    from openpyxl import load_workbook

    with Session(seeded_engine) as session:
        _alert(session, 1, None, "prize_fee")
        session.commit()
    start = (today_local() - timedelta(days=3)).isoformat()
    response = client.get(
        "/api/staff/reports/export",
        params={"from": start, "to": today_local().isoformat(), "province": HA_TINH},
        headers=_headers(Role.ANALYST, "an"),
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {
        row[0]: row[1]
        for row in sheet.iter_rows(values_only=True)
        if row and isinstance(row[0], str)
    }
    assert cells["Lượt cảnh báo lừa đảo"] == 1
    assert cells["Cảnh báo: Trúng thưởng phải nộp phí"] == 1
    assert cells["Câu trả lời đã kiểm tra"] >= 1
