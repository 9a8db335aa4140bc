"""The report as CSV: every table one section after another, each with its header row."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, Any

from api.core.labels import format_date
from api.report.figures import (
    FIGURE_LABELS,
    TITLE,
    Report,
    ratio,
)
from api.report.tables import (
    FIGURE_COLUMNS,
    NO_BASE,
    PILLAR_COLUMNS,
    PLACE_COLUMNS,
    SAFETY_COLUMNS,
    SAFETY_SECTION,
    SHEET_COMMUNES,
    SHEET_COMMUNITY,
    SHEET_PROVINCES,
    SHEET_SUMMARY,
    SHEET_UNANSWERED,
    THEME_COLUMNS,
    TOPIC_COLUMNS,
    TOTAL_LABEL,
    community_tables,
    header_block,
    naive_local,
    percent,
    safety_rows,
)


def _csv_value(value: float | None, rate: bool) -> float | int | str:
    """A figure for the CSV: a count, or a rate in per cent (85.2)."""
    if rate:
        return percent(value)
    return NO_BASE if value is None else int(value)


def _csv_change(value: float | None, rate: bool) -> float | str:
    """A change for the CSV: per cent for counts, percentage points for rates."""
    if value is None:
        return NO_BASE
    return round(value, 1) if rate else round(value * 100, 1)


def _csv_rows(report: Report) -> list[list[Any]]:
    total = report.current.turns
    rows: list[list[Any]] = [[TITLE]]
    rows += [[label, value] for label, value in header_block(report)]
    rows.append(["Ngày lập", report.generated_at.strftime("%d/%m/%Y %H:%M")])
    rows += [[], [SHEET_SUMMARY]]
    rows.append([FIGURE_COLUMNS[0], "Đơn vị", *FIGURE_COLUMNS[1:], "Đơn vị so sánh"])
    for figure in report.figures:
        rate = figure.kind == "rate"
        unit = "%" if rate else "người" if figure.key == "citizens" else "lượt"
        values = [
            _csv_value(figure.current, rate),
            _csv_value(figure.previous, rate),
            _csv_change(figure.change_previous, rate),
            _csv_value(figure.last_year, rate),
            _csv_change(figure.change_last_year, rate),
            _csv_value(figure.year_to_date, rate),
        ]
        change_unit = "điểm %" if rate else "%"
        rows.append([figure.label, unit, *values, change_unit])
    place_title = SHEET_COMMUNES if report.place_level == "commune" else SHEET_PROVINCES
    rows += [
        [],
        [place_title],
        [*PLACE_COLUMNS[:5], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for place in report.places:
        rows.append(
            [
                place.code or "",
                place.label,
                place.turns,
                place.citizens,
                place.answered,
                percent(place.answered_rate),
                percent(place.share(total)),
            ]
        )
    now = report.current
    rows.append(
        [
            "",
            TOTAL_LABEL,
            now.turns,
            now.citizens,
            now.answered,
            percent(ratio(now.answered, now.turns)),
            percent(1.0 if now.turns else None),
        ]
    )
    rows += [
        [],
        ["Theo trụ cột"],
        [*PILLAR_COLUMNS[:3], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for pillar in report.pillars:
        rows.append(
            [
                pillar.label,
                pillar.turns,
                pillar.answered,
                percent(pillar.answered_rate),
                percent(pillar.share(total)),
            ]
        )
    rows += [
        [],
        ["Theo chủ đề"],
        [*TOPIC_COLUMNS[:6], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for topic in report.topics:
        rows.append(
            [
                topic.label,
                topic.group,
                topic.turns,
                topic.answered,
                topic.unsure,
                topic.out_of_scope,
                percent(topic.answered_rate),
                percent(topic.share(total)),
            ]
        )
    rows += [[], [SHEET_UNANSWERED], list(THEME_COLUMNS)]
    for number, theme in enumerate(report.themes, 1):
        rows.append(
            [
                number,
                theme.sample,
                theme.count,
                theme.unsure,
                theme.out_of_scope,
                " | ".join(theme.others),
                format_date(naive_local(theme.first_at)),
                format_date(naive_local(theme.last_at)),
            ]
        )
    rows.append([report.themes_note])
    rows += [[], [SHEET_COMMUNITY]]
    for title, columns, table in community_tables(report.community):
        rows += [[title], list(columns), *table, []]
    extra = safety_rows(report)
    if extra:
        rows += [[], [SAFETY_SECTION], list(SAFETY_COLUMNS)]
        rows += [[label, value] for label, value in extra]
    rows += [[], ["Về xã hội số - Phong trào Bình dân học vụ số"], [report.paragraph]]
    return rows


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): also after
# leading spaces, which strip() removes on the way in.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_OWN_LABELS = frozenset(FIGURE_LABELS.values())


def csv_safe(value: Any) -> Any:
    """A text cell that starts like a formula, prefixed with a quote so that it
    stays text; numbers are kept as numbers. The report's own "- Trong đó" labels
    get an en dash instead, which no spreadsheet reads as a formula."""
    if not isinstance(value, str) or not value.lstrip(" ").startswith(_FORMULA_START):
        return value
    if value.startswith("- ") and value in _OWN_LABELS:
        return "–" + value[1:]
    return "'" + value


def write_csv(report: Report, target: str | Path | IO[bytes] | IO[str]) -> None:
    """Writes the report as CSV, one section after another, each with its header row.
    UTF-8 with a byte-order mark, so that Excel reads the Vietnamese text. Per-cent
    columns hold numbers such as 85.2 (their header or unit says "%")."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [csv_safe(cell) for cell in row] for row in _csv_rows(report)
    )
    text = "\ufeff" + buffer.getvalue()
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(text.encode("utf-8"))
    elif isinstance(target, io.TextIOBase):
        target.write(text)
    else:
        target.write(text.encode("utf-8"))  # type: ignore[arg-type]
