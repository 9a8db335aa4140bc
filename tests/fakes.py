"""Loopback HTTP servers standing in for Rasa, the Telegram Bot API and the Zalo OA API.

Each records the requests it received and answers from a script, so tests can assert
the exact requests the gateway made.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Request:
    """One request received by a fake server."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def _decode(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        body = json.loads(raw)
        return body if isinstance(body, dict) else {"_": body}
    # python-telegram-bot posts form fields whose values are JSON-encoded.
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


class LoopbackServer:
    """A threaded HTTP server on a free 127.0.0.1 port; subclasses implement
    :meth:`respond` (path, body) -> (status, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._hold: tuple[str, int, threading.Event] | None = None
        # Set while a held request waits (:meth:`hold`).
        self.holding = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer({})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                self._answer(_decode(self.headers.get("Content-Type", ""), raw))

            def _answer(self, body: dict[str, Any]) -> None:
                request = Request(self.path, dict(self.headers.items()), body)
                if server._held(request):
                    self.close_connection = True  # dropped: never taken
                    return
                with server._lock:
                    server.requests.append(request)
                status, reply = server.respond(request)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def hold(self, path_suffix: str, after: int) -> threading.Event:
        """Holds the next request to a path ending with ``path_suffix`` once
        ``after`` such requests were taken: it waits for the returned event, then
        is dropped unanswered and unrecorded, as a message the platform never got
        (its sender died while sending it). One request only."""
        release = threading.Event()
        self._hold = (path_suffix, after, release)
        return release

    def _held(self, request: Request) -> bool:
        with self._lock:
            if self._hold is None or not request.path.endswith(self._hold[0]):
                return False
            suffix, after, release = self._hold
            if sum(r.path.endswith(suffix) for r in self.requests) < after:
                return False
            self._hold = None
        self.holding.set()
        release.wait(timeout=30)
        return True

    def wait_for(
        self, predicate: Callable[[list[Request]], bool], timeout: float = 10
    ) -> list[Request]:
        """The requests once ``predicate`` holds (for work done in the background)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                requests = list(self.requests)
            if predicate(requests):
                return requests
            time.sleep(0.02)
        raise AssertionError(f"condition not met; requests: {self.requests}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeRasa(LoopbackServer):
    """Rasa's gateway channel; ``gate`` (if set) holds every reply until it is set."""

    def __init__(self) -> None:
        self.reply: dict[str, Any] = {"messages": [], "parse": {}, "error": None}
        self.status = 200
        self.gate: threading.Event | None = None
        super().__init__()

    @property
    def received(self) -> list[dict[str, Any]]:
        """The bodies of the messages posted to the webhook."""
        return [r.body for r in self.requests if r.path.endswith("/webhook")]

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        if not request.path.endswith("/webhook"):
            return 200, {"status": "ok"}
        if self.gate is not None:
            self.gate.wait(timeout=30)
        return self.status, self.reply

    def answer(
        self,
        text: str,
        intent: str,
        confidence: float,
        turn: dict[str, Any] | None = None,
        buttons: list[dict[str, str]] | None = None,
    ) -> None:
        """Sets the next reply."""
        messages: list[dict[str, Any]] = [{"recipient_id": "x", "text": text}]
        if buttons:
            messages[0]["buttons"] = buttons
        if turn is not None:
            messages.append({"recipient_id": "x", "custom": {"turn": turn}})
        self.reply = {
            "messages": messages,
            "parse": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
            },
            "error": None,
        }


class FakeTelegram(LoopbackServer):
    """The Bot API at ``{url}/bot<token>/<method>``.

    ``failures[method]`` is a list of (status, description) or (status,
    description, parameters) answered before success;
    ``updates`` are handed out once by getUpdates (polling).
    """

    def __init__(self) -> None:
        self.failures: dict[str, list[tuple[Any, ...]]] = {}
        self.updates: list[dict[str, Any]] = []
        self._message_id = 0
        super().__init__()

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call to ``method``, in order."""
        return [r.body for r in self.requests if r.path.endswith("/" + method)]

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        method = request.path.rsplit("/", 1)[-1]
        pending = self.failures.get(method)
        if pending:
            status, description, *parameters = pending.pop(0)
            answer = {"ok": False, "error_code": status, "description": description}
            if parameters:  # e.g. {"retry_after": 1} with a 429
                answer["parameters"] = parameters[0]
            return status, answer
        if method == "getMe":
            result: Any = {
                "id": 7000001,
                "is_bot": True,
                "first_name": "Trợ lý BDHVS",
                "username": "bdhvs_test_bot",
            }
        elif method == "sendMessage":
            self._message_id += 1
            result = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": request.body.get("chat_id"), "type": "private"},
                "text": request.body.get("text", ""),
            }
        elif method == "getUpdates":
            result, self.updates = self.updates, []
            if not result:
                time.sleep(0.1)  # a short long-poll
        else:  # answerCallbackQuery, deleteWebhook, ...
            result = True
        return 200, {"ok": True, "result": result}


class FakeZaloOA(LoopbackServer):
    """The OA API; ``script`` is a list of (status, body) answered before success."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any]]] = []
        super().__init__()

    @property
    def sent(self) -> list[Request]:
        """Requests to the consultation endpoint."""
        return [r for r in self.requests if r.path == "/v3.0/oa/message/cs"]

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        if self.script:
            return self.script.pop(0)
        return 200, {"error": 0, "message": "Success", "data": {"message_id": "m1"}}


def zalo_signed(
    body: dict[str, Any], app_id: str, oa_secret_key: str, stamp: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """A webhook request as Zalo signs it: the raw body and headers with
    ``X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key)``."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = stamp or str(body["timestamp"])
    mac = hashlib.sha256(
        app_id.encode() + raw + stamp.encode() + oa_secret_key.encode()
    ).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}
