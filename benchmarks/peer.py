"""The peer library: the same item and its six publication events in the eventsourcing library (9.5).

An aggregate whose events carry what the registry's carry (the elements when drafted and when published, who acted,
in which unit and role, the comment or reference), saved once per command on the library's own SQLite or
PostgreSQL application recorder.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy.engine import make_url

from registry.items.command import ApproveItem, DraftItem, ItemCommand, PassReview, PublishItem, SubmitItem
from registry.items.decider import required_role

NAMESPACE = uuid.UUID("5f0c2d4e-8a51-4a43-9c1e-7b3e6f1f2a10")


class CatalogItem(Aggregate):
    """A catalog item, as the library models an aggregate: methods that trigger events."""

    @staticmethod
    def create_id(item_id: str, **_: Any) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, item_id)

    @event("Drafted")
    def __init__(self, item_id: str, domain: str, elements: dict[str, Any], who: dict[str, str]) -> None:
        self.item_id, self.domain, self.elements = item_id, domain, elements
        self.status, self.authors = "draft", {who["actor"]}

    @event("Submitted")
    def submit(self, version: int, who: dict[str, str]) -> None:
        self.status = "submitted"

    @event("ReviewPassed")
    def pass_review(self, version: int, stage: str, comment: str, who: dict[str, str]) -> None:
        self.status = f"{stage}_reviewed"

    @event("Approved")
    def approve(self, version: int, reference: str, who: dict[str, str]) -> None:
        self.status, self.reference = "approved", reference

    @event("Published")
    def publish(self, version: int, elements: dict[str, Any], published_at: str, who: dict[str, str]) -> None:
        self.status, self.published = "published", elements


class CatalogApplication(Application[uuid.UUID]):
    def execute(self, command: ItemCommand) -> None:
        if isinstance(command, DraftItem):
            item = _drafted(command)
        else:
            item = self.repository.get(CatalogItem.create_id(command.item_id))
            _carry_out(item, command)
        self.save(item)


@contextmanager
def eventsourcing_environment(url: str, durable: bool) -> Iterator[dict[str, str]]:
    """The library's settings for the database at `url` (a SQLAlchemy URL), at the given durability."""
    if url.startswith("sqlite"):
        with _sqlite_synchronous("FULL" if durable else "NORMAL"):
            yield {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": url.removeprefix("sqlite:///")}
        return
    # PostgreSQL: the database was made by the caller, with synchronous_commit off for "relaxed".
    parsed = make_url(url)
    yield {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parsed.database),
        "POSTGRES_HOST": str(parsed.host or "127.0.0.1"),
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": str(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": str(parsed.password or ""),
    }


@contextmanager
def _sqlite_synchronous(level: str) -> Iterator[None]:
    """The library leaves synchronous at SQLite's default (FULL); set it explicitly on every connection it opens."""
    from eventsourcing import sqlite

    original = sqlite.SQLiteConnectionPool._create_connection

    def create(pool: sqlite.SQLiteConnectionPool) -> sqlite.SQLiteConnection:
        connection = original(pool)
        connection._sqlite_conn.execute(f"PRAGMA synchronous={level}")
        return connection

    sqlite.SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        sqlite.SQLiteConnectionPool._create_connection = original  # type: ignore[method-assign]


def generate_log(path: str, events: int, batch: int = 500) -> None:
    """A SQLite file holding `events` events of the library: items through their publication path, saved in batches."""
    from benchmarks.sample import actors, publication_path

    people = {actor.actor_id: actor for actor in actors()}
    with eventsourcing_environment(f"sqlite:///{path}", durable=False) as environment:
        application = CatalogApplication(env=environment)
        written, n = 0, 0
        while written < events:
            aggregates = []
            for _ in range(batch):
                if written >= events:
                    break
                commands = publication_path(n, people)[: min(6, events - written)]
                item = _carry_out_in_memory(commands)
                aggregates.append(item)
                written += len(commands)
                n += 1
            application.save(*aggregates)
        application.close()


def _who(command: ItemCommand) -> dict[str, str]:
    return {"actor": command.actor.actor_id, "unit": command.actor.unit, "role": required_role(command).value}


def _drafted(command: DraftItem) -> CatalogItem:
    return CatalogItem(command.item_id, command.domain, command.elements.model_dump(mode="json"), _who(command))


def _carry_out(item: CatalogItem, command: ItemCommand) -> None:
    """The aggregate method for one command of the publication path after the draft."""
    who = _who(command)
    match command:
        case SubmitItem():
            item.submit(1, who)
        case PassReview():
            item.pass_review(1, command.stage.value, command.comment, who)
        case ApproveItem():
            item.approve(1, command.reference, who)
        case PublishItem():
            item.publish(1, item.elements, command.at.isoformat(), who)
        case _:
            raise ValueError(f"the benchmark has no {type(command).__name__}")


def _carry_out_in_memory(commands: list[ItemCommand]) -> CatalogItem:
    first = commands[0]
    assert isinstance(first, DraftItem)
    item = _drafted(first)
    for command in commands[1:]:
        _carry_out(item, command)
    return item


def replay(path: str, batch: int = 1000) -> int:
    """Read every event of the log in order and make domain events of them, as the library's followers do."""
    with eventsourcing_environment(f"sqlite:///{path}", durable=True) as environment:
        application = CatalogApplication(env=environment)
        count, last = 0, 0
        while True:
            notifications = application.recorder.select_notifications(last + 1, batch)
            if not notifications:
                break
            for notification in notifications:
                application.mapper.to_domain_event(notification)
                count += 1
            last = notifications[-1].id
        application.close()
    return count
