"""GET /healthz."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.routes.schemas.common import Schema

State = Literal["ok", "down"]


class Checks(Schema):
    """Each dependency's state."""

    database: State
    rasa: State = Field(description="ok when one instance at least answers")
    action_server: State


class Health(Schema):
    """The gateway's dependencies (status 200 when all are up, else 503)."""

    status: Literal["ok", "degraded"]
    checks: Checks
    rasa_instances: dict[str, State] | None = Field(
        default=None,
        description="each Rasa instance's state by URL; only with several instances",
    )
