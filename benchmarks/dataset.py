"""Big databases for R, H and Q, generated once and cached under benchmarks/.data/ by size.

The log (R, H): real domain events, decided by registry.items.decider.decide from the publication path of each item,
appended through EventStore.append (hash chain and Merkle tree included) in large transactions of many streams,
with no projections (the benchmark's `registry rebuild` makes them). One item, HOT_ITEM, has 1,000 events: its
publication and 165 adjustments, each reviewed, approved and published again, then a pending adjustment revised.

The catalog (Q): published items written straight into the public read model (public_catalog, published_versions,
public_changes), as the projections would hold them after publishing each item once.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.sample import DATA, START, actors, elements, item_id, log, publication_path
from events import checkpoint, merkle, merkle_store
from events.chain import GENESIS, ChainCheck, row_hash
from events.codec import canonical_json, encode
from events.database import open_engine
from events.elements import ItemElements
from events.envelope import Metadata, format_time
from events.event import Event, ReviewStage, SigningKeyRegistered
from events.store import EventStore
from projections.public_catalog import element_columns
from projections.signing_keys import KEY_STREAM
from registry.actor import Actor
from registry.admin import decide_registration
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    ItemCommand,
    PassReview,
    PublishItem,
    ReviseItem,
    SubmitItem,
)
from registry.items.decider import decide, evolve, required_role
from registry.items.state import ItemState, initial_state
from registry.profile import Profile, load_profile
from registry.schema import HEAD, current_revision, upgrade

HOT_ITEM = "bench-hot"
HOT_EVENTS = 1000


def hot_item_path(people: dict[str, Actor]) -> list[ItemCommand]:
    """HOT_EVENTS commands on one item: publication, 165 reviewed adjustments, then revisions of a pending one."""
    commands = publication_path(0, people)
    commands = [command.model_copy(update={"item_id": HOT_ITEM}) for command in commands]
    drafter = commands[0].actor
    at = START
    round_ = 0
    while len(commands) + 6 <= HOT_EVENTS:
        round_ += 1
        changed = ItemElements(content=f"第{round_}次调整后的公开内容")
        commands += [
            AdjustItem(
                item_id=HOT_ITEM,
                actor=drafter,
                at=at,
                trigger="法律法规修订",
                reason=f"第{round_}次调整",
                elements=changed,
                fields=frozenset({"content"}),
            ),
            SubmitItem(item_id=HOT_ITEM, actor=drafter, at=at),
            PassReview(item_id=HOT_ITEM, actor=people["孙初审"], at=at, stage=ReviewStage.PRELIMINARY),
            PassReview(item_id=HOT_ITEM, actor=people["周法务"], at=at, stage=ReviewStage.LEGALITY),
            ApproveItem(item_id=HOT_ITEM, actor=people["王审议"], at=at, reference=f"第{round_}次常务会议"),
            PublishItem(item_id=HOT_ITEM, actor=people["吴发布"], at=at),
        ]
    if len(commands) < HOT_EVENTS:
        commands.append(
            AdjustItem(
                item_id=HOT_ITEM,
                actor=drafter,
                at=at,
                trigger="职能调整",
                reason="待定",
                elements=ItemElements(body="各镇人民政府"),
                fields=frozenset({"body"}),
            )
        )
    revision = 0
    while len(commands) < HOT_EVENTS:
        revision += 1
        commands.append(
            ReviseItem(
                item_id=HOT_ITEM,
                actor=drafter,
                at=at,
                elements=ItemElements(time_limit=f"{revision}个工作日内"),
                fields=frozenset({"time_limit"}),
            )
        )
    return commands


def log_database(events: int) -> Path:
    """A SQLite registry whose log holds `events` events (HOT_ITEM's 1,000 among them), no projections; cached."""
    path = DATA / f"log-{events}.db"
    if path.exists():
        return _migrated(path)
    DATA.mkdir(parents=True, exist_ok=True)
    building = DATA / f"building-{uuid.uuid4().hex[:8]}.db"
    log(f"generating a log of {events:,} events in {path} (once; cached)")
    engine = open_engine(f"sqlite:///{building}", synchronous="OFF")
    upgrade(engine)
    engine.dispose()
    writer = LogWriter(building)
    profile = load_profile()
    # The key that signs the log's checkpoints, recorded first, as `registry init` does (benchmarks/proof.py signs).
    key = path.with_suffix(".key")
    key.unlink(missing_ok=True)
    checkpoint.create_key(key)
    public_key = checkpoint.load_signer(key, "bench").public_key
    registered = SigningKeyRegistered(key_id=checkpoint.key_id(public_key), public_key=public_key)
    writer.append(KEY_STREAM, 0, [registered], Metadata(actor="bootstrap"))
    people = {actor.actor_id: actor for actor in actors()}
    for actor in people.values():
        event = decide_registration(actor.actor_id, actor.unit, actor.roles, None, False, False, profile)
        writer.append("actor:" + actor.actor_id, 0, [event], Metadata(actor="bootstrap"))
    writer.carry_out(hot_item_path(people), profile)
    n = 1
    while writer.position < events:
        writer.carry_out(publication_path(n, people)[: min(6, events - writer.position)], profile)
        n += 1
        if n % 20_000 == 0:
            log(f"  {writer.position:,} events")
    writer.close()
    if events <= 100_000:
        _verify(building)
    _checkpoint(building)
    shutil.move(building, path)
    log(f"generated {events:,} events")
    return path


class LogWriter:
    """Appends to a new log as EventStore.append does, row for row, but in large batches of plain inserts.

    The same encoding (events.codec), hash chain (events.chain.row_hash) and Merkle tree (events.merkle.grow);
    one store.append per command costs five SQLAlchemy statements, and a million of them take most of an hour here.
    A log of at most 100,000 events is checked afterwards with the chain and tree checks of `registry verify`.
    """

    def __init__(self, path: Path, batch: int = 20_000) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.position, self.prev_hash = 0, GENESIS
        self.known: dict[tuple[int, int], bytes] = {}
        self.rows: list[tuple[object, ...]] = []
        self.nodes: list[tuple[int, int, bytes]] = []
        self.batch = batch

    def carry_out(self, commands: list[ItemCommand], profile: Profile) -> None:
        """Decide and append each command on its item, as the service would (without projections)."""
        item: ItemState = initial_state
        version = 0
        for command in commands:
            new_events = decide(command, item, profile)
            metadata = Metadata(
                actor=command.actor.actor_id,
                unit=command.actor.unit,
                role=required_role(command).value,
                command_id=str(uuid.uuid4()),
                occurred_at=format_time(command.at),
            )
            self.append(command.item_id, version, new_events, metadata)
            version += len(new_events)
            for event in new_events:
                item = evolve(item, event, command.actor.actor_id)

    def append(self, stream_id: str, version: int, new_events: Sequence[Event], metadata: Metadata) -> None:
        moment = format_time(datetime.now(UTC))
        meta_json = metadata.model_dump(mode="json")
        first = self.position
        hashes = []
        for offset, event in enumerate(new_events, start=1):
            name, schema_version, payload = encode(event)
            self.position += 1
            fields: dict[str, Any] = {
                "position": self.position,
                "stream_id": stream_id,
                "version": version + offset,
                "type": name,
                "schema_version": schema_version,
                "command_id": metadata.command_id,
                "recorded_at": moment,
                "prev_hash": self.prev_hash,
            }
            digest = row_hash(payload=payload, metadata=meta_json, **fields)
            self.rows.append((*fields.values(), canonical_json(payload), canonical_json(meta_json), digest))
            hashes.append(bytes.fromhex(digest))
            self.prev_hash = digest
        created = merkle.grow(first, hashes, self.known)
        self.nodes.extend((level, index, value) for (level, index), value in created.items())
        keep = set(merkle.frontier(self.position))
        self.known = {k: v for k, v in self.known.items() if k in keep}
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        columns = "position, stream_id, version, type, schema_version, command_id, recorded_at, prev_hash, payload, "
        self.conn.execute("BEGIN")
        self.conn.executemany(f"INSERT INTO events ({columns}metadata, hash) VALUES ({', '.join('?' * 11)})", self.rows)
        self.conn.executemany('INSERT INTO merkle_nodes (level, "index", hash) VALUES (?, ?, ?)', self.nodes)
        self.conn.execute("COMMIT")
        self.rows, self.nodes = [], []

    def close(self) -> None:
        self.flush()
        self.conn.close()


def _verify(path: Path) -> None:
    """The generated log passes the chain and Merkle checks of `registry verify`."""
    engine = open_engine(f"sqlite:///{path}")
    store = EventStore(engine)
    check = ChainCheck()
    for row in store.read_rows():
        if not check.feed(row):
            raise AssertionError(f"the generated log does not verify: {check.problem}")
    problem = merkle_store.check(store.reading)
    engine.dispose()
    if problem is not None:
        raise AssertionError(f"the generated Merkle tree does not verify: {problem.what}")


def catalog_database(items: int) -> Path:
    """A SQLite registry whose public read model holds `items` published items; cached."""
    path = DATA / f"catalog-{items}.db"
    if path.exists():
        return _migrated(path)
    DATA.mkdir(parents=True, exist_ok=True)
    building = DATA / f"building-{uuid.uuid4().hex[:8]}.db"
    log(f"generating a public catalog of {items:,} items in {path} (once; cached)")
    engine = open_engine(f"sqlite:///{building}", synchronous="OFF")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(building, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    for start in range(0, items, 10_000):
        catalog, versions, changes = [], [], []
        for n in range(start, min(items, start + 10_000)):
            moment = format_time(START + timedelta(seconds=n))
            row = {
                "item_id": item_id(n),
                "version": 1,
                "domain": "财政预决算",
                "unit": "财政局",
                **element_columns(elements(n)),
                "published_at": moment,
                "approval_reference": "2024年第3次政府常务会议",
                "position": 6 * (n + 1),
            }
            catalog.append(row)
            versions.append({**row, "superseded_at": None})
            changes.append((row["position"], row["item_id"], 1, "add", moment, "", False))
        _insert(conn, "public_catalog", catalog)
        _insert(conn, "published_versions", versions)
        conn.executemany("INSERT INTO public_changes VALUES (?, ?, ?, ?, ?, ?, ?)", changes)
    conn.execute("COMMIT")
    conn.close()
    _checkpoint(building)
    shutil.move(building, path)
    return path


def _migrated(path: Path) -> Path:
    """A cached database at the newest schema: one cached before a migration is migrated (its data stays)."""
    engine = open_engine(f"sqlite:///{path}", synchronous="OFF")
    if current_revision(engine) != HEAD:
        log(f"migrating the cached {path.name} to schema {HEAD}")
        upgrade(engine)
        engine.dispose()
        _checkpoint(path)
    engine.dispose()
    return path


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, object]]) -> None:
    columns = list(rows[0])
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [tuple(row[c] for c in columns) for row in rows],
    )


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that the cached database is one file."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_of(path: Path, folder: Path) -> Path:
    """A working copy of a cached database (benchmarks that write must not change the cache)."""
    target = folder / path.name
    shutil.copyfile(path, target)
    return target
