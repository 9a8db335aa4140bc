"""The periodic report ("Báo cáo kết quả"), as a package with one module per job.

The names callers use are re-exported here, so ``from api.analytics.report import
build_report`` keeps working whichever module a name lives in.
"""

from api.analytics.report.csv import csv_safe, write_csv
from api.analytics.report.figures import (
    FIGURE_LABELS,
    SOURCE,
    Area,
    BreakdownRow,
    Counts,
    Figure,
    Report,
    ReportRequestError,
    Theme,
    build_report,
    draft_paragraph,
    format_date,
    format_number,
    format_percent,
    format_period,
    previous_period_name,
)
from api.analytics.report.files import FORMATS, report_format, save_report
from api.analytics.report.names import area_codes, filters_from_names, find_commune
from api.analytics.report.tables import SHEET_UNANSWERED
from api.analytics.report.xlsx import write_xlsx

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
