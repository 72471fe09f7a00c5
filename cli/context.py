"""What every command needs: the database URL, the acting actor, the profile; and the exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import typer

from events.database import database_url
from registry.actor import Actor
from registry.profile import load_profile
from registry.service import Registry


class Exit(IntEnum):
    OK = 0
    USAGE = 2
    NOT_FOUND = 3
    REFUSED = 4
    CONFLICT = 5
    VERIFICATION_FAILED = 6
    INVALID_INPUT = 7


class InvalidInput(Exception):
    """A file or value that cannot be read as what the command needs (exit 7)."""


class Usage(Exception):
    """A missing or contradictory option that click cannot see (exit 2)."""


@dataclass
class Context:
    db: str | None
    actor_id: str | None
    profile_path: Path | None

    @property
    def url(self) -> str:
        return database_url(self.db)

    def registry(self) -> Registry:
        profile = load_profile(self.profile_path) if self.profile_path else None
        return Registry.open(self.url, profile)

    def actor(self, registry: Registry) -> Actor:
        if not self.actor_id:
            raise Usage("say who you are: --as ACTOR (or set REGISTRY_ACTOR)")
        return registry.actor(self.actor_id)


def context(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj
