"""Report export: the figures of the workbook, the CSV and the summary are checked
against counts computed here from the turns inserted (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from api.__main__ import main
from api.analytics.filters import Filters
from api.analytics.inbox import SCAN_LIMIT
from api.core.clock import VIETNAM_TZ
from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.helper_mode.models import HelperSession, HelperStatus, ResidentGroup
from api.knowledge.seeding import cached_taxonomy
from api.places.seeding import places_seed_path, seed_places
from api.querylog.models import Outcome, Turn
from api.report import (
    FIGURE_LABELS,
    SHEET_UNANSWERED,
    SOURCE,
    build_report,
    previous_period_name,
    write_csv,
    write_xlsx,
)
from api.routes.schemas.report import ReportSummary
from api.staff.models import Role
from tests.api.conftest import staff_token
from tests.conftest import ROOT

HA_TINH = "42"
THANH_SEN, TRAN_PHU, HUONG_SON = "18073", "18100", "18133"
COMMUNE_NAMES = {
    THANH_SEN: "Phường Thành Sen",
    TRAN_PHU: "Phường Trần Phú",
    HUONG_SON: "Xã Hương Sơn",
}
BA_DINH = "00004"  # Hà Nội: must never be counted for Hà Tĩnh
HA_NOI = "01"
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
TOPICS = [
    "vneid_account",
    "vneid_account",
    "public_service_portal",
    "scam_safety",
    "digital_signature",
    "smalltalk",
    None,
]
# Unanswered messages: three clearly different themes, so that the inbox groups them
# exactly by text.
THEMES = [
    "làm sao đổi giấy phép lái xe quốc tế",
    "thời tiết ngày mai mưa nhiều không",
    "đăng ký kết hôn trực tuyến ở đâu",
]
PLACES = [
    (HA_TINH, THANH_SEN),
    (HA_TINH, THANH_SEN),
    (HA_TINH, TRAN_PHU),
    (HA_TINH, HUONG_SON),
    (HA_TINH, None),
    ("01", BA_DINH),
    (None, None),
]
VIETNAM = timedelta(hours=7)


@dataclass(frozen=True)
class Spec:
    """One inserted turn."""

    created_at: datetime  # UTC
    user: str
    channel: str
    topic: str | None
    outcome: str
    feedback: str | None
    province: str | None
    commune: str | None
    text: str

    @property
    def local_day(self) -> date:
        """The Vietnam-local day of the turn."""
        return (self.created_at + VIETNAM).date()


def _utc(local: datetime) -> datetime:
    """A Vietnam-local wall-clock time as a UTC instant."""
    return (local - VIETNAM).replace(tzinfo=timezone.utc)


def _make_specs() -> list[Spec]:
    rng = random.Random(20261123)
    specs: list[Spec] = []
    # Three to two to one, so that the groups have different sizes.
    themes = iter(THEMES[(0, 0, 0, 1, 1, 2)[i % 6]] for i in range(10_000))

    def add(
        start: date,
        end: date,
        n: int,
        outcomes: list[str],
        feedback: bool,
    ) -> None:
        days = (end - start).days + 1
        for _ in range(n):
            day = start + timedelta(days=rng.randrange(days))
            local = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)))
            outcome = rng.choice(outcomes)
            province, commune = rng.choice(PLACES)
            unanswered = outcome in ("unsure", "out_of_scope")
            specs.append(
                Spec(
                    created_at=_utc(local),
                    user=f"u{rng.randrange(40):02d}",
                    channel=rng.choice(["web", "telegram", "zalo"]),
                    topic="out_of_scope"
                    if outcome == "out_of_scope"
                    else rng.choice(TOPICS),
                    outcome=outcome,
                    feedback=rng.choice([None, "helpful", "helpful", "not_helpful"])
                    if feedback and outcome == "answered"
                    else None,
                    province=province,
                    commune=commune,
                    text=next(themes) if unanswered else f"câu hỏi {len(specs)}",
                )
            )

    everything = [*(["answered"] * 6), "unsure", "unsure", "out_of_scope", "error"]
    everything.append("rejected")
    add(*Q3, 180, everything, feedback=True)
    # The previous quarter has no out-of-scope turn: "so với kỳ trước" is "—".
    add(date(2026, 4, 1), date(2026, 6, 30), 70, ["answered", "unsure", "error"], True)
    add(date(2026, 1, 1), date(2026, 3, 31), 30, ["answered", "unsure"], True)
    # The same quarter last year has no feedback: its helpful rate is "—".
    add(date(2025, 7, 1), date(2025, 9, 30), 50, ["answered", "unsure"], False)
    add(date(2026, 10, 1), date(2026, 11, 20), 15, everything, True)

    def edge(
        utc: datetime, user: str, outcome: str = "answered", commune: str = THANH_SEN
    ) -> None:
        specs.append(
            Spec(
                utc.replace(tzinfo=timezone.utc),
                user,
                "zalo",
                "vneid_account",
                outcome,
                "helpful" if outcome == "answered" else None,
                HA_TINH,
                commune,
                "biên",
            )
        )

    # 23:30 UTC on 30/06 is 06:30 on 01/07 in Vietnam: the third quarter.
    edge(datetime(2026, 6, 30, 23, 30), "edge-q3-start")
    # 16:30 UTC on 30/09 is 23:30 the same day: still the third quarter.
    edge(datetime(2026, 9, 30, 16, 30), "edge-q3-end")
    # 17:30 UTC on 30/09 is 00:30 on 01/10: after the quarter and the year to date.
    edge(datetime(2026, 9, 30, 17, 30), "edge-october", "error", TRAN_PHU)
    # 17:30 UTC on 31/03 is 01/04: the second quarter ("quý trước").
    edge(datetime(2026, 3, 31, 17, 30), "edge-q2-start")
    # 31/03 local: the first quarter (inside 92 days before 01/07, not in "quý trước").
    edge(datetime(2026, 3, 30, 18, 0), "edge-march")
    return specs


SPECS = _make_specs()


def _insert(engine: Any, specs: list[Spec]) -> None:
    with Session(engine) as session:
        session.add_all(
            Turn(
                created_at=s.created_at,
                channel=s.channel,
                user_pseudonym=s.user,
                conversation_id=f"c-{s.user}",
                text_masked=s.text,
                reply_masked="…",
                topic=s.topic,
                answer_id=None,
                outcome=Outcome(s.outcome),
                latency_ms=100,
                feedback=s.feedback,
                province_code=s.province,
                commune_code=s.commune,
            )
            for s in specs
        )
        session.commit()


@pytest.fixture
def places_engine(seeded_engine: Any) -> Any:
    """The test database with the knowledge store and the places seeded (an upsert:
    nothing changes when tests/conftest.py has loaded them already)."""
    with Session(seeded_engine) as session:
        seed_places(session, places_seed_path(ROOT / "seeds"))
    return seeded_engine


# The community teams' work: (commune, province, opened or ended at, minutes to the
# first reply, minutes to closing, resolution) per ticket; (commune, province, ended
# at, group, task) per helper session.
TICKETS = [
    (
        THANH_SEN,
        HA_TINH,
        datetime(2026, 8, 3, 2, tzinfo=timezone.utc),
        20,
        60,
        "met_in_person",
    ),
    (THANH_SEN, HA_TINH, datetime(2026, 9, 9, 3, tzinfo=timezone.utc), 40, None, None),
    (
        TRAN_PHU,
        HA_TINH,
        datetime(2026, 7, 15, 8, tzinfo=timezone.utc),
        None,
        None,
        None,
    ),
    (
        THANH_SEN,
        HA_TINH,
        datetime(2026, 6, 3, 2, tzinfo=timezone.utc),
        5,
        9,
        "referred",
    ),
]
HELPED = [
    (
        THANH_SEN,
        HA_TINH,
        datetime(2026, 7, 20, 2, tzinfo=timezone.utc),
        "elderly",
        "vneid_activate_level2",
    ),
    (
        THANH_SEN,
        HA_TINH,
        datetime(2026, 8, 20, 2, tzinfo=timezone.utc),
        "elderly",
        "vneid_activate_level2",
    ),
    (
        TRAN_PHU,
        HA_TINH,
        datetime(2026, 9, 20, 2, tzinfo=timezone.utc),
        "farmer",
        "other",
    ),
    (
        BA_DINH,
        HA_NOI,
        datetime(2026, 8, 20, 2, tzinfo=timezone.utc),
        "student",
        "other",
    ),
]


def _insert_community(engine: Any) -> None:
    with Session(engine) as session:
        for commune, province, opened, reply, close, resolution in TICKETS:
            status = "closed" if close else "claimed" if reply else "open"
            session.add(
                HandoffTicket(
                    channel="zalo",
                    user_pseudonym="t" * 32,
                    status=TicketStatus(status),
                    reason=HandoffReason.REQUESTED,
                    province_code=province,
                    commune_code=commune,
                    offered_at=opened,
                    opened_at=opened,
                    first_reply_at=opened + timedelta(minutes=reply) if reply else None,
                    closed_at=opened + timedelta(minutes=close) if close else None,
                    resolution=Resolution(resolution) if resolution else None,
                )
            )
        for commune, province, ended, group, task in HELPED:
            session.add(
                HelperSession(
                    staff_username="ts1",
                    channel="telegram",
                    user_pseudonym="m" * 32,
                    status=HelperStatus.DONE,
                    group=ResidentGroup(group),
                    province_code=province,
                    commune_code=commune,
                    task=task,
                    started_at=ended - timedelta(minutes=15),
                    ended_at=ended,
                )
            )
        session.commit()


@pytest.fixture
def logged(places_engine: Any) -> Any:
    """The places plus every turn of :data:`SPECS`, the tickets of :data:`TICKETS` and
    the helper sessions of :data:`HELPED`."""
    _insert(places_engine, SPECS)
    _insert_community(places_engine)
    return places_engine


# --- expected figures, computed from SPECS ---------------------------------------


def _pick(
    start: date, end: date, province: str = HA_TINH, commune: str | None = None
) -> list[Spec]:
    return [
        s
        for s in SPECS
        if start <= s.local_day <= end
        and s.province == province
        and (commune is None or s.commune == commune)
    ]


def _counts(specs: list[Spec]) -> dict[str, int]:
    outcomes = Counter(s.outcome for s in specs)
    feedback = Counter(s.feedback for s in specs)
    return {
        "turns": len(specs),
        "citizens": len({s.user for s in specs}),
        "answered": outcomes["answered"],
        "unsure": outcomes["unsure"],
        "out_of_scope": outcomes["out_of_scope"],
        "unanswered": outcomes["unsure"] + outcomes["out_of_scope"],
        "other": outcomes["error"] + outcomes["rejected"] + outcomes["undelivered"],
        "rated": feedback["helpful"] + feedback["not_helpful"],
        "helpful": feedback["helpful"],
    }


def _expected(commune: str | None = None) -> dict[str, list[Any]]:
    """Figure key -> [current, previous, change, last year, change, year to date]."""
    periods = [
        Q3,
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2026, 1, 1), date(2026, 9, 30)),
    ]
    counts = [_counts(_pick(*p, commune=commune)) for p in periods]
    out: dict[str, list[Any]] = {}
    for key in FIGURE_LABELS:
        rate = key.endswith("_rate")
        if rate:
            part, whole = RATE_PARTS[key]
            values = [c[part] / c[whole] if c[whole] else None for c in counts]
        else:
            values = [c[key] for c in counts]
        now, previous, last_year, ytd = values
        out[key] = [
            now,
            previous,
            _change(now, previous, rate),
            last_year,
            _change(now, last_year, rate),
            ytd,
        ]
    return out


RATE_PARTS = {
    "answered_rate": ("answered", "turns"),
    "helpful_rate": ("helpful", "rated"),
}


def _change(now: float | None, base: float | None, rate: bool) -> Any:
    """Rates: percentage points; counts: a fraction; "—" without a base."""
    if now is None or base is None or (not rate and not base):
        return "—"
    return (now - base) * 100 if rate else (now - base) / base


def _same(actual: Any, expected: Any, tolerance: float | None = None) -> bool:
    """Equal, floats approximately; None (no data) is shown as "—" or null."""
    if expected is None:
        return actual in (None, "—")
    if isinstance(expected, float):
        return isinstance(actual, (int, float)) and actual == pytest.approx(
            expected, abs=tolerance
        )
    return bool(actual == expected)


def _vn_percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}".replace(".", ",") + "\u00a0%"


# --- reading a workbook ----------------------------------------------------------


def _table(sheet: Any, first_header: str) -> list[tuple[Any, ...]]:
    """The rows under the header row whose first cell is ``first_header`` (as wide as
    that header), up to the next empty row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == first_header)
    width = sum(v is not None for v in rows[start])
    table = []
    for row in rows[start + 1 :]:
        if all(v is None for v in row):
            break
        table.append(row[:width])
    return table


def _check_workbook(
    data: bytes, commune: str | None = None, area: str = "Tỉnh Hà Tĩnh"
) -> str:
    """Checks every sheet against SPECS; returns the paragraph."""
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo xã, phường",
        "Theo trụ cột, chủ đề",
        "Chưa giải đáp",
        "Hỗ trợ trực tiếp",
    ]
    _check_community_sheet(book["Hỗ trợ trực tiếp"], commune)
    summary = book["Tổng hợp"]
    header = {
        r[0]: r[1] for r in summary.iter_rows(min_row=3, max_row=12, values_only=True)
    }
    assert header["Địa bàn"] == area
    assert header["Kỳ báo cáo"] == "01/07/2026–30/09/2026"
    assert header["Kỳ trước"] == "01/04/2026–30/06/2026"
    assert header["Cùng kỳ năm trước"] == "01/07/2025–30/09/2025"
    assert header["Lũy kế từ đầu năm"] == "01/01/2026–30/09/2026"
    assert header["Nguồn số liệu"] == SOURCE
    assert isinstance(header["Ngày lập"], datetime)

    header_row = next(row for row in summary.iter_rows() if row[0].value == "Chỉ tiêu")
    assert [c.value for c in header_row[:7]] == [
        "Chỉ tiêu",
        "Kỳ này",
        "Kỳ trước",
        "So với kỳ trước",
        "Cùng kỳ năm trước",
        "So với cùng kỳ",
        "Lũy kế từ đầu năm",
    ]
    assert all(c.font.bold for c in header_row[:7])
    cells = {
        row[0].value: row[1:7]
        for row in summary.iter_rows(min_row=header_row[0].row + 1)
        if row[0].value in FIGURE_LABELS.values()
    }
    expected = _expected(commune)
    for key, label in FIGURE_LABELS.items():
        values = cells[label]
        for cell, want in zip(values, expected[key], strict=True):
            assert _same(cell.value, want), (label, cell.coordinate, cell.value, want)
            if want == "—" or want is None:
                assert cell.value == "—"
            elif cell.column in (2, 3, 5, 7):  # values
                assert cell.data_type == "n"
                rate = key.endswith("_rate")
                assert cell.number_format == ("0.0%" if rate else "#,##0")
            else:  # changes
                assert cell.data_type == "n"
                assert cell.number_format.startswith("+0.0")
    # The zero bases of the data set: no out-of-scope last quarter, no feedback
    # last year.
    if commune is None:
        assert cells[FIGURE_LABELS["out_of_scope"]][2].value == "—"
        assert cells[FIGURE_LABELS["helpful_rate"]][3].value == "—"

    current = _pick(*Q3, commune=commune)
    _check_places(book["Theo xã, phường"], current, commune)
    _check_topics(book["Theo trụ cột, chủ đề"], current)
    _check_themes(book["Chưa giải đáp"], current)
    paragraph_row = [
        r[0]
        for r in summary.iter_rows(values_only=True)
        if r[0] and len(str(r[0])) > 200
    ]
    assert len(paragraph_row) == 1
    return str(paragraph_row[0])


def _check_places(sheet: Any, current: list[Spec], commune: str | None) -> None:
    rows = _table(sheet, "Mã")
    by_commune: dict[str | None, list[Spec]] = {}
    for s in current:
        by_commune.setdefault(s.commune, []).append(s)
    expected = {
        (COMMUNE_NAMES[c] if c else "Chưa rõ địa bàn"): (c, specs)
        for c, specs in by_commune.items()
    }
    *places, total = rows
    assert {r[1] for r in places} == set(expected)
    assert places[-1][1] == "Chưa rõ địa bàn" or commune is not None
    assert "Phường Ba Đình" not in {r[1] for r in places}
    turns = [r[2] for r in places if r[1] != "Chưa rõ địa bàn"]
    assert turns == sorted(turns, reverse=True)
    for code, name, n, citizens, answered, rate, share in places:
        want_code, specs = expected[name]
        assert code == want_code
        assert n == len(specs)
        assert citizens == len({s.user for s in specs})
        assert answered == sum(s.outcome == "answered" for s in specs)
        assert rate == pytest.approx(answered / n)
        assert share == pytest.approx(n / len(current))
    counts = _counts(current)
    assert total[1:6] == (
        "Tổng cộng",
        counts["turns"],
        counts["citizens"],
        counts["answered"],
        pytest.approx(counts["answered"] / counts["turns"]),
    )


def _check_topics(sheet: Any, current: list[Spec]) -> None:
    taxonomy = cached_taxonomy(ROOT / "seeds")
    topics = {t.code: t for t in taxonomy.topics}
    pillar_rows = _table(sheet, "Trụ cột")
    assert [r[0] for r in pillar_rows] == [*taxonomy.pillars.values(), "Chưa xác định"]
    by_pillar: dict[str, list[Spec]] = {}
    for s in current:
        pillar = topics[s.topic].pillar if s.topic in topics else "unknown"
        label = taxonomy.pillars.get(pillar, "Chưa xác định")
        by_pillar.setdefault(label, []).append(s)
    for label, turns, answered, rate, share in pillar_rows:
        specs = by_pillar.get(label, [])
        assert turns == len(specs), label
        assert answered == sum(s.outcome == "answered" for s in specs)
        assert rate == (pytest.approx(answered / turns) if turns else "—")
        assert share == pytest.approx(turns / len(current))
    topic_rows = _table(sheet, "Chủ đề")
    by_topic = Counter(
        topics[s.topic].label if s.topic else "Chưa xác định" for s in current
    )
    assert {r[0]: r[2] for r in topic_rows} == dict(by_topic)
    assert [r[2] for r in topic_rows] == sorted(by_topic.values(), reverse=True)
    for label, _, turns, answered, unsure, out_of_scope, rate, _ in topic_rows:
        specs = [
            s
            for s in current
            if (topics[s.topic].label if s.topic else "Chưa xác định") == label
        ]
        assert answered == sum(s.outcome == "answered" for s in specs)
        assert unsure == sum(s.outcome == "unsure" for s in specs)
        assert out_of_scope == sum(s.outcome == "out_of_scope" for s in specs)
        assert rate == pytest.approx(answered / turns)


def _expected_themes(current: list[Spec]) -> Counter[str]:
    return Counter(s.text for s in current if s.outcome in ("unsure", "out_of_scope"))


def _check_themes(sheet: Any, current: list[Spec]) -> None:
    rows = _table(sheet, "STT")
    expected = _expected_themes(current)
    assert {r[1]: r[2] for r in rows} == dict(expected)
    assert [r[2] for r in rows] == sorted(expected.values(), reverse=True)
    for _, text, count, unsure, out_of_scope, _, first, last in rows:
        specs = [s for s in current if s.text == text]
        assert unsure == sum(s.outcome == "unsure" for s in specs)
        assert out_of_scope == sum(s.outcome == "out_of_scope" for s in specs)
        assert unsure + out_of_scope == count
        assert first.date() == min(s.local_day for s in specs)
        assert last.date() == max(s.local_day for s in specs)


def _in_q3(moment: datetime, commune: str | None, place: str, province: str) -> bool:
    local = moment.astimezone(VIETNAM_TZ).date()
    return (
        Q3[0] <= local <= Q3[1]
        and province == HA_TINH
        and (commune is None or place == commune)
    )


def _check_community_sheet(sheet: Any, commune: str | None) -> None:
    values = {row[0]: row[1:3] for row in sheet.iter_rows(values_only=True) if row[0]}
    tickets = [t for t in TICKETS if _in_q3(t[2], commune, t[0], t[1])]
    helped = [h for h in HELPED if _in_q3(h[2], commune, h[0], h[1])]
    resolved = [t for t in tickets if t[5] in ("met_in_person", "referred")]
    assert values["Yêu cầu đã mở trong kỳ"][0] == len(tickets)
    assert values["Đang chờ Tổ nhận"][0] == sum(t[3] is None for t in tickets)
    assert values["Đã đóng"][0] == sum(t[4] is not None for t in tickets)
    assert values["Đã giải quyết (hướng dẫn, hỗ trợ trực tiếp, chuyển cơ quan khác)"][
        0
    ] == len(resolved)
    replies = sorted(t[3] for t in tickets if t[3] is not None)
    assert values["Thời gian đến lần phản hồi đầu (phút, trung vị)"][0] == (
        sum(replies) / len(replies) if len(replies) == 2 else replies[0]
    )
    assert values["Người cao tuổi"][0] == sum(h[3] == "elderly" for h in helped)
    assert values["Nông dân"][0] == sum(h[3] == "farmer" for h in helped)
    assert values["Học sinh, sinh viên"][0] == 0  # Hà Nội's is outside the area
    assert values["Tổng cộng"][0] == len(helped)
    assert values["Phường Thành Sen"][0] == sum(t[0] == THANH_SEN for t in tickets)


def _check_paragraph(paragraph: str, commune: str | None = None) -> None:
    current = _counts(_pick(*Q3, commune=commune))
    last_year = _counts(_pick(date(2025, 7, 1), date(2025, 9, 30), commune=commune))
    assert paragraph.startswith(
        "Trong kỳ (01/07/2026–30/09/2026), Trợ lý Bình dân học vụ số đã tiếp nhận"
        f" {current['turns']} lượt câu hỏi"
    )
    assert f"của {current['citizens']} người dân trên địa bàn" in paragraph
    rate = _vn_percent(current["answered"] / current["turns"])
    assert (
        f"trả lời được {current['answered']}/{current['turns']} lượt (đạt {rate})"
        in paragraph
    )
    change = (current["turns"] - last_year["turns"]) / last_year["turns"]
    word = "tăng" if change > 0 else "giảm"
    assert f"{word} {_vn_percent(abs(change))} so với cùng kỳ năm trước" in paragraph
    assert "so với quý trước" in paragraph
    assert f"Còn {current['unanswered']} lượt câu hỏi chưa được giải đáp" in paragraph
    top_theme, top_count = _expected_themes(_pick(*Q3, commune=commune)).most_common(1)[
        0
    ]
    assert f"“{top_theme}” ({top_count} lượt)" in paragraph
    assert "Lũy kế từ đầu năm đến ngày 30/09/2026" in paragraph
    tickets = [t for t in TICKETS if _in_q3(t[2], commune, t[0], t[1])]
    helped = [h for h in HELPED if _in_q3(h[2], commune, h[0], h[1])]
    assert (
        f"Tổ công nghệ số cộng đồng đã tiếp nhận {len(tickets)} yêu cầu hỗ trợ"
        in paragraph
    )
    assert f"hỗ trợ trực tiếp (“cầm tay chỉ việc”) {len(helped)} lượt người dân" in (
        paragraph
    )
    assert "người cao tuổi (2 lượt)" in paragraph
    assert "làm sao kích hoạt tài khoản định danh điện tử mức 2" in paragraph


def _check_csv(data: bytes) -> None:
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Chỉ tiêu")
    assert rows[start][2:8] == [
        "Kỳ này",
        "Kỳ trước",
        "So với kỳ trước",
        "Cùng kỳ năm trước",
        "So với cùng kỳ",
        "Lũy kế từ đầu năm",
    ]
    expected = _expected()
    # The CSV writes the report's own "- Trong đó" labels with an en dash: a cell
    # starting with "-" would be read as a formula by a spreadsheet.
    by_label = {
        r[0].replace("– ", "- ", 1): r
        for r in rows[start + 1 : start + 1 + len(FIGURE_LABELS)]
    }
    for key, label in FIGURE_LABELS.items():
        row = by_label[label]
        rate = key.endswith("_rate")
        assert row[1] == ("%" if rate else "người" if key == "citizens" else "lượt")
        assert row[8] == ("điểm %" if rate else "%")
        for column, (text, want) in enumerate(
            zip(row[2:8], expected[key], strict=True)
        ):
            if want == "—" or want is None:
                assert text == "—", (label, row)
            elif column in (2, 4):  # changes: per cent, or points for rates
                shown = want if rate else want * 100
                assert float(text) == pytest.approx(shown, abs=0.051), (label, row)
            elif rate:  # rates in per cent, one decimal
                assert float(text) == pytest.approx(want * 100, abs=0.051), (label, row)
            else:
                assert int(text) == want, (label, row)
    section = rows.index(["Theo xã, phường"])
    places = {}
    for row in rows[section + 2 :]:
        if not row:
            break
        places[row[1]] = row
    current = _pick(*Q3)
    assert set(places) == {*COMMUNE_NAMES.values(), "Chưa rõ địa bàn", "Tổng cộng"}
    for commune, name in COMMUNE_NAMES.items():
        specs = _pick(*Q3, commune=commune)
        assert int(places[name][2]) == len(specs)
        assert int(places[name][3]) == len({s.user for s in specs})
        answered = sum(s.outcome == "answered" for s in specs)
        assert int(places[name][4]) == answered
        assert float(places[name][5]) == pytest.approx(
            answered / len(specs) * 100, abs=0.051
        )
    assert int(places["Tổng cộng"][2]) == len(current)
    section = rows.index([SHEET_UNANSWERED])
    themes = {r[1]: int(r[2]) for r in rows[section + 2 : section + 5]}
    assert themes == dict(_expected_themes(current))
    assert rows[-1][0].startswith("Trong kỳ (01/07/2026–30/09/2026)")


# --- tests -----------------------------------------------------------------------


def test_comparison_periods_follow_calendar_months() -> None:
    q3 = Filters(*Q3)
    assert (q3.previous_period().start, q3.previous_period().end) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    assert previous_period_name(q3) == "quý trước"
    last_year = q3.same_period_last_year()
    assert (last_year.start, last_year.end) == (date(2025, 7, 1), date(2025, 9, 30))
    february = Filters(date(2025, 2, 1), date(2025, 2, 28))
    leap = february.same_period_last_year()
    assert (leap.start, leap.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert february.previous_period().start == date(2025, 1, 1)
    assert previous_period_name(february) == "tháng trước"
    odd = Filters(date(2026, 7, 3), date(2026, 7, 12))
    assert (odd.previous_period().start, odd.previous_period().end) == (
        date(2026, 6, 23),
        date(2026, 7, 2),
    )
    assert previous_period_name(odd) == "kỳ trước"


def test_cli_writes_the_workbook_and_prints_the_paragraph(
    logged: Any,
    cli_database: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "q3.xlsx"
    code = main(
        [
            "report",
            "--from",
            "2026-07-01",
            "--to",
            "2026-09-30",
            "--province",
            "Hà Tĩnh",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    paragraph = _check_workbook(out.read_bytes())
    _check_paragraph(paragraph)
    assert paragraph in printed
    assert str(out) in printed

    # The CSV, by an unaccented name.
    out_csv = tmp_path / "q3.CSV"
    assert (
        main(
            [
                "report",
                "--from",
                "2026-07-01",
                "--to",
                "2026-09-30",
                "--province",
                "ha tinh",
                "--out",
                str(out_csv),
            ]
        )
        == 0
    )
    _check_csv(out_csv.read_bytes())


def test_cli_report_for_one_commune(
    logged: Any, cli_database: None, tmp_path: Path
) -> None:
    out = tmp_path / "thanh-sen.xlsx"
    args = ["report", "--from", "2026-07-01", "--to", "2026-09-30"]
    args += ["--province", "42", "--commune", "thành sen", "--out", str(out)]
    assert main(args) == 0
    paragraph = _check_workbook(
        out.read_bytes(), THANH_SEN, "Phường Thành Sen, Tỉnh Hà Tĩnh"
    )
    _check_paragraph(paragraph, THANH_SEN)
    assert "trên địa bàn phường Thành Sen, tỉnh Hà Tĩnh" in paragraph


CLI_ERRORS = [
    (["--province", "Atlantis"], "Không tìm thấy tỉnh/thành phố “Atlantis”"),
    (["--province", "Hà Tĩnh", "--commune", "Ba Đình"], "Không tìm thấy xã, phường"),
    (["--province", "Hà Tĩnh", "--from", "2026-13-01"], "không hợp lệ"),
    (["--province", "Hà Tĩnh", "--from", "2026-10-01"], "sau ngày kết thúc"),
    (["--province", "Hà Tĩnh", "--out", "q3.pdf"], "định dạng"),
]


def test_cli_refuses_bad_requests(
    places_engine: Any,
    cli_database: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for options, message in CLI_ERRORS:
        values = {"--from": "2026-07-01", "--to": "2026-09-30"}
        values["--out"] = str(tmp_path / "q3.xlsx")
        for name, value in zip(options[::2], options[1::2], strict=True):
            values[name] = value if name != "--out" else str(tmp_path / value)
        argv = ["report", *(x for pair in values.items() for x in pair)]
        assert main(argv) == 1, options
        assert message in capsys.readouterr().err, options
        assert not list(tmp_path.iterdir())


def _headers(role: Role = Role.ANALYST) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token('an', role)}"}


Q3_QUERY = {"from": "2026-07-01", "to": "2026-09-30", "province": HA_TINH}


def test_export_routes(logged: Any, client: TestClient) -> None:
    response = client.get(
        "/api/staff/reports/export", params=Q3_QUERY, headers=_headers()
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == (
        'attachment; filename="bao-cao-tro-ly-2026-07-01-2026-09-30.xlsx"'
    )
    paragraph = _check_workbook(response.content)
    _check_paragraph(paragraph)

    response = client.get(
        "/api/staff/reports/export",
        params={**Q3_QUERY, "format": "csv"},
        headers=_headers(Role.ADMIN),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith(
        'filename="bao-cao-tro-ly-2026-07-01-2026-09-30.csv"'
    )
    _check_csv(response.content)

    summary = client.get(
        "/api/staff/reports/summary", params=Q3_QUERY, headers=_headers()
    ).json()
    assert summary["period"] == {"from": "2026-07-01", "to": "2026-09-30"}
    assert summary["filters"]["province"] == HA_TINH
    assert summary["paragraph"] == paragraph
    expected = _expected()
    for key in FIGURE_LABELS:
        figure = summary["figures"][key]
        now, previous, change, last_year, change_ly, ytd = expected[key]
        assert _same(figure["current"], now, 1e-4), key
        assert _same(figure["previous"], previous, 1e-4), key
        assert _same(figure["last_year"], last_year, 1e-4), key
        assert _same(figure["year_to_date"], ytd, 1e-4), key
        for got, want in (
            (figure["change_previous"], change),
            (figure["change_last_year"], change_ly),
        ):
            if want == "—":
                assert got is None, key
            else:
                assert got == pytest.approx(want, abs=1e-4), key
    assert summary["figures"]["answered_rate"]["parts"]["current"] == [
        expected["answered"][0],
        expected["turns"][0],
    ]
    assert {p["label"] for p in summary["places"]} == {
        *COMMUNE_NAMES.values(),
        "Chưa rõ địa bàn",
    }
    _documented(summary)
    country = {k: v for k, v in Q3_QUERY.items() if k != "province"}
    country_wide = client.get(
        "/api/staff/reports/summary", params=country, headers=_headers()
    ).json()
    assert country_wide["place_level"] == "province"
    _documented(country_wide)


def _documented(summary: dict[str, Any]) -> None:
    """The summary is written without a response model: its schema (the one on
    /docs) must still hold every key it has, and only those."""
    parsed = ReportSummary.model_validate(summary)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == summary


def test_export_routes_refuse_bad_requests(
    places_engine: Any, client: TestClient
) -> None:
    for params, status_code in [
        ({**Q3_QUERY, "from": "2026-10-01"}, 422),
        ({**Q3_QUERY, "province": "99"}, 422),
        ({**Q3_QUERY, "commune": BA_DINH}, 422),
        ({**Q3_QUERY, "commune": "99999"}, 422),
    ]:
        for path in ("/api/staff/reports/export", "/api/staff/reports/summary"):
            response = client.get(path, params=params, headers=_headers())
            assert response.status_code == status_code, (path, params)
    response = client.get(
        "/api/staff/reports/export",
        params={**Q3_QUERY, "format": "pdf"},
        headers=_headers(),
    )
    assert response.status_code == 422
    community = client.get(
        "/api/staff/reports/export", params=Q3_QUERY, headers=_headers(Role.COMMUNITY)
    )
    assert community.status_code == 403
    assert client.get("/api/staff/reports/summary", params=Q3_QUERY).status_code == 401


def test_days_are_vietnam_local_days(logged: Any) -> None:
    taxonomy = cached_taxonomy(ROOT / "seeds")
    edges = {
        date(2026, 7, 1): "edge-q3-start",  # 30/06 23:30 UTC
        date(2026, 9, 30): "edge-q3-end",  # 30/09 16:30 UTC
        date(2026, 10, 1): "edge-october",  # 30/09 17:30 UTC
        date(2026, 4, 1): "edge-q2-start",  # 31/03 17:30 UTC
    }
    for day, user in edges.items():
        specs = _pick(day, day)
        assert user in {s.user for s in specs}
        with Session(logged) as session:
            report = build_report(session, taxonomy, Filters(day, day, HA_TINH))
        assert report.current.turns == len(specs), day
        assert report.current.citizens == len({s.user for s in specs}), day
        assert report.current.answered == sum(s.outcome == "answered" for s in specs)
        assert previous_period_name(report.filters) == "kỳ trước"
        assert f"Trong kỳ ({day:%d/%m/%Y}–{day:%d/%m/%Y})" in report.paragraph


def test_a_period_without_turns(places_engine: Any) -> None:
    _insert(places_engine, [s for s in SPECS if s.local_day.year == 2025])
    taxonomy = cached_taxonomy(ROOT / "seeds")
    with Session(places_engine) as session:
        report = build_report(session, taxonomy, Filters(*Q3, province=HA_TINH))
    last_year = len(_pick(date(2025, 7, 1), date(2025, 9, 30)))
    assert report.paragraph == (
        "Trong kỳ (01/07/2026–30/09/2026), Trợ lý Bình dân học vụ số chưa tiếp nhận"
        " lượt câu hỏi nào của người dân trên địa bàn tỉnh Hà Tĩnh"
        f" (cùng kỳ năm trước: {last_year} lượt câu hỏi)."
    )
    summary = report.to_dict()
    assert summary["figures"]["answered_rate"]["current"] is None
    assert summary["figures"]["turns"]["change_last_year"] == -1.0
    assert summary["places"] == summary["unanswered"] == []

    workbook = io.BytesIO()
    write_xlsx(report, workbook)
    book = load_workbook(io.BytesIO(workbook.getvalue()))
    rows = {r[0]: r[1:7] for r in book["Tổng hợp"].iter_rows(values_only=True)}
    assert rows[FIGURE_LABELS["turns"]] == (0, 0, "—", last_year, -1.0, 0)
    assert rows[FIGURE_LABELS["answered_rate"]][0] == "—"
    text = io.BytesIO()
    write_csv(report, text)
    assert text.getvalue().startswith(b"\xef\xbb\xbf")


def test_country_report_counts_the_community_work_by_province(logged: Any) -> None:
    """Without an area the places, the tickets and the assisted residents are broken
    down by province, in the workbook as in the figures."""
    taxonomy = cached_taxonomy(ROOT / "seeds")
    with Session(logged) as session:
        report = build_report(session, taxonomy, Filters(*Q3))
    tickets = [
        t for t in TICKETS if Q3[0] <= t[2].astimezone(VIETNAM_TZ).date() <= Q3[1]
    ]
    helped = [h for h in HELPED if Q3[0] <= h[2].astimezone(VIETNAM_TZ).date() <= Q3[1]]
    assert report.place_level == "province"
    by_province = report.community["tickets"]["by_province"]
    assert [(p["code"], p["tickets"], p["closed"]) for p in by_province] == [
        (HA_TINH, len(tickets), sum(t[4] is not None for t in tickets))
    ]
    residents = {
        p["code"]: p["residents"] for p in report.community["assisted"]["by_province"]
    }
    assert residents == {
        HA_TINH: sum(h[1] == HA_TINH for h in helped),
        HA_NOI: sum(h[1] == HA_NOI for h in helped),
    }

    workbook = io.BytesIO()
    write_xlsx(report, workbook)
    rows = [
        r[:3]
        for r in load_workbook(io.BytesIO(workbook.getvalue()))[
            "Hỗ trợ trực tiếp"
        ].iter_rows(values_only=True)
    ]
    titles = [r[0] for r in rows]
    tickets_at = titles.index("Yêu cầu hỗ trợ theo tỉnh, thành phố")
    assert rows[tickets_at + 1] == ("Tỉnh, thành phố", "Yêu cầu", "Đã đóng")
    assert rows[tickets_at + 2] == (
        "Hà Tĩnh",
        len(tickets),
        sum(t[4] is not None for t in tickets),
    )
    assisted_at = titles.index("Theo tỉnh, thành phố")
    assert {r[0]: r[1] for r in rows[assisted_at + 2 : assisted_at + 4]} == {
        "Hà Tĩnh": residents[HA_TINH],
        "Hà Nội": residents[HA_NOI],
    }


def test_workbook_keeps_what_citizens_typed_as_text(places_engine: Any) -> None:
    """A message that looks like a spreadsheet formula or a link is written as text
    (never evaluated by the program that opens the report)."""
    typed = ["=HYPERLINK(“http://vi-du.invalid”) sao không vào được", "+84 xin hỗ trợ"]
    moment = datetime(2026, 8, 10, 3, tzinfo=timezone.utc)
    _insert(
        places_engine,
        [
            Spec(moment, f"u{i}", "web", None, "unsure", None, HA_TINH, None, text)
            for i, text in enumerate(typed)
        ],
    )
    taxonomy = cached_taxonomy(ROOT / "seeds")
    with Session(places_engine) as session:
        report = build_report(session, taxonomy, Filters(*Q3, province=HA_TINH))
    workbook = io.BytesIO()
    write_xlsx(report, workbook)
    sheet = load_workbook(io.BytesIO(workbook.getvalue()))["Chưa giải đáp"]
    cells = {
        c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row[1:2]
    }
    for text in typed:
        assert cells[text] == "s", text


@pytest.mark.parametrize("beyond", [0, 1])
def test_themes_say_when_only_the_newest_unanswered_messages_were_grouped(
    places_engine: Any, client: TestClient, beyond: int
) -> None:
    """The inbox groups at most SCAN_LIMIT messages at a time, the newest: the inbox
    and the report say so when a period has more."""
    start = datetime(2026, 8, 10, 3, tzinfo=timezone.utc)
    oldest = Spec(start, "u", "web", None, "unsure", None, HA_TINH, None, THEMES[2])
    _insert(
        places_engine,
        [oldest]
        + [
            Spec(
                start + timedelta(seconds=i + 1),
                f"u{i}",
                "web",
                None,
                "out_of_scope" if i % 2 else "unsure",
                None,
                HA_TINH,
                None,
                THEMES[i % 2],
            )
            for i in range(SCAN_LIMIT - 1 + beyond)
        ],
    )
    inbox = client.get(
        "/api/staff/inbox",
        params={**Q3_QUERY, "status": "all"},
        headers=_headers(),
    ).json()
    assert (inbox["complete"], inbox["scanned"]) == (not beyond, SCAN_LIMIT)
    grouped = {g["sample_texts"][0]: g["count"] for g in inbox["groups"]}
    assert sum(grouped.values()) == SCAN_LIMIT
    assert (THEMES[2] in grouped) == (not beyond)  # the oldest is left out

    taxonomy = cached_taxonomy(ROOT / "seeds")
    with Session(places_engine) as session:
        report = build_report(session, taxonomy, Filters(*Q3, province=HA_TINH))
    assert report.current.unanswered == SCAN_LIMIT + beyond
    assert {t.sample: t.count for t in report.themes} == grouped
    partial = "Kỳ này có hơn 2.000 lượt chưa được giải đáp: các nhóm được lập từ 2.000"
    assert (partial in report.themes_note) == bool(beyond)
    assert report.to_dict()["unanswered_note"] == report.themes_note
    workbook = io.BytesIO()
    write_xlsx(report, workbook)
    sheet = load_workbook(io.BytesIO(workbook.getvalue()))[SHEET_UNANSWERED]
    assert report.themes_note in [c.value for row in sheet.iter_rows() for c in row]
    text = io.BytesIO()
    write_csv(report, text)
    assert [report.themes_note] in list(
        csv.reader(io.StringIO(text.getvalue().decode("utf-8-sig")))
    )


def test_quoted_questions_use_the_accented_wording_and_never_button_payloads(
    places_engine: Any,
) -> None:
    """Staff paste the paragraph and the "Chưa giải đáp" sheet into official reports:
    a question is quoted as written with diacritics where anyone wrote it so, and a
    stale button tapped ("/handoff_accept") is not a question."""
    moment = datetime(2026, 8, 10, 3, tzinfo=timezone.utc)
    typed = [
        "đăng ký hộ kinh doanh online ở đâu",
        "dang ky ho kinh doanh online o dau",  # newer, no diacritics
        "dang ky ho kinh doanh online o dau",
        "/handoff_accept",
        "/handoff_accept",
        "/handoff_accept",
    ]
    _insert(
        places_engine,
        [
            Spec(
                moment + timedelta(minutes=i),
                f"u{i}",
                "web",
                None,
                "unsure",
                None,
                HA_TINH,
                None,
                text,
            )
            for i, text in enumerate(typed)
        ],
    )
    taxonomy = cached_taxonomy(ROOT / "seeds")
    with Session(places_engine) as session:
        report = build_report(session, taxonomy, Filters(*Q3, province=HA_TINH))
    assert [t.sample for t in report.themes] == ["đăng ký hộ kinh doanh online ở đâu"]
    assert "“đăng ký hộ kinh doanh online ở đâu” (3 lượt)" in report.paragraph
    assert "/handoff" not in report.paragraph
    workbook = io.BytesIO()
    write_xlsx(report, workbook)
    sheet = load_workbook(io.BytesIO(workbook.getvalue()))["Chưa giải đáp"]
    quoted = [
        c.value for row in sheet.iter_rows(min_row=2) for c in row[1:2] if c.value
    ]
    assert "đăng ký hộ kinh doanh online ở đâu" in quoted
    assert not [q for q in quoted if str(q).startswith("/")]
