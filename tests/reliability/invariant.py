"""What must hold of a log after any run, however it ended: read straight from the tables, not through the service."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from events.chain import ChainCheck
from events.schema import checkpoints, events, merkle_nodes
from events.store import EventStore
from projections.projector import positions


@dataclass
class LogFacts:
    """The log as the tables hold it: each command id's positions and stream, each correlation id's event count."""

    size: int = 0
    chain_problem: tuple[int, str] | None = None
    commands: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    correlations: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)  # the file of each imported event's source


def read_facts(store: EventStore) -> LogFacts:
    facts = LogFacts()
    check = ChainCheck()
    for row in store.read_rows():
        if facts.chain_problem is None and not check.feed(row):
            facts.chain_problem = check.problem
        facts.size += 1
        metadata = json.loads(row.metadata)
        facts.commands[str(row.command_id)].append((int(row.position), str(row.stream_id)))
        if metadata.get("correlation_id"):
            facts.correlations[metadata["correlation_id"]] += 1
        if metadata.get("source"):
            facts.sources[str(metadata["source"]).split(" ")[0]] += 1
    return facts


def log_problems(store: EventStore, facts: LogFacts | None = None) -> list[str]:
    """Everything wrong with the log that a crash or a race could cause; empty when nothing is.

    The chain verifies, positions are gapless and stream versions contiguous (ChainCheck checks both); each
    command's events sit together in one stream; every `batch:NAME:SIZE` batch has SIZE events; the projections,
    the Merkle tree and the checkpoints have seen exactly the log.
    """
    facts = facts or read_facts(store)
    problems = []
    if facts.chain_problem:
        problems.append(f"the chain breaks at position {facts.chain_problem[0]}: {facts.chain_problem[1]}")
    for command_id, where in facts.commands.items():
        spots = [position for position, _ in where]
        if spots != list(range(spots[0], spots[0] + len(spots))) or len({stream for _, stream in where}) != 1:
            problems.append(f"command {command_id}'s events are scattered: {where}")
    for correlation, count in facts.correlations.items():
        if correlation.startswith("batch:") and count != int(correlation.rsplit(":", 1)[1]):
            problems.append(f"{correlation} has {count} events")
    with store.reading() as conn:
        leaves = conn.execute(select(func.count()).select_from(merkle_nodes).where(merkle_nodes.c.level == 0)).scalar()
        signed = conn.execute(select(func.max(checkpoints.c.size))).scalar()
        seen = set(positions(conn).values())
        stored = conn.execute(select(func.count()).select_from(events)).scalar()
    if stored != facts.size:
        problems.append(f"{stored} events stored, {facts.size} read")
    if leaves != facts.size:
        problems.append(f"the Merkle tree has {leaves} leaves for {facts.size} events")
    if signed is not None and signed > facts.size:
        problems.append(f"a checkpoint signs {signed} events of {facts.size}")
    if facts.size and seen != {facts.size}:
        problems.append(f"the projections have read up to {sorted(seen)}, the log is at {facts.size}")
    return problems
