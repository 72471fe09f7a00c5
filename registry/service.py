"""The application service: load a stream, fold, decide, append with the expected version, project. One transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from events import checkpoint
from events.checkpoint import Signer
from events.database import open_engine
from events.envelope import Metadata, StoredEvent, format_time
from events.event import ActorRegistered, ItemEvent, ItemPublished, ItemRetired
from events.schema import events
from events.store import AppendResult, ConcurrencyConflict, EventStore, to_stored
from projections import actors as actor_projection
from projections.projector import project
from projections.schema import actors
from registry.actor import Actor, Role
from registry.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    RejectItem,
    RetireItem,
)
from registry.decider import decide, decide_registration, evolve, fold, required_role
from registry.missing import NotFound, NotInitialized
from registry.profile import Profile, load_profile
from registry.rules import Rule, RuleViolation
from registry.schema import require_current
from registry.state import ItemState, Status

ACTOR_STREAM = "actor:"
__all__ = ["ACTOR_STREAM", "NotFound", "NotInitialized", "Receipt", "Registry", "new_item_id", "now"]


@dataclass(frozen=True)
class Receipt:
    """What a write command did: the item, its catalog version, the last log position it wrote."""

    item_id: str
    version: int
    position: int
    replayed: bool = False

    def as_json(self) -> dict[str, object]:
        return {"item_id": self.item_id, "version": self.version, "position": self.position}


class Registry:
    def __init__(self, engine: Engine, profile: Profile, signer: Signer | None = None) -> None:
        self.engine = engine
        self.store = EventStore(engine)
        self.profile = profile
        self.signer = signer

    @classmethod
    def open(
        cls, url: str, profile: Profile | None = None, signer: Signer | None = None, *, check_schema: bool = True
    ) -> Registry:
        engine = open_engine(url)
        if check_schema:
            require_current(engine, url)
        return cls(engine, profile or load_profile(), signer)

    # -- actors ---------------------------------------------------------------------------------

    def actor(self, actor_id: str) -> Actor:
        with self.store.reading() as conn:
            found = actor_projection.find(conn, actor_id)
        if found is None:
            raise NotFound(f"unknown actor {actor_id!r}: register them with `registry actor add`")
        unit, roles = found
        return Actor(actor_id=actor_id, unit=unit, roles=frozenset(Role(r) for r in roles))

    def actors(self) -> list[Actor]:
        with self.store.reading() as conn:
            rows = conn.execute(select(actors).order_by(actors.c.unit, actors.c.actor_id)).all()
        return [
            Actor(actor_id=r.actor_id, unit=r.unit, roles=frozenset(Role(x) for x in json.loads(r.roles))) for r in rows
        ]

    def register_actor(
        self,
        actor_id: str,
        unit: str,
        roles: frozenset[Role],
        registrar: Actor | None = None,
        *,
        command_id: str | None = None,
    ) -> Receipt:
        stream = ACTOR_STREAM + actor_id
        with self.store.reading() as conn:
            if command_id and (earlier := self.store.find_command(conn, command_id)):
                return Receipt(actor_id, earlier[-1].version, earlier[-1].position, replayed=True)
            version = self.store.stream_version(conn, stream)
            admins = [r for r in conn.execute(select(actors.c.roles)).scalars() if '"admin"' in r]
        event = decide_registration(actor_id, unit, roles, registrar, bool(admins), version > 0, self.profile)
        metadata = Metadata(
            actor=registrar.actor_id if registrar else "bootstrap",
            unit=registrar.unit if registrar else "",
            role=Role.ADMIN.value if registrar else "",
            command_id=command_id or str(uuid.uuid4()),
        )
        result = self._append(stream, version, [event], metadata)
        return Receipt(actor_id, result.version, result.position, result.replayed)

    # -- items ----------------------------------------------------------------------------------

    def load(self, item_id: str) -> tuple[ItemState, list[StoredEvent]]:
        """The item's state and its events. Raises NotFound for an item never drafted."""
        with self.store.reading() as conn:
            stored = self.store.read_stream(conn, item_id)
        if not stored or item_id.startswith(ACTOR_STREAM):
            raise NotFound(f"no item {item_id!r}")
        return _fold(stored), stored

    def execute(
        self,
        command: ItemCommand,
        *,
        command_id: str | None = None,
        correlation_id: str | None = None,
        expected_version: int | None = None,
        source: str | None = None,
    ) -> Receipt:
        """Carry out `command` in one write transaction. Raises RuleViolation, ConcurrencyConflict or NotFound."""
        require_item_stream(command.item_id)
        with self.store.writing() as conn:
            if command_id and (earlier := self.store.find_command(conn, command_id)):
                item = _fold(self.store.read_stream(conn, earlier[0].stream_id))
                return Receipt(earlier[0].stream_id, _version(item), earlier[-1].position, replayed=True)
            stored = self.store.read_stream(conn, command.item_id)
            if not stored and not isinstance(command, DraftItem):
                raise NotFound(f"no item {command.item_id!r}")
            if expected_version is not None and expected_version != len(stored):
                raise ConcurrencyConflict(command.item_id, expected_version, len(stored))
            item, result = self._carry_out(
                conn, command, _fold(stored), len(stored), command_id, correlation_id, source
            )
            return Receipt(command.item_id, _version(item), result.position)

    def _carry_out(
        self,
        conn: Connection,
        command: ItemCommand,
        item: ItemState,
        version: int,
        command_id: str | None,
        correlation_id: str | None,
        source: str | None,
    ) -> tuple[ItemState, AppendResult]:
        """Decide, append at `version`, project; returns the item afterwards. Call inside a write transaction."""
        new_events = decide(command, item, self.profile)
        metadata = Metadata(
            actor=command.actor.actor_id,
            unit=command.actor.unit,
            role=required_role(command).value,
            reason=_reason(command),
            command_id=command_id or str(uuid.uuid4()),
            correlation_id=correlation_id,
            source=source,
            occurred_at=format_time(command.at),
        )
        # Inside the write lock: execute() looked for a given command id in this transaction; any other id is new.
        result = self.store.append(conn, command.item_id, version, new_events, metadata, check_replay=False)
        self.after_append(conn, result)
        for event in new_events:
            item = evolve(item, event, command.actor.actor_id)
        return item, result

    def check_all(
        self, commands: Sequence[ItemCommand], *, progress: Callable[[int], None] | None = None
    ) -> list[RuleViolation | None]:
        """What `execute_all` would refuse, command by command, writing nothing.

        Each command is decided on its item as the earlier commands of the batch would leave it.
        """
        states: dict[str, ItemState] = {}
        refusals: list[RuleViolation | None] = []
        with self.store.reading() as conn:
            for command in commands:
                if command.item_id in states:
                    item = states[command.item_id]
                else:
                    item = _fold(self.store.read_stream(conn, command.item_id))
                try:
                    require_item_stream(command.item_id)
                    new_events = decide(command, item, self.profile)
                except RuleViolation as refusal:
                    refusals.append(refusal)
                else:
                    refusals.append(None)
                    for event in new_events:
                        item = evolve(item, event, command.actor.actor_id)
                states[command.item_id] = item
                if progress:
                    progress(1)
        return refusals

    def execute_all(
        self,
        commands: Sequence[ItemCommand],
        *,
        sources: Sequence[str | None] = (),
        correlation_id: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Receipt]:
        """Carry out `commands` in one write transaction: all of them are recorded, or none.

        A refusal raises RuleViolation naming the command, and rolls back every command of the batch.
        `sources[i]` (e.g. a file and row) goes into the metadata of command i's events.
        """
        receipts: list[Receipt] = []
        with self.store.writing() as conn:
            streams = _streams(conn, [c.item_id for c in commands])
            for index, command in enumerate(commands):
                item, version = streams[command.item_id]
                source = sources[index] if index < len(sources) else None
                try:
                    require_item_stream(command.item_id)
                    item, result = self._carry_out(conn, command, item, version, None, correlation_id, source)
                except RuleViolation as refusal:
                    raise RuleViolation(
                        refusal.rule, f"command {index + 1} of {len(commands)} ({command.item_id}): {refusal.message}"
                    ) from refusal
                streams[command.item_id] = (item, result.version)
                receipts.append(Receipt(command.item_id, _version(item), result.position))
                if progress:
                    progress(1)
        return receipts

    def _append(
        self, stream_id: str, version: int, new_events: list[ItemEvent] | list[ActorRegistered], metadata: Metadata
    ) -> AppendResult:
        with self.store.writing() as conn:
            result = self.store.append(conn, stream_id, version, new_events, metadata)
            if not result.replayed:
                self.after_append(conn, result)
        return result

    def after_append(self, conn: Connection, result: AppendResult) -> None:
        """In the append's transaction: update the projections, and sign a checkpoint after a public change."""
        project(conn, result.events)
        if self.signer and any(isinstance(e.data, ItemPublished | ItemRetired) for e in result.events):
            checkpoint.record(conn, self.signer, result.position)


def require_item_stream(item_id: str) -> None:
    """Item ids share the log's stream namespace with actors: an `actor:` id would write into an actor's stream."""
    if item_id.startswith(ACTOR_STREAM):
        raise RuleViolation(
            Rule.KNOWN_ITEM, f"item ids never start with {ACTOR_STREAM!r}: that prefix names actor registrations"
        )


def now() -> datetime:
    return datetime.now(UTC)


def new_item_id() -> str:
    return uuid.uuid4().hex[:12]


def _fold(stored: list[StoredEvent]) -> ItemState:
    return fold([(e.data, e.metadata.actor) for e in stored if not isinstance(e.data, ActorRegistered)])


def _streams(conn: Connection, item_ids: Sequence[str]) -> dict[str, tuple[ItemState, int]]:
    """Each item's state and stream version, read in a few queries rather than one per item."""
    found: dict[str, list[StoredEvent]] = {item_id: [] for item_id in item_ids}
    wanted = list(found)
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            select(events).where(events.c.stream_id.in_(wanted[start : start + 500])).order_by(events.c.position)
        )
        for row in rows:
            found[str(row.stream_id)].append(to_stored(row))
    return {item_id: (_fold(stored), len(stored)) for item_id, stored in found.items()}


def _version(item: ItemState) -> int:
    if item.pending:
        return item.pending.version
    if item.status is Status.RETIRED:
        return item.last_version  # the retirement is a version of its own (N+1); N is no longer public
    return item.published.version if item.published else item.last_version


def _reason(command: ItemCommand) -> str:
    match command:
        case PassReview() | RejectItem() | ApproveItem():
            return command.comment
        case AdjustItem() | RetireItem() | DiscardItem():
            return command.reason
        case _:
            return ""
