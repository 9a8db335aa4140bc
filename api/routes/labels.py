"""GET /api/labels: the names of the API's codes and the number and date formats,
for the staff dashboard (api/web/static/staff/labels.js and format.js).

No sign-in: the answer is the same for everyone and holds no data, so the dashboard
loads it once before anything else, the login form included. It changes only with a
new release: an ETag lets the browser keep it and ask only whether it changed
("no-cache" makes it ask every time, so a release's new names show at once).
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response, status

from api.core import labels
from api.routes.schemas.labels import Formats, Labels

router = APIRouter(tags=["labels"])

LABELS = Labels(
    roles=labels.ROLES,
    unknown_topic=labels.UNKNOWN_TOPIC,
    channels=labels.CHANNELS,
    outcomes=labels.OUTCOMES,
    ticket_statuses=labels.TICKET_STATUSES,
    handoff_reasons=labels.HANDOFF_REASONS,
    resolutions=labels.RESOLUTIONS,
    resident_groups=labels.RESIDENT_GROUPS,
    scam_kinds=labels.SCAM_KINDS,
    formats=Formats(
        thousands_separator=labels.THOUSANDS_SEPARATOR,
        decimal_separator=labels.DECIMAL_SEPARATOR,
        percent_suffix=labels.PERCENT_SUFFIX,
        minus_sign=labels.MINUS_SIGN,
        missing=labels.MISSING,
        date_pattern=labels.DATE_PATTERN,
        time_zone=labels.TIME_ZONE,
        utc_offset_minutes=labels.UTC_OFFSET_MINUTES,
        duration_words=labels.DURATION_WORDS,
        period_words=labels.PERIOD_WORDS,
    ),
)
ETAG = '"' + hashlib.sha256(LABELS.model_dump_json().encode()).hexdigest()[:20] + '"'
CACHE_HEADERS = {"ETag": ETAG, "Cache-Control": "no-cache"}


@router.get(
    "/api/labels",
    response_model=Labels,
    responses={304: {"description": "The copy the browser holds is current."}},
)
def get_labels(request: Request, response: Response) -> Labels | Response:
    """The Vietnamese names of the codes (roles, the unknown topic, channels, outcomes, hand-off
    statuses, reasons and resolutions, resident groups, scam kinds) and the number,
    per-cent and date formats."""
    if ETAG in request.headers.get("if-none-match", ""):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=CACHE_HEADERS)
    response.headers.update(CACHE_HEADERS)
    return LABELS
