"""Staff analytics: figures from the query log, through the HTTP API, on SQLite and
PostgreSQL. Expected values are computed from the rows each test inserts."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.analytics.examples import export_examples
from api.core.clock import VIETNAM_TZ, today_local
from api.knowledge.store import KnowledgeStore
from api.querylog.models import Outcome, TrainingExample, Turn
from api.querylog.retention import purge
from api.querylog.rollup_refresh import refresh
from api.staff.models import Role
from tests.api.conftest import staff_token

HA_TINH = "42"
THANH_SEN = "18073"  # Phường Thành Sen, Hà Tĩnh
TRAN_PHU = "18100"  # Phường Trần Phú, Hà Tĩnh
HA_NOI = "01"
BA_DINH = "00004"  # Phường Ba Đình, Hà Nội
TODAY = today_local()
# Midday of TODAY, for tests that pass the clock to a refresh: they see the same day
# when the run crosses midnight in Vietnam (17:00 UTC), as a CI run once did.
NOON = datetime.combine(TODAY, time(12), VIETNAM_TZ).astimezone(timezone.utc)


def headers(role: Role = Role.ANALYST, username: str = "analyst") -> dict[str, str]:
    """A bearer token of ``role``."""
    return {"Authorization": f"Bearer {staff_token(username, role)}"}


@dataclass
class Row:
    """A turn to insert: local day (days before today), hour and dimensions."""

    days_ago: int
    user: str
    channel: str = "web"
    topic: str | None = "vneid_account"
    outcome: Outcome = Outcome.ANSWERED
    answer_id: str | None = "vneid_activate_level2"
    province: str | None = None
    commune: str | None = None
    feedback: str | None = None
    text: str = "kích hoạt vneid mức 2 thế nào"
    hour: int = 10
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return TODAY - timedelta(days=self.days_ago)


def insert(engine: Any, rows: list[Row], at: datetime | None = None) -> None:
    """Writes ``rows`` to the query log: at local hour ``hour`` of their day, or all
    at the instant ``at``."""
    with Session(engine) as session:
        for r in rows:
            local = datetime.combine(r.day, datetime.min.time(), VIETNAM_TZ)
            session.add(
                Turn(
                    created_at=at
                    or (local + timedelta(hours=r.hour)).astimezone(timezone.utc),
                    channel=r.channel,
                    user_pseudonym=r.user,
                    conversation_id=r.user,
                    text_masked=r.text,
                    reply_masked="…",
                    intent="faq",
                    confidence=0.9,
                    topic=r.topic,
                    answer_id=r.answer_id,
                    outcome=r.outcome,
                    latency_ms=80,
                    feedback=r.feedback,
                    province_code=r.province,
                    commune_code=r.commune,
                )
            )
        session.commit()


ROWS = [
    # Two weeks ago: a citizen who comes back later.
    Row(14, "u1", "zalo", province=HA_TINH, commune=THANH_SEN),
    Row(
        14, "u2", "web", topic="public_service_portal", answer_id="dvc_account_register"
    ),
    # Last week.
    Row(6, "u1", "zalo", province=HA_TINH, commune=THANH_SEN, feedback="helpful"),
    Row(6, "u3", "telegram", outcome=Outcome.UNSURE, answer_id=None, topic=None),
    Row(5, "u4", "zalo", province=HA_TINH, commune=TRAN_PHU, feedback="not_helpful"),
    Row(5, "u5", "web", outcome=Outcome.OUT_OF_SCOPE, topic="out_of_scope"),
    Row(
        3,
        "u6",
        "web",
        topic="scam_safety",
        answer_id="scam_fake_police_call",
        province=HA_NOI,
        commune=BA_DINH,
    ),
    # Today.
    Row(0, "u1", "zalo", province=HA_TINH, commune=THANH_SEN),
    Row(0, "u7", "web", outcome=Outcome.ERROR, answer_id=None),
]


@pytest.fixture
def analytics_client(client: TestClient, seeded_engine: Any) -> Iterator[TestClient]:
    """The gateway with :data:`ROWS` in its query log."""
    insert(seeded_engine, ROWS)
    yield client


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    """GET a staff route as an analyst; fails on anything but 200."""
    response = client.get(path, params=params, headers=headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def period(days: int) -> dict[str, str]:
    """The last ``days`` days up to today as query parameters."""
    return {
        "from": (TODAY - timedelta(days=days - 1)).isoformat(),
        "to": TODAY.isoformat(),
    }


def expected(rows: list[Row], days: int, **where: Any) -> list[Row]:
    """The rows inside the last ``days`` days that match ``where``."""
    return [
        r
        for r in rows
        if r.days_ago < days and all(getattr(r, k) == v for k, v in where.items())
    ]


def test_overview_counts_turns_citizens_outcomes_and_feedback(
    analytics_client: TestClient,
) -> None:
    body = get(analytics_client, "/api/staff/analytics/overview", **period(7))
    rows = expected(ROWS, 7)
    users = {r.user for r in rows}
    assert body["period"] == {
        "from": (TODAY - timedelta(days=6)).isoformat(),
        "to": TODAY.isoformat(),
    }
    assert body["turns"] == len(rows)
    assert body["citizens"] == len(users)
    # u1 wrote two weeks ago too.
    assert body["returning_citizens"] == 1
    assert body["new_citizens"] == len(users) - 1
    for outcome in Outcome:
        assert body["outcomes"][outcome.value] == sum(
            r.outcome is outcome for r in rows
        )
    answered = sum(r.outcome is Outcome.ANSWERED for r in rows)
    assert body["rates"]["answered"] == pytest.approx(answered / len(rows), abs=1e-4)
    assert body["feedback"] == {"helpful": 1, "not_helpful": 1, "helpful_rate": 0.5}


def test_every_breakdown_adds_up_and_filters_narrow_it(
    analytics_client: TestClient,
) -> None:
    rows = expected(ROWS, 30)
    topics = get(analytics_client, "/api/staff/analytics/topics", **period(30))
    by_topic = {i["topic"]: i["turns"] for i in topics["items"]}
    assert by_topic["vneid_account"] == sum(r.topic == "vneid_account" for r in rows)
    assert by_topic["unknown"] == sum(r.topic is None for r in rows)
    vneid = next(i for i in topics["items"] if i["topic"] == "vneid_account")
    assert vneid["label"] == "Tài khoản định danh điện tử VNeID"
    assert vneid["pillar"] == "digital_identity"
    assert sum(by_topic.values()) == len(rows)

    pillars = get(analytics_client, "/api/staff/analytics/pillars", **period(30))
    by_pillar = {i["pillar"]: i["turns"] for i in pillars["items"]}
    assert {"digital_identity", "digital_means", "digital_skills"} <= set(by_pillar)
    assert by_pillar["digital_identity"] == by_topic["vneid_account"]
    assert by_pillar["safety"] == 1
    assert sum(by_pillar.values()) == len(rows)

    channels = get(analytics_client, "/api/staff/analytics/channels", **period(30))
    assert {i["channel"]: (i["turns"], i["citizens"]) for i in channels["items"]} == {
        c: (
            sum(r.channel == c for r in rows),
            len({r.user for r in rows if r.channel == c}),
        )
        for c in {r.channel for r in rows}
    }

    zalo = get(
        analytics_client, "/api/staff/analytics/overview", channel="zalo", **period(30)
    )
    assert zalo["filters"]["channel"] == "zalo"
    assert zalo["turns"] == len(expected(ROWS, 30, channel="zalo"))
    commune = get(
        analytics_client,
        "/api/staff/analytics/overview",
        province=HA_TINH,
        commune=THANH_SEN,
        **period(30),
    )
    assert commune["turns"] == len(expected(ROWS, 30, commune=THANH_SEN))
    assert commune["citizens"] == 1


def test_places_are_named_and_unknown_places_are_counted(
    analytics_client: TestClient,
) -> None:
    rows = expected(ROWS, 30)
    communes = get(
        analytics_client, "/api/staff/analytics/places", level="commune", **period(30)
    )["items"]
    named = {i["name"]: i for i in communes}
    assert named["Phường Thành Sen"]["province_name"] == "Hà Tĩnh"
    assert named["Phường Thành Sen"]["turns"] == sum(
        r.commune == THANH_SEN for r in rows
    )
    assert named["Phường Ba Đình"]["province_code"] == HA_NOI
    assert named["Chưa rõ địa bàn"]["turns"] == sum(r.commune is None for r in rows)
    provinces = get(
        analytics_client, "/api/staff/analytics/places", level="province", **period(30)
    )["items"]
    assert {i["name"]: i["turns"] for i in provinces} == {
        "Hà Tĩnh": sum(r.province == HA_TINH for r in rows),
        "Hà Nội": sum(r.province == HA_NOI for r in rows),
        "Chưa rõ địa bàn": sum(r.province is None for r in rows),
    }


def test_volume_has_every_bucket_and_counts_local_days(
    client: TestClient, seeded_engine: Any
) -> None:
    # 23:30 in Vietnam on day 2 (16:30 UTC), and 00:30 on day 1 (17:30 UTC the day
    # before): both belong to their local day.
    insert(
        seeded_engine,
        [Row(2, "late", hour=23), Row(1, "early", hour=0), Row(1, "noon", hour=12)],
    )
    body = get(client, "/api/staff/analytics/volume", interval="day", **period(5))
    series = {p["start"]: p["turns"] for p in body["series"]}
    assert list(series) == [
        (TODAY - timedelta(days=d)).isoformat() for d in range(4, -1, -1)
    ]
    assert series[(TODAY - timedelta(days=2)).isoformat()] == 1
    assert series[(TODAY - timedelta(days=1)).isoformat()] == 2
    assert sum(series.values()) == 3

    weeks = get(client, "/api/staff/analytics/volume", interval="week", **period(60))
    starts = [date.fromisoformat(p["start"]) for p in weeks["series"]]
    assert all(d.weekday() == 0 for d in starts)
    assert [b - a for a, b in pairwise(starts)] == [timedelta(days=7)] * (
        len(starts) - 1
    )
    assert sum(p["turns"] for p in weeks["series"]) == 3
    months = get(client, "/api/staff/analytics/volume", interval="month", **period(60))
    assert all(p["start"].endswith("-01") for p in months["series"])
    assert sum(p["citizens"] for p in months["series"]) >= 3


def test_figures_stay_the_same_after_turns_are_purged(
    analytics_client: TestClient, seeded_engine: Any
) -> None:
    routes = [
        ("/api/staff/analytics/overview", {}),
        ("/api/staff/analytics/topics", {}),
        ("/api/staff/analytics/channels", {}),
        ("/api/staff/analytics/places", {"level": "commune"}),
        ("/api/staff/analytics/volume", {"interval": "week"}),
    ]
    before = [get(analytics_client, p, **period(30), **q) for p, q in routes]
    with Session(seeded_engine) as session:
        report = purge(session, retention_days=7, activity_retention_days=400)
        left = session.scalar(select(func.count()).select_from(Turn))
    assert report.turns_deleted == len([r for r in ROWS if r.days_ago > 7])
    assert left == len([r for r in ROWS if r.days_ago <= 7])
    after = [get(analytics_client, p, **period(30), **q) for p, q in routes]
    assert after == before


def test_top_questions_and_the_least_helpful_answers(
    client: TestClient, seeded_engine: Any
) -> None:
    insert(
        seeded_engine,
        [Row(1, f"a{i}", feedback="helpful") for i in range(3)]
        + [
            Row(
                1,
                f"b{i}",
                topic="public_service_portal",
                answer_id="dvc_account_register",
                feedback="not_helpful" if i else "helpful",
            )
            for i in range(4)
        ],
    )
    top = get(client, "/api/staff/analytics/top-questions", **period(7))["items"]
    assert [(i["answer_id"], i["turns"]) for i in top] == [
        ("dvc_account_register", 4),
        ("vneid_activate_level2", 3),
    ]
    assert top[0]["question"]
    one_topic = get(
        client,
        "/api/staff/analytics/top-questions",
        topic="vneid_account",
        **period(7),
    )["items"]
    assert [i["answer_id"] for i in one_topic] == ["vneid_activate_level2"]
    worst = get(client, "/api/staff/analytics/feedback", **period(7))["items"]
    assert [(i["answer_id"], i["helpful_rate"]) for i in worst] == [
        ("dvc_account_register", 0.25),
        ("vneid_activate_level2", 1.0),
    ]


def test_bad_filters_are_refused(client: TestClient) -> None:
    for params in (
        {"from": "2026-09-30", "to": "2026-07-01"},
        {"from": "30/09/2026"},
        {"channel": "fax"},
        {"province": "Tỉnh Không Tồn Tại"},  # a name matching no province
        {"from": "2020-01-01", "to": "2026-01-01"},
    ):
        response = client.get(
            "/api/staff/analytics/overview", params=params, headers=headers()
        )
        assert response.status_code == 422, params
    response = client.get(
        "/api/staff/analytics/volume", params={"interval": "year"}, headers=headers()
    )
    assert response.status_code == 422


def test_unanswered_messages_are_grouped_and_leave_the_inbox_when_reviewed(
    client: TestClient, seeded_engine: Any, tmp_path: Any
) -> None:
    unsure = {"outcome": Outcome.UNSURE, "answer_id": None, "topic": None}
    insert(
        seeded_engine,
        [
            Row(1, "c1", text="làm sao đổi số điện thoại trên vneid", **unsure),
            Row(1, "c2", text="lam sao doi so dien thoai tren VNeID?", **unsure),
            Row(1, "c3", text="đổi số điện thoại trên vneid thế nào ạ", **unsure),
            Row(
                1,
                "c4",
                text="giá vàng hôm nay",
                outcome=Outcome.OUT_OF_SCOPE,
                answer_id=None,
            ),
            Row(1, "c5", text="kích hoạt vneid mức 2"),  # answered: not in the inbox
        ],
    )
    groups = get(client, "/api/staff/inbox", **period(7))["groups"]
    assert [g["count"] for g in groups] == [3, 1]
    phone, gold = groups
    assert phone["outcomes"] == {"unsure": 3}
    assert len(phone["sample_texts"]) == 3
    assert gold["sample_texts"] == ["giá vàng hôm nay"]

    response = client.post(
        "/api/staff/inbox/review",
        json={"turn_ids": gold["turn_ids"], "action": "reviewed"},
        headers=headers(),
    )
    assert response.json() == {"updated": 1}
    missing = client.post(
        "/api/staff/inbox/review",
        json={
            "turn_ids": phone["turn_ids"],
            "action": "add_example",
            "answer_id": "no_such_answer",
        },
        headers=headers(),
    )
    assert missing.status_code == 422
    added = client.post(
        "/api/staff/inbox/review",
        json={
            "turn_ids": phone["turn_ids"],
            "action": "add_example",
            "answer_id": "vneid_change_phone",
        },
        headers=headers(),
    )
    assert added.json() == {"updated": 3}
    assert get(client, "/api/staff/inbox", **period(7))["groups"] == []
    reviewed = get(client, "/api/staff/inbox", status="reviewed", **period(7))
    assert sorted(g["status"] for g in reviewed["groups"]) == [
        "add_example",
        "reviewed",
    ]

    queued = get(client, "/api/staff/training-examples")["items"]
    assert sorted(e["text"] for e in queued) == sorted(t for t in phone["sample_texts"])
    assert {e["answer_id"] for e in queued} == {"vneid_change_phone"}
    # Only the examples an admin accepted are exported (see test_admin_api.py).
    for example in queued:
        accepted = client.post(
            f"/api/staff/training-examples/{example['id']}/decision",
            json={"decision": "accepted"},
            headers=headers(Role.ADMIN, "root"),
        )
        assert accepted.status_code == 200, accepted.text
    with Session(seeded_engine) as session:
        path = export_examples(session, tmp_path, TODAY)
        assert (
            session.scalar(
                select(func.count()).where(TrainingExample.exported.is_(False))
            )
            == 0
        )
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "- intent: faq/vneid_change_phone" in text
    assert "      - lam sao doi so dien thoai tren VNeID?" in text
    assert get(client, "/api/staff/training-examples")["items"] == []


def test_an_admin_edit_of_an_answer_is_used_at_once(
    client: TestClient, seeded_engine: Any
) -> None:
    current = get(client, "/api/staff/answers/vneid_activate_level2")
    edit = {
        "question": current["question"],
        "answer": "Anh/Chị đến Công an xã/phường nơi cư trú để được kích hoạt.",
        "steps": ["Mang căn cước.", "  ", "Làm theo hướng dẫn của cán bộ."],
        "source_url": current["source_url"],
        "source_ref": "Kiểm tra lại với Công an xã",
        "verified": True,
    }
    path = "/api/staff/answers/vneid_activate_level2"
    analyst = client.put(path, json=edit, headers=headers())
    assert analyst.status_code == 403
    saved = client.put(path, json=edit, headers=headers(Role.ADMIN, "admin1"))
    assert saved.status_code == 200, saved.text
    assert saved.json()["updated_by"] == "admin1"
    assert (saved.json()["status"], saved.json()["verified_by"]) == (
        "verified",
        "admin1",
    )
    answer = KnowledgeStore(seeded_engine).get("vneid_activate_level2")
    assert answer is not None
    assert answer.answer == edit["answer"]
    assert answer.steps == ["Mang căn cước.", "Làm theo hướng dẫn của cán bộ."]
    assert answer.verified_on == today_local()  # the server's day, not the module's
    # saved without the check: a draft again
    draft = client.put(
        path, json={**edit, "verified": False}, headers=headers(Role.ADMIN, "admin1")
    )
    assert (draft.json()["status"], draft.json()["verified_on"]) == ("draft", None)

    for bad in (
        {"source_url": "http://example.com/x"},
        {"source_url": "https://vneid.gov.vn/"},  # a homepage
        {"source_url": "https://example.com/not-official"},  # verified against it
        {"answer": "ngắn"},
    ):
        response = client.put(
            path, json={**edit, **bad}, headers=headers(Role.ADMIN, "admin1")
        )
        assert response.status_code == 422, bad
    assert client.get("/api/staff/answers/nope", headers=headers()).status_code == 404


def test_admins_manage_staff_accounts(client: TestClient) -> None:
    admin = headers(Role.ADMIN, "root")
    new = {
        "username": "to.cns.thanhsen",
        "password": "mật khẩu dài đủ",
        "role": "community",
    }
    created = client.post(
        "/api/staff/users", json={**new, "communes": [THANH_SEN]}, headers=admin
    )
    assert created.status_code == 201
    assert created.json()["communes"] == [THANH_SEN]
    assert client.post("/api/staff/users", json=new, headers=admin).status_code == 409
    assert (
        client.post("/api/staff/users", json=new, headers=headers()).status_code == 403
    )
    login = {"username": new["username"], "password": new["password"]}
    assert client.post("/api/staff/login", json=login).status_code == 200
    client.patch(
        f"/api/staff/users/{new['username']}", json={"active": False}, headers=admin
    )
    assert client.post("/api/staff/login", json=login).status_code == 401
    users = client.get("/api/staff/users", headers=admin).json()["items"]
    assert all("password" not in str(u) for u in users)
    assert client.patch(
        "/api/staff/users/root", json={"active": False}, headers=admin
    ).status_code in (404, 409)


def test_place_lists_for_the_filters(client: TestClient) -> None:
    provinces = get(client, "/api/staff/places/provinces")["items"]
    assert len(provinces) == 34
    assert {"code": HA_TINH, "name": "Hà Tĩnh"} in provinces
    communes = get(client, "/api/staff/places/communes", province=HA_TINH)["items"]
    assert {"code": THANH_SEN, "name": "Phường Thành Sen"} in communes
    assert all(c["code"] != BA_DINH for c in communes)


def _mixed_rows(seed: int) -> list[Row]:
    """Four months of turns from citizens who come back, change commune or province
    (some on the same day) and write on today's live day too."""
    rng = random.Random(seed)
    places = [
        (HA_TINH, THANH_SEN),
        (HA_TINH, TRAN_PHU),
        (HA_NOI, BA_DINH),
        (None, None),
    ]
    topics = ["vneid_account", "public_service_portal", "scam_safety", None]
    rows = []
    for n in range(40):
        user, channel = f"c{n}", rng.choice(["web", "zalo", "telegram"])
        for days_ago in sorted(rng.sample(range(0, 125), rng.randint(1, 6))):
            for _ in range(rng.choice([1, 1, 2])):
                province, commune = rng.choice(places)
                rows.append(
                    Row(
                        days_ago,
                        user,
                        channel,
                        topic=rng.choice(topics),
                        outcome=rng.choice(list(Outcome)[:3]),
                        province=province,
                        commune=commune,
                        hour=rng.randint(0, 23),
                    )
                )
    # And someone on every day, so that every edge of a period or month has turns
    # (pseudonyms are per channel: a citizen keeps theirs).
    channels = {r.user: r.channel for r in rows}
    for days_ago in range(125):
        province, commune = rng.choice(places)
        user = rng.choice(sorted(channels))
        rows.append(
            Row(days_ago, user, channels[user], province=province, commune=commune)
        )
    return rows


def _citizens(rows: list[Row]) -> int:
    return len({r.user for r in rows})


@pytest.mark.parametrize("built", ["never", "three days ago", "now"])
def test_long_periods_match_the_log_for_every_area(
    client: TestClient, seeded_engine: Any, built: str
) -> None:
    """Whole months (read from the monthly aggregates), cut months, weeks and the live
    turns, in every area: turns and distinct citizens as counted from the rows."""
    rows = _mixed_rows(7)
    if built == "three days ago":
        # A refresh three days ago (in the middle of a day, which is then part built,
        # part read live), before the last turns were logged.
        insert(seeded_engine, [r for r in rows if r.days_ago >= 3])
        three_days_ago = datetime.combine(
            TODAY - timedelta(days=3), datetime.min.time(), VIETNAM_TZ
        ) + timedelta(hours=10, minutes=30)
        with Session(seeded_engine) as session:
            refresh(session, now=three_days_ago)
        insert(seeded_engine, [r for r in rows if r.days_ago < 3])
    else:
        insert(seeded_engine, rows)
        if built == "now":
            with Session(seeded_engine) as session:
                refresh(session)
    month = TODAY.replace(day=1)
    three_months = (month - timedelta(days=85)).replace(day=1)
    periods = [
        (three_months, month - timedelta(days=1)),  # whole months, all built
        (TODAY - timedelta(days=100), TODAY),  # cut months and the live day
        (TODAY - timedelta(days=60), TODAY - timedelta(days=2)),
    ]
    areas: list[dict[str, str]] = [
        {},
        {"province": HA_TINH},
        {"province": HA_TINH, "commune": THANH_SEN},
        {"channel": "zalo"},
    ]
    columns = {"province": "province", "commune": "commune", "channel": "channel"}
    for start, end in periods:
        for area in areas:
            params = {"from": start.isoformat(), "to": end.isoformat(), **area}
            inside = [
                r
                for r in rows
                if start <= r.day <= end
                and all(getattr(r, columns[k]) == v for k, v in area.items())
            ]
            label = f"{start}..{end} {area}"
            overview = get(client, "/api/staff/analytics/overview", **params)
            assert overview["turns"] == len(inside), label
            assert overview["citizens"] == _citizens(inside), label
            # Returning: wrote in the same area before the period.
            before = {
                r.user
                for r in rows
                if r.day < start
                and all(getattr(r, columns[k]) == v for k, v in area.items())
            }
            assert overview["returning_citizens"] == len(
                {r.user for r in inside} & before
            ), label
            for outcome in list(Outcome)[:3]:
                assert overview["outcomes"][outcome.value] == sum(
                    r.outcome is outcome for r in inside
                ), label
            for interval in ("day", "week", "month"):
                series = get(
                    client, "/api/staff/analytics/volume", interval=interval, **params
                )["series"]
                for point in series:
                    first = date.fromisoformat(point["start"])
                    bucket = [r for r in inside if _bucket(r.day, interval) == first]
                    assert (point["turns"], point["citizens"]) == (
                        len(bucket),
                        _citizens(bucket),
                    ), f"{label} {interval} {first}"
            topics = get(client, "/api/staff/analytics/topics", **params)["items"]
            assert {i["topic"]: i["turns"] for i in topics} == dict(
                Counter(r.topic or "unknown" for r in inside)
            ), label
            channels = get(client, "/api/staff/analytics/channels", **params)["items"]
            assert {i["channel"]: (i["turns"], i["citizens"]) for i in channels} == {
                c: (
                    sum(r.channel == c for r in inside),
                    _citizens([r for r in inside if r.channel == c]),
                )
                for c in {r.channel for r in inside}
            }, label
            for level in ("province", "commune"):
                items = get(
                    client, "/api/staff/analytics/places", level=level, **params
                )["items"]
                key = "province" if level == "province" else "commune"
                assert {i["code"]: (i["turns"], i["citizens"]) for i in items} == {
                    code: (
                        sum(getattr(r, key) == code for r in inside),
                        _citizens([r for r in inside if getattr(r, key) == code]),
                    )
                    for code in {getattr(r, key) for r in inside}
                }, f"{label} {level}"


def _bucket(day: date, interval: str) -> date:
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)
