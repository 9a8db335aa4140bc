"""Keeps the daily tables current from inside every gateway worker.

Each worker calls :func:`api.querylog.rollup_refresh.refresh` every
``BDHVS_ROLLUP_REFRESH_SECONDS``; the state row's lock lets one of them build while
the others skip, so several workers on several machines refresh about once per
interval between them. Nothing is kept in the process.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.querylog.rollup_refresh import refresh

logger = logging.getLogger(__name__)


def refresh_once(engine: Engine, interval_seconds: float) -> None:
    """One refresh, unless another worker refreshed within half the interval."""
    with Session(engine) as session:
        refresh(session, unless_newer_than=timedelta(seconds=interval_seconds / 2))


async def refresh_periodically(engine: Engine, interval_seconds: float) -> None:
    """Refreshes now, then every ``interval_seconds``, until cancelled; a failed
    refresh is logged and tried again at the next interval."""
    while True:
        try:
            await asyncio.to_thread(refresh_once, engine, interval_seconds)
        except Exception:
            logger.exception("refreshing the daily figures failed")
        await asyncio.sleep(interval_seconds)
