"""The report as a file: the formats offered for download and saving by extension."""

from __future__ import annotations

from pathlib import Path

from api.report.csv import write_csv
from api.report.figures import Report, ReportRequestError
from api.report.xlsx import write_xlsx

# File extension -> the media type the export route answers with.
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def report_format(path: str | Path) -> str:
    """The format (xlsx or csv) a file name's extension names; ReportRequestError
    otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ReportRequestError(
            f"Không hỗ trợ định dạng tệp “{Path(path).name}”: hãy dùng .xlsx hoặc .csv."
        )
    return suffix


def save_report(report: Report, path: str | Path) -> None:
    """Writes the report to ``path`` in the format its extension names."""
    if report_format(path) == "xlsx":
        write_xlsx(report, path)
    else:
        write_csv(report, path)
