"""What the generated data and the database look like, and the fresh database."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from tools.bench_analytics.community_sql import COMMUNITY_TABLES
from tools.model import ROOT


def data_profile(engine: Engine) -> dict[str, Any]:
    """What was generated, to check it against the intended mix."""
    with engine.connect() as c:
        row = c.execute(
            text(
                """
                SELECT count(*) AS turns, min(created_at) AS first,
                       max(created_at) AS last,
                       avg((province_code IS NOT NULL)::int) AS with_province,
                       avg((commune_code IS NOT NULL)::int) AS with_commune,
                       avg(length(text_masked)) AS text_chars,
                       avg(length(reply_masked)) AS reply_chars,
                       count(feedback) AS feedback,
                       count(*) FILTER (WHERE outcome = 'answered') AS answered
                FROM querylog_turn
                """
            )
        ).one()

        def shares(column: str) -> dict[str, float]:
            return {
                str(k): round(float(v), 4)
                for k, v in c.execute(
                    text(
                        f"SELECT {column}, count(*)::float / sum(count(*)) OVER () "
                        f"FROM querylog_turn GROUP BY 1 ORDER BY 2 DESC LIMIT 12"
                    )
                )
            }

        citizens = c.execute(
            text(
                """
                SELECT count(*) AS citizens, avg(days) AS days,
                       avg((days >= 2)::int) AS returning
                FROM (SELECT user_pseudonym, count(DISTINCT day) AS days
                      FROM querylog_citizen_day GROUP BY 1) u
                """
            )
        ).one()
        busiest = c.execute(
            text(
                "SELECT day, sum(turns) FROM querylog_daily GROUP BY 1 ORDER BY 2 DESC "
                "LIMIT 1"
            )
        ).one()
        community = _community_profile(c)
        return {
            "turns": row.turns,
            "first_turn": row.first.isoformat(timespec="seconds"),
            "last_turn": row.last.isoformat(timespec="seconds"),
            "channels": shares("channel"),
            "outcomes": shares("outcome"),
            "topics": shares("coalesce(topic, '(none)')"),
            "provinces": shares("coalesce(province_code, '(none)')"),
            "with_province": round(float(row.with_province), 4),
            "with_commune": round(float(row.with_commune), 4),
            "feedback_of_answered": round(row.feedback / max(row.answered, 1), 4),
            "text_chars_mean": round(float(row.text_chars)),
            "reply_chars_mean": round(float(row.reply_chars)),
            "citizens": citizens.citizens,
            "days_per_citizen_mean": round(float(citizens.days), 1),
            "citizens_on_2_days_or_more": round(float(citizens.returning), 3),
            "busiest_day": {"day": busiest[0].isoformat(), "turns": int(busiest[1])},
            "community": community,
        }


def _community_profile(c: Connection) -> dict[str, Any]:
    """The generated hand-offs, helper sessions and notices."""

    def counts(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in c.execute(text(sql))}

    tickets = c.execute(
        text(
            """
            SELECT count(opened_at) AS opened,
                   avg((escalated_at IS NOT NULL)::int)
                       FILTER (WHERE opened_at IS NOT NULL) AS escalated,
                   avg((commune_code IS NOT NULL)::int)
                       FILTER (WHERE opened_at IS NOT NULL) AS with_commune,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       extract(epoch FROM first_reply_at - opened_at) / 60)
                       AS minutes_to_first_reply,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       extract(epoch FROM closed_at - opened_at) / 60)
                       AS minutes_to_close
            FROM handoff_ticket
            """
        )
    ).one()
    messages = c.scalar(text("SELECT count(*) FROM handoff_message")) or 0
    notices = c.execute(
        text(
            "SELECT count(*) AS notices, avg(recipients) AS recipients, "
            "count(province_code) AS with_province FROM notice"
        )
    ).one()

    def rounded(value: Any, digits: int = 1) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "tickets_by_status": counts(
            "SELECT status, count(*) FROM handoff_ticket GROUP BY 1 ORDER BY 2 DESC"
        ),
        "ticket_reasons": counts(
            "SELECT reason, count(*) FROM handoff_ticket WHERE opened_at IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
        "ticket_resolutions": counts(
            "SELECT resolution, count(*) FROM handoff_ticket "
            "WHERE resolution IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        ),
        "tickets_opened": tickets.opened,
        "escalated_of_opened": rounded(tickets.escalated, 4),
        "median_minutes_to_first_reply": rounded(tickets.minutes_to_first_reply),
        "median_minutes_to_close": rounded(tickets.minutes_to_close),
        "messages_per_opened_ticket": round(messages / max(tickets.opened, 1), 2),
        "helper_sessions_by_group": counts(
            'SELECT "group", count(*) FROM helper_session GROUP BY 1 ORDER BY 2 DESC'
        ),
        "helper_sessions_other_task": c.scalar(
            text("SELECT count(*) FROM helper_session WHERE task = 'other'")
        ),
        "subscribers": c.scalar(text("SELECT count(*) FROM notice_subscription")),
        "notices": notices.notices,
        "notices_to_the_province": notices.with_province,
        "recipients_per_notice_mean": rounded(notices.recipients),
        "notice_delivery_statuses": counts(
            "SELECT split_part(status, ':', 1), count(*) FROM notice_delivery "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
    }


def database_info(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        settings = {
            name: c.scalar(text(f"SHOW {name}"))
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "max_parallel_workers_per_gather",
                "jit",
            )
        }
        tables = {}
        for table in (
            "querylog_turn",
            "querylog_daily",
            "querylog_citizen_day",
            *COMMUNITY_TABLES,
        ):
            rows = c.scalar(text(f"SELECT count(*) FROM {table}"))
            sizes = c.execute(
                text(
                    "SELECT pg_total_relation_size(:t), pg_relation_size(:t), "
                    "pg_indexes_size(:t)"
                ),
                {"t": table},
            ).one()
            tables[table] = {
                "rows": rows,
                "total_mb": round(sizes[0] / 2**20, 1),
                "heap_mb": round(sizes[1] / 2**20, 1),
                "indexes_mb": round(sizes[2] / 2**20, 1),
            }
        version = c.scalar(text("SHOW server_version"))
    return {"version": version, "settings": settings, "tables": tables}


def machine_load() -> dict[str, Any]:
    """Load averages and the `uptime` line: the machine is shared."""
    one, five, fifteen = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {
        "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "uptime": uptime,
    }


def git_info() -> dict[str, Any]:
    def run(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    return {
        "commit": run("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(
            run("status", "--porcelain", "--untracked-files=no")
        ),
    }


@contextmanager
def fresh_database(server_url: str, keep: bool) -> Iterator[str]:
    """A new empty database on the server of ``server_url``; dropped on exit unless
    ``keep``."""
    url = make_url(server_url)
    name = f"bdhvs_bench_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
        admin.dispose()
