"""`make chaos`'s bookkeeping: what counts as lost, a duplicate and a polite answer."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from types import SimpleNamespace

from tools.chaos import (
    PIECE_PREFIX,
    Outage,
    Turn,
    _figures,
    over_delivered,
    over_delivered_at,
    rasa_read_again,
)

POLITE = "Xin lỗi, hệ thống đang bận."


def _driver(turns: list[Turn], outages: list[Outage]) -> SimpleNamespace:
    return SimpleNamespace(
        turns=turns,
        outages=outages,
        refused_attempts=2,
        started=0.0,
        started_wall=datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc),
    )


def test_an_accepted_turn_without_a_reply_or_a_log_row_is_lost() -> None:
    turns = [
        Turn(
            0, "web", "a", 1.0, attempts=1, accepted=True, replies=["x"], replied_at=1.2
        ),
        Turn(1, "telegram", "b", 2.0, attempts=3, accepted=True, replies=[]),
        Turn(
            2,
            "zalo",
            "c",
            3.0,
            attempts=1,
            accepted=True,
            replies=["y", "y"],
            reply_times=[3.5, 4.25],
            replied_at=3.5,
        ),
    ]
    twice = {
        "channel": "web",
        "rows": 2,
        "first_logged": "2026-12-06T09:01:40+00:00",
        "seconds_apart": 1.2,
    }
    logged = {
        "rows": 3,
        "distinct": 2,
        "twice": 1,
        "over_delivered": 0,
        "rasa_read_again": 0,
        "twice_detail": [twice],
    }

    figures = _figures(_driver(turns, []), 10.0, logged, {POLITE})

    assert figures["turns_accepted"] == 3
    assert figures["turns_replied"] == 2
    assert figures["lost"] == {"not_logged": 1, "no_reply": 1, "not_accepted": 0}
    assert figures["duplicates"] == {
        "handled_twice": 1,
        # First logged 100 s after the run started, as the outages' times are given.
        "handled_twice_turns": [{**twice, "at_s": 100.0}],
        "repeated_replies": 1,
        "delivered_more_than_logged": 0,
        "delivered_more_than_logged_at": [],
        "rasa_read_again": 0,
        "rasa_read_again_at_s": [],
    }
    assert figures["no_reply_turns"] == [
        {"channel": "telegram", "sent_at_s": 2.0, "attempts": 3}
    ]
    assert figures["repeated_reply_turns"] == [
        {
            "channel": "zalo",
            "sent_at_s": 3.0,
            "attempts": 1,
            "replies": 2,
            "repeated": ["y"],
            "question": "c",
            "timeline": [[0.5, "y"], [1.25, "y"]],
        }
    ]
    assert figures["latency_ms"]["p50"] in (200.0, 500.0)


def test_turns_sent_during_an_outage_are_split_by_what_the_citizen_got() -> None:
    outage = Outage("action_server_killed", started=5.0, recovered=9.0)
    turns = [
        Turn(0, "web", "a", 4.0, accepted=True, replies=["ok"], replied_at=4.1),
        Turn(1, "web", "b", 6.0, accepted=True, replies=[POLITE], replied_at=6.1),
        Turn(2, "web", "c", 7.0, accepted=True, replies=["ok"], replied_at=7.1),
        Turn(3, "zalo", "d", 8.0, accepted=True, replies=[]),
    ]

    figures = _figures(
        _driver(turns, [outage]), 10.0, {"rows": 4, "distinct": 4, "twice": 0}, {POLITE}
    )

    (during,) = figures["outages"]
    assert during["turns_during"] == 3
    assert during["answered_normally"] == 1
    assert during["polite_try_again"] == 1
    assert during["no_reply"] == 1
    assert during["seconds_to_recover"] == 4.0
    assert figures["polite_try_again_total"] == 1


def test_a_reply_after_the_inbox_lease_is_late_not_lost() -> None:
    turns = [
        Turn(0, "web", "a", 1.0, accepted=True, replies=["x"], replied_at=1.5),
        Turn(1, "zalo", "b", 2.0, accepted=True, replies=["y"], replied_at=2.0 + 95),
    ]

    figures = _figures(
        _driver(turns, []), 100.0, {"rows": 2, "distinct": 2, "twice": 0}, {POLITE}
    )

    assert figures["turns_replied"] == 2
    assert figures["replied_late"] == 1
    assert figures["lost"] == {"not_logged": 0, "no_reply": 0, "not_accepted": 0}


def test_a_message_received_more_often_than_logged_is_a_duplicate_delivery() -> None:
    unsure = "Xin lỗi Anh/Chị, trợ lý chưa hiểu được câu hỏi. Anh/Chị có muốn hỏi…"
    logged = {
        # Two turns of this citizen were answered "unsure", one with an answer.
        "zalo:1": Counter({unsure[:PIECE_PREFIX]: 2, "Anh/Chị vào mục": 1}),
        "telegram:2": Counter({unsure[:PIECE_PREFIX]: 1}),
    }
    delivered = {
        # Both unsure replies arrived close together in one turn's window: sent once
        # each, not a duplicate; the numbered menu is never in the log.
        "zalo:1": [(1.0, unsure), (1.1, unsure), (1.2, "1. Quên mật khẩu")],
        # One unsure reply logged, two received: a second send.
        "telegram:2": [(2.0, unsure), (2.1, unsure)],
    }

    assert over_delivered(delivered, logged) == 1
    assert over_delivered_at(delivered, logged, started=1.5) == [
        {
            "channel": "telegram",
            "message": unsure[:PIECE_PREFIX],
            "logged": 1,
            "arrived_at_s": [0.5, 0.6],
        }
    ]


def test_a_message_rasa_read_more_often_than_it_was_logged_is_counted() -> None:
    logged = Counter({("p1", "cách kích hoạt vneid"): 1, ("p2", "quên mật khẩu"): 1})
    read = Counter(
        {
            ("p1", "cách kích hoạt vneid"): 2,  # asked again, logged once
            ("p2", "quên mật khẩu"): 1,
            ("p2", "/greet"): 3,  # a button's payload: the log holds what was typed
        }
    )
    assert rasa_read_again(read, logged) == 1
    assert rasa_read_again(Counter(logged), logged) == 0
