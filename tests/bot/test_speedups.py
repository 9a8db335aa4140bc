"""bot/speedups.py, as the gateway channel installs it: the action server's answers
are checked against Rasa's schema as before, and event names resolve to the classes
Rasa's own lookup finds."""

from __future__ import annotations

import asyncio
import json
import math
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip(
    "rasa", reason="bot tier runs in the bot environment (make test-bot)"
)

import jsonschema
import ujson
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import speedups
from bot.channels.gateway import (
    session_length,
)  # installs them, as Rasa's start-up does

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "place", "value": "18073"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Chào Anh/Chị", "buttons": []}],
    },
    {},
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"responses": ["text, not an object"]},
]


def _action() -> RemoteAction:
    return RemoteAction("action_answer_faq", None)


def test_the_installed_check_is_the_speedup() -> None:
    assert RemoteAction._validate_action_result is speedups.validate_action_result


@pytest.mark.parametrize("answer", VALID)
def test_a_valid_answer_passes_as_with_jsonschema_validate(
    answer: dict[str, Any],
) -> None:
    jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert _action()._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", INVALID)
def test_an_invalid_answer_raises_the_same_error_with_rasas_message(
    answer: dict[str, Any],
) -> None:
    with pytest.raises(jsonschema.ValidationError) as upstream:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        _action()._validate_action_result(answer)

    assert ours.value.message.startswith(upstream.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(upstream.value.path)


def test_every_event_name_resolves_to_the_class_rasas_lookup_finds() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        first = next(c for c in all_subclasses(Event) if c.type_name == name)
        assert Event.resolve_by_type(name) is first


def test_unknown_names_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class LateEvent(Event):
        type_name = "bdhvs_late_event"

        def as_story_string(self) -> str:
            return ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, LateEvent)

        def __hash__(self) -> int:
            return 0

    assert Event.resolve_by_type("bdhvs_late_event") is LateEvent


def test_the_tracker_rasa_saves_is_handed_to_the_request_waiting_for_it() -> None:
    store = InMemoryTrackerStore(Domain.empty())
    processor = SimpleNamespace(tracker_store=store)
    mine = DialogueStateTracker.from_events(
        "s1", [UserUttered("chào", message_id="m1")]
    )
    other = DialogueStateTracker.from_events("s2", [UserUttered("hi", message_id="m2")])

    with speedups.saved_tracker("m1") as saved:
        assert saved() is None
        asyncio.run(MessageProcessor.save_tracker(processor, other))  # type: ignore[arg-type]
        assert saved() is None
        asyncio.run(MessageProcessor.save_tracker(processor, mine))  # type: ignore[arg-type]
        assert saved() is mine

    assert saved() is None  # nothing is kept once the request is done
    assert asyncio.run(store.retrieve("s1")) is not None  # Rasa's own save happened
    assert asyncio.run(store.retrieve("s2")) is not None


def test_the_session_length_counts_from_the_last_session_start() -> None:
    start = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted()]
    turn = [UserUttered("chào", message_id="x"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("s", start + turn * 5 + start + turn)

    assert session_length(tracker) == len(start + turn)
    assert session_length(DialogueStateTracker.from_events("s", turn)) == len(turn)


def _sql_store(dialect: str, tmp_path: Any) -> tuple[Any, Any]:
    """Rasa's SQL tracker store on SQLite or on a fresh PostgreSQL database; and
    what drops it."""
    from rasa.core.tracker_store import SQLTrackerStore

    from tests.bot.conftest import postgres_tracker_store
    from tests.conftest import _fresh_postgres_database, postgres_base_url

    if dialect == "sqlite":
        store = SQLTrackerStore(
            Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")
        )
        return store, store.engine.dispose
    base = postgres_base_url().replace("postgresql+psycopg://", "postgresql://", 1)
    url, drop = _fresh_postgres_database(base)
    store = postgres_tracker_store(url)

    def dispose() -> None:
        store.engine.dispose()
        drop()

    return store, dispose


def _turn(tracker: DialogueStateTracker, n: int, at: float) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet

    parse = {
        "intent": {"name": "faq", "confidence": 0.9},
        "text": f"câu hỏi {n}",
        "entities": [],
    }
    tracker.update(UserUttered(f"câu hỏi {n}", parse_data=parse, timestamp=at))
    tracker.update(ActionExecuted("action_answer_faq", timestamp=at + 0.1))
    tracker.update(BotUttered(f"Anh/Chị trả lời {n}", timestamp=at + 0.2))
    tracker.update(SlotSet("last_answer", f"a{n}", timestamp=at + 0.3))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.4))


def _session_start(tracker: DialogueStateTracker, at: float) -> None:
    tracker.update(ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at))
    tracker.update(SessionStarted(timestamp=at + 0.01))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.02))


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_sql_tracker_store_reads_and_writes_what_rasa_s_own_does(
    dialect: str, tmp_path: Any
) -> None:
    """Two conversations, each saved turn by turn, one by Rasa's store and one by the
    speedup, across two sessions: the same rows and the same trackers back."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import select

    assert SQLTrackerStore._retrieve is speedups.retrieve_events
    assert SQLTrackerStore.save is speedups.save_events
    store, dispose = _sql_store(dialect, tmp_path)
    loop = asyncio.new_event_loop()
    try:
        ways = {
            "rasa": (speedups._rasa_sql_retrieve, speedups._rasa_sql_save),
            "speedup": (speedups.retrieve_events, speedups.save_events),
        }
        for sender, (retrieve, save) in ways.items():
            tracker = DialogueStateTracker(sender, [])
            _session_start(tracker, 1000.0)
            for n in range(6):
                if n == 3:  # a new session after three turns
                    _session_start(tracker, 2000.0)
                _turn(tracker, n, 1000.0 + 1000 * (n >= 3) + 10 * (n + 1))
                loop.run_until_complete(save(store, tracker))
                back = loop.run_until_complete(retrieve(store, sender, False))
                assert back is not None
                # The tracker carries on from what was stored, as Rasa's turns do.
                tracker = back
        table = store.SQLEvent.__table__
        columns = [c for c in table.c if c.name not in ("id", "sender_id")]
        with store.engine.connect() as connection:
            rows = {
                sender: connection.execute(
                    select(*columns)
                    .where(table.c.sender_id == sender)
                    .order_by(table.c.id)
                ).all()
                for sender in ways
            }
        assert len(rows["rasa"]) == 3 + 3 * 5 + 3 + 3 * 5
        assert [r._asdict() for r in rows["speedup"]] == [
            r._asdict() for r in rows["rasa"]
        ]
        for fetch_all in (False, True):
            trackers = {
                sender: loop.run_until_complete(
                    speedups._rasa_sql_retrieve(store, sender, fetch_all)
                    if sender == "rasa"
                    else speedups.retrieve_events(store, sender, fetch_all)
                )
                for sender in ways
            }
            mine, theirs = (
                [e.as_dict() for e in trackers[s].events]  # type: ignore[union-attr]
                for s in ("speedup", "rasa")
            )
            assert mine == theirs
            # The session starts at its SessionStarted (Rasa's query): 2 + 3 turns of 5.
            assert len(mine) == (36 if fetch_all else 17)
        assert (
            loop.run_until_complete(speedups.retrieve_events(store, "nobody", False))
            is None
        )
    finally:
        loop.close()
        dispose()


@pytest.mark.postgres
def test_a_turn_s_read_and_save_send_no_begin_or_commit(tmp_path: Any) -> None:
    """On PostgreSQL the speedup's statements run in autocommit: no transaction is
    open when they are sent, so no BEGIN, ROLLBACK or COMMIT goes with them."""
    from sqlalchemy import event

    store, dispose = _sql_store("postgresql", tmp_path)
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        dbapi = conn.connection.dbapi_connection
        seen.append((statement.split()[0], dbapi.autocommit))

    event.listen(store.engine, "before_cursor_execute", record)
    loop = asyncio.new_event_loop()
    try:
        tracker = DialogueStateTracker("autocommit", [])
        _session_start(tracker, 1000.0)
        _turn(tracker, 0, 1010.0)
        loop.run_until_complete(speedups.save_events(store, tracker))
        back = loop.run_until_complete(
            speedups.retrieve_events(store, "autocommit", False)
        )
        assert back is not None
        assert [verb for verb, _ in seen] == ["SELECT", "INSERT", "SELECT"]
        assert all(autocommit for _, autocommit in seen)
        seen.clear()
        loop.run_until_complete(speedups._rasa_sql_save(store, tracker))
        assert seen and not any(autocommit for _, autocommit in seen)  # Rasa's own
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
        loop.close()
        dispose()


@pytest.mark.postgres
def test_a_session_is_read_from_its_own_range_of_the_sender_s_events(
    tmp_path: Any,
) -> None:
    """A sender with 3 000 earlier events in 50 sessions: the session query and the
    count before a save go to the session's range of the (sender, time) index, which
    a table Rasa created before the index gets when the store starts."""
    import sqlalchemy as sa

    from tests.bot.conftest import postgres_tracker_store

    store, dispose = _sql_store("postgresql", tmp_path)
    try:
        table = store.SQLEvent.__table__
        with store.engine.begin() as connection:
            connection.execute(sa.text(f"DROP INDEX {speedups.SESSION_INDEX}"))
        store = postgres_tracker_store(str(store.engine.url))  # starts again
        indexes = sa.inspect(store.engine).get_indexes(table.name)
        assert {i["name"]: i["column_names"] for i in indexes}[
            speedups.SESSION_INDEX
        ] == ["sender_id", "timestamp"]

        rows = [
            {
                "sender_id": f"s{s}",
                "type_name": "session_started" if k % 60 == 0 else "user",
                "timestamp": 1_700_000_000.0 + k,
                "intent_name": None,
                "action_name": None,
                "data": "{}",
            }
            for s in range(20)
            for k in range(3000)
        ]
        statements = speedups._event_statements(table)
        with store.engine.begin() as connection:
            connection.execute(statements["insert"], rows)
            connection.execute(sa.text("ANALYZE events"))
        with store.engine.connect() as connection:
            assert (
                len(
                    connection.execute(statements["session"], {"sender_id": "s7"}).all()
                )
                == 60
            )
            for key in ("session", "count"):
                query = statements[key].compile(store.engine)
                plan = (
                    connection.exec_driver_sql(
                        "EXPLAIN " + str(query),
                        {**query.params, "sender_id": "s7"},
                    )
                    .scalars()
                    .all()
                )
                assert speedups.SESSION_INDEX in "\n".join(plan), key
    finally:
        dispose()


def test_a_store_starts_whether_or_not_it_could_add_the_index(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Two instances starting at once: the one that loses the race to create the
    index starts quietly; a database that refuses it still serves, with a warning."""
    import sqlalchemy as sa

    store, dispose = _sql_store("sqlite", tmp_path)
    try:

        def refused(*_: Any, **__: Any) -> None:
            raise sa.exc.OperationalError("CREATE INDEX", {}, Exception("refused"))

        monkeypatch.setattr(sa.Index, "create", refused)
        with caplog.at_level("WARNING", logger="bot.speedups"):
            speedups.index_sessions(store)  # it exists: another instance made it
        assert not caplog.records
        with store.engine.begin() as connection:
            connection.execute(sa.text(f"DROP INDEX {speedups.SESSION_INDEX}"))
        with caplog.at_level("WARNING", logger="bot.speedups"):
            speedups.index_sessions(store)
        assert [r.getMessage() for r in caplog.records] == [
            f"could not add {speedups.SESSION_INDEX} to the tracker store"
        ]
    finally:
        dispose()


def _runners(agent: Any) -> tuple[Any, Any]:
    """The agent's runner (sequential, as installed) and a DaskGraphRunner over the
    very same nodes."""
    from rasa.engine.runner.dask import DaskGraphRunner

    runner = agent.processor.graph_runner
    assert isinstance(runner, speedups.SequentialGraphRunner)
    dask_runner = DaskGraphRunner.__new__(DaskGraphRunner)
    dask_runner.__dict__.update(
        {k: v for k, v in runner.__dict__.items() if k != "_orders"}
    )
    return runner, dask_runner


def test_the_graph_runs_as_with_dask(agent: Any) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import UserUttered

    runner, dask_runner = _runners(agent)
    metadata = agent.processor.model_metadata
    domain = agent.domain
    for text in ["xin chào", "kích hoạt vneid mức 2 thế nào", "quen mat khau dvc", ""]:
        tracker = DialogueStateTracker("s", domain.slots)
        inputs = {"__message__": [UserMessage(text)], "__tracker__": tracker}
        ours = runner.run(inputs=inputs, targets=[metadata.nlu_target])
        theirs = dask_runner.run(inputs=inputs, targets=[metadata.nlu_target])
        assert list(ours) == list(theirs) == [metadata.nlu_target]
        assert ours[metadata.nlu_target][0].as_dict() == (
            theirs[metadata.nlu_target][0].as_dict()
        )
        parsed = ours[metadata.nlu_target][0].as_dict(only_output_properties=True)
        tracker.update(UserUttered(text, parsed.get("intent"), [], parse_data=parsed))
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(text, parsed.get("intent"), [], parse_data=parsed))
        ours = runner.run(
            inputs={"__tracker__": tracker}, targets=[metadata.core_target]
        )
        theirs = dask_runner.run(
            inputs={"__tracker__": tracker}, targets=[metadata.core_target]
        )
        assert ours[metadata.core_target] == theirs[metadata.core_target]
    # The order of each target set is worked out once.
    assert set(runner._orders) == {(metadata.nlu_target,), (metadata.core_target,)}


def test_every_node_a_target_needs_runs_after_what_it_needs(agent: Any) -> None:
    schema = agent.processor.graph_runner._graph_schema
    for target in schema.target_names:
        order = speedups.graph_order(schema, (target,))
        names = [name for name, _ in order]
        assert set(names) == set(schema.minimal_graph_schema([target]).nodes)
        for position, (name, needs) in enumerate(order):
            assert needs == tuple(schema.nodes[name].needs.values())
            for need in needs:
                if need in schema.nodes:
                    assert names.index(need) < position, (name, need)


def test_an_input_named_like_a_node_is_refused(agent: Any) -> None:
    from rasa.engine.exceptions import GraphRunError

    runner, _ = _runners(agent)
    target = agent.processor.model_metadata.nlu_target
    node = next(iter(runner._graph_schema.minimal_graph_schema([target]).nodes))
    with pytest.raises(GraphRunError):
        runner.run(inputs={"x": node}, targets=[target])


def _tracker_state() -> dict[str, Any]:
    """A session as the action server receives it: Vietnamese text, parse data with
    rankings and confidences, slots, timestamps."""
    events: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted()]
    for n in range(8):
        events += [
            UserUttered(
                "Làm sao kích hoạt tài khoản định danh điện tử mức 2 / VNeID ạ?",
                parse_data={
                    "intent": {"name": "faq", "confidence": 0.1 + 0.2},
                    "entities": [],
                    "intent_ranking": [
                        {"name": f"i{k}", "confidence": 1 / (k + 3)} for k in range(10)
                    ],
                },
                message_id=f"m{n}",
                metadata={"channel": "web"},
            ),
            ActionExecuted("action_answer_faq", policy="RulePolicy", confidence=1.0),
            ActionExecuted("action_listen"),
        ]
    tracker = DialogueStateTracker.from_events("s", events)
    return {"next_action": "action_answer_faq", "tracker": tracker.current_state()}


def test_request_bodies_hold_the_same_json_as_the_standard_library_s() -> None:
    state = _tracker_state()
    body = speedups.json_body(state)
    assert json.loads(body) == json.loads(json.dumps(state))
    assert body == ujson.dumps(state)  # the fast writer took it
    # NaN and integers beyond 64 bits read back as the standard library's do; what
    # neither can write raises the standard library's error, as before.
    assert math.isnan(json.loads(speedups.json_body({"x": float("nan")}))["x"])
    assert json.loads(speedups.json_body({"x": 2**70})) == {"x": 2**70}
    with pytest.raises(TypeError, match="not JSON serializable"):
        speedups.json_body({"x": {1, 2}})


def test_an_endpoint_posts_its_body_through_the_fast_writer() -> None:
    received: list[bytes] = []
    state = _tracker_state()

    async def scenario() -> Any:
        async def webhook(request: web.Request) -> web.Response:
            received.append(await request.read())
            return web.json_response({"events": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            first = await endpoint.request(json=state, method="post")
            await endpoint.request(json={"n": 2}, method="post")
            return first
        finally:
            await runner.cleanup()

    assert asyncio.run(scenario()) == {"events": []}
    assert received[0] == ujson.dumps(state).encode()
    assert received[1] == b'{"n":2}'


def test_domain_emptiness_is_rasa_s() -> None:
    assert Domain.is_empty is speedups.domain_is_empty
    assert Domain.empty().is_empty()
    assert Domain.from_dict({}).is_empty()
    assert not Domain.from_dict({"intents": ["greet"]}).is_empty()
    assert not Domain.from_directory("bot/domain").is_empty()
