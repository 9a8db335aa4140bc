"""The commands of ``python -m api`` other than ``serve``: kept out of
``api/__main__.py``, which every gateway process imports (each worker uvicorn's
``--workers`` spawns imports it again), so that they do not load Alembic, the report
writers and the seeding code they never use."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from api.accuracy.service import forget_texts
from api.analytics.examples import export_examples
from api.channels.replays import WebReplies
from api.channels.store import ChannelStore
from api.core.clock import VIETNAM_TZ, today_local
from api.core.config import ROOT, get_settings
from api.core.db import get_engine
from api.knowledge.seeding import cached_taxonomy, seed_knowledge
from api.places.seeding import places_seed_path, seed_places
from api.querylog.retention import purge, purge_tracker_events
from api.querylog.rollup_refresh import rebuild_all, refresh
from api.report import (
    ReportRequestError,
    build_report,
    filters_from_names,
    report_format,
    save_report,
)
from api.seeds import validate_all
from api.staff.models import Role
from api.staff.service import create_staff, staff_count
from api.teams import seed_teams, validate_teams

DEV_ADMIN_FILE = ROOT / "var" / "dev-admin.txt"


def migrate(url: str | None = None) -> None:
    """Brings the database schema to the latest Alembic revision."""
    url = url or get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config(toml_file=str(ROOT / "pyproject.toml"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


def seed() -> None:
    """Loads seeds/ into the knowledge store and community teams (staff edits are
    kept) and the places."""
    seeds_dir = get_settings().seeds_dir
    # Checked before anything is written, as the answers and places are: a broken
    # team file leaves the database as it was.
    team_problems = validate_teams(seeds_dir)
    if team_problems:
        raise ValueError("invalid team seeds:\n" + "\n".join(team_problems))
    # Each step says when it starts: on a new database the three take seconds each.
    with Session(get_engine()) as session:
        print("seeding 1/3: knowledge …", flush=True)
        report = seed_knowledge(session, seeds_dir)
        print(
            f"knowledge: {report.inserted} inserted, {report.updated} updated, "
            f"{report.kept_staff_edits} staff edits kept",
            flush=True,
        )
        print("seeding 2/3: provinces and communes …", flush=True)
        places = seed_places(session, places_seed_path(seeds_dir))
        print(
            f"places: {places} provinces and communes inserted or updated", flush=True
        )
        print("seeding 3/3: community teams …", flush=True)
        teams = seed_teams(session, seeds_dir)
    print(
        f"community teams: {teams.inserted} inserted, {teams.updated} updated, "
        f"{teams.kept_staff_edits} staff edits kept"
    )


def ensure_dev_admin() -> None:
    """In development only: creates 'admin' with a random password if no staff exist."""
    if get_settings().environment != "development":
        return
    with Session(get_engine()) as session:
        if staff_count(session):
            return
        password = secrets.token_urlsafe(12)
        create_staff(session, "admin", password, Role.ADMIN)
    DEV_ADMIN_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEV_ADMIN_FILE.write_text(
        f"username: admin\npassword: {password}\n", encoding="utf-8"
    )
    DEV_ADMIN_FILE.chmod(0o600)


def run(args: argparse.Namespace) -> int:
    """Runs one parsed command (every one but ``serve``)."""
    if args.command == "migrate":
        migrate()
    elif args.command == "seed":
        seed()
    elif args.command == "validate-seeds":
        problems = validate_all(get_settings().seeds_dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"seeds: {len(problems)} problem(s)")
        return 1 if problems else 0
    elif args.command == "prepare":
        migrate()
        seed()
        ensure_dev_admin()
    elif args.command == "create-staff":
        try:
            role = Role(args.role)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            print(f"error: --role must be one of {roles}", file=sys.stderr)
            return 2
        password = (
            sys.stdin.readline().rstrip("\n")
            if args.password_stdin
            else getpass.getpass("Password: ")
        )
        with Session(get_engine()) as session:
            try:
                create_staff(session, args.username, password, role)
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        print(f"created {args.role} {args.username!r}")
    elif args.command == "rollup":
        with Session(get_engine()) as session:
            before = (
                rebuild_all(session, progress=lambda line: print(line, flush=True))
                if args.all
                else refresh(session)
            )
        moment = before.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d %H:%M")
        print(f"daily figures hold every turn logged before {moment} (Vietnam time)")
    elif args.command == "purge":
        settings = get_settings()
        with Session(get_engine()) as session:
            report = purge(
                session, settings.retention_days, settings.activity_retention_days
            )
            forget_texts(session, report.turns_before)
        print(
            f"deleted {report.turns_deleted} turns before {report.turns_before} and "
            f"{report.citizen_days_deleted} citizen-days before {report.activity_before}"
        )
        if settings.tracker_database_url:
            events = purge_tracker_events(
                settings.tracker_database_url, report.turns_before
            )
            print(f"deleted {events} Rasa tracker events before {report.turns_before}")
        replies = WebReplies(get_engine()).purge()
        print(f"deleted {replies} web chat replies kept for messages sent again")
        events = ChannelStore(get_engine()).forget_events()
        print(f"deleted {events} ids of Telegram and Zalo events older than a week")
    elif args.command == "export-examples":
        with Session(get_engine()) as session:
            path = export_examples(session, get_settings().nlu_dir, today_local())
        print(f"wrote {path}" if path else "no accepted training examples to export")
    elif args.command == "report":
        with Session(get_engine()) as session:
            try:
                report_format(args.out)
                filters = filters_from_names(
                    session, args.start, args.end, args.province, args.commune
                )
            except ReportRequestError as exc:
                print(f"Lỗi: {exc}", file=sys.stderr)
                return 1
            taxonomy = cached_taxonomy(get_settings().seeds_dir)
            refresh(session)
            result = build_report(session, taxonomy, filters)
        try:
            save_report(result, args.out)
        except OSError as exc:
            print(f"Lỗi: không ghi được tệp {args.out}: {exc}", file=sys.stderr)
            return 1
        print(result.paragraph)
        print(f"Đã ghi báo cáo: {args.out}")
    return 0
