"""The periodic report ("Báo cáo kết quả"), as a package with one module per job.

The names callers use are re-exported here, so ``from api.analytics.report import
build_report`` keeps working whichever module a name lives in.
"""

from api.analytics.report.figures import (
    FIGURE_LABELS,
    SHEET_UNANSWERED,
    SOURCE,
    Area,
    BreakdownRow,
    Counts,
    Figure,
    Report,
    ReportRequestError,
    Theme,
    build_report,
    csv_safe,
    draft_paragraph,
    format_date,
    format_number,
    format_percent,
    format_period,
    previous_period_name,
    write_csv,
    write_xlsx,
)
from api.analytics.report.files import FORMATS, report_format, save_report
from api.analytics.report.names import area_codes, filters_from_names, find_commune

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
