"""The application service: load a stream, fold, decide, append with the expected version, project. One transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from events import checkpoint
from events.checkpoint import Signer
from events.database import display_url, open_engine
from events.envelope import Metadata, StoredEvent, format_time
from events.event import ActorRegistered, ItemEvent, ItemPublished, ItemRetired
from events.store import AppendResult, ConcurrencyConflict, EventStore
from projections import actors as actor_projection
from projections.projector import project
from projections.schema import actors
from registry.actor import Actor, Role
from registry.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    ItemCommand,
    PassReview,
    RejectItem,
    RetireItem,
)
from registry.decider import decide, decide_registration, evolve, fold, required_role
from registry.profile import Profile, load_profile
from registry.schema import current_revision, head_revision
from registry.state import ItemState

ACTOR_STREAM = "actor:"


class NotFound(Exception):
    """An item, version or actor that does not exist."""


class NotInitialized(Exception):
    """The database has no registry schema (or an old one)."""


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
            revision = current_revision(engine) if inspect(engine).has_table("alembic_version") else None
            if revision is None:
                raise NotInitialized(f"no registry at {display_url(url)}: run `registry init` first")
            if revision != head_revision(engine):
                raise NotInitialized(f"the registry at {display_url(url)} has an older schema: run `registry init`")
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
        """Carry out `command`. Raises RuleViolation, ConcurrencyConflict or NotFound."""
        with self.store.reading() as conn:
            if command_id and (earlier := self.store.find_command(conn, command_id)):
                item = _fold(self.store.read_stream(conn, earlier[0].stream_id))
                return Receipt(earlier[0].stream_id, _version(item), earlier[-1].position, replayed=True)
            stored = self.store.read_stream(conn, command.item_id)
        version = len(stored)
        if expected_version is not None and expected_version != version:
            raise ConcurrencyConflict(command.item_id, expected_version, version)
        item = _fold(stored)
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
        result = self._append(command.item_id, version, new_events, metadata)
        for event in new_events:
            item = evolve(item, event, command.actor.actor_id)
        return Receipt(command.item_id, _version(item), result.position, result.replayed)

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


def now() -> datetime:
    return datetime.now(UTC)


def new_item_id() -> str:
    return uuid.uuid4().hex[:12]


def _fold(stored: list[StoredEvent]) -> ItemState:
    return fold([(e.data, e.metadata.actor) for e in stored if not isinstance(e.data, ActorRegistered)])


def _version(item: ItemState) -> int:
    if item.pending:
        return item.pending.version
    return item.published.version if item.published else item.last_version


def _reason(command: ItemCommand) -> str:
    match command:
        case PassReview() | RejectItem() | ApproveItem():
            return command.comment
        case AdjustItem() | RetireItem() | DiscardItem():
            return command.reason
        case _:
            return ""
