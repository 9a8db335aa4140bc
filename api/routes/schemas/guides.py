"""A guided procedure as JSON (/api/guides/{answer_id})."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from api.routes.schemas.common import Schema


class GuideOut(Schema):
    """A guided procedure: its steps, source and check date."""

    id: str
    question: str
    answer: str
    steps: list[str]
    source_url: str
    verified_on: date | None = Field(
        description="the day the steps were checked against source_url; null while"
        " a draft"
    )
    print_url: str = Field(description="its printable page (/huong-dan/<id>)")
