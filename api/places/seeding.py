"""Loading seeds/places: the CSV written by ``tools/export_places.py``, checked and
upserted into the province and commune tables."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from api.places.models import Commune, Province
from api.places.service import fold, invalidate_place_index

PLACES_SEED = Path("places") / "vietnam_2025.csv"
CSV_COLUMNS = (
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "commune_kind",
)
EXPECTED_PROVINCES = 34
EXPECTED_COMMUNES = 3321
COMMUNE_KINDS = ("xã", "phường", "đặc khu")
PROVINCE_KINDS = ("Tỉnh", "Thành phố")


def places_seed_path(seeds_dir: Path) -> Path:
    """The places CSV inside a seeds folder."""
    return seeds_dir / PLACES_SEED


@dataclass(frozen=True)
class PlaceRows:
    """The places seed as table rows (column name -> value)."""

    provinces: list[dict[str, str]]
    communes: list[dict[str, str]]


def _strip_kind(name: str, kinds: Iterable[str]) -> str | None:
    """``name`` without its leading kind ("Phường Thành Sen" -> "Thành Sen")."""
    for kind in kinds:
        prefix = kind[:1].upper() + kind[1:] + " "
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return None


def read_places_csv(path: Path) -> tuple[PlaceRows, list[str]]:
    """Parses the places CSV; returns the rows and every problem found (with counts
    checked against 34 provinces and 3,321 communes)."""
    label = f"places/{path.name}"
    provinces: dict[str, dict[str, str]] = {}
    communes: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        return PlaceRows([], []), [f"{label}: {exc}"]
    with handle:
        reader = csv.reader(handle)
        try:
            header = tuple(next(reader, ()))
            records = list(reader)
        except (csv.Error, UnicodeDecodeError) as exc:
            return PlaceRows([], []), [f"{label}: {exc}"]
    if header != CSV_COLUMNS:
        return PlaceRows([], []), [f"{label}: header must be {','.join(CSV_COLUMNS)}"]
    for line, record in enumerate(records, 2):
        where = f"{label}:{line}"
        if len(record) != len(CSV_COLUMNS):
            problems.append(f"{where}: expected {len(CSV_COLUMNS)} columns")
            continue
        values = dict(zip(CSV_COLUMNS, record, strict=True))
        bad = [
            key
            for key, value in values.items()
            if not value
            or value != unicodedata.normalize("NFC", value)
            or value != " ".join(value.split())
        ]
        if bad:
            problems.append(f"{where}: empty, non-NFC or badly spaced: {bad}")
            continue
        province_code, province_name = values["province_code"], values["province_name"]
        code, name, kind = (
            values["commune_code"],
            values["commune_name"],
            values["commune_kind"],
        )
        province_short = _strip_kind(province_name, PROVINCE_KINDS)
        short = _strip_kind(name, [kind]) if kind in COMMUNE_KINDS else None
        if not re.fullmatch(r"\d{2}", province_code):
            problems.append(f"{where}: province_code must be 2 digits")
        elif not re.fullmatch(r"\d{5}", code):
            problems.append(f"{where}: commune_code must be 5 digits")
        elif province_short is None:
            problems.append(f"{where}: province_name must start with Tỉnh/Thành phố")
        elif short is None:
            problems.append(f"{where}: commune_name must start with its kind {kind!r}")
        elif code in communes:
            problems.append(f"{where}: duplicate commune_code {code}")
        elif len(province_name) > 120 or len(name) > 120:
            problems.append(f"{where}: name too long")
        elif (
            province_code in provinces
            and provinces[province_code]["full_name"] != province_name
        ):
            problems.append(f"{where}: province {province_code} has two names")
        else:
            provinces.setdefault(
                province_code,
                {
                    "code": province_code,
                    "name": province_short,
                    "full_name": province_name,
                    "folded": fold(province_short),
                },
            )
            communes[code] = {
                "code": code,
                "province_code": province_code,
                "name": name,
                "short_name": short,
                "folded": fold(short),
            }
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(
            f"{label}: {len(provinces)} provinces, expected {EXPECTED_PROVINCES}"
        )
    if len(communes) != EXPECTED_COMMUNES:
        problems.append(
            f"{label}: {len(communes)} communes, expected {EXPECTED_COMMUNES}"
        )
    return PlaceRows(list(provinces.values()), list(communes.values())), problems


def validate_places_csv(path: Path) -> list[str]:
    """All problems in the places CSV (empty when valid)."""
    return read_places_csv(path)[1]


def _upsert(
    session: Session, model: type[Province | Commune], rows: list[dict[str, str]]
) -> int:
    """Inserts new rows and updates changed ones in two bulk statements."""
    table = model.__table__
    existing = {row.code: row._asdict() for row in session.execute(select(table))}
    new = [row for row in rows if row["code"] not in existing]
    changed = [
        row
        for row in rows
        if row["code"] in existing
        and any(existing[row["code"]][key] != value for key, value in row.items())
    ]
    if new:
        session.execute(insert(model), new)
    if changed:
        session.execute(update(model), changed)
    return len(new) + len(changed)


def seed_places(session: Session, csv_path: Path) -> int:
    """Upserts the places CSV; returns how many rows were inserted or updated (0 when
    the database already matches). Never deletes: a code that left the file stays, so
    rows that reference it keep working. Raises ValueError on an invalid file."""
    rows, problems = read_places_csv(csv_path)
    if problems:
        raise ValueError("invalid places seed:\n" + "\n".join(problems))
    changed = _upsert(session, Province, rows.provinces)
    changed += _upsert(session, Commune, rows.communes)
    session.commit()
    invalidate_place_index()
    return changed
