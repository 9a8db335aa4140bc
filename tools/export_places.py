"""Writes seeds/places/ from the ``vietnam-provinces`` package.

Run with ``.venv/bin/python -m tools.export_places``. The package is the source; the
CSV it writes is the seed the gateway loads into its database (``python -m api seed``),
so nothing at run time depends on the package. The README beside the CSV records the
package version, its data date, the export date and the counts.

Codes are the official ones, zero-padded (province 2 digits, commune 5 digits). Names
are NFC with runs of whitespace collapsed (the package has a few double spaces, e.g.
"Phường  Tân An"); everything else is written as the package gives it. Provinces are
written with their kind ("Tỉnh Hà Tĩnh", "Thành phố Hà Nội"), like the communes
("Phường Thành Sen"); ``commune_kind`` is the package's division type.
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import vietnam_provinces
from vietnam_provinces import Province, VietNamDivisionType, Ward

from api.places.seeding import (
    CSV_COLUMNS,
    EXPECTED_COMMUNES,
    EXPECTED_PROVINCES,
    PLACES_SEED,
)

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = (ROOT / "seeds" / PLACES_SEED).parent
CSV_NAME = PLACES_SEED.name
# The package's README cites this page as the origin of the 2025 names and codes.
SOURCE_URL = (
    "https://chinhphu.vn/du-thao-vbqppl/du-thao-quyet-dinh-cua-thu-tuong-chinh-phu-"
    "ban-hanh-bang-danh-muc-va-ma-so-cac-don-vi-hanh-chinh-7546"
)


def clean(text: str) -> str:
    """NFC, with runs of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def province_full_name(province: Province) -> str:
    """The province's name with its kind: "Tỉnh Hà Tĩnh", "Thành phố Hà Nội"."""
    name = clean(province.name)
    if province.division_type == VietNamDivisionType.TINH:
        return f"Tỉnh {name}"
    if not name.startswith("Thành phố "):
        raise ValueError(f"unexpected city name {name!r}")
    return name


def export_rows() -> list[tuple[str, str, str, str, str]]:
    """Every commune with its province, sorted by province code then commune code."""
    provinces = {int(p.code): p for p in Province.iter_all()}
    rows = []
    for ward in Ward.iter_all():
        province = provinces[int(ward.province_code)]
        rows.append(
            (
                f"{int(province.code):02d}",
                province_full_name(province),
                f"{int(ward.code):05d}",
                clean(ward.name),
                clean(ward.division_type.value),
            )
        )
    rows.sort(key=lambda row: (row[0], row[2]))
    return rows


def check_counts(rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    """Problems with the counts (empty when 34 provinces and 3,321 communes)."""
    problems = []
    provinces = {row[0] for row in rows}
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    if len(rows) != EXPECTED_COMMUNES:
        problems.append(f"{len(rows)} communes, expected {EXPECTED_COMMUNES}")
    if len({row[2] for row in rows}) != len(rows):
        problems.append("duplicate commune codes")
    return problems


def write_csv(rows: list[tuple[str, str, str, str, str]], path: Path) -> None:
    """Writes the rows as UTF-8 CSV with a header and LF line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)


def names_with_extra_whitespace() -> int:
    """How many of the package's names change when whitespace is collapsed."""
    names = [p.name for p in Province.iter_all()] + [w.name for w in Ward.iter_all()]
    return sum(1 for name in names if " ".join(name.split()) != name)


def readme_text(rows: list[tuple[str, str, str, str, str]], exported: date) -> str:
    """The README that describes the CSV: source, dates, command and counts."""
    kinds = Counter(row[4] for row in rows)
    province_names = {row[1] for row in rows}
    cities = sum(1 for name in province_names if name.startswith("Thành phố"))
    provinces = len(province_names)
    return f"""\
# seeds/places: đơn vị hành chính sau sắp xếp 2025 / units after the 2025 reorganisation

`{CSV_NAME}`: {provinces} tỉnh, thành phố ({provinces - cities} tỉnh, {cities} thành phố
trực thuộc trung ương) và {len(rows):,} đơn vị cấp xã ({kinds["xã"]:,} xã,
{kinds["phường"]} phường, {kinds["đặc khu"]} đặc khu), chính quyền địa phương hai cấp
từ 1/7/2025. / {provinces} provinces and {len(rows):,} communes of the two-level local
government in force since 1 July 2025.

* **Nguồn / Source:** the PyPI package `vietnam-provinces` version
  {vietnam_provinces.__version__} (its data date: {vietnam_provinces.__data_version__};
  https://github.com/sunshine-tech/VietnamProvinces). Its documentation names its source
  as the General Statistics Office of Viet Nam (Tổng cục Thống kê,
  https://danhmuchanhchinh.gso.gov.vn/), with the names and codes of the Government's
  **draft** "Quyết định của Thủ tướng Chính phủ ban hành Bảng danh mục và mã số các đơn
  vị hành chính Việt Nam" ({SOURCE_URL}). Later releases of the package (2026.1.0 on)
  use the official list at https://danhmuchanhchinh.nso.gov.vn/; check a disputed name
  there.
* **Ngày xuất / Exported:** {exported.isoformat()}.
* **Tạo lại / Regenerate:** `.venv/bin/python -m tools.export_places` (it refuses to
  write unless the package gives {EXPECTED_PROVINCES} provinces and
  {EXPECTED_COMMUNES:,} communes).
* **Nạp / Loaded by:** `python -m api seed` into `place_province` and `place_commune`;
  `python -m api validate-seeds` checks this file.

Cột / Columns: `province_code` (2 digits), `province_name` (with its kind: "Tỉnh Hà
Tĩnh", "Thành phố Hà Nội"), `commune_code` (5 digits), `commune_name` (with its kind:
"Phường Thành Sen"), `commune_kind` (`xã`, `phường` or `đặc khu`, as the package gives
it). UTF-8, NFC, sorted by codes. Runs of whitespace in names are collapsed
({names_with_extra_whitespace()} names in the package have a double space, e.g.
"Phường  Tân An"); nothing else is changed.
"""


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.export_places")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    rows = export_rows()
    problems = check_counts(rows)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / CSV_NAME)
    (args.out / "README.md").write_text(
        readme_text(rows, date.today()), encoding="utf-8"
    )
    provinces = len({row[0] for row in rows})
    print(f"{args.out / CSV_NAME}: {provinces} provinces, {len(rows)} communes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
