"""The periodic report (analyst or admin): the Excel or CSV file, and its figures as
JSON for the dashboard. Same period and area filters as the analytics routes."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.config import Settings
from api.knowledge.seeding import cached_taxonomy
from api.places.models import Commune, Province
from api.report import FORMATS, Report, build_report, write_csv, write_xlsx
from api.routes.analytics import AnalystDep, FiltersDep
from api.routes.deps import FiguresSessionDep, SettingsDep
from api.routes.schemas.report import ReportSummary

router = APIRouter(prefix="/api/staff", tags=["report"])


def _report(f: Filters, session: Session, settings: Settings) -> Report:
    """The report for ``f``; 422 for a province or commune that does not exist or a
    commune outside the province."""
    if f.province and session.get(Province, f.province) is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"Không có tỉnh/thành phố mã {f.province}.",
        )
    if f.commune:
        commune = session.get(Commune, f.commune)
        if commune is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"Không có xã, phường mã {f.commune}.",
            )
        if f.province and commune.province_code != f.province:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{commune.name} không thuộc tỉnh/thành phố mã {f.province}.",
            )
    return build_report(session, cached_taxonomy(settings.seeds_dir), f)


@router.get(
    "/reports/export",
    response_class=Response,
    responses={
        200: {
            "description": "The report file, as an attachment.",
            "content": {media_type: {} for media_type in FORMATS.values()},
        }
    },
)
def export_report(
    _: AnalystDep,
    f: FiltersDep,
    session: FiguresSessionDep,
    settings: SettingsDep,
    format_: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
) -> Response:
    """The report for the period and area as an Excel workbook or a CSV file."""
    report = _report(f, session, settings)
    buffer = io.BytesIO()
    if format_ == "xlsx":
        write_xlsx(report, buffer)
    else:
        write_csv(report, buffer)
    filename = f"{report.filename_stem}.{format_}"
    return Response(
        buffer.getvalue(),
        media_type=FORMATS[format_],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/reports/summary",
    response_class=JSONResponse,
    responses={200: {"model": ReportSummary}},
)
def report_summary(
    _: AnalystDep, f: FiltersDep, session: FiguresSessionDep, settings: SettingsDep
) -> JSONResponse:
    """The report's figures, breakdowns and drafted paragraph as JSON."""
    # Plain JSON types already: answered as they are, not walked through FastAPI's
    # encoder and a response model (~40 ms for a year's report). ReportSummary
    # documents the shape; tests/api/test_report.py checks it.
    return JSONResponse(_report(f, session, settings).to_dict())
