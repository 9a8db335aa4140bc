"""Timing the rollup and every dashboard route through the real application."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.core.clock import today_local
from api.core.config import Settings
from api.main import create_app
from api.querylog.rollup_refresh import refresh
from api.staff.models import Role, StaffUser
from api.staff.security import hash_password
from api.staff.service import token_for
from tools.bench_analytics.community_sql import ADMIN, MEMBER_OF, MEMBERS
from tools.bench_analytics.config import DAYS
from tools.bench_analytics.generate import timer
from tools.bench_analytics.mix import MAIN_PROVINCE
from tools.bench_analytics.profile import machine_load
from tools.bench_common import _percentile


def time_rollup(engine: Engine, now: datetime) -> dict[str, float]:
    """The first build of the daily tables and the refresh every worker runs in the
    background; leaves them as they are just before the next refresh is due (the
    last interval of turns, and SETTLE, read live)."""
    interval = timedelta(
        seconds=Settings.model_fields["rollup_refresh_seconds"].default
    )
    out: dict[str, float] = {"refresh_interval_seconds": interval.total_seconds()}
    with Session(engine) as session, timer(out, "first_build_seconds"):
        refresh(session, now=now - 2 * interval)
    with Session(engine) as session, timer(out, "refresh_seconds"):
        refresh(session, now=now - interval)
    return out


@dataclass(frozen=True)
class Case:
    """One route asked with one period and area, by one role: the analyst (the
    client's own token) unless ``token`` is set."""

    route: str
    path: str
    params: dict[str, str]
    period: str
    area: str
    role: str = "analyst"
    token: str | None = field(default=None, repr=False)


def _cases(
    paths: set[str],
    main: str,
    commune: str | None,
    today: date,
    tokens: Mapping[str, str],
    ticket_id: int | None,
) -> tuple[list[Case], list[str]]:
    """The dashboard's requests: every period route for 3 periods x 3 areas, the
    others once (the hand-off queue as the commune's team member and as an admin,
    with their ``tokens`` by role; ``ticket_id``: the ticket whose page is asked).
    Returns the cases and the routes left out (not in the app)."""
    period_routes = [
        ("overview", "/api/staff/analytics/overview", {}),
        ("volume day", "/api/staff/analytics/volume", {"interval": "day"}),
        ("volume week", "/api/staff/analytics/volume", {"interval": "week"}),
        ("volume month", "/api/staff/analytics/volume", {"interval": "month"}),
        ("topics", "/api/staff/analytics/topics", {}),
        ("pillars", "/api/staff/analytics/pillars", {}),
        ("channels", "/api/staff/analytics/channels", {}),
        (
            "places province",
            "/api/staff/analytics/places",
            {"level": "province", "limit": "10"},
        ),
        (
            "places commune",
            "/api/staff/analytics/places",
            {"level": "commune", "limit": "10"},
        ),
        ("top-questions", "/api/staff/analytics/top-questions", {"limit": "10"}),
        ("feedback", "/api/staff/analytics/feedback", {"limit": "10"}),
        ("community", "/api/staff/analytics/community", {}),
        ("inbox", "/api/staff/inbox", {"status": "open", "limit": "50"}),
        ("report summary", "/api/staff/reports/summary", {}),
        ("report export xlsx", "/api/staff/reports/export", {"format": "xlsx"}),
    ]
    plain_routes = [
        ("me", "/api/staff/me", {}),
        ("answers", "/api/staff/answers", {}),
        ("provinces list", "/api/staff/places/provinces", {}),
        ("communes list", "/api/staff/places/communes", {"province": main}),
        ("turns", "/api/staff/turns", {"limit": "50"}),
        ("training-examples", "/api/staff/training-examples", {}),
    ]
    # (route, path template, path, query, role): asked with that role's token.
    tickets = "/api/staff/tickets"
    role_routes = [
        (f"tickets {status} ({who})", tickets, tickets, query, role)
        for who, role in (("member", "community"), ("admin", "admin"))
        for status in ("active", "closed")
        for query in [{"status": status, "limit": "100"}]
    ]
    if ticket_id is not None:  # none in a very small run
        role_routes.append(
            (
                "ticket detail (member)",
                "/api/staff/tickets/{ticket_id}",
                f"/api/staff/tickets/{ticket_id}",
                {},
                "community",
            )
        )
    role_routes.append(
        (
            "notices (admin)",
            "/api/staff/notices",
            "/api/staff/notices",
            {"limit": "50"},
            "admin",
        )
    )
    periods = {
        "30 days": {},
        "quarter": {
            "from": (today - timedelta(days=91)).isoformat(),
            "to": today.isoformat(),
        },
        "year": {
            "from": (today - timedelta(days=DAYS - 1)).isoformat(),
            "to": today.isoformat(),
        },
    }
    areas: dict[str, dict[str, str]] = {"all": {}, "province": {"province": main}}
    if commune is not None:  # none in a very small run
        areas["commune"] = {"province": main, "commune": commune}
    missing = sorted(
        {p for _, p, _ in [*period_routes, *plain_routes] if p not in paths}
        | {p for _, p, *_ in role_routes if p not in paths}
    )
    cases = []
    for route, path, extra in period_routes:
        if path in paths:
            for period, dates in periods.items():
                for area, place in areas.items():
                    params = {**dates, **place, **extra}
                    cases.append(Case(route, path, params, period, area))
    for route, path, extra in plain_routes:
        if path in paths:
            cases.append(Case(route, path, extra, "-", "-"))
    for route, template, path, extra, role in role_routes:
        if template in paths:
            cases.append(Case(route, path, extra, "-", "-", role, tokens[role]))
    return cases, missing


def time_case(
    client: TestClient, case: Case, warmup: int, repeat: int
) -> dict[str, Any]:
    """``warmup`` untimed then ``repeat`` timed requests; statuses of all of them."""
    timings: list[float] = []
    statuses: set[int] = set()
    failure = ""
    # Another role than the client's analyst: that role's token instead.
    headers = {"Authorization": f"Bearer {case.token}"} if case.token else None
    for n in range(warmup + repeat):
        started = time.perf_counter()
        response = client.get(case.path, params=case.params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        statuses.add(response.status_code)
        if response.status_code != 200 and not failure:
            failure = response.text[:300]
        if n >= warmup:
            timings.append(elapsed)
    status = statuses.pop() if len(statuses) == 1 else sorted(statuses)
    return {
        "route": case.route,
        "path": case.path,
        "params": case.params,
        "period": case.period,
        "area": case.area,
        "role": case.role,
        "status": status,
        "requests": len(timings),
        "p50_ms": _percentile(timings, 50),
        "p95_ms": _percentile(timings, 95),
        "max_ms": round(max(timings), 1),
        "load_1min": round(os.getloadavg()[0], 2),
        **({"failure": failure} if failure else {}),
    }


def _settings(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        environment="test",
        pseudonym_key=SecretStr(secrets.token_urlsafe(32)),
        token_key=SecretStr(secrets.token_urlsafe(32)),
        staff_token_minutes=24 * 60,
        redis_url=None,
        telegram_token=None,
        zalo_app_id=None,
        # The bench refreshes the daily tables itself (and times it).
        rollup_refresh_seconds=0,
    )


def _staff_accounts(
    engine: Engine, commune: str | None, settings: Settings
) -> tuple[str, int | None, dict[str, str]]:
    """The accounts the routes need (every token is checked against its account):
    an analyst, the team member of ``commune`` (who claimed its generated tickets)
    and an admin. Returns the member's username, the newest ticket of the commune
    and a token per role."""
    with Session(engine) as session:
        member = session.scalar(
            text("SELECT " + MEMBER_OF.format("CAST(:commune AS text)")),
            {"commune": commune or "", "members": MEMBERS},
        )
        assert member is not None
        accounts = [
            StaffUser(
                username=username,
                password_hash=hash_password(secrets.token_urlsafe(16)),
                role=role,
                communes=communes,
            )
            for username, role, communes in (
                ("bench-analyst", Role.ANALYST, []),
                (member, Role.COMMUNITY, [commune] if commune else []),
                (ADMIN, Role.ADMIN, []),
            )
        ]
        session.add_all(accounts)
        session.commit()
        tokens = {
            user.role.value: token_for(
                user, settings.token_secret(), settings.staff_token_minutes
            )
            for user in accounts
        }
        ticket_id = session.scalar(
            text(
                "SELECT max(id) FROM handoff_ticket WHERE commune_code = :c "
                "AND status IN ('open', 'claimed', 'closed')"
            ),
            {"c": commune},
        )
    return member, ticket_id, tokens


def time_routes(
    engine: Engine,
    url: str,
    warmup: int,
    repeat: int,
    progress: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """The first request of a day, then every case."""
    settings = _settings(url)
    with engine.connect() as c:
        main = c.scalar(
            text("SELECT code FROM place_province WHERE name = :n"),
            {"n": MAIN_PROVINCE},
        )
        commune = c.scalar(
            text(
                "SELECT commune_code FROM querylog_turn WHERE province_code = :p "
                "AND commune_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"p": main},
        )
    member, ticket_id, tokens = _staff_accounts(engine, commune, settings)
    token = tokens.pop(Role.ANALYST.value)
    app = create_app(settings)
    # The GET routes the application has (the report routes may not exist yet).
    paths = {p for p, ops in app.openapi()["paths"].items() if "get" in ops}
    today = today_local()
    cases, missing = _cases(paths, main, commune, today, tokens, ticket_id)
    results = []
    with TestClient(
        app,
        headers={"Authorization": f"Bearer {token}"},
        raise_server_exceptions=False,
    ) as client:
        load_before = machine_load()
        for case in cases:
            result = time_case(client, case, warmup, repeat)
            results.append(result)
            progress(result)
        load_after = machine_load()
    return {
        "filters": {"province": main, "commune": commune},
        "staff": {"community": member, "admin": ADMIN, "ticket_id": ticket_id},
        "routes_not_in_app": missing,
        "load_before": load_before,
        "load_after": load_after,
        "requests": results,
    }
