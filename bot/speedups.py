"""Rasa 3.6's hot paths, made cheap without changing what they do.

Sampled with py-spy under load (bench/README.md, "One turn hop by hop"), half of the
Rasa process's time went to checking the action server's answers:
``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which first
checks the schema itself against the JSON Schema meta-schema, on every action call,
although the schema is a constant of Rasa's. Here the validator is built (and the
schema checked) once; every answer is still validated against the same schema and a
bad one raises the same ``ValidationError`` with Rasa's message.

Another 8 % went to ``Event.resolve_by_type``, which walks every subclass of
``Event`` for each event it reads back (tracker store, action server answers). Here
the names are looked up in a table built from the same walk, in the same order, and
built again when a name is missing (an event class imported later), before Rasa's
own behaviour for unknown names (the old "topic", a default, or ValueError).

Then the gateway channel read the tracker back from the tracker store after each
turn, for the parse result and the session's length: a second query of every event of
the session (11 % of Rasa's time on PostgreSQL). The tracker Rasa saves at the end of
the turn is that same tracker: :func:`saved_tracker` hands it to the channel as it is
saved.

Rasa's SQL tracker store builds its queries with the ORM on every turn: the session's
events are loaded as ORM objects (only their JSON is read), counted by a second ORM
query before the save, and saved one ORM object each. Sampled under load on
PostgreSQL, the store was a quarter of the Rasa process's CPU time, most of it the ORM
building and running these. :func:`retrieve_events` and :func:`save_events` select
the same rows (from the latest session start, in the same order, the same columns
written) with statements built once, reading only the ``data`` column and inserting
the new rows in one statement. Each of them ran in a transaction of its own, BEGIN
and ROLLBACK or COMMIT, two more round trips to the server: a single SELECT or
INSERT is atomic by itself, and a conversation's turns are kept in order by the lock
store, so on PostgreSQL they run in autocommit.

Rasa indexes the events by sender only, so each turn's two session queries read every
event the sender ever had: a turn cost more the longer a conversation's whole history.
The events table gets an index on (sender, time), and the queries read the latest
session as one range of it (:data:`SESSION_INDEX`).

Each message went through Rasa's graph of components twice (the NLU parse, then the
policies) with ``DaskGraphRunner``: at every run it cut the schema down to the
targets' ancestors, built a dask graph of it and let dask's scheduler order and run
it, one node after the other in this process. Sampled under load, that bookkeeping was
about an eighth of a Rasa instance's CPU time, for graphs of a dozen nodes.
:class:`SequentialGraphRunner` works out each target set's order once and calls the
same nodes, with the same inputs, in it (:func:`graph_order`).

Two more, each a few per cent of a Rasa instance's CPU under load: every action call
serialised the session's events with the standard library's ``json`` (aiohttp's
default), and every message checked ``Domain.is_empty()``, which builds a whole empty
domain to compare with. Here the body is written by ujson (a dependency of Rasa and
Sanic; the same values, read back by any JSON reader), with ``json`` still handling
what ujson refuses (and raising its own error for what neither writes), the tracker
store reads its rows with ujson, and the empty domain is built once.

The tracker handed to the channel also gives it a moment under the conversation's
lock, just before Rasa saves the turn (:data:`BeforeSave`): the gateway channel
closes a long session there (bot/channels/gateway.py).

Rasa is pinned (3.6.21); tests/bot/test_speedups.py compares these with Rasa's own.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import aiohttp
import sqlalchemy as sa
import ujson
from jsonschema import exceptions, validators
from rasa.core import processor
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SQLTrackerStore
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

_rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}
_rasa_save_tracker = MessageProcessor.save_tracker
_rasa_sql_retrieve = SQLTrackerStore._retrieve
_rasa_sql_save = SQLTrackerStore.save
_rasa_sql_init = SQLTrackerStore.__init__
_rasa_endpoint_session = EndpointConfig.session
# What a request does to its turn's tracker before Rasa saves it (under the
# conversation's lock); bot/channels/gateway.py closes a long session there.
BeforeSave = Callable[[MessageProcessor, DialogueStateTracker], Awaitable[None]]


@dataclass
class _Waiting:
    before_save: BeforeSave | None
    tracker: DialogueStateTracker | None = None


# The gateway requests waiting for their turn's tracker, by the id of their message
# (one process, one event loop: Rasa's lock store keeps one turn per conversation at a
# time).
_saved: dict[str, _Waiting] = {}


@cache
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server's answer, with the validator built once."""
    error = exceptions.best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def resolve_by_type(
    type_name: str, default: type[Event] | None = None
) -> type[Event] | None:
    """The event class named ``type_name``, as Rasa's own lookup finds it."""
    found = _event_types.get(type_name)
    if found is None:
        for cls in all_subclasses(Event):
            _event_types.setdefault(cls.type_name, cls)
        found = _event_types.get(type_name)
    if found is not None:
        return found
    return _rasa_resolve_by_type(type_name, default)


@contextmanager
def saved_tracker(
    message_id: str, before_save: BeforeSave | None = None
) -> Iterator[Callable[[], DialogueStateTracker | None]]:
    """While open, keeps the last tracker Rasa saves whose latest message is
    ``message_id``, after ``before_save`` ran on it; yields a function that returns
    it (None if none was saved)."""
    _saved[message_id] = _Waiting(before_save)
    try:
        yield lambda: getattr(_saved.get(message_id), "tracker", None)
    finally:
        _saved.pop(message_id, None)


async def save_tracker(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
    """The waiting request's work on the tracker, Rasa's save, then the tracker kept
    for the request."""
    latest = tracker.latest_message
    waiting = _saved.get(latest.message_id) if latest and latest.message_id else None
    if waiting is not None and waiting.before_save is not None:
        await waiting.before_save(self, tracker)
    await _rasa_save_tracker(self, tracker)
    if waiting is not None:
        waiting.tracker = tracker


# The (sender, time) index: a session's start is found at the end of the sender's
# range, and the session's events are one range of it (module docstring).
SESSION_INDEX = "ix_events_sender_id_timestamp"


@cache
def _event_statements(table: sa.Table) -> dict[str, Any]:
    """Rasa's tracker store queries (``SQLTrackerStore._event_query``), built once
    with the sender as a bound parameter."""
    sender = table.c.sender_id == sa.bindparam("sender_id")
    session_start = (
        sa.select(sa.func.max(table.c.timestamp))
        .where(sender, table.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    # Events of the latest session: from its SessionStarted on, or all when none
    # (Rasa's "timestamp >= start OR start IS NULL", written as one range so that
    # SESSION_INDEX serves it).
    in_session = table.c.timestamp >= sa.func.coalesce(
        session_start, sa.literal(float("-inf"), sa.Float)
    )
    session_events = sa.select(table.c.data).where(sender, in_session)
    return {
        "all": sa.select(table.c.data).where(sender).order_by(table.c.id),
        "session": session_events.order_by(table.c.id),
        "count": sa.select(sa.func.count()).select_from(
            sa.select(table.c.id).where(sender, in_session).subquery()
        ),
        "insert": table.insert(),
    }


def index_sessions(store: SQLTrackerStore) -> None:
    """Adds SESSION_INDEX to the store's events table if it lacks it (a table Rasa
    created before). Several Rasa instances may start at once: one creates it."""
    table = store.SQLEvent.__table__
    index = next(i for i in table.indexes if i.name == SESSION_INDEX)
    try:
        index.create(store.engine, checkfirst=True)
    except sa.exc.SQLAlchemyError:
        # Another instance created it meanwhile, or the database refused: turns
        # are answered the same without it.
        indexes = sa.inspect(store.engine).get_indexes(table.name)
        if not any(i["name"] == SESSION_INDEX for i in indexes):
            logger.warning("could not add %s to the tracker store", SESSION_INDEX)


def _sql_store_init(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    """Rasa's SQLTrackerStore set-up, then SESSION_INDEX on its events table."""
    _rasa_sql_init(self, *args, **kwargs)
    index_sessions(self)


def _autocommit(store: SQLTrackerStore) -> sa.engine.Engine:
    """On PostgreSQL, the store's engine with its connections in autocommit: each
    statement is its own transaction, without BEGIN and ROLLBACK or COMMIT around it
    (psycopg2 writes a turn's rows as one INSERT). Elsewhere (SQLite's driver
    inserts them one statement each) the store's engine."""
    engine = store.__dict__.get("_autocommit_engine")
    if engine is None:
        engine = store.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        store._autocommit_engine = engine  # type: ignore[attr-defined]
    return engine


async def retrieve_events(
    self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
) -> DialogueStateTracker | None:
    """Rasa's ``SQLTrackerStore._retrieve``, reading the events' JSON only."""
    statements = _event_statements(self.SQLEvent.__table__)
    query = statements["all" if fetch_events_from_all_sessions else "session"]
    with _autocommit(self).connect() as connection:
        rows = connection.execute(query, {"sender_id": sender_id}).scalars().all()
    events = [ujson.loads(data) for data in rows]
    if self.domain and events:
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
    return None


async def save_events(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Rasa's ``SQLTrackerStore.save``: the session's events not stored yet, the same
    columns, in one statement."""
    await self.stream_events(tracker)
    statements = _event_statements(self.SQLEvent.__table__)
    with _autocommit(self).begin() as connection:
        stored = connection.execute(
            statements["count"], {"sender_id": tracker.sender_id}
        ).scalar_one()
        rows = []
        for event in itertools.islice(tracker.events, stored, len(tracker.events)):
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {})
                    .get("intent", {})
                    .get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        if rows:
            connection.execute(statements["insert"], rows)


def json_body(value: Any) -> str:
    """A request body's JSON: ujson's, or the standard library's for what ujson
    refuses (a type it does not know raises the standard library's error, as
    before)."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def endpoint_session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's client session for an endpoint, writing its JSON bodies with
    :func:`json_body`."""
    session = _rasa_endpoint_session(self)
    # aiohttp (pinned in requirements/bot.lock) takes the writer only at construction;
    # Rasa's construction is kept, and tests/bot/test_speedups.py checks the body sent.
    session._json_serialize = json_body
    return session


@cache
def _empty_domain() -> dict[str, Any]:
    return Domain.empty().as_dict()


def domain_is_empty(self: Domain) -> bool:
    """Rasa's ``Domain.is_empty``, with the empty domain built once."""
    return bool(self.as_dict() == _empty_domain())


def graph_order(
    schema: GraphSchema, targets: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...]]]:
    """The nodes ``targets`` need (Rasa's ``minimal_graph_schema``), each after the
    nodes it needs, with the names of what it needs in the order it takes them (the
    order of ``needs``, as ``DaskGraphRunner`` passes them)."""
    nodes = schema.minimal_graph_schema(list(targets)).nodes
    order: list[tuple[str, tuple[str, ...]]] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed or name not in nodes:
            return
        placed.add(name)
        needs = tuple(nodes[name].needs.values())
        for need in needs:
            place(need)
        order.append((name, needs))

    for name in nodes:
        place(name)
    return order


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's graph runner without dask: the same nodes called in an order worked out
    once per set of targets. A need that is neither a node nor an input is passed as
    its name, as dask passes a string that is not a key of its graph."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As ``DaskGraphRunner``, with no order worked out yet."""
        super().__init__(*args, **kwargs)
        self._orders: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}

    def run(
        self,
        inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None,
    ) -> dict[str, Any]:
        """Runs the graph (see ``GraphRunner.run``)."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        order = self._orders.get(run_targets)
        if order is None:
            order = graph_order(self._graph_schema, run_targets)
            self._orders[run_targets] = order
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and any(value == node for node, _ in order):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are "
                    f"the same as node names in the graph schema."
                )
            results[name] = (name, value)
        try:
            for name, needs in order:
                results[name] = self._instantiated_nodes[name](
                    *(results.get(need, need) for need in needs)
                )
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)


def install() -> None:
    """Puts these in place of Rasa's (in the Rasa process)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    MessageProcessor.save_tracker = save_tracker  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = retrieve_events  # type: ignore[method-assign]
    SQLTrackerStore.save = save_events  # type: ignore[method-assign]
    table = SQLTrackerStore.SQLEvent.__table__
    if not any(index.name == SESSION_INDEX for index in table.indexes):
        # A table created from now on has it from the start (Rasa's create_all).
        sa.Index(SESSION_INDEX, table.c.sender_id, table.c.timestamp)
    SQLTrackerStore.__init__ = _sql_store_init  # type: ignore[method-assign]
    EndpointConfig.session = endpoint_session  # type: ignore[method-assign]
    Domain.is_empty = domain_is_empty  # type: ignore[method-assign]
    # The processor loads its model with the runner it names; training keeps dask.
    processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
