"""Command line: ``python -m api <command>``.

Commands: serve, relay, migrate, seed, validate-seeds, prepare, create-staff, rollup,
purge, export-examples, report. Only the argument parser lives here: ``serve`` starts
uvicorn, ``relay`` the outbox's sender (api/relay.py), and the other commands are in
api/cli.py, imported only when one of them runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket at ``fd`` (a supervisor's), with its own family.

    uvicorn's ``fd=`` takes every inherited socket for a Unix one, so the event loop
    leaves Nagle's algorithm on for the TCP connections it accepts, and a reply
    written in two parts waits for the client's delayed ACK. A socket built from the
    descriptor alone reads its family, type and protocol from the kernel."""
    return socket.socket(fileno=os.dup(fd))


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m api")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--fd",
        type=int,
        help="serve on this already listening socket (a supervisor's, shared by "
        "the gateway processes it runs) instead of --host/--port",
    )
    sub.add_parser(
        "relay",
        help="send the outbox's Telegram and Zalo messages (the production "
        "profile's sender; the gateway then hands its replies over)",
    )
    sub.add_parser("migrate", help="alembic upgrade head")
    sub.add_parser("seed", help="load seeds/ into the knowledge store and places")
    sub.add_parser("validate-seeds", help="check seeds/ and exit non-zero on problems")
    sub.add_parser(
        "prepare", help="migrate, seed, and (development) create a dev admin"
    )
    staff = sub.add_parser("create-staff", help="create a staff account")
    staff.add_argument("--username", required=True)
    # The roles are checked by api/cli.py against api.staff.models.Role: importing
    # the models here would load SQLAlchemy into every gateway process.
    staff.add_argument("--role", default="admin", help="admin, analyst or community")
    staff.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    rollup = sub.add_parser(
        "rollup",
        help="bring the daily figures up to date (what the gateway does every "
        "BDHVS_ROLLUP_REFRESH_SECONDS)",
    )
    rollup.add_argument(
        "--all", action="store_true", help="rebuild them from every turn still logged"
    )
    sub.add_parser(
        "purge",
        help="delete turns older than BDHVS_RETENTION_DAYS (daily figures are kept)",
    )
    sub.add_parser(
        "export-examples",
        help="write training examples queued in the inbox to nlu_data/reviewed/",
    )
    exporter = sub.add_parser(
        "report", help="export the report for a period and place (.xlsx or .csv)"
    )
    exporter.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    exporter.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
    exporter.add_argument("--province", required=True, help="name or code")
    exporter.add_argument("--commune", help="name or code, within the province")
    exporter.add_argument(
        "--out", type=Path, required=True, help="file.xlsx or file.csv"
    )
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        # The settings the application reads too (get_settings is cached), so the
        # environment and the .env file both count.
        from api.core.config import get_settings

        access_log = get_settings().access_log
        if args.fd is not None:
            config = uvicorn.Config(
                "api.main:create_app",
                factory=True,
                log_level="info",
                access_log=access_log,
            )
            uvicorn.Server(config).run(sockets=[inherited_socket(args.fd)])
            return 0
        uvicorn.run(
            "api.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            access_log=access_log,
        )
        return 0
    if args.command == "relay":
        from api.relay import main as relay

        return relay()
    from api.cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
