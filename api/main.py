"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.channels.inbox import Handler, Inbox, InboxWorker
from api.channels.replays import WebReplies
from api.channels.store import ChannelStore
from api.channels.telegram import CHANNEL as TELEGRAM
from api.channels.telegram import (
    build_application,
    telegram_handler,
    telegram_sender,
)
from api.channels.zalo import CHANNEL as ZALO
from api.channels.zalo import ZaloBridge, ZaloClient, zalo_handler, zalo_sender
from api.conversation.dialogue import Dialogue, Sessions
from api.conversation.dialogues.handoff import Handoff
from api.conversation.dialogues.helper_mode import HelperMode
from api.conversation.dialogues.place import PlaceQuestion
from api.conversation.dialogues.scam import ScamWarning
from api.conversation.dialogues.survey import SurveyAnswers
from api.conversation.dialogues.trip import TripQuestion
from api.conversation.rasa_client import RasaClient, rasa_session
from api.conversation.ratelimit import (
    FallbackRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    SqlRateLimiter,
)
from api.conversation.service import ConversationService
from api.core.bodylimit import BodyLimit
from api.core.config import Settings, get_settings
from api.core.db import UNREACHABLE, make_engine
from api.core.liveness import Liveness
from api.knowledge.seeding import cached_taxonomy
from api.knowledge.store import KnowledgeStore
from api.notices.dialogue import NoticesDialogue
from api.notices.sending import notice_sender, send_notice
from api.notices.service import unfinished_notices
from api.querylog.pending import PendingTurns, flush_periodically
from api.querylog.refresher import refresh_periodically
from api.relay import outbox_worker
from api.routes import (
    accuracy,
    analytics,
    channels,
    chat,
    guides,
    handoff,
    health,
    helper_mode,
    labels,
    notices,
    report,
    staff,
    teams,
    web,
)
from api.safety.content import load_content
from api.safety.detector import Detector
from api.teams import escalation_contacts

logger = logging.getLogger(__name__)

ERROR_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


# Allocations (less deallocations) between two collections of the youngest objects
# (Python's default: 700).
GC_YOUNG_OBJECTS = 10_000


class _NoSenderIds(logging.Filter):
    """Keeps web sender ids (the web chat's only credential) out of the access log:
    they travel in the query string of /api/chat/updates."""

    _SENDER = re.compile(r"([?&]sender=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = self._SENDER.sub(r"\1…", str(args[2]))
            record.args = tuple(args)
        return True


def _inbox_worker(
    settings: Settings,
    engine: Engine,
    telegram: Any,
    zalo_bridge: ZaloBridge | None,
    liveness: Liveness,
) -> InboxWorker | None:
    """The durable inbox of the webhook channels (None when none is enabled or
    Telegram polls: polling asks Telegram again after a restart)."""
    handlers: dict[str, Handler] = {}
    if telegram is not None and settings.telegram_mode == "webhook":
        handlers[TELEGRAM] = telegram_handler(telegram)
    if zalo_bridge is not None:
        handlers[ZALO] = zalo_handler(zalo_bridge)
    if not handlers:
        return None
    inbox = Inbox(
        engine, settings.token_secret(), settings.inbox_lease_seconds, liveness
    )
    return InboxWorker(inbox, handlers, settings.inbox_poll_seconds)


async def _resume_notices(state: Any) -> None:
    """Sends what a stopped or dead process left of its notices (each delivery is
    claimed before it is sent, so workers resuming together send it once)."""
    try:
        for notice_id in await asyncio.to_thread(unfinished_notices, state.engine):
            await send_notice(state.engine, notice_id, notice_sender(state, notice_id))
    except asyncio.CancelledError:
        raise
    except Exception:  # the gateway serves on; the next start tries again
        logger.exception("resuming unfinished notices failed")


def gateway_dialogues(
    settings: Settings, engine: Engine, answers: KnowledgeStore
) -> list[Dialogue]:
    """The gateway's own dialogues, in the order they get each message. Before Rasa
    the first that takes it answers: a tap on a one-tap question, then a scam in
    progress, then the dialogues with state (helper mode reads the raw link code
    first). After the reply each may add, one question at a time: the printout link
    of helper mode, the offer of a person, the place question, the trip question."""
    sessions = Sessions(engine)
    return [
        SurveyAnswers(),
        ScamWarning(
            answers,
            load_content(settings.seeds_dir),
            Detector.from_seeds(settings.seeds_dir),
        ),
        HelperMode(answers, settings.public_url),
        Handoff(
            sessions,
            escalation_contacts(settings.seeds_dir),
            settings.handoff_claim_hours,
        ),
        NoticesDialogue(),
        PlaceQuestion(sessions),
        TripQuestion(answers, sessions),
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the gateway; long-lived clients are created in the lifespan."""
    settings = settings or get_settings()
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoSenderIds) for f in access.filters):
        access.addFilter(_NoSenderIds())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        liveness = Liveness(engine)
        await asyncio.to_thread(liveness.check)
        http = httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
        rasa_http = rasa_session()
        rasa = RasaClient(rasa_http, settings.rasa_url, settings.rasa_timeout_seconds)
        in_database = SqlRateLimiter(
            engine, settings.rate_limit_messages, settings.rate_limit_window_seconds
        )
        rate_limiter: RateLimiter = (
            FallbackRateLimiter(
                RedisRateLimiter(
                    settings.redis_url,
                    settings.rate_limit_messages,
                    settings.rate_limit_window_seconds,
                ),
                in_database,
            )
            if settings.redis_url
            else in_database
        )
        answers = KnowledgeStore(engine)
        pending = PendingTurns(settings.redis_url, settings.querylog_pending_max)
        conversation = ConversationService(
            rasa=rasa,
            engine=engine,
            store=answers,
            taxonomy=cached_taxonomy(settings.seeds_dir),
            secret_key=settings.pseudonym_secret(),
            max_chars=settings.max_message_chars,
            rate_limiter=rate_limiter,
            dialogues=gateway_dialogues(settings, engine, answers),
            pending=pending,
        )
        store = ChannelStore(engine)
        outbox = outbox_worker(
            settings, engine, relayed=settings.outbox_relay, liveness=liveness
        )
        app.state.outbox = outbox
        app.state.settings = settings
        app.state.engine = engine
        app.state.rasa = rasa
        app.state.rate_limiter = rate_limiter
        app.state.conversation = conversation
        app.state.channel_store = store
        app.state.web_replies = WebReplies(engine)
        app.state.telegram = None
        app.state.zalo = None
        if settings.zalo_enabled:
            token = settings.zalo_access_token
            app.state.zalo = ZaloBridge(
                conversation,
                store,
                ZaloClient(
                    http,
                    settings.zalo_api_url,
                    token.get_secret_value() if token else "",
                ),
                settings,
                outbox,
            )
            outbox.sender(ZALO, zalo_sender(app.state.zalo.client))
        telegram = None
        if settings.telegram_enabled:
            telegram = build_application(settings, conversation, store, outbox)
            await telegram.initialize()
            app.state.telegram = telegram
            outbox.sender(TELEGRAM, telegram_sender(telegram.bot))
            if settings.telegram_mode == "polling":
                # Local use only: one process polls (a second would be refused).
                await telegram.start()
                assert telegram.updater is not None
                await telegram.updater.start_polling(drop_pending_updates=False)
        resumer = asyncio.create_task(_resume_notices(app.state))
        inbox_worker = _inbox_worker(
            settings, engine, telegram, app.state.zalo, liveness
        )
        app.state.inbox = inbox_worker
        inbox_loop = (
            asyncio.create_task(inbox_worker.run())
            if inbox_worker is not None
            else None
        )
        # With a relay (the production profile), it alone sends what is due.
        outbox_loop = (
            None if settings.outbox_relay else asyncio.create_task(outbox.run())
        )
        app.state.pending_turns = pending
        flusher = asyncio.create_task(
            flush_periodically(pending, engine, settings.querylog_flush_seconds)
        )
        refresher = (
            asyncio.create_task(
                refresh_periodically(engine, settings.rollup_refresh_seconds)
            )
            if settings.rollup_refresh_seconds
            else None
        )
        # The garbage collector, tuned for a server's requests (both given back at
        # shutdown): what start-up loaded lives as long as the process and is left
        # out of full collections, which otherwise walk it all (~130 000 objects,
        # ~60 ms on a 2-core machine); and the youngest objects are collected after
        # GC_YOUNG_OBJECTS allocations instead of 700, so the rows of a request
        # are not promoted, then walked again, while it runs. Twenty reports in a
        # row took 80-210 ms instead of 120-360 ms after the first (1M turns).
        collector = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_OBJECTS, *collector[1:])
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            gc.set_threshold(*collector)
            if refresher is not None:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher
            resumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await resumer
            if outbox_loop is not None:
                outbox_loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await outbox_loop
            await outbox.close()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            # A last try, so that a worker stopped after an outage leaves nothing
            # in its memory (what Redis holds waits for the next worker).
            with contextlib.suppress(*UNREACHABLE):
                await asyncio.to_thread(pending.flush, engine)
            pending.close()
            if inbox_loop is not None and inbox_worker is not None:
                inbox_loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await inbox_loop
                await inbox_worker.close()
            if telegram is not None:
                if telegram.updater is not None and telegram.updater.running:
                    await telegram.updater.stop()
                if telegram.running:
                    await telegram.stop()
                await telegram.shutdown()
            if isinstance(rate_limiter, FallbackRateLimiter):
                await rate_limiter.close()
            await http.aclose()
            await rasa_http.close()
            await asyncio.to_thread(liveness.close)
            engine.dispose()

    # The API pages describe every route: for developers, not for the public.
    development = settings.environment != "production"
    app = FastAPI(
        title="Trợ lý Bình dân học vụ số",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if development else None,
        redoc_url="/redoc" if development else None,
        openapi_url="/openapi.json" if development else None,
    )
    app.add_middleware(
        BodyLimit,
        limits=[
            ("/api/chat", settings.max_chat_body_bytes),
            ("/api/feedback", settings.max_chat_body_bytes),
            ("/channels/", settings.max_webhook_body_bytes),
        ],
        default=settings.max_body_bytes,
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

    app.include_router(accuracy.router)
    app.include_router(analytics.router)
    app.include_router(channels.router)
    app.include_router(chat.router)
    app.include_router(guides.router)
    app.include_router(handoff.router)
    app.include_router(labels.router)
    app.include_router(helper_mode.router)
    app.include_router(notices.router)
    app.include_router(report.router)
    app.include_router(health.router)
    app.include_router(staff.router)
    app.include_router(teams.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    return app
