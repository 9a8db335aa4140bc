"""The production profile: N Rasa instances, the action server, a gateway with M
workers and the outbox's relay on PostgreSQL and Redis, under supervisord, which
restarts what dies.

``python -m tools.prod run`` (``make run-prod``) reads the settings from the
environment and from ``.env`` (see ``.env.example``; the environment wins), checks
that the profile's services are configured, migrates and seeds the database, writes
``supervisord.conf`` into ``BDHVS_PROD_DIR`` and runs supervisord in the foreground.
``python -m tools.prod ctl status`` (or any supervisorctl command) talks to it.

Secrets never go into the written configuration: the processes inherit them from
supervisord's environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tools.model import ROOT, model_path, rasa_env
from tools.stack import BOT_PYTHON, SERVICES_PYTHON


class ProfileError(Exception):
    """A setting the production profile needs is missing or wrong."""


@dataclass(frozen=True)
class Profile:
    """Where each process listens and how many there are."""

    rasa_instances: int
    rasa_base_port: int
    actions_port: int
    api_host: str
    api_port: int
    api_workers: int
    directory: Path

    @property
    def rasa_ports(self) -> list[int]:
        """One port per Rasa instance."""
        return [self.rasa_base_port + n for n in range(self.rasa_instances)]

    @property
    def socket(self) -> Path:
        """supervisorctl's socket."""
        return self.directory / "supervisor.sock"

    @property
    def config(self) -> Path:
        """The written supervisord configuration."""
        return self.directory / "supervisord.conf"


def _integer(env: dict[str, str], name: str, default: int, low: int = 1) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ProfileError(f"{name} must be a whole number, not {raw!r}") from None
    if value < low:
        raise ProfileError(f"{name} must be at least {low}")
    return value


def load_dotenv_into(env: dict[str, str], path: Path) -> dict[str, str]:
    """``env`` completed by the file at ``path`` (values already in ``env`` win)."""
    from dotenv import dotenv_values

    merged = {k: v for k, v in dotenv_values(path).items() if v is not None}
    merged.update(env)
    return merged


def profile_from(env: dict[str, str]) -> Profile:
    """The profile's shape from ``env``."""
    directory = Path(env.get("BDHVS_PROD_DIR", str(ROOT / "var" / "prod")))
    return Profile(
        rasa_instances=_integer(env, "BDHVS_RASA_INSTANCES", 2),
        rasa_base_port=_integer(env, "BDHVS_RASA_BASE_PORT", 5005),
        actions_port=_integer(env, "BDHVS_ACTIONS_PORT", 5055),
        api_host=env.get("BDHVS_API_HOST", "127.0.0.1"),
        api_port=_integer(env, "BDHVS_API_PORT", 8000),
        api_workers=_integer(env, "BDHVS_API_WORKERS", 2),
        directory=directory if directory.is_absolute() else ROOT / directory,
    )


def process_environment(env: dict[str, str], profile: Profile) -> dict[str, str]:
    """The environment every process inherits: ``env`` checked and completed with
    what each side reads (the gateway's Rasa URLs, Rasa's endpoint variables)."""
    missing = [
        name
        for name in (
            "BDHVS_DATABASE_URL",
            "BDHVS_TRACKER_DATABASE_URL",
            "BDHVS_REDIS_URL",
        )
        if not env.get(name)
    ]
    if missing:
        raise ProfileError(
            "the production profile needs " + ", ".join(missing) + " (see .env.example)"
        )
    for name in ("BDHVS_DATABASE_URL", "BDHVS_TRACKER_DATABASE_URL"):
        if not env[name].startswith("postgresql"):
            raise ProfileError(f"{name} must be a PostgreSQL URL in production")
    completed = dict(env)
    completed.update(
        BDHVS_RASA_URL=",".join(
            f"http://127.0.0.1:{port}" for port in profile.rasa_ports
        ),
        BDHVS_ACTION_SERVER_URL=f"http://127.0.0.1:{profile.actions_port}",
        BDHVS_ACTION_ENDPOINT=f"http://127.0.0.1:{profile.actions_port}/webhook",
        BDHVS_BOT_ENDPOINTS="bot/endpoints.production.yml",
        SANIC_HOST="127.0.0.1",
        # The relay program sends Telegram and Zalo messages; the workers hand over.
        BDHVS_OUTBOX_RELAY="true",
    )
    # No TensorFlow thread settings: Rasa reads them at start by importing TensorFlow,
    # which the instances no longer load at all (bot/lean.py).
    stores = store_environment(
        env["BDHVS_TRACKER_DATABASE_URL"], env["BDHVS_REDIS_URL"]
    )
    for name, value in stores.items():
        completed.setdefault(name, value)
    return completed


def store_environment(tracker_url: str, redis_url: str) -> dict[str, str]:
    """Rasa's endpoint variables for its tracker store and lock store
    (bot/endpoints.production.yml reads them piece by piece), derived from the two
    URLs the gateway reads, so there is one setting of each."""
    tracker = urlsplit(tracker_url)
    redis = urlsplit(redis_url)
    return {
        "BDHVS_TRACKER_DIALECT": "postgresql",
        "BDHVS_TRACKER_HOST": tracker.hostname or "127.0.0.1",
        "BDHVS_TRACKER_PORT": str(tracker.port or 5432),
        "BDHVS_TRACKER_DB": tracker.path.lstrip("/") or "rasa",
        "BDHVS_TRACKER_USER": tracker.username or "",
        "BDHVS_TRACKER_PASSWORD": tracker.password or "",
        "BDHVS_REDIS_HOST": redis.hostname or "127.0.0.1",
        "BDHVS_REDIS_PORT": str(redis.port or 6379),
        "BDHVS_REDIS_DB": redis.path.lstrip("/") or "0",
    }


def gateway_worker(n: int) -> str:
    """supervisorctl's name of the gateway's worker ``n`` (from 0)."""
    return f"api:api-{n}"


def _escape(value: object) -> str:
    """supervisord expands ``%(name)s`` in its configuration: a literal % is %%."""
    return str(value).replace("%", "%%")


def supervisord_conf(profile: Profile, model: Path) -> str:
    """The configuration: one program per Rasa instance, the action server, the
    outbox's relay, the gateway's workers (each a supervised process on
    supervisord's socket)."""
    logs = profile.directory / "logs"
    common = (
        "autostart=true\nautorestart=true\nstartsecs=3\nstartretries=100\n"
        "stopasgroup=true\nkillasgroup=true\nstopwaitsecs=20\n"
        "redirect_stderr=true\nstdout_logfile_maxbytes=20MB\nstdout_logfile_backups=5\n"
        f"directory={_escape(ROOT)}\n"
    )
    sections = [
        "[unix_http_server]",
        f"file={_escape(profile.socket)}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={_escape(logs / 'supervisord.log')}",
        f"pidfile={_escape(profile.directory / 'supervisord.pid')}",
        f"childlogdir={_escape(logs)}",
        "nodaemon=true",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escape(profile.socket)}",
        "",
    ]
    for n, port in enumerate(profile.rasa_ports):
        command = (
            f"{BOT_PYTHON} -m bot run --model {model} --endpoints "
            f"bot/endpoints.production.yml --credentials bot/credentials.yml "
            f"--interface 127.0.0.1 --port {port}"
        )
        sections += [
            f"[program:rasa-{n}]",
            f"command={_escape(command)}",
            f"stdout_logfile={_escape(logs / f'rasa-{n}.log')}",
            common,
        ]
    sections += [
        "[program:actions]",
        "command="
        + _escape(
            f"{SERVICES_PYTHON} -m rasa_sdk --actions actions "
            f"--port {profile.actions_port} --quiet"
        ),
        f"stdout_logfile={_escape(logs / 'actions.log')}",
        common,
        # Sends the Telegram and Zalo messages the gateway's workers hand over
        # (api/relay.py): a worker that dies then has no message half sent.
        "[program:relay]",
        "command=" + _escape(f"{SERVICES_PYTHON} -m api relay"),
        f"stdout_logfile={_escape(logs / 'relay.log')}",
        common,
        # The gateway's listening socket is supervisord's: each worker is a
        # program of its own serving on it (fd 0), so a worker that dies is restarted
        # by supervisord while the others keep accepting, and no process of uvicorn's
        # own sits above them holding a copy of the application.
        "[fcgi-program:api]",
        f"socket=tcp://{profile.api_host}:{profile.api_port}",
        "command=" + _escape(f"{SERVICES_PYTHON} -m api serve --fd 0"),
        "process_name=api-%(process_num)d",
        f"numprocs={profile.api_workers}",
        f"stdout_logfile={_escape(logs)}/api-%(process_num)d.log",
        common,
    ]
    return "\n".join(sections)


def prepare(env: dict[str, str]) -> None:
    """Migrates and seeds the application database."""
    subprocess.run(
        [str(SERVICES_PYTHON), "-m", "api", "prepare"], cwd=ROOT, env=env, check=True
    )


def run(argv: list[str]) -> int:
    """``run``: start the profile in the foreground; ``ctl ARGS``: supervisorctl."""
    env = load_dotenv_into(dict(os.environ), ROOT / ".env")
    profile = profile_from(env)
    supervisor_bin = SERVICES_PYTHON.parent
    if argv[:1] == ["ctl"]:
        return subprocess.call(
            [
                str(supervisor_bin / "supervisorctl"),
                "-c",
                str(profile.config),
                *argv[1:],
            ]
        )
    if argv != ["run"]:
        print(
            "usage: python -m tools.prod run | ctl [supervisorctl arguments]",
            file=sys.stderr,
        )
        return 2
    try:
        processes = process_environment(rasa_env() | env, profile)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = model_path()
    if not model.exists():
        print(
            f"error: no trained model at {model}: run `make train` first",
            file=sys.stderr,
        )
        return 2
    (profile.directory / "logs").mkdir(parents=True, exist_ok=True)
    prepare(processes)
    profile.config.write_text(supervisord_conf(profile, model))
    print(
        f"starting {profile.rasa_instances} Rasa instance(s), the action server and "
        f"{profile.api_workers} gateway worker(s) under supervisord\n"
        f"  gateway: http://{profile.api_host}:{profile.api_port}/  "
        f"(status: python -m tools.prod ctl status; logs: {profile.directory / 'logs'})",
        flush=True,
    )
    os.execve(
        str(supervisor_bin / "supervisord"),
        [str(supervisor_bin / "supervisord"), "-c", str(profile.config)],
        processes,
    )
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
