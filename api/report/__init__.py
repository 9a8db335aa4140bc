"""The periodic report ("Báo cáo kết quả"), built from the query log and exported as
an Excel workbook, a CSV file or JSON.

The layout follows the provincial reports (CONTENT_NOTES §4.3–4.4): figures for the
period with "so với kỳ trước", "so với cùng kỳ năm trước" and "lũy kế từ đầu năm",
answered turns as "x/y (đạt z%)", a breakdown by commune (or by province for a
country-wide report), by pillar and topic, the unanswered themes, and a drafted
paragraph for the "Về xã hội số" / "Phong trào Bình dân học vụ số" section. Every
number comes from :class:`~api.analytics.service.Analytics`, the daily tables and the
unanswered inbox; nothing is estimated.

One module per job: ``figures`` (the model; the number formats are api.core.labels'), ``build``,
``narrative`` (the drafted paragraph), ``tables`` (what both writers lay out),
``xlsx``, ``csv``, ``files`` (formats and saving) and ``names`` (places and dates
asked for by name). The names callers use are re-exported here.
"""

from api.core.labels import format_date, format_number, format_percent
from api.report.build import build_report
from api.report.csv import csv_safe, write_csv
from api.report.figures import (
    FIGURE_LABELS,
    SOURCE,
    Area,
    BreakdownRow,
    Counts,
    Figure,
    Report,
    ReportRequestError,
    Theme,
    format_period,
    previous_period_name,
)
from api.report.files import FORMATS, report_format, save_report
from api.report.names import area_codes, filters_from_names, find_commune
from api.report.narrative import draft_paragraph
from api.report.tables import SHEET_UNANSWERED
from api.report.xlsx import write_xlsx

__all__ = [
    "FIGURE_LABELS",
    "FORMATS",
    "SHEET_UNANSWERED",
    "SOURCE",
    "Area",
    "BreakdownRow",
    "Counts",
    "Figure",
    "Report",
    "ReportRequestError",
    "Theme",
    "area_codes",
    "build_report",
    "csv_safe",
    "draft_paragraph",
    "filters_from_names",
    "find_commune",
    "format_date",
    "format_number",
    "format_percent",
    "format_period",
    "previous_period_name",
    "report_format",
    "save_report",
    "write_csv",
    "write_xlsx",
]
