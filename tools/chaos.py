"""`make chaos`: the production profile under load while its parts are killed.

A benchmark, not a test: bounded, loopback only, it stops by itself. It starts
``python -m tools.prod run`` (two Rasa instances, the action server, a gateway with two
workers and the outbox's relay under supervisord) on fresh PostgreSQL databases and a
Redis server of its own,
with fake Telegram and Zalo OA servers on loopback that record every reply. Then
``--users`` citizens (a third each on web chat, signed Telegram webhooks and signed Zalo
webhooks) send ``--turns`` real questions from the development set, each waiting for
the reply before the next question, as people do. A webhook that is not answered 200
is sent again with the same event, as the platforms do; a web chat request that fails
is sent again with the same message id, as the page does.

During the run it kills, with SIGKILL, a Rasa instance (at 15 % of the turns), the
action server (35 %), the relay that sends the Telegram and Zalo replies (45 %) and a
gateway worker (55 %), and stops Redis for
``--redis-down`` seconds (75 %). It writes bench/chaos.json and a table in
bench/README.md: turns sent, accepted, logged and replied to, duplicates, lost, the
answers given during each outage, the time to recover and the latency percentiles.

Definitions (also in the README table):
* accepted: the gateway answered the web chat request, or the webhook with 200;
* logged: the turn is in ``querylog_turn`` (each citizen's questions are distinct, so
  a (citizen, question) pair logged twice is a turn handled twice: a duplicate);
* replied: at least one message reached the citizen (the HTTP answer, or the fake
  platform server) within ``--reply-timeout`` seconds;
* lost: accepted but never logged or never replied to (must be 0);
* a repeated reply: the same message text twice in one turn's window (the messages
  from the turn's first reply until 0.3 s of quiet); a slow second piece of the turn
  before lands in the next turn's window, so this can count replies that were sent
  once;
* read twice by Rasa: a (citizen, question) pair Rasa's tracker store holds more often
  than the query log does: a message Rasa was asked again though the turn was logged
  once;
* a duplicate delivery: a message a chat received more often than the query log says
  its turns were answered with it (each logged reply split into its messages), the
  exact measure of a second send.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, make_url, text

from tests.fakes import FakeTelegram, FakeZaloOA, Request, zalo_signed
from tools.bench_common import BENCH, _percentile, postgres_url, put_readme_section
from tools.model import ROOT
from tools.prod import SERVICES_PYTHON, gateway_worker

README_START = "<!-- chaos-bench:start (written by tools/chaos.py) -->"
README_END = "<!-- chaos-bench:end -->"
DEV_SET = sorted((ROOT / "tests" / "dev_set").glob("*.yml"))
TELEGRAM_SECRET = "chaos-telegram-secret"
ZALO_APP_ID = "chaos-zalo-app"
ZALO_SECRET = "chaos-zalo-oa-secret"
CHANNELS = ("web", "telegram", "zalo")
LATE_SECONDS = 60
# (share of the turns accepted, what happens)
SCHEDULE = (
    (0.15, "rasa_instance_killed"),
    (0.35, "action_server_killed"),
    (0.45, "relay_killed"),
    (0.55, "gateway_worker_killed"),
    (0.75, "redis_stopped"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _questions() -> list[str]:
    """The development set's real questions, each once."""
    seen: dict[str, None] = {}
    for path in DEV_SET:
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            seen.setdefault(" ".join(str(item["text"]).split()), None)
    return list(seen)


class Inbox:
    """Every message the fake platforms delivered, by chat, with its arrival time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_chat: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def add(self, chat: str, text_: str) -> None:
        with self.lock:
            self.by_chat[chat].append((time.monotonic(), text_))

    def since(self, chat: str, start: int) -> list[tuple[float, str]]:
        with self.lock:
            return list(self.by_chat[chat][start:])

    def count(self, chat: str) -> int:
        with self.lock:
            return len(self.by_chat[chat])


class RecordingTelegram(FakeTelegram):
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        super().__init__()

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.path.endswith("/sendMessage"):
            self.inbox.add(
                f"telegram:{request.body.get('chat_id')}",
                str(request.body.get("text", "")),
            )
        with self._lock:  # the base class keeps every request; a long run needs none
            self.requests.clear()
        return super().respond(request)


class RecordingZalo(FakeZaloOA):
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        super().__init__()

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.path == "/v3.0/oa/message/cs":
            user = request.body.get("recipient", {}).get("user_id")
            message = request.body.get("message", {})
            self.inbox.add(f"zalo:{user}", str(message.get("text", "")))
        with self._lock:
            self.requests.clear()
        return super().respond(request)


@dataclass
class Turn:
    """One question as the citizen lived it."""

    user: int
    channel: str
    question: str
    sent_at: float
    attempts: int = 0
    accepted: bool = False
    replies: list[str] = field(default_factory=list)
    # When each reply arrived (monotonic), for the repeated-reply diagnosis.
    reply_times: list[float] = field(default_factory=list)
    replied_at: float | None = None


@dataclass
class Outage:
    name: str
    started: float
    recovered: float | None = None
    detail: str = ""


@dataclass
class Run:
    """The running profile and what the driver needs to reach it."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    redis_port: int
    redis: subprocess.Popen[bytes] | None = None

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [str(SERVICES_PYTHON), "-m", "tools.prod", "ctl", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        out = self.ctl("pid", program)
        return int(out) if out.isdigit() else 0

    def whole(self) -> bool:
        try:
            response = httpx.get(self.url + "/healthz", timeout=5)
            health = response.json()
        except (httpx.HTTPError, ValueError):
            return False
        instances = health.get("rasa_instances", {})
        return health.get("status") == "ok" and set(instances.values()) == {"ok"}

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.redis_port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait()


@contextmanager
def fresh_databases() -> Iterator[tuple[str, str]]:
    """Two new PostgreSQL databases (the application's, Rasa's tracker store's) on
    the server of BDHVS_TEST_POSTGRES_URL (the local one by default), dropped on the
    way out."""
    url = make_url(postgres_url())
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    names = [f"bdhvs_chaos_{secrets.token_hex(4)}" for _ in range(2)]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(  # type: ignore[misc]
            url.set(database=n).render_as_string(hide_password=False) for n in names
        )
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
        admin.dispose()


class Driver:
    """The citizens, the outages and the bookkeeping."""

    def __init__(self, run: Run, inbox: Inbox, args: argparse.Namespace) -> None:
        self.run = run
        self.inbox = inbox
        self.args = args
        self.questions = _questions()
        self.turns: list[Turn] = []
        self.outages: list[Outage] = []
        self.accepted = 0
        self.refused_attempts = 0
        self.update_id = 0
        self.done = False
        self.started = time.monotonic()
        self.started_wall = datetime.now(timezone.utc)
        self.progress = asyncio.Event()  # set after every turn: the outages' clock

    # ------------------------------------------------------------------ citizens

    async def citizen(self, client: httpx.AsyncClient, user: int, count: int) -> None:
        channel = CHANNELS[user % len(CHANNELS)]
        chat = f"{channel}:{7_000_000 + user}"
        for n in range(count):
            question = self.questions[(user * 11 + n) % len(self.questions)]
            turn = Turn(user, channel, question, time.monotonic())
            self.turns.append(turn)
            if channel == "web":
                await self._web(client, turn, f"chaos-{user}")
            else:
                before = self.inbox.count(chat)
                await self._webhook(client, turn, user)
                if turn.accepted:
                    await self._replies(turn, chat, before)
            if turn.accepted:
                self.accepted += 1
            self.progress.set()

    async def _web(self, client: httpx.AsyncClient, turn: Turn, sender: str) -> None:
        # As the page does: a message sent again keeps its id.
        message_id = secrets.token_hex(8)
        while turn.attempts < 20:
            turn.attempts += 1
            try:
                response = await client.post(
                    self.run.url + "/api/chat",
                    json={
                        "sender": sender,
                        "text": turn.question,
                        "message_id": message_id,
                    },
                )
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                turn.accepted = True
                turn.replied_at = time.monotonic()
                turn.replies = [
                    str(m.get("text", "")) for m in response.json().get("messages", [])
                ]
                return
            self.refused_attempts += 1
            await asyncio.sleep(1)

    def _telegram_body(self, user: int, question: str) -> tuple[bytes, dict[str, str]]:
        self.update_id += 1
        person = {"id": 7_000_000 + user, "first_name": "Dân"}
        body = {
            "update_id": self.update_id,
            "message": {
                "message_id": self.update_id,
                "date": int(time.time()),
                "chat": {**person, "type": "private"},
                "from": {**person, "is_bot": False},
                "text": question,
            },
        }
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
            "Content-Type": "application/json",
        }
        return json.dumps(body, ensure_ascii=False).encode(), headers

    def _zalo_body(self, user: int, question: str) -> tuple[bytes, dict[str, str]]:
        self.update_id += 1
        body = {
            "app_id": ZALO_APP_ID,
            "event_name": "user_send_text",
            "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": str(7_000_000 + user)},
            "recipient": {"id": "chaos-oa"},
            "message": {"msg_id": f"chaos-{self.update_id}", "text": question},
        }
        return zalo_signed(body, ZALO_APP_ID, ZALO_SECRET)

    async def _webhook(self, client: httpx.AsyncClient, turn: Turn, user: int) -> None:
        if turn.channel == "telegram":
            raw, headers = self._telegram_body(user, turn.question)
            path = "/channels/telegram/webhook"
        else:
            raw, headers = self._zalo_body(user, turn.question)
            path = "/channels/zalo/webhook"
        # The same event is sent again until it is acknowledged, as the platforms do.
        while turn.attempts < 20:
            turn.attempts += 1
            try:
                response = await client.post(
                    self.run.url + path, content=raw, headers=headers
                )
                if response.status_code == 200:
                    turn.accepted = True
                    return
            except httpx.HTTPError:
                pass
            self.refused_attempts += 1
            await asyncio.sleep(1)

    async def _replies(self, turn: Turn, chat: str, before: int) -> None:
        """The messages of this turn: from the first reply until the chat has been
        quiet for ``--quiet`` seconds (a citizen reads before typing again)."""
        deadline = turn.sent_at + self.args.reply_timeout
        last = 0
        while time.monotonic() < deadline:
            arrived = self.inbox.since(chat, before)
            if arrived:
                turn.replied_at = turn.replied_at or arrived[0][0]
                if len(arrived) != last:
                    last = len(arrived)
                elif time.monotonic() - arrived[-1][0] >= self.args.quiet:
                    break
            await asyncio.sleep(0.05)
        arrived = self.inbox.since(chat, before)
        turn.replies = [t for _, t in arrived]
        turn.reply_times = [at for at, _ in arrived]

    # ------------------------------------------------------------------ outages

    async def chaos(self) -> None:
        total = self.args.turns
        for share, name in SCHEDULE:
            while self.accepted < share * total and not self.done:
                self.progress.clear()
                await self.progress.wait()
            if self.done:
                return
            outage = Outage(name, time.monotonic())
            self.outages.append(outage)
            await getattr(self, "_" + name)(outage)
            outage.recovered = time.monotonic()
            print(
                f"  {name}: recovered in {outage.recovered - outage.started:.1f} s"
                f" ({outage.detail})",
                flush=True,
            )

    async def _wait(self, condition: Callable[[], bool], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(condition):
                return
            await asyncio.sleep(0.5)
        raise TimeoutError("the profile did not recover")

    async def _killed(self, program: str, outage: Outage) -> None:
        old = await asyncio.to_thread(self.run.pid, program)
        os.kill(old, signal.SIGKILL)
        outage.detail = f"{program} pid {old} killed"

        def back() -> bool:
            pid = self.run.pid(program)
            return bool(pid) and pid != old and self.run.whole()

        await self._wait(back)

    async def _rasa_instance_killed(self, outage: Outage) -> None:
        await self._killed("rasa-0", outage)

    async def _action_server_killed(self, outage: Outage) -> None:
        await self._killed("actions", outage)

    async def _relay_killed(self, outage: Outage) -> None:
        await self._killed("relay", outage)

    async def _gateway_worker_killed(self, outage: Outage) -> None:
        await self._killed(gateway_worker(1), outage)

    async def _redis_stopped(self, outage: Outage) -> None:
        await asyncio.to_thread(self.run.stop_redis)
        await asyncio.sleep(self.args.redis_down)
        await asyncio.to_thread(self.run.start_redis)
        outage.detail = (
            f"Redis stopped for {self.args.redis_down:.0f} s, then restarted empty"
        )
        await self._wait(self.run.whole)

    # ------------------------------------------------------------------ the run

    async def drive(self) -> float:
        per_user = [self.args.turns // self.args.users] * self.args.users
        for i in range(self.args.turns % self.args.users):
            per_user[i] += 1
        limits = httpx.Limits(max_connections=self.args.users + 10)
        started = self.started = time.monotonic()
        self.started_wall = datetime.now(timezone.utc)
        async with httpx.AsyncClient(timeout=90, limits=limits) as client:
            chaos = asyncio.create_task(self.chaos())
            await asyncio.gather(
                *(self.citizen(client, u, c) for u, c in enumerate(per_user))
            )
            self.done = True
            self.progress.set()
            await chaos
        return time.monotonic() - started


def _rows(app_url: str, sql: str) -> list[Any]:
    """The rows of one query on the profile's application database."""
    engine = create_engine(app_url)
    with engine.connect() as connection:
        rows = list(connection.execute(text(sql)).all())
    engine.dispose()
    return rows


def _logged(app_url: str) -> dict[str, Any]:
    """Rows, distinct turns, turns logged more than once, and for each of those its
    channel, when it was first logged and how far apart its rows are (a web chat
    retry comes a second later, an inbox event taken over after its lease later)."""
    rows = _rows(
        app_url,
        "SELECT channel, user_pseudonym, text_masked, count(*) AS n,"
        " min(created_at) AS first, max(created_at) AS last FROM querylog_turn"
        " GROUP BY channel, user_pseudonym, text_masked",
    )
    return {
        "rows": sum(r.n for r in rows),
        "distinct": len(rows),
        "twice": sum(r.n - 1 for r in rows),
        "twice_detail": [
            {
                "channel": r.channel,
                "rows": r.n,
                "first_logged": _utc(r.first).isoformat(timespec="seconds"),
                "seconds_apart": round((r.last - r.first).total_seconds(), 1),
            }
            for r in rows
            if r.n > 1
        ],
    }


def rasa_read_again(
    read: Counter[tuple[str, str]], logged: Counter[tuple[str, str]]
) -> int:
    """Messages Rasa read more often than the query log holds them: (sender,
    text) pairs both know, counted by how many reads exceed the logged turns. A
    turn whose log write was skipped as a repeat (the inbox's turn key) but whose
    message went to Rasa twice shows here, not in "handled twice"."""
    return sum(max(0, n - logged[key]) for key, n in read.items() if key in logged)


def _rasa_reads(
    tracker_url: str,
) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], list[float]]]:
    """How many times Rasa's tracker store holds each (sender, text) message, and
    when it read each (epoch seconds)."""
    rows = _rows(
        tracker_url,
        "SELECT sender_id, data, timestamp FROM events WHERE type_name = 'user'",
    )
    reads: Counter[tuple[str, str]] = Counter()
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for sender, data, stamp in rows:
        key = (sender, json.loads(data).get("text") or "")
        reads[key] += 1
        times[key].append(float(stamp))
    return reads, times


def _logged_messages(app_url: str) -> Counter[tuple[str, str]]:
    rows = _rows(
        app_url,
        "SELECT user_pseudonym, text_masked, count(*) FROM querylog_turn"
        " GROUP BY user_pseudonym, text_masked",
    )
    return Counter({(user, text_): n for user, text_, n in rows})


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Messages are compared by their start: the log keeps the masked text, and a
# channel may cut a long message in two.
PIECE_PREFIX = 40


def _logged_pieces(app_url: str) -> dict[str, Counter[str]]:
    """Per chat ("telegram:<chat id>", "zalo:<user id>"), how many times each message
    (by its start) was in a logged reply."""
    rows = _rows(
        app_url,
        "SELECT c.channel, c.address, t.reply_masked FROM querylog_turn t"
        " JOIN channel_contact c ON c.channel = t.channel"
        " AND c.user_pseudonym = t.user_pseudonym",
    )
    pieces: dict[str, Counter[str]] = defaultdict(Counter)
    for channel, address, reply in rows:
        for piece in (reply or "").split("\n\n"):
            pieces[f"{channel}:{address}"][piece[:PIECE_PREFIX]] += 1
    return pieces


def over_delivered(
    delivered: dict[str, list[tuple[float, str]]], logged: dict[str, Counter[str]]
) -> int:
    """Messages chats received more often than their logged replies hold them.
    Messages the log never holds (a channel's numbered menu) are not compared."""
    extra = 0
    for chat, messages in delivered.items():
        received = Counter(message[:PIECE_PREFIX] for _, message in messages)
        for start, count in received.items():
            if start in logged.get(chat, {}):
                extra += max(0, count - logged[chat][start])
    return extra


def over_delivered_at(
    delivered: dict[str, list[tuple[float, str]]],
    logged: dict[str, Counter[str]],
    started: float,
) -> list[dict[str, Any]]:
    """Where :func:`over_delivered` counts: the chat's channel, the message's start
    and the seconds from ``started`` at which each copy arrived, to place them
    against the outages."""
    found = []
    for chat, messages in delivered.items():
        received: dict[str, list[float]] = defaultdict(list)
        for at, message in messages:
            received[message[:PIECE_PREFIX]].append(at)
        for start, times in received.items():
            if start in logged.get(chat, {}) and len(times) > logged[chat][start]:
                found.append(
                    {
                        "channel": chat.split(":", 1)[0],
                        "message": start,
                        "logged": logged[chat][start],
                        "arrived_at_s": [round(t - started, 1) for t in times],
                    }
                )
    return found


def _figures(
    driver: Driver, elapsed: float, logged: dict[str, Any], polite: set[str]
) -> dict[str, Any]:
    turns = driver.turns
    accepted = [t for t in turns if t.accepted]
    replied = [t for t in accepted if t.replies]
    repeated = sum(len(t.replies) - len(set(t.replies)) for t in accepted)
    latencies = [(t.replied_at - t.sent_at) * 1000 for t in replied if t.replied_at]
    not_logged = max(0, len(accepted) - logged["distinct"])
    outages = []
    for outage in driver.outages:
        end = outage.recovered or outage.started
        during = [t for t in turns if outage.started <= t.sent_at <= end]
        outages.append(
            {
                "event": outage.name,
                "detail": outage.detail,
                "at_s": round(outage.started - driver.started, 1),
                "seconds_to_recover": round(end - outage.started, 1),
                "turns_during": len(during),
                "answered_normally": sum(
                    1 for t in during if t.replies and not polite & set(t.replies)
                ),
                "polite_try_again": sum(1 for t in during if polite & set(t.replies)),
                "no_reply": sum(1 for t in during if t.accepted and not t.replies),
            }
        )
    return {
        "turns_sent": len(turns),
        "turns_accepted": len(accepted),
        "send_attempts_refused": driver.refused_attempts,
        "turns_logged": logged["distinct"],
        "log_rows": logged["rows"],
        "turns_replied": len(replied),
        # Replied, but more than LATE_SECONDS after the question (a taken-over event).
        "replied_late": sum(
            1
            for t in replied
            if t.replied_at is not None and t.replied_at - t.sent_at > LATE_SECONDS
        ),
        "duplicates": {
            "handled_twice": logged["twice"],
            # When each was first logged, in seconds from the start (as the outages).
            "handled_twice_turns": [
                {
                    **detail,
                    "at_s": round(
                        (
                            datetime.fromisoformat(detail["first_logged"])
                            - driver.started_wall
                        ).total_seconds(),
                        1,
                    ),
                }
                for detail in logged.get("twice_detail", [])
            ],
            "repeated_replies": repeated,
            "delivered_more_than_logged": logged.get("over_delivered", "–"),
            "delivered_more_than_logged_at": logged.get("over_delivered_at", []),
            "rasa_read_again": logged.get("rasa_read_again", "–"),
            # Seconds from the start at which Rasa read each such message.
            "rasa_read_again_at_s": logged.get("rasa_read_again_at", []),
        },
        "lost": {
            "not_logged": not_logged,
            "no_reply": len(accepted) - len(replied),
            "not_accepted": len(turns) - len(accepted),
        },
        "polite_try_again_total": sum(1 for t in turns if polite & set(t.replies)),
        # Where to look when a turn went unanswered: its channel, when it was sent
        # (seconds from the start) and how many times it had to be sent.
        "no_reply_turns": [
            {
                "channel": t.channel,
                "sent_at_s": round(t.sent_at - driver.started, 1),
                "attempts": t.attempts,
            }
            for t in accepted
            if not t.replies
        ][:20],
        # Where to look when a turn got the same message twice: which outage it fell
        # in tells a re-sent outbox row from a late message of the turn before.
        "repeated_reply_turns": [
            {
                "channel": t.channel,
                "sent_at_s": round(t.sent_at - driver.started, 1),
                "attempts": t.attempts,
                "replies": len(t.replies),
                "repeated": sorted(
                    {r[:60] for r in t.replies if t.replies.count(r) > 1}
                ),
                "question": t.question[:80],
                # Seconds after the turn was sent, and the start of each reply.
                "timeline": [
                    [round(at - t.sent_at, 2), r[:40]]
                    for at, r in zip(t.reply_times, t.replies, strict=True)
                ],
            }
            for t in accepted
            if len(t.replies) != len(set(t.replies))
        ][:20],
        "outages": outages,
        "latency_ms": _latency(latencies),
        # To the first reply: web chat's is its HTTP answer, a webhook turn's its
        # first message to the platform.
        "latency_ms_by_channel": {
            channel: _latency(
                [
                    (t.replied_at - t.sent_at) * 1000
                    for t in replied
                    if t.replied_at and t.channel == channel
                ]
            )
            for channel in CHANNELS
        },
        "throughput_turns_per_s": round(len(accepted) / elapsed, 1)
        if elapsed
        else None,
        "elapsed_s": round(elapsed, 1),
    }


def _latency(latencies: list[float]) -> dict[str, float | None]:
    return {
        "p50": _percentile(latencies, 50) if latencies else None,
        "p95": _percentile(latencies, 95) if latencies else None,
        "p99": _percentile(latencies, 99) if latencies else None,
        "mean": round(statistics.fmean(latencies), 1) if latencies else None,
    }


def _write(results: dict[str, Any]) -> None:
    BENCH.mkdir(exist_ok=True)
    (BENCH / "chaos.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    f = results["figures"]
    rows = "\n".join(
        f"| {o['event']} | {o['seconds_to_recover']} | {o['turns_during']} |"
        f" {o['answered_normally']} | {o['polite_try_again']} | {o['no_reply']} |"
        for o in f["outages"]
    )
    lat = f["latency_ms"]
    by_channel = ", ".join(
        f"{channel} {figures['p50']} / {figures['p95']}"
        for channel, figures in f.get("latency_ms_by_channel", {}).items()
    )
    twice = f["duplicates"].get("handled_twice_turns") or []
    handled_twice = (
        "Turns handled twice (channel, first logged at s, rows s apart): "
        + "; ".join(
            f"{t['channel']} {t['at_s']} s, {t['seconds_apart']} s" for t in twice
        )
        + ".\n"
        if twice
        else ""
    )
    section = f"""{README_START}
## Chaos: the production profile while its parts are killed (`make chaos`)

{results["measured_at"]}, `{results["command"]}`, {results["machine"]}.
{results["settings"]["users"]} citizens (web chat, Telegram, Zalo OA webhooks to fake
platform servers on loopback), real questions from the development set.

| turns sent | accepted | logged | replied | of which after {LATE_SECONDS} s | handled twice | read twice by Rasa | delivered twice | lost (not logged / no reply) |
|---|---|---|---|---|---|---|---|---|
| {f["turns_sent"]} | {f["turns_accepted"]} | {f["turns_logged"]} | {f["turns_replied"]} | {f.get("replied_late", "–")} | {f["duplicates"]["handled_twice"]} | {f["duplicates"].get("rasa_read_again", "–")} | {f["duplicates"].get("delivered_more_than_logged", "–")} | {f["lost"]["not_logged"]} / {f["lost"]["no_reply"]} |

| outage | recovered after (s) | turns sent meanwhile | answered | polite "try again" | no reply |
|---|---|---|---|---|---|
{rows}

"Handled twice": a message logged twice. "Read twice by Rasa": a message Rasa's
tracker store holds more often than the query log (a webhook event handled again
after its worker died before handing its reply over, logged once under the event's
key; or a turn passed to the other Rasa instance after the first had read it and
died). "Delivered twice": messages a chat received more often than the query log says its
turns were answered with them (a second send). The driver's own count of the same text
twice in one turn's window (it closes a turn after 0.3 s of quiet, so a slow piece of
the turn before can land in it): {f["duplicates"]["repeated_replies"]}.
{handled_twice}Send attempts refused (sent again): {f["send_attempts_refused"]}. Latency from the
question to the first reply: p50 {lat["p50"]} ms, p95 {lat["p95"]} ms, p99 {lat["p99"]} ms;
{f["throughput_turns_per_s"]} turns/s over {f["elapsed_s"]} s, outages included. By
channel, p50 / p95 ms: {by_channel}.
{README_END}"""
    put_readme_section(README_START, README_END, section)


def _profile_env(
    app_url: str,
    tracker_url: str,
    redis_port: int,
    directory: Path,
    telegram: str | None,
    zalo: str | None,
) -> tuple[dict[str, str], str]:
    """The profile's environment, with Telegram and Zalo OA when their (fake)
    servers' URLs are given; and the gateway's URL."""
    api_port = _free_port()
    env = dict(os.environ)
    env.update(
        BDHVS_ENVIRONMENT="production",
        BDHVS_PSEUDONYM_KEY="chaos-benchmark-pseudonym-key",
        BDHVS_TOKEN_KEY="chaos-benchmark-token-key",
        BDHVS_DATABASE_URL=app_url,
        BDHVS_TRACKER_DATABASE_URL=tracker_url,
        BDHVS_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        BDHVS_PROD_DIR=str(directory),
        BDHVS_RASA_INSTANCES="2",
        BDHVS_RASA_BASE_PORT=str(_free_port()),
        BDHVS_ACTIONS_PORT=str(_free_port()),
        BDHVS_API_PORT=str(api_port),
        BDHVS_API_WORKERS="2",
        # A load test, not a rate-limit test: each citizen here writes far faster
        # than a person can.
        BDHVS_RATE_LIMIT_MESSAGES="1000000",
        # Every web chat citizen here comes from 127.0.0.1.
        BDHVS_ADDRESS_MESSAGES_PER_MINUTE="1000000",
    )
    if telegram is not None:
        env.update(
            BDHVS_TELEGRAM_TOKEN="1000:chaos-token",
            BDHVS_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
            BDHVS_TELEGRAM_API_URL=telegram,
        )
    if zalo is not None:
        env.update(
            BDHVS_ZALO_APP_ID=ZALO_APP_ID,
            BDHVS_ZALO_OA_SECRET_KEY=ZALO_SECRET,
            BDHVS_ZALO_ACCESS_TOKEN="chaos-zalo-token",
            BDHVS_ZALO_API_URL=zalo,
        )
    return env, f"http://127.0.0.1:{api_port}"


@contextmanager
def running_profile(
    directory: Path, telegram: str | None = None, zalo: str | None = None
) -> Iterator[tuple[Run, str]]:
    """`make run-prod` on fresh PostgreSQL databases and a Redis server of its own,
    until it is whole; yields it and the application database's URL, and stops it
    all on the way out."""
    directory.mkdir(parents=True, exist_ok=True)
    with fresh_databases() as (app_url, tracker_url):
        redis_port = _free_port()
        env, url = _profile_env(
            app_url, tracker_url, redis_port, directory, telegram, zalo
        )
        log = (directory / "run-prod.log").open("wb")
        run = Run(url, env, None, redis_port)  # type: ignore[arg-type]
        run.start_redis()
        run.process = subprocess.Popen(
            [str(SERVICES_PYTHON), "-m", "tools.prod", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            print("starting the production profile ...", flush=True)
            deadline = time.monotonic() + 600
            while not run.whole():
                if run.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the profile did not start; see {directory / 'run-prod.log'}"
                    )
                time.sleep(1)
            yield run, app_url
        finally:
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGTERM)
                try:
                    run.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(run.process.pid, signal.SIGKILL)
                    run.process.wait()
            run.stop_redis()
            log.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.3,
        help="seconds of silence that end a turn's replies",
    )
    # Longer than the inbox's lease (BDHVS_INBOX_LEASE_SECONDS, 90 s): an event a killed
    # worker held is taken over when the lease lapses, so its reply comes late, not
    # never; "late" below counts those.
    parser.add_argument("--reply-timeout", type=float, default=150)
    parser.add_argument("--redis-down", type=float, default=15)
    parser.add_argument(
        "--no-write", action="store_true", help="print, do not write bench/"
    )
    args = parser.parse_args(argv)

    from api.conversation.messages import RASA_UNAVAILABLE

    inbox = Inbox()
    telegram, zalo = RecordingTelegram(inbox), RecordingZalo(inbox)
    directory = Path(os.environ.get("BDHVS_CHAOS_DIR", ROOT / "var" / "chaos"))
    try:
        with running_profile(directory, telegram.url, zalo.url) as (run, app_url):
            print(
                f"driving {args.turns} turns with {args.users} citizens ...", flush=True
            )
            driver = Driver(run, inbox, args)
            elapsed = asyncio.run(driver.drive())
            time.sleep(5)  # the last rows of the query log
            logged = _logged(app_url)
            with inbox.lock:
                delivered = {chat: list(m) for chat, m in inbox.by_chat.items()}
            pieces = _logged_pieces(app_url)
            logged["over_delivered"] = over_delivered(delivered, pieces)
            logged["over_delivered_at"] = over_delivered_at(
                delivered, pieces, driver.started
            )
            reads, read_at = _rasa_reads(run.env["BDHVS_TRACKER_DATABASE_URL"])
            messages = _logged_messages(app_url)
            logged["rasa_read_again"] = rasa_read_again(reads, messages)
            # When Rasa read each of those, to tell which outage it fell in.
            logged["rasa_read_again_at"] = [
                [round(t - driver.started_wall.timestamp(), 1) for t in sorted(at)]
                for key, at in read_at.items()
                if key in messages and reads[key] > messages[key]
            ]
            figures = _figures(driver, elapsed, logged, {RASA_UNAVAILABLE})
    finally:
        telegram.close()
        zalo.close()
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make chaos",
        "machine": f"{os.cpu_count()} cores",
        "settings": vars(args),
        "figures": figures,
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if not args.no_write:
        _write(results)


if __name__ == "__main__":
    main()
