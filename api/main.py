"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.conversation.rasa_client import RasaClient
from api.conversation.service import ConversationService
from api.core.config import Settings, get_settings
from api.core.db import make_engine
from api.knowledge.seeding import cached_taxonomy
from api.knowledge.store import KnowledgeStore
from api.routes import chat, health, staff, web

logger = logging.getLogger(__name__)

ERROR_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the gateway; long-lived clients are created in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        http = httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
        rasa = RasaClient(http, settings.rasa_url, settings.rasa_timeout_seconds)
        app.state.settings = settings
        app.state.engine = engine
        app.state.rasa = rasa
        app.state.conversation = ConversationService(
            rasa=rasa,
            engine=engine,
            store=KnowledgeStore(engine),
            taxonomy=cached_taxonomy(settings.seeds_dir),
            secret_key=settings.secret_key.get_secret_value(),
            max_chars=settings.max_message_chars,
        )
        try:
            yield
        finally:
            await http.aclose()
            engine.dispose()

    app = FastAPI(
        title="Trợ lý Bình dân học vụ số",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            {
                "detail": {
                    "code": "invalid_request",
                    "message": "Yêu cầu không hợp lệ.",
                    "problems": problems,
                }
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # One error shape everywhere: {"detail": {"code": ..., "message": ...}}.
        detail: Any = exc.detail
        if not isinstance(detail, dict):
            detail = {
                "code": ERROR_CODES.get(exc.status_code, "error"),
                "message": str(detail),
            }
        return JSONResponse(
            {"detail": detail}, status_code=exc.status_code, headers=exc.headers
        )

    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(staff.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    return app
