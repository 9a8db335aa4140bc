"""GET /healthz: each dependency's state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.core.deps import SettingsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request, settings: SettingsDep) -> JSONResponse:
    """200 when the database, Rasa and the action server are all up, else 503."""
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any driver error means "down" for a health check
        checks["database"] = "down"
    rasa = request.app.state.rasa
    checks["rasa"] = "ok" if await rasa.is_up() else "down"
    action_health = settings.action_server_url.rstrip("/") + "/health"
    checks["action_server"] = "ok" if await rasa.is_up(action_health) else "down"
    healthy = all(state == "ok" for state in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status_code=200 if healthy else 503,
    )
