"""Actors: the people who act in the registry, their unit and their roles."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    DRAFTER = "drafter"
    PRELIMINARY_REVIEWER = "preliminary_reviewer"
    LEGALITY_REVIEWER = "legality_reviewer"
    APPROVER = "approver"
    PUBLISHER = "publisher"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.DRAFTER: "起草人",
    Role.PRELIMINARY_REVIEWER: "初审人",
    Role.LEGALITY_REVIEWER: "合法性审查人",
    Role.APPROVER: "审议人",
    Role.PUBLISHER: "发布人",
    Role.ADMIN: "管理员",
}


class Actor(BaseModel):
    """Someone registered in the log: an id (their name), the unit they work for, their roles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor_id: str
    unit: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles


class Channel(StrEnum):
    """How the person acting was proven."""

    CLI = "cli"  # the operator of the server, as --as says: asserted, not proven
    SESSION = "session"  # signed in with a password in a browser
    TOKEN = "token"  # a business system's API token


class Proof(BaseModel):
    """How the actor of a command was proven: the channel and the credential's id (never a secret)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    credential: str | None = None  # a token id, or a digest of the session id
    os_user: str | None = None  # the operating-system user, for a cli act
