"""Where one turn's time went, hop by hop, for the ``Server-Timing`` header of
POST /api/chat (read by `make bench`, tools/bench_hops.py, and a browser's network
panel). Durations only: no text, no ids."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# Names a client may see, in the order of a turn.
ORDER = (
    "admit",  # normalise, mask, rate limit
    "dialogues",  # the gateway's own dialogues before Rasa (one database session)
    "rasa",  # the HTTP round trip to a Rasa instance
    "rasa-shape",  # inside Rasa: the greeting or thanks around the question dropped
    "rasa-handle",  # inside Rasa: NLU, policies, the action server call
    "rasa-tracker",  # inside Rasa: the tracker read back for the parse result
    "after",  # the dialogues' additions to the reply
    "log",  # the query-log row
)


class Hops:
    """Milliseconds per hop of one turn."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round((time.perf_counter() - started) * 1000, 2)

    def add(self, remote: Mapping[str, object], prefix: str) -> None:
        """Durations another process reported (numbers only; the rest is ignored)."""
        for name, value in remote.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.ms[f"{prefix}-{name}"] = round(float(value), 2)


def server_timing(ms: Mapping[str, float]) -> str:
    """The ``Server-Timing`` header value (RFC: metric;dur=milliseconds)."""
    known = [name for name in ORDER if name in ms]
    return ", ".join(f"{name};dur={ms[name]}" for name in known)
