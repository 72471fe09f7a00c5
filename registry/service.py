"""The application service: load a stream, fold, decide, append with the expected version, project. One transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from events import checkpoint, driver
from events.checkpoint import Signer, SigningKeyError
from events.database import open_engine
from events.envelope import Metadata, StoredEvent, format_time
from events.event import AccountEvent, AccountPublished, ActorEvent, AdminEvent, ItemPublished, ItemRetired
from events.message import N_
from events.schema import events
from events.store import AppendResult, ConcurrencyConflict, EventStore, Head, to_stored
from projections import actors as actor_projection
from projections import signing_keys
from projections.projector import project
from projections.schema import actors
from registry import access, credentials
from registry.actor import Actor, Channel, Proof, Role
from registry.admin import (
    decide_disable,
    decide_password,
    decide_registration,
    decide_revocation,
    decide_signing_key,
    decide_token,
)
from registry.commands import fingerprint
from registry.group_commit import GROUP_LIMIT, GroupCommit, Transaction
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    RejectItem,
    RetireItem,
)
from registry.items.decider import decide, effective, evolve, fold, required_role
from registry.items.state import ItemState, Status
from registry.missing import NotFound, NotInitialized
from registry.profile import Profile, load_profile
from registry.rules import Rule, RuleViolation
from registry.schema import require_current
from registry.stream_cache import Known, StreamCache

ACTOR_STREAM = "actor:"
WEBHOOK_STREAM = "webhook:"
ACCOUNT_STREAM = "account:"
RESERVED_STREAMS = (ACTOR_STREAM, "key:", WEBHOOK_STREAM, ACCOUNT_STREAM)
__all__ = [
    "ACCOUNT_STREAM",
    "ACTOR_STREAM",
    "WEBHOOK_STREAM",
    "NotFound",
    "NotInitialized",
    "Receipt",
    "Registry",
    "new_item_id",
    "now",
]


@dataclass(frozen=True)
class Receipt:
    """What a write command did: the item, its catalog version, the last log position it wrote."""

    item_id: str
    version: int
    position: int
    replayed: bool = False

    def as_json(self) -> dict[str, object]:
        return {"item_id": self.item_id, "version": self.version, "position": self.position}


@dataclass(frozen=True)
class Stamp:
    """The time a command takes effect: the registry's clock, or an admin's backfill after the item's `last` event."""

    clock: datetime
    last: datetime | None
    backfill_by: Actor | None


class Registry:
    def __init__(
        self, engine: Engine, profile: Profile, signer: Signer | None = None, *, group_limit: int = GROUP_LIMIT
    ) -> None:
        """`group_limit`: how many commands of concurrent callers one transaction may hold (1: one each)."""
        self.engine = engine
        self.store = EventStore(engine)
        self._streams = StreamCache()
        self._writer = GroupCommit(self.store, self._committed, limit=group_limit)
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
            return _actor_in(conn, actor_id)

    # -- credentials: events in the actor's stream, hashes and digests in their own tables --------------------------

    def set_password(self, actor_id: str, password: str, by: Actor | None, *, proof: Proof | None = None) -> Receipt:
        """Set or reset a password (an admin's act); ends the actor's sessions. Raises WeakPassword, RuleViolation."""
        password_hash = credentials.hash_password(password)  # slow on purpose: outside the append lock
        with self.store.writing() as conn:
            actor = _actor_in(conn, actor_id)  # under the lock: a disabling cannot come between
            result = self._record_for(conn, actor_id, [decide_password(actor, by)], by, proof=proof)
            moment = result.events[-1].recorded_at
            access.store_password(conn, actor_id, password_hash, moment)
            access.end_sessions_of(conn, actor_id, moment)
        return Receipt(ACTOR_STREAM + actor_id, result.version, result.position)

    def issue_token(
        self,
        actor_id: str,
        name: str,
        roles: frozenset[Role],
        expires_at: datetime | None,
        by: Actor | None,
        *,
        proof: Proof | None = None,
    ) -> tuple[access.Token, str]:
        """A new API token acting as `actor_id` in `roles`: the token and its secret, which is shown once."""
        token_id, secret = credentials.new_token()
        with self.store.writing() as conn:
            actor = _actor_in(conn, actor_id)
            event = decide_token(actor, token_id, name, roles, expires_at, by, self.store.clock(conn))
            result = self._record_for(conn, actor_id, [event], by, proof=proof)
            access.store_token(
                conn,
                token_id,
                secret,
                actor_id,
                name,
                event.roles,
                by.actor_id if by else "",
                result.events[-1].recorded_at,
                expires_at,
            )
            token = access.token_by_id(conn, token_id)
        assert token is not None
        return token, secret

    def revoke_token(self, token_id: str, by: Actor | None, *, proof: Proof | None = None) -> access.Token:
        with self.store.writing() as conn:
            token = access.token_by_id(conn, token_id)
            if token is None:
                raise NotFound(N_("no token {token!r}: `registry token list` shows them"), token=token_id)
            new_events = decide_revocation(token.actor_id, token_id, token.revoked_at is not None, by)
            if new_events:
                result = self._record_for(conn, token.actor_id, new_events, by, proof=proof)
                access.mark_token_revoked(conn, token_id, result.events[-1].recorded_at)
            revoked = access.token_by_id(conn, token_id)
        assert revoked is not None
        return revoked

    def disable_actor(self, actor_id: str, reason: str, by: Actor | None, *, proof: Proof | None = None) -> None:
        """The actor may no longer act: their sessions end and their tokens are revoked, in the same transaction."""
        with self.store.writing() as conn:
            found = actor_projection.find(conn, actor_id)
            if found is None:
                raise NotFound(N_("unknown actor {actor!r}"), actor=actor_id)
            actor = Actor(actor_id=actor_id, unit=found[0], roles=frozenset(Role(r) for r in found[1]))
            new_events = decide_disable(actor, reason, found[2] is not None, by)
            if new_events:
                result = self._record_for(conn, actor_id, new_events, by, reason, proof=proof)
                moment = result.events[-1].recorded_at
                access.end_sessions_of(conn, actor_id, moment)
                access.revoke_tokens_of(conn, actor_id, moment)

    def _record_for(
        self,
        conn: Connection,
        actor_id: str,
        new_events: Sequence[ActorEvent],
        by: Actor | None,
        reason: str = "",
        *,
        proof: Proof | None = None,
    ) -> AppendResult:
        """Append an admin's act to the actor's stream, at the registry's time, and project it."""
        return self.record_admin_act(conn, ACTOR_STREAM + actor_id, new_events, by, reason, proof=proof)

    def record_admin_act(
        self,
        conn: Connection,
        stream: str,
        new_events: Sequence[AdminEvent],
        by: Actor | None,
        reason: str = "",
        *,
        proof: Proof | None = None,
    ) -> AppendResult:
        """Append an admin's act to `stream` (an actor's, a webhook subscription's), at the registry's time, and
        project it; in the caller's write transaction."""
        metadata = Metadata(
            actor=by.actor_id if by else "",
            unit=by.unit if by else "",
            role=Role.ADMIN.value,
            reason=reason,
            command_id=str(uuid.uuid4()),
            channel=(proof.channel if proof else Channel.CLI).value,
            credential=proof.credential if proof else None,
            os_user=proof.os_user if proof else None,
        )
        version = self.store.stream_version(conn, stream)
        result = self.store.append(
            conn, stream, version, new_events, metadata, now=self.store.clock(conn), check_replay=False
        )
        project(conn, result.events)
        return result

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
        """Register an actor in one write transaction. Raises RuleViolation.

        Whether an admin exists is read under the append lock: of two first registrations at once, the second sees
        the first one's admin, so at most one actor ever becomes admin without an admin registering them.
        """
        stream = ACTOR_STREAM + actor_id
        asked: dict[str, object] = {"actor_id": actor_id, "unit": unit, "roles": sorted(roles)}
        digest = fingerprint("RegisterActor", registrar.actor_id if registrar else "", asked)
        with self.store.writing() as conn:
            if command_id and (earlier := self.store.replay(conn, command_id, stream, digest)):
                return Receipt(actor_id, earlier[-1].version, earlier[-1].position, replayed=True)
            version = self.store.stream_version(conn, stream)
            admins = _admins_exist(conn)
            event = decide_registration(actor_id, unit, roles, registrar, admins, version > 0, self.profile)
            metadata = Metadata(
                actor=registrar.actor_id if registrar else "bootstrap",
                unit=registrar.unit if registrar else "",
                role=Role.ADMIN.value if registrar else "",
                command_id=command_id or str(uuid.uuid4()),
                fingerprint=digest,
            )
            # Inside the write lock: the command id was looked for in this transaction above.
            result = self.store.append(conn, stream, version, [event], metadata, check_replay=False)
            self.after_append(conn, result)
        return Receipt(actor_id, result.version, result.position)

    def register_signing_key(self, by: Actor | None, *, rotate: bool = False) -> Receipt | None:
        """Record this registry's signer as the key that signs its checkpoints (None: it already is), and sign a
        checkpoint with it at once. Raises RuleViolation, or SigningKeyError without a signer."""
        if self.signer is None:
            raise SigningKeyError(N_("no signing key to record: pass --key FILE or set $REGISTRY_KEY_FILE"))
        with self.store.writing() as conn:
            current = signing_keys.current(conn)
            admins = _admins_exist(conn)
            new_events = decide_signing_key(
                self.signer.key_id,
                self.signer.public_key,
                current.key_id if current else None,
                by,
                admins,
                rotate=rotate,
            )
            if not new_events:
                return None
            metadata = Metadata(
                actor=by.actor_id if by else "bootstrap",
                unit=by.unit if by else "",
                role=Role.ADMIN.value if by else "",
                reason="rotate" if rotate else "",
                command_id=str(uuid.uuid4()),
            )
            version = self.store.stream_version(conn, signing_keys.KEY_STREAM)
            result = self.store.append(conn, signing_keys.KEY_STREAM, version, new_events, metadata, check_replay=False)
            project(conn, result.events)
            checkpoint.record(conn, self.signer, result.position)
        return Receipt(signing_keys.KEY_STREAM, result.version, result.position)

    # -- items ----------------------------------------------------------------------------------

    def load(self, item_id: str) -> tuple[ItemState, list[StoredEvent]]:
        """The item's state and its events. Raises NotFound for an item never drafted."""
        with self.store.reading() as conn:
            return self.load_in(conn, item_id)

    def load_in(self, conn: Connection, item_id: str) -> tuple[ItemState, list[StoredEvent]]:
        """`load` in the read transaction `conn` (a replica's, say: api/replicas.py)."""
        stored = self.store.read_stream(conn, item_id)
        if not stored or item_id.startswith(RESERVED_STREAMS):
            raise NotFound(N_("no item {item!r}"), item=item_id)
        return _fold(stored), stored

    def execute(
        self,
        command: ItemCommand,
        *,
        command_id: str | None = None,
        correlation_id: str | None = None,
        expected_version: int | None = None,
        source: str | None = None,
        backfill_by: Actor | None = None,
        proof: Proof | None = None,
    ) -> Receipt:
        """Carry out `command` in one write transaction, at the registry's time. Raises RuleViolation, Conflict
        (ConcurrencyConflict, CommandIdConflict), NotFound or SigningKeyError.

        `backfill_by`: the admin recording an act from before the registry (补录) at the command's own `at`.
        `proof`: how the actor was proven (the channel and credential id recorded with the events).
        """
        require_item_stream(command.item_id)
        return self._writer.run(
            lambda transaction: self._execute_in(
                transaction, command, command_id, correlation_id, expected_version, source, backfill_by, proof
            )
        )

    def _execute_in(
        self,
        transaction: Transaction,
        command: ItemCommand,
        command_id: str | None,
        correlation_id: str | None,
        expected_version: int | None,
        source: str | None,
        backfill_by: Actor | None,
        proof: Proof | None,
    ) -> Receipt:
        """`execute` inside a group's transaction (registry/group_commit.py), in the command's own savepoint."""
        conn, head = transaction.conn, transaction.head
        digest = _fingerprint(command, backfill_by)
        if command_id and (earlier := self.store.replay(conn, command_id, command.item_id, digest)):
            # The first result: the item as that command left it, not as it stands now.
            item = _fold(self.store.read_stream(conn, earlier[0].stream_id)[: earlier[-1].version])
            return Receipt(earlier[0].stream_id, _version(item), earlier[-1].position, replayed=True)
        known = self._known(transaction, command.item_id)
        if not known.version and not isinstance(command, DraftItem):
            raise NotFound(N_("no item {item!r}"), item=command.item_id)
        if expected_version is not None and expected_version != known.version:
            raise ConcurrencyConflict(command.item_id, expected_version, known.version)
        item, result = self._carry_out(
            conn,
            command,
            known.item,
            known.version,
            Stamp(head.clock(), known.last, backfill_by),
            command_id,
            correlation_id,
            source,
            proof,
            head=head,
            digest=digest,
        )
        last = result.events[-1]
        assert result.head is not None
        transaction.wrote(result.head, {command.item_id: Known(item, last.version, last.effective_at)})
        return Receipt(command.item_id, _version(item), result.position)

    def _known(self, transaction: Transaction, item_id: str) -> Known:
        """The item's state and stream version where `transaction` stands: as a command of its group left it, as
        this process last wrote it (if the log's head says that is current), or read from the log."""
        found = transaction.known.get(item_id)
        if found is None:
            found = self._streams.get((transaction.start.position, transaction.start.hash), item_id)
        if found is None:
            stored = self.store.read_stream(transaction.conn, item_id)
            found = Known(_fold(stored), len(stored), stored[-1].effective_at if stored else None)
        return found

    def _committed(self, transaction: Transaction) -> None:
        """After a group's commit: what its commands wrote is what this process knows of those items now."""
        start, end = transaction.start, transaction.head
        self._streams.committed((start.position, start.hash), (end.position, end.hash), transaction.known)

    def _carry_out(
        self,
        conn: Connection,
        command: ItemCommand,
        item: ItemState,
        version: int,
        stamp: Stamp,
        command_id: str | None,
        correlation_id: str | None,
        source: str | None,
        proof: Proof | None = None,
        *,
        head: Head | None = None,
        digest: str | None = None,
    ) -> tuple[ItemState, AppendResult]:
        """Decide, append at `version`, project; returns the item afterwards. Call inside a write transaction."""
        claimed = command.at
        command = effective(command, stamp.clock, stamp.last, stamp.backfill_by)
        new_events = decide(command, item, self.profile)
        if any(isinstance(event, ItemPublished | ItemRetired) for event in new_events):
            self.require_signer(conn)
        metadata = Metadata(
            actor=command.actor.actor_id,
            unit=command.actor.unit,
            role=required_role(command).value,
            reason=_reason(command),
            command_id=command_id or str(uuid.uuid4()),
            correlation_id=correlation_id,
            source=source,
            occurred_at=format_time(claimed),
            backfilled_by=stamp.backfill_by.actor_id if stamp.backfill_by else None,
            fingerprint=digest or _fingerprint(command, stamp.backfill_by),  # the caller's, when it made one
            channel=proof.channel.value if proof else None,
            credential=proof.credential if proof else None,
            os_user=proof.os_user if proof else None,
        )
        # Inside the write lock: execute() looked for a given command id in this transaction; any other id is new.
        with driver.pipelined(conn):  # from here on, driver statements only: PostgreSQL gets them without waiting
            result = self.store.append(
                conn, command.item_id, version, new_events, metadata, now=stamp.clock, check_replay=False, head=head
            )
            self.after_append(conn, result)
        for event in new_events:
            item = evolve(item, event, command.actor.actor_id)
        return item, result

    def require_signer(self, conn: Connection) -> None:
        """A public change is signed by the registry's current key, in its own transaction, or not made at all."""
        current = signing_keys.current(conn)
        if current is None:
            raise SigningKeyError(
                N_(
                    "this registry has no checkpoint signing key on record, so nothing can be made public: "
                    "run `registry init` (it records the key) or `registry key --rotate` as an admin"
                )
            )
        if self.signer is None:
            raise SigningKeyError(
                N_(
                    "a public change must be signed, and the signing key {key} is not here: "
                    "pass --key FILE or set $REGISTRY_KEY_FILE (nothing was recorded)"
                ),
                key=current.key_id,
            )
        if self.signer.key_id != current.key_id:
            raise SigningKeyError(
                N_(
                    "the signing key given ({given}) is not this registry's current key ({current}): "
                    "nothing was recorded"
                ),
                given=self.signer.key_id,
                current=current.key_id,
            )

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
        proof: Proof | None = None,
    ) -> list[Receipt]:
        """Carry out `commands` in one write transaction: all of them are recorded, or none.

        A refusal raises RuleViolation naming the command, and rolls back every command of the batch.
        `sources[i]` (e.g. a file and row) goes into the metadata of command i's events; `proof` as for `execute`.
        """
        receipts: list[Receipt] = []
        with self.store.writing() as conn:
            streams = _streams(conn, [c.item_id for c in commands])
            clock = self.store.clock(conn)
            for index, command in enumerate(commands):
                item, version = streams[command.item_id]
                source = sources[index] if index < len(sources) else None
                try:
                    require_item_stream(command.item_id)
                    stamp = Stamp(clock, None, None)
                    item, result = self._carry_out(
                        conn, command, item, version, stamp, None, correlation_id, source, proof
                    )
                except RuleViolation as refusal:
                    raise RuleViolation(
                        refusal.rule,
                        N_("command {index} of {total} ({item}): {refusal}"),
                        index=index + 1,
                        total=len(commands),
                        item=command.item_id,
                        refusal=refusal.text,
                    ) from refusal
                streams[command.item_id] = (item, result.version)
                receipts.append(Receipt(command.item_id, _version(item), result.position))
                if progress:
                    progress(1)
        return receipts

    def after_append(self, conn: Connection, result: AppendResult) -> None:
        """In the append's transaction: update the projections, and sign a checkpoint after a public change."""
        project(conn, result.events)
        if self.signer and any(
            isinstance(e.data, ItemPublished | ItemRetired | AccountPublished) for e in result.events
        ):
            frontier = self.store.frontier(result.position, result.events[-1].hash)
            checkpoint.record(conn, self.signer, result.position, frontier=frontier)


def _admins_exist(conn: Connection) -> bool:
    return any('"admin"' in roles for roles in conn.execute(select(actors.c.roles)).scalars())


def _fingerprint(command: ItemCommand, backfill_by: Actor | None) -> str:
    """The command's fingerprint; a backfill's also names its time and who recorded it (they are what it asks)."""
    if backfill_by is None:
        return command.fingerprint
    asked: dict[str, object] = {"command": command.fingerprint, "at": format_time(command.at)}
    return fingerprint("Backfill", backfill_by.actor_id, asked)


def _actor_in(conn: Connection, actor_id: str) -> Actor:
    """The actor as `conn` sees them. Raises NotFound, or RuleViolation for a disabled actor, who may not act."""
    found = actor_projection.find(conn, actor_id)
    if found is None:
        raise NotFound(N_("unknown actor {actor!r}: register them with `registry actor add`"), actor=actor_id)
    unit, roles, disabled_at = found
    if disabled_at is not None:
        raise RuleViolation(
            Rule.ACTOR_REGISTRATION, N_("{actor} was disabled at {at} and may not act"), actor=actor_id, at=disabled_at
        )
    return Actor(actor_id=actor_id, unit=unit, roles=frozenset(Role(r) for r in roles))


def require_item_stream(item_id: str) -> None:
    """Item ids share the log's stream namespace with actors and keys: `actor:x` would write into an actor's stream."""
    if item_id.startswith(RESERVED_STREAMS):
        raise RuleViolation(
            Rule.KNOWN_ITEM,
            N_("item ids never start with {prefixes}: they name actors, keys, webhook subscriptions and accounts"),
            prefixes=" / ".join(map(repr, RESERVED_STREAMS)),
        )


def now() -> datetime:
    return datetime.now(UTC)


def new_item_id(command_id: str | None = None) -> str:
    """A new random id; with a command id, the same id for every retry of that command (so the retry is one)."""
    if command_id:
        return hashlib.sha256(command_id.encode()).hexdigest()[:12]
    return uuid.uuid4().hex[:12]


def _fold(stored: list[StoredEvent]) -> ItemState:
    return fold([(e.data, e.metadata.actor) for e in stored if not isinstance(e.data, AdminEvent | AccountEvent)])


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
