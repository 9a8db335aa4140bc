"""Asking for a report by name: the command line's dates and the place names (or
codes) of the command line and of the dashboard's filters, turned into
:class:`~api.analytics.filters.Filters` or a Vietnamese ReportRequestError."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.labels import format_date
from api.places.models import Commune
from api.places.service import fold, list_communes, place_names, province_by_name
from api.report.figures import ReportRequestError


def find_commune(session: Session, province_code: str, name: str) -> Commune:
    """The commune of a province named "Thành Sen", "phường Thành Sen", "thanh sen"
    or by its code; ReportRequestError when none or several match."""
    text = name.strip()
    communes = list_communes(session, province_code)
    if text.isdigit():
        found = [c for c in communes if c.code == text.zfill(5)]
    else:
        wanted = fold(text)
        found = [c for c in communes if wanted in (c.folded, fold(c.name))]
        exact = [
            c for c in found if text.lower() in (c.short_name.lower(), c.name.lower())
        ]
        found = exact or found
    if len(found) == 1:
        return found[0]
    if not found:
        raise ReportRequestError(
            f"Không tìm thấy xã, phường “{text}” trong tỉnh/thành phố đã chọn."
        )
    names = ", ".join(f"{c.name} ({c.code})" for c in found)
    raise ReportRequestError(f"Có nhiều xã, phường tên “{text}”: {names}. Hãy ghi mã.")


def area_codes(
    session: Session, province: str | None, commune: str | None
) -> tuple[str | None, str | None]:
    """The province and commune codes of the dashboard's and report's place filters,
    each given as a code ("42", "18073") or a name with or without diacritics or its
    kind ("ha tinh", "Hà Tĩnh", "TP Hà Nội", "phường Thành Sen"). A code is passed on
    as it is (the routes that need it to exist check it); a name that matches no
    place, or several, raises ReportRequestError naming the candidates. A commune
    name without a province is looked up across the country."""
    province_code = province.strip() if province and province.strip() else None
    if province_code is not None and not province_code.isdigit():
        found = province_by_name(session, province_code)
        if found is None:
            raise ReportRequestError(
                f"Không tìm thấy tỉnh/thành phố “{province_code}”. Anh/Chị kiểm tra "
                "lại tên (có dấu hoặc không dấu đều được) hoặc ghi mã tỉnh."
            )
        province_code = found.code
    commune_text = commune.strip() if commune and commune.strip() else None
    if commune_text is None or commune_text.isdigit():
        return province_code, commune_text
    if province_code is not None:
        return province_code, find_commune(session, province_code, commune_text).code
    wanted = fold(commune_text)
    matches = [
        c
        for c in session.scalars(
            select(Commune).where(Commune.folded.in_({wanted, _without_kind(wanted)}))
        )
        if wanted in (c.folded, fold(c.name))
    ]
    if len(matches) == 1:
        return None, matches[0].code
    if not matches:
        raise ReportRequestError(
            f"Không tìm thấy xã, phường “{commune_text}”. Anh/Chị kiểm tra lại tên "
            "hoặc chọn tỉnh/thành phố trước."
        )
    names = place_names(session, {c.province_code for c in matches})
    listed = ", ".join(
        f"{c.name}, {names.get(c.province_code, c.province_code)} ({c.code})"
        for c in sorted(matches, key=lambda c: c.code)
    )
    raise ReportRequestError(
        f"Có nhiều xã, phường tên “{commune_text}”: {listed}. Anh/Chị chọn thêm "
        "tỉnh/thành phố hoặc ghi mã xã, phường."
    )


def _without_kind(folded: str) -> str:
    """ "phuong thanh sen" -> "thanh sen" (the folded short name the table keeps)."""
    for kind in ("dac khu ", "phuong ", "xa "):
        if folded.startswith(kind):
            return folded[len(kind) :]
    return folded


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReportRequestError(
            f"Ngày {option} “{value}” không hợp lệ: hãy ghi theo dạng YYYY-MM-DD."
        ) from None


def filters_from_names(
    session: Session,
    start: str,
    end: str,
    province: str,
    commune: str | None = None,
) -> Filters:
    """Filters from the command line's dates (YYYY-MM-DD) and place names (or codes);
    ReportRequestError with a Vietnamese message when one is invalid."""
    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    if first > last:
        raise ReportRequestError(
            f"Ngày bắt đầu {format_date(first)} sau ngày kết thúc {format_date(last)}."
        )
    found = province_by_name(session, province)
    if found is None:
        raise ReportRequestError(
            f"Không tìm thấy tỉnh/thành phố “{province}” (danh mục địa bàn đã được"
            " nạp bằng `python -m api seed` chưa?)."
        )
    commune_code = find_commune(session, found.code, commune).code if commune else None
    return Filters(first, last, found.code, commune_code)
