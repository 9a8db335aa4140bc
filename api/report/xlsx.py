"""The report as an Excel workbook: one sheet per table, numbers kept as numbers
with Excel's own formats."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]

from api.report.figures import TITLE, Report, ratio
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
    SHEET_TOPICS,
    SHEET_UNANSWERED,
    THEME_COLUMNS,
    TOPIC_COLUMNS,
    TOTAL_LABEL,
    community_tables,
    header_block,
    naive_local,
    safety_rows,
)

# Excel number formats (Excel shows them with the reader's separators: 1.234; 85,2%).
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"
POINTS_FORMAT = '+0.0" điểm %";-0.0" điểm %";0.0" điểm %"'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

_HEADER_FILL = "#DDEBF7"


class _Sheet:
    """One worksheet, addressed from row 1 / column 1 as the report reads, with the
    workbook's formats made once per combination. Text is always written as text:
    a citizen's message starting with "=" or holding a URL stays as typed."""

    def __init__(self, workbook: Any, title: str, formats: dict[Any, Any]) -> None:
        self._workbook = workbook
        self._sheet = workbook.add_worksheet(title)
        self._formats = formats

    def style(self, **properties: Any) -> Any:
        """The workbook's format with these XlsxWriter properties (None: none)."""
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self._workbook.add_format(properties)
        return self._formats[key]

    def text(self, row: int, column: int, value: str | None, **style: Any) -> None:
        """A string (None: the cell stays empty)."""
        if value is not None:
            self._sheet.write_string(row - 1, column - 1, value, self.style(**style))

    def put(
        self, row: int, column: int, value: Any, number_format: str, **style: Any
    ) -> None:
        """A number (or a date) with its format, or "—" when there is none."""
        if value is None:
            self.text(row, column, NO_BASE, align="right", **style)
        elif isinstance(value, datetime):
            format_ = self.style(num_format=number_format, **style)
            self._sheet.write_datetime(row - 1, column - 1, value, format_)
        else:
            format_ = self.style(num_format=number_format, **style)
            self._sheet.write_number(row - 1, column - 1, value, format_)

    def header(self, row: int, titles: Iterable[str]) -> None:
        for column, title in enumerate(titles, 1):
            self.text(
                row,
                column,
                title,
                bold=True,
                bg_color=_HEADER_FILL,
                pattern=1,
                text_wrap=True,
                valign="vcenter",
            )

    def paragraph(self, row: int, columns: int, value: str) -> None:
        """Text across ``columns`` merged cells, tall enough to read."""
        format_ = self.style(text_wrap=True, valign="top")
        self._sheet.merge_range(row - 1, 0, row - 1, columns - 1, "", format_)
        self._sheet.write_string(row - 1, 0, value, format_)
        self._sheet.set_row(row - 1, 15 * (len(value) // 110 + 2))

    def widths(self, widths: Iterable[float]) -> None:
        for column, width in enumerate(widths):
            self._sheet.set_column(column, column, width)

    def freeze_header(self) -> None:
        self._sheet.freeze_panes(1, 0)


def _summary_sheet(sheet: _Sheet, report: Report) -> None:
    sheet.text(1, 1, TITLE, bold=True, font_size=14)
    row = 3
    for label, value in header_block(report):
        sheet.text(row, 1, label, bold=True)
        sheet.text(row, 2, value)
        row += 1
    sheet.text(row, 1, "Ngày lập", bold=True)
    sheet.put(row, 2, naive_local(report.generated_at), DATETIME_FORMAT, align="left")
    row += 2
    sheet.header(row, FIGURE_COLUMNS)
    for figure in report.figures:
        row += 1
        sheet.text(row, 1, figure.label)
        value_format = RATE_FORMAT if figure.kind == "rate" else COUNT_FORMAT
        change_format = POINTS_FORMAT if figure.kind == "rate" else CHANGE_FORMAT
        sheet.put(row, 2, figure.current, value_format)
        sheet.put(row, 3, figure.previous, value_format)
        sheet.put(row, 4, figure.change_previous, change_format)
        sheet.put(row, 5, figure.last_year, value_format)
        sheet.put(row, 6, figure.change_last_year, change_format)
        sheet.put(row, 7, figure.year_to_date, value_format)
    row += 2
    sheet.text(row, 1, "Về xã hội số - Phong trào Bình dân học vụ số", bold=True)
    sheet.paragraph(row + 1, len(FIGURE_COLUMNS), report.paragraph)
    rows = safety_rows(report)
    if rows:
        row += 3
        sheet.text(row, 1, SAFETY_SECTION, bold=True)
        sheet.header(row + 1, SAFETY_COLUMNS)
        row += 1
        for name, count in rows:
            row += 1
            sheet.text(row, 1, name)
            sheet.put(row, 2, count, COUNT_FORMAT)
    sheet.widths((46, 16, 16, 18, 18, 18, 18))


def _breakdown_sheet(sheet: _Sheet, report: Report) -> None:
    total = report.current.turns
    sheet.header(1, PLACE_COLUMNS)
    row = 1
    for place in report.places:
        row += 1
        sheet.text(row, 1, place.code)
        sheet.text(row, 2, place.label)
        sheet.put(row, 3, place.turns, COUNT_FORMAT)
        sheet.put(row, 4, place.citizens, COUNT_FORMAT)
        sheet.put(row, 5, place.answered, COUNT_FORMAT)
        sheet.put(row, 6, place.answered_rate, RATE_FORMAT)
        sheet.put(row, 7, place.share(total), RATE_FORMAT)
    row += 1
    now = report.current
    sheet.text(row, 2, TOTAL_LABEL, bold=True)
    sheet.put(row, 3, now.turns, COUNT_FORMAT, bold=True)
    sheet.put(row, 4, now.citizens, COUNT_FORMAT, bold=True)
    sheet.put(row, 5, now.answered, COUNT_FORMAT, bold=True)
    sheet.put(row, 6, ratio(now.answered, now.turns), RATE_FORMAT, bold=True)
    sheet.put(row, 7, 1.0 if now.turns else None, RATE_FORMAT, bold=True)
    sheet.freeze_header()
    sheet.widths((10, 36, 16, 14, 18, 16, 12))


def _topics_sheet(sheet: _Sheet, report: Report) -> None:
    total = report.current.turns
    sheet.header(1, PILLAR_COLUMNS)
    row = 1
    for pillar in report.pillars:
        row += 1
        sheet.text(row, 1, pillar.label)
        sheet.put(row, 2, pillar.turns, COUNT_FORMAT)
        sheet.put(row, 3, pillar.answered, COUNT_FORMAT)
        sheet.put(row, 4, pillar.answered_rate, RATE_FORMAT)
        sheet.put(row, 5, pillar.share(total), RATE_FORMAT)
    row += 2
    sheet.header(row, TOPIC_COLUMNS)
    for topic in report.topics:
        row += 1
        sheet.text(row, 1, topic.label)
        sheet.text(row, 2, topic.group)
        sheet.put(row, 3, topic.turns, COUNT_FORMAT)
        sheet.put(row, 4, topic.answered, COUNT_FORMAT)
        sheet.put(row, 5, topic.unsure, COUNT_FORMAT)
        sheet.put(row, 6, topic.out_of_scope, COUNT_FORMAT)
        sheet.put(row, 7, topic.answered_rate, RATE_FORMAT)
        sheet.put(row, 8, topic.share(total), RATE_FORMAT)
    sheet.widths((44, 30, 16, 18, 18, 16, 16, 12))


def _themes_sheet(sheet: _Sheet, report: Report) -> None:
    sheet.header(1, THEME_COLUMNS)
    row = 1
    for number, theme in enumerate(report.themes, 1):
        row += 1
        sheet.put(row, 1, number, "0")
        sheet.text(row, 2, theme.sample, text_wrap=True, valign="top")
        sheet.put(row, 3, theme.count, COUNT_FORMAT)
        sheet.put(row, 4, theme.unsure, COUNT_FORMAT)
        sheet.put(row, 5, theme.out_of_scope, COUNT_FORMAT)
        sheet.text(row, 6, "\n".join(theme.others), text_wrap=True, valign="top")
        sheet.put(row, 7, naive_local(theme.first_at), DATE_FORMAT)
        sheet.put(row, 8, naive_local(theme.last_at), DATE_FORMAT)
    if not report.themes:
        row += 1
        sheet.text(row, 2, "Không có câu hỏi chưa được giải đáp trong kỳ.")
    sheet.text(row + 2, 2, report.themes_note, italic=True)
    sheet.freeze_header()
    sheet.widths((6, 60, 10, 16, 16, 60, 12, 12))


def _community_sheet(sheet: _Sheet, report: Report) -> None:
    row = 0
    for title, columns, rows in community_tables(report.community):
        row += 1
        sheet.text(row, 1, title, bold=True)
        row += 1
        sheet.header(row, columns)
        for values in rows:
            row += 1
            for column, value in enumerate(values, 1):
                if isinstance(value, str):
                    sheet.text(row, column, value, text_wrap=True, valign="top")
                else:
                    sheet.put(row, column, value, COUNT_FORMAT)
        if not rows:
            row += 1
            sheet.text(row, 1, "Không có số liệu trong kỳ.")
        row += 1
    sheet.widths((60, 14, 14))


def write_xlsx(report: Report, target: str | Path | IO[bytes]) -> None:
    """Writes the report as an Excel workbook (a path or a binary stream)."""
    places = SHEET_COMMUNES if report.place_level == "commune" else SHEET_PROVINCES
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, (str, Path)) else target,
        {"in_memory": True},
    )
    formats: dict[Any, Any] = {}
    for title, fill in (
        (SHEET_SUMMARY, _summary_sheet),
        (places, _breakdown_sheet),
        (SHEET_TOPICS, _topics_sheet),
        (SHEET_UNANSWERED, _themes_sheet),
        (SHEET_COMMUNITY, _community_sheet),
    ):
        fill(_Sheet(workbook, title, formats), report)
    workbook.close()
