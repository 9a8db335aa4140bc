"""Places: the committed seed, seeding (SQLite and PostgreSQL), and the resolver that
reads a citizen's "xã/phường" answer, accented or not."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from api.core.db import Base, make_engine
from api.knowledge.seeding import validate_seeds
from api.places.models import Commune, Province
from api.places.seeding import (
    CSV_COLUMNS,
    places_seed_path,
    seed_places,
    validate_places_csv,
)
from api.places.service import (
    PlaceMatch,
    PlaceRef,
    fold,
    list_communes,
    list_provinces,
    place_names,
    province_by_name,
    resolve_place,
)
from tests.conftest import ROOT

SEED = places_seed_path(ROOT / "seeds")
PLACE_TABLES = [Base.metadata.tables[n] for n in ("place_province", "place_commune")]


@pytest.fixture
def places_engine(engine: Engine) -> Engine:
    """The test database with the places loaded (a no-op when the database fixture
    already loaded them: they are reference data kept between tests)."""
    with Session(engine) as session:
        seed_places(session, SEED)
    return engine


@pytest.fixture
def session(places_engine: Engine) -> Iterator[Session]:
    """A session on the test database with seeds/places loaded."""
    with Session(places_engine) as session:
        yield session


@pytest.fixture
def empty_places(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own with empty place tables."""
    engine = make_engine(f"sqlite:///{tmp_path / 'places.sqlite3'}")
    Base.metadata.create_all(engine, tables=PLACE_TABLES)
    yield engine
    engine.dispose()


def _rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _problems(session: Session, cases: list[tuple[str, Any]]) -> list[str]:
    """Texts whose match differs from what was expected (one report for many cases)."""
    found = []
    for text, expected in cases:
        match = resolve_place(session, text)
        if _summary(match) != expected:
            found.append(f"{text!r}: got {_summary(match)}, expected {expected}")
    return found


def _summary(match: PlaceMatch) -> tuple[str | None, str | None, list[str]]:
    """(province code, commune code, candidate codes)."""
    return (
        match.province.code if match.province else None,
        match.commune.code if match.commune else None,
        [c.code for c in match.candidates],
    )


# --- fold -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phường Thành Sen", "phuong thanh sen"),
        ("ĐẶC KHU Phú Quốc", "dac khu phu quoc"),
        ("Phường Văn Miếu - Quốc Tử Giám", "phuong van mieu quoc tu giam"),
        ("Xã Chân Mây – Lăng Cô", "xa chan may lang co"),
        ("  Xã   M’Drắk\t", "xa m drak"),
        ("TP.HCM, q.1!!", "tp hcm q 1"),
        (unicodedata.normalize("NFD", "Hà Tĩnh"), "ha tinh"),
        ("Phường 1 Bảo Lộc", "phuong 1 bao loc"),
        ("snake_case", "snake case"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


# --- the committed seed -----------------------------------------------------------


def test_committed_places_seed_is_valid() -> None:
    assert validate_places_csv(SEED) == []
    assert validate_seeds(ROOT / "seeds") == []


def test_committed_places_seed_counts_and_order() -> None:
    rows = _rows()
    assert len({r["province_code"] for r in rows}) == 34
    assert len(rows) == 3321
    assert Counter(r["commune_kind"] for r in rows) == {
        "xã": 2621,
        "phường": 687,
        "đặc khu": 13,
    }
    keys = [(r["province_code"], r["commune_code"]) for r in rows]
    assert keys == sorted(keys)
    text = SEED.read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", text)
    assert "  " not in text


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda rows: rows[:-1], "3320 communes"),
        (lambda rows: [{**rows[0], "commune_code": "4"}, *rows[1:]], "5 digits"),
        (lambda rows: [{**rows[0], "commune_kind": "xã"}, *rows[1:]], "its kind"),
        (lambda rows: [*rows, rows[0]], "duplicate commune_code"),
        (lambda rows: [{**rows[0], "province_name": "Hà Nội"}, *rows[1:]], "Tỉnh"),
        (
            lambda rows: [
                {
                    **rows[0],
                    "commune_name": unicodedata.normalize("NFD", "Phường Ba Đình"),
                },
                *rows[1:],
            ],
            "non-NFC",
        ),
    ],
)
def test_places_validator_rejects(tmp_path: Path, change: Any, problem: str) -> None:
    path = _write(tmp_path / "places.csv", change(_rows()))
    assert any(problem in p for p in validate_places_csv(path))


def test_places_validator_reports_missing_file_and_bad_header(tmp_path: Path) -> None:
    assert validate_places_csv(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert "header" in validate_places_csv(tmp_path / "bad.csv")[0]


# --- seeding ----------------------------------------------------------------------


def test_seed_places_is_idempotent(places_engine: Engine) -> None:
    with Session(places_engine) as session:
        try:
            session.execute(delete(Commune))
            session.execute(delete(Province))
            session.commit()
            assert seed_places(session, SEED) == 34 + 3321
            assert seed_places(session, SEED) == 0
        finally:
            session.rollback()
            seed_places(session, SEED)
        assert session.scalar(select(func.count()).select_from(Commune)) == 3321
        commune = session.get(Commune, "18073")
        assert commune is not None
        assert (commune.name, commune.short_name, commune.folded) == (
            "Phường Thành Sen",
            "Thành Sen",
            "thanh sen",
        )
        province = session.get(Province, "42")
        assert province is not None
        assert (province.name, province.full_name, province.folded) == (
            "Hà Tĩnh",
            "Tỉnh Hà Tĩnh",
            "ha tinh",
        )
        hanoi = session.get(Province, "01")
        assert hanoi is not None
        assert (hanoi.name, hanoi.full_name) == ("Hà Nội", "Thành phố Hà Nội")


def test_seed_places_updates_names_and_never_deletes(
    places_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        {**r, "commune_name": "Phường Sen Mới"} if r["commune_code"] == "18073" else r
        for r in _rows()
    ]
    renamed = _write(tmp_path / "renamed.csv", rows)
    with Session(places_engine) as session:
        try:
            assert resolve_place(session, "Thành Sen").commune == PlaceRef(
                "18073", "Phường Thành Sen", "42"
            )
            # A renamed commune is updated; the resolver sees the new name at once.
            assert seed_places(session, renamed) == 1
            commune = session.get(Commune, "18073")
            assert commune is not None
            session.refresh(commune)
            assert (commune.name, commune.short_name) == ("Phường Sen Mới", "Sen Mới")
            assert resolve_place(session, "phường Sen Mới").commune == PlaceRef(
                "18073", "Phường Sen Mới", "42"
            )
            assert resolve_place(session, "Thành Sen").commune is None
            # A code that left the file stays (rows may reference it).
            session.add(
                Commune(
                    code="99999",
                    province_code="42",
                    name="Xã Cũ",
                    short_name="Cũ",
                    folded="cu",
                )
            )
            session.commit()
            assert seed_places(session, SEED) == 1  # the name again
            assert session.get(Commune, "99999") is not None
        finally:
            session.rollback()
            session.execute(delete(Commune).where(Commune.code == "99999"))
            session.commit()
            seed_places(session, SEED)
        assert resolve_place(session, "Thành Sen").commune is not None


def test_seed_places_refuses_an_invalid_file(
    places_engine: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path / "short.csv", _rows()[:10])
    with Session(places_engine) as session, pytest.raises(ValueError, match="communes"):
        seed_places(session, path)


# --- the resolver -----------------------------------------------------------------


def test_resolves_communes_accented_and_not(session: Session) -> None:
    cases: list[tuple[str, Any]] = [
        ("phường Thành Sen", ("42", "18073", [])),
        ("Phường Thành Sen", ("42", "18073", [])),
        ("phuong thanh sen", ("42", "18073", [])),
        ("Thành Sen", ("42", "18073", [])),
        ("Thành Sen, Hà Tĩnh", ("42", "18073", [])),
        ("thanh sen ha tinh", ("42", "18073", [])),
        ("xa cam xuyen ha tinh", ("42", "18673", [])),
        ("Xã Cẩm Xuyên", ("42", "18673", [])),
        ("huyện Cẩm Xuyên", ("42", "18673", [])),
        ("tôi ở xã Tân Phú tỉnh Đồng Nai", ("75", "26116", [])),
        ("toi o xa tan phu tinh dong nai", ("75", "26116", [])),
        ("Tân Phú - Đồng Nai", ("75", "26116", [])),
        ("Đồng Nai, xã Tân Phú", ("75", "26116", [])),
        ("Anh ơi em ở phường Thành Sen thành phố Hà Tĩnh ạ", ("42", "18073", [])),
        ("đặc khu Phú Quốc", ("91", "31078", [])),
        ("dac khu phu quoc", ("91", "31078", [])),
        ("Phú Quốc", ("91", "31078", [])),
        ("đặc khu Vân Đồn, Quảng Ninh", ("22", "06994", [])),
        ("Pleiku", ("52", "23575", [])),
        ("xã M'Drắk", ("66", "24412", [])),
        ("xa mdrak", ("66", "24412", [])),
        ("Phường Văn Miếu - Quốc Tử Giám", ("01", "00196", [])),
        ("van mieu quoc tu giam ha noi", ("01", "00196", [])),
        ("phường Láng", ("01", "00187", [])),
        ("PHƯỜNG THÀNH SEN", ("42", "18073", [])),
        (unicodedata.normalize("NFD", "phường Thành Sen"), ("42", "18073", [])),
    ]
    assert _problems(session, cases) == []


def test_longest_name_on_word_boundaries(session: Session) -> None:
    cases: list[tuple[str, Any]] = [
        # "Ayun Pa" (phường) is not the commune "Ayun"; "Ayun" alone is.
        ("Ayun Pa", ("52", "24044", [])),
        ("xã Ayun", ("52", "23798", [])),
        ("ayunpa", (None, None, [])),
        # "An Phú Đông" is not "An Phú" (five provinces have one).
        ("phường An Phú Đông", ("79", "26767", [])),
        ("Bắc Nha Trang", ("56", "22333", [])),
        ("Nha Trang", ("56", "22366", [])),
        # "Phú Thọ Hòa" is a phường of Hồ Chí Minh, not the province Phú Thọ.
        ("phường Phú Thọ Hòa", ("79", "27022", [])),
        # "Hoàng An" is a commune; no "An" inside it is read.
        ("xã Hoàng An", ("25", "08896", [])),
        ("thanhsen", (None, None, [])),
    ]
    assert _problems(session, cases) == []


def test_ambiguous_commune_names_give_candidates(session: Session) -> None:
    cases: list[tuple[str, Any]] = [
        # Six "Tân Phú" (Nghệ An, Đồng Nai, Hồ Chí Minh, Tây Ninh, Đồng Tháp, Vĩnh
        # Long): five candidates, by code.
        ("Tân Phú", (None, None, ["17272", "25549", "26116", "27031", "28468"])),
        ("tan phu", (None, None, ["17272", "25549", "26116", "27031", "28468"])),
        # A province picks one.
        ("Tân Phú, Vĩnh Long", ("86", "28840", [])),
        ("tan phu tp hcm", ("79", "27031", [])),
        # The kind word narrows: two "Phường Bình Minh" among seven "Bình Minh".
        ("phường Bình Minh", (None, None, ["25480", "29771"])),
        ("phuong binh minh vinh long", ("86", "29771", [])),
        ("xã Bình Minh", (None, None, ["10141", "14623", "17515", "21085", "26278"])),
        # Folded alike in one province: diacritics pick one, else both are offered.
        ("Tân Thạnh, Tây Ninh", ("80", "27826", [])),
        ("Tân Thành, Tây Ninh", ("80", "25534", [])),
        ("tan thanh tay ninh", ("80", None, ["25534", "27826"])),
        ("Mỹ Tho", ("82", "28261", [])),
        ("Mỹ Thọ", ("82", "30076", [])),
        ("xa my tho", ("82", "30076", [])),
        ("phuong my tho", ("82", "28261", [])),
        ("my tho", ("82", None, ["28261", "30076"])),
        # Halves of "A - B" names: the five Đà Lạt wards.
        ("Đà Lạt", ("68", None, ["24778", "24781", "24787", "24805", "24846"])),
        ("Xuân Hương Đà Lạt", ("68", "24781", [])),
    ]
    assert _problems(session, cases) == []
    candidates = resolve_place(session, "Tân Phú").candidates
    assert candidates[0] == PlaceRef("17272", "Xã Tân Phú", "40")


def test_province_only(session: Session) -> None:
    cases: list[tuple[str, Any]] = [
        ("Ha Tinh", ("42", None, [])),
        ("Hà Tĩnh", ("42", None, [])),
        ("tỉnh Hà Tĩnh", ("42", None, [])),
        ("tinh ha tinh", ("42", None, [])),
        ("hatinh", ("42", None, [])),
        ("thành phố Hồ Chí Minh", ("79", None, [])),
        ("TP.HCM", ("79", None, [])),
        ("tphcm", ("79", None, [])),
        ("Sài Gòn", ("79", None, [])),
        ("hà nội", ("01", None, [])),
        ("Thừa Thiên Huế", ("46", None, [])),
        # These are also names of communes; alone, the province is meant.
        ("Lào Cai", ("15", None, [])),
        ("Phú Thọ", ("25", None, [])),
        ("Tuyên Quang", ("08", None, [])),
        # With the commune's kind word, the commune is.
        ("phường Lào Cai", ("15", "02647", [])),
        ("phường Phú Thọ, tỉnh Phú Thọ", ("25", "07942", [])),
        # A province without that commune: the province is kept.
        ("xã Cẩm Xuyên, Đồng Nai", ("75", None, [])),
    ]
    assert _problems(session, cases) == []


def test_nonsense_gives_nothing(session: Session) -> None:
    cases: list[tuple[str, Any]] = [
        ("", (None, None, [])),
        ("   ", (None, None, [])),
        ("asdf qwerty", (None, None, [])),
        ("tôi không biết", (None, None, [])),
        ("quận 1", (None, None, [])),
        ("xã", (None, None, [])),
        ("tỉnh", (None, None, [])),
        # "làng" (village) typed with its accent is not the ward "Láng".
        ("tôi ở làng", (None, None, [])),
        ("!!!???", (None, None, [])),
    ]
    assert _problems(session, cases) == []
    assert resolve_place(session, "abc") == PlaceMatch()


@pytest.mark.parametrize(
    ("text", "other_words", "kind_named"),
    [
        ("tôi ở La Gi ạ", 0, False),
        ("La Gi, Lâm Đồng", 0, False),
        ("nhà em ở gần chợ La Gi", 1, False),
        ("số 12 Lê Lợi, phường Thành Sen, Hà Tĩnh", 3, True),
        ("em ở thôn 3 xã Cẩm Xuyên cũ", 0, True),
        # A question that happens to spell a ward's name.
        ("chu ky so la gi", 3, False),
        ("Chữ ký số là gì?", 3, False),
    ],
)
def test_words_besides_the_place_are_counted(
    session: Session, text: str, other_words: int, kind_named: bool
) -> None:
    match = resolve_place(session, text)
    assert match.province is not None or match.candidates
    assert (match.other_words, match.kind_named) == (other_words, kind_named)


def test_the_province_is_found_at_the_end_of_a_long_message(session: Session) -> None:
    long_text = "Tân Thành " * 150 + "Hà Tĩnh"  # about 1,500 characters
    assert resolve_place(session, long_text).province == PlaceRef("42", "Hà Tĩnh")


def test_empty_tables_give_nothing_and_are_not_cached(empty_places: Engine) -> None:
    with Session(empty_places) as session:
        assert resolve_place(session, "Hà Tĩnh") == PlaceMatch()
        assert place_names(session, ["42"]) == {}
        assert province_by_name(session, "Hà Tĩnh") is None
        assert list_provinces(session) == []
        assert seed_places(session, SEED) == 34 + 3321
        assert resolve_place(session, "Hà Tĩnh").province == PlaceRef("42", "Hà Tĩnh")


# --- lookups ----------------------------------------------------------------------


def test_province_by_name(session: Session) -> None:
    for name in ("Hà Tĩnh", "ha tinh", "Tỉnh Hà Tĩnh", "TINH HA TINH", "42", " 42 "):
        province = province_by_name(session, name)
        assert province is not None, name
        assert province.code == "42", name
    for name, code in [("Thành phố Hà Nội", "01"), ("1", "01"), ("TP HCM", "79")]:
        province = province_by_name(session, name)
        assert province is not None, name
        assert province.code == code, name
    for name in ("Hà Giang", "tỉnh", "", "Thành Sen", "99", "Hà Tĩnh Thành Sen"):
        assert province_by_name(session, name) is None, name


def test_lists_and_names(session: Session) -> None:
    provinces = list_provinces(session)
    assert len(provinces) == 34
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert provinces[0].name == "Hà Nội"
    communes = list_communes(session, "42")
    assert len(communes) == sum(1 for r in _rows() if r["province_code"] == "42")
    assert [c.code for c in communes] == sorted(c.code for c in communes)
    assert {c.province_code for c in communes} == {"42"}
    assert list_communes(session, "99") == []
    assert place_names(session, ["42", "18073", "00000", None]) == {
        "42": "Hà Tĩnh",
        "18073": "Phường Thành Sen",
    }
