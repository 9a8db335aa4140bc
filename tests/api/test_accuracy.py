"""Answer accuracy checked by staff: a weekly random sample of answered turns, the
same for everyone; right / partly / wrong; the monthly figure with its sample size
and 95 % interval; texts forgotten at the retention limit, verdicts kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.accuracy.service import forget_texts
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from tests.api.conftest import staff_headers

VIETNAM = timezone(timedelta(hours=7))
MONDAY = date(2026, 10, 5)


def _turns(
    engine: Any, count: int, day: date, outcome: Outcome = Outcome.ANSWERED
) -> None:
    with Session(engine) as session:
        session.add_all(
            Turn(
                created_at=datetime.combine(day, time(10, i % 60), VIETNAM),
                channel="web",
                user_pseudonym=f"acc-{i}",
                conversation_id=f"acc-{i}",
                text_masked=f"câu hỏi số {i} về kích hoạt vneid",
                reply_masked=f"câu trả lời số {i}",
                intent="faq",
                confidence=0.9,
                topic="vneid_account",
                answer_id="vneid_activate_level2"
                if outcome == Outcome.ANSWERED
                else None,
                outcome=outcome,
                latency_ms=50,
            )
            for i in range(count)
        )
        session.commit()


def test_everyone_judges_the_same_weekly_sample_of_answered_turns(
    client: TestClient, seeded_engine: Any
) -> None:
    _turns(seeded_engine, 30, MONDAY + timedelta(days=2))
    _turns(seeded_engine, 5, MONDAY + timedelta(days=3), Outcome.UNSURE)
    _turns(seeded_engine, 4, MONDAY + timedelta(days=8))  # the week after
    analyst = staff_headers("acc-analyst", Role.ANALYST)

    first = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-10-08"}, headers=analyst
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["week"] == "2026-10-05" and body["week_end"] == "2026-10-11"
    assert body["size"] == 20 and body["reviewed"] == 0
    turn = body["turns"][0]
    assert turn["question"].startswith("câu hỏi số") and turn["reply"].startswith(
        "câu trả lời"
    )
    assert turn["answer_question"] and turn["verdict"] is None
    admin = staff_headers("acc-admin", Role.ADMIN)
    again = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-10-11"}, headers=admin
    ).json()
    assert [t["id"] for t in again["turns"]] == [t["id"] for t in body["turns"]]
    community = staff_headers("acc-team", Role.COMMUNITY)
    assert (
        client.get("/api/staff/accuracy/sample", headers=community).status_code == 403
    )
    assert client.get("/api/staff/accuracy/sample").status_code == 401


def test_verdicts_make_the_monthly_accuracy_with_its_interval(
    client: TestClient, seeded_engine: Any
) -> None:
    _turns(seeded_engine, 20, MONDAY + timedelta(days=1))
    analyst = staff_headers("acc-analyst", Role.ANALYST)
    turns = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-10-05"}, headers=analyst
    ).json()["turns"]
    verdicts = ["right"] * 16 + ["partly"] * 3 + ["wrong"]
    for turn, verdict in zip(turns, verdicts, strict=True):
        marked = client.post(
            f"/api/staff/accuracy/{turn['id']}",
            json={"verdict": verdict},
            headers=analyst,
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["verdict"] == verdict
        assert marked.json()["reviewed_by"] == "acc-analyst"

    figures = client.get(
        "/api/staff/accuracy",
        params={"from": "2026-10-01", "to": "2026-10-31"},
        headers=analyst,
    ).json()
    october = figures["months"][0]
    assert october["month"] == "2026-10"
    assert (
        october["reviewed"],
        october["right"],
        october["partly"],
        october["wrong"],
    ) == (20, 16, 3, 1)
    assert october["accuracy"] == 0.8
    # Wilson's 95 % interval for 16 of 20
    assert 0.58 < october["ci_low"] < 0.59 and 0.91 < october["ci_high"] < 0.93
    assert figures["overall"]["reviewed"] == 20

    summary = client.get(
        "/api/staff/reports/summary",
        params={"from": "2026-10-01", "to": "2026-10-31"},
        headers=analyst,
    )
    assert summary.status_code == 200, summary.text
    assert (
        "Cán bộ đã kiểm tra ngẫu nhiên 20 câu trả lời của trợ lý trong kỳ: 80,0\u00a0%"
        " trả lời đúng điều người dân hỏi (khoảng tin cậy 95\u00a0%: 58,4\u00a0% –"
        " 91,9\u00a0%), 3 câu đúng"
        " một phần."
    ) in summary.json()["paragraph"]

    bad = client.post(
        f"/api/staff/accuracy/{turns[0]['id']}",
        json={"verdict": "maybe"},
        headers=analyst,
    )
    assert bad.status_code == 422
    missing = client.post(
        "/api/staff/accuracy/999999", json={"verdict": "right"}, headers=analyst
    )
    assert missing.status_code == 404
    future = client.get(
        "/api/staff/accuracy/sample", params={"week": "2099-01-01"}, headers=analyst
    )
    assert future.status_code == 422


def test_a_week_without_answers_gives_an_empty_sample_and_no_figure(
    client: TestClient, seeded_engine: Any
) -> None:
    analyst = staff_headers("acc-analyst", Role.ANALYST)
    empty = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-09-07"}, headers=analyst
    ).json()
    assert empty["size"] == 0 and empty["turns"] == []
    figures = client.get(
        "/api/staff/accuracy",
        params={"from": "2026-09-01", "to": "2026-09-30"},
        headers=analyst,
    ).json()
    assert figures["months"] == [] and figures["overall"]["accuracy"] is None


def test_texts_are_forgotten_at_the_retention_limit_and_verdicts_stay(
    client: TestClient, seeded_engine: Any
) -> None:
    _turns(seeded_engine, 3, MONDAY)
    analyst = staff_headers("acc-analyst", Role.ANALYST)
    turns = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-10-05"}, headers=analyst
    ).json()["turns"]
    for turn in turns:
        client.post(
            f"/api/staff/accuracy/{turn['id']}",
            json={"verdict": "right"},
            headers=analyst,
        )
    with Session(seeded_engine) as session:
        assert forget_texts(session, MONDAY + timedelta(days=1)) == 3
    after = client.get(
        "/api/staff/accuracy/sample", params={"week": "2026-10-05"}, headers=analyst
    ).json()["turns"]
    assert {t["question"] for t in after} == {""} and {t["reply"] for t in after} == {
        ""
    }
    figures = client.get(
        "/api/staff/accuracy",
        params={"from": "2026-10-01", "to": "2026-10-31"},
        headers=analyst,
    ).json()
    assert figures["overall"]["right"] == 3
