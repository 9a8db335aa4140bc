"""GET /healthz: each dependency's state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.routes.deps import SettingsDep
from api.routes.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_class=JSONResponse,
    responses={
        200: {"model": Health, "description": "Every dependency is up."},
        503: {"model": Health, "description": "A dependency is down."},
    },
)
async def healthz(request: Request, settings: SettingsDep) -> JSONResponse:
    """200 when the database, Rasa (one instance at least) and the action server
    are up, else 503; with several Rasa instances, each one's state too."""
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any driver error means "down" for a health check
        checks["database"] = "down"
    rasa = request.app.state.rasa
    instances = {
        url: "ok" if up else "down" for url, up in (await rasa.instances_up()).items()
    }
    checks["rasa"] = "ok" if "ok" in instances.values() else "down"
    action_health = settings.action_server_url.rstrip("/") + "/health"
    checks["action_server"] = "ok" if await rasa.is_up(action_health) else "down"
    healthy = all(state == "ok" for state in checks.values())
    body: dict[str, object] = {
        "status": "ok" if healthy else "degraded",
        "checks": checks,
    }
    if len(instances) > 1:
        body["rasa_instances"] = instances
    return JSONResponse(
        body,
        status_code=200 if healthy else 503,
    )
