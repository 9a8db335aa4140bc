"""GET /api/labels: one name for every code the API answers with, and the number
formats, served to the staff dashboard; and the dashboard keeping no copy of them
(a copy is how "web" came to have three names)."""

from __future__ import annotations

import enum
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.analytics.filters import CHANNELS
from api.core import labels
from api.core.config import Settings
from api.handoff.models import HandoffReason, Resolution, TicketStatus
from api.helper_mode.models import ResidentGroup
from api.main import create_app
from api.querylog.models import Outcome
from api.routes.schemas.labels import Labels
from api.safety.detector import KINDS
from api.staff.models import Role
from tests.conftest import ROOT

STAFF_JS = ROOT / "api" / "web" / "static" / "staff"


@pytest.fixture(scope="module")
def client() -> TestClient:
    # The labels need no database or Rasa: the lifespan is not run.
    return TestClient(
        create_app(
            Settings(environment="test", secret_key="s" * 32, token_key="t" * 32)
        )
    )


def _codes(kind: type[enum.Enum]) -> set[str]:
    return {str(member.value) for member in kind}


def test_labels_name_every_code_without_sign_in(client: TestClient) -> None:
    response = client.get("/api/labels")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    Labels.model_validate(body)
    expected = {
        "roles": _codes(Role),
        "channels": set(CHANNELS),
        "outcomes": _codes(Outcome),
        "ticket_statuses": _codes(TicketStatus),
        "handoff_reasons": _codes(HandoffReason),
        "resolutions": _codes(Resolution),
        "resident_groups": _codes(ResidentGroup),
        "scam_kinds": set(KINDS),
    }
    for name, codes in expected.items():
        assert set(body[name]) == codes, name
        assert all(label.strip() for label in body[name].values()), name
    # The closing form lists the resolutions in the enum's order.
    assert list(body["resolutions"]) == [r.value for r in Resolution]
    assert body["channels"]["web"] == "Trang web"
    assert body["unknown_topic"] == labels.UNKNOWN_TOPIC
    formats = body["formats"]
    assert (formats["thousands_separator"], formats["decimal_separator"]) == (".", ",")
    assert formats["percent_suffix"] == "\u00a0%"
    assert formats["utc_offset_minutes"] == 7 * 60
    assert formats["date_pattern"] == "dd/mm/yyyy"


def test_labels_are_revalidated_by_etag(client: TestClient) -> None:
    first = client.get("/api/labels")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/api/labels", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    stale = client.get("/api/labels", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200


def test_python_formats_follow_the_conventions() -> None:
    from datetime import date

    assert labels.format_number(1234567) == "1.234.567"
    assert labels.format_percent(0.8523) == "85,2\u00a0%"
    assert labels.format_date(date(2025, 3, 4)) == "04/03/2025"


def _served_texts() -> set[str]:
    """Every name and format word the API serves."""
    sets = (
        labels.ROLES,
        labels.CHANNELS,
        labels.OUTCOMES,
        labels.TICKET_STATUSES,
        labels.HANDOFF_REASONS,
        labels.RESOLUTIONS,
        labels.RESIDENT_GROUPS,
        labels.SCAM_KINDS,
        labels.DURATION_WORDS,
        labels.PERIOD_WORDS,
    )
    return {labels.UNKNOWN_TOPIC} | {t for names in sets for t in names.values()}


@pytest.mark.parametrize("module", ["labels.js", "format.js"])
def test_dashboard_keeps_no_copy_of_the_labels(module: str) -> None:
    source = (STAFF_JS / module).read_text(encoding="utf-8")
    # Only the string literals: comments may give examples.
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', re.sub(r"//[^\n]*", "", source))
    copied = sorted(t for t in _served_texts() if any(t in lit for lit in literals))
    assert not copied, f"{module} spells out names the API serves: {copied}"
    # Nor the formats: the separators, the no-break space and Vietnam's offset.
    assert "\u00a0" not in source and "\\u00a0" not in source
    assert not re.search(r"7\s*\*\s*3600", source)
    assert not any(lit in ("–", "−") for lit in literals)
    assert not re.search(r'/g,\s*"[.,]"', source)  # the grouping separator


def test_dashboard_page_takes_the_names_from_the_labels() -> None:
    """staff.html leaves the names of codes to labels.js (data-label, data-labels):
    its channel and resolution choices, ticket filters and outcome columns."""
    page = (STAFF_JS.parent / "staff.html").read_text(encoding="utf-8")
    sets = (
        labels.CHANNELS,
        labels.OUTCOMES,
        labels.TICKET_STATUSES,
        labels.HANDOFF_REASONS,
        labels.RESOLUTIONS,
    )
    written = sorted(
        name for names in sets for name in names.values() if f">{name}<" in page
    )
    assert not written, f"staff.html spells out names the API serves: {written}"
    assert 'data-labels="channels"' in page
    assert 'data-labels="resolutions"' in page
