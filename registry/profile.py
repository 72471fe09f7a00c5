"""The jurisdiction profile: units, domains with their responsible units and aliases, tasks and deadlines."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: str  # department, town, center, government, zone
    aliases: tuple[str, ...] = ()


class Domain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    responsible_unit: str
    aliases: tuple[str, ...] = ()
    pilot: bool = True


class Task(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    scope: str  # unit-catalogs, domain-catalogs, updates
    deadline: date


class Profile(BaseModel):
    """One jurisdiction's data. Loaded from TOML; the default is the banner of the seed document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    jurisdiction: str
    review_unit: str = Field(description="初审 and publication on the portal")
    legal_unit: str = Field(description="合法性审查")
    units: tuple[Unit, ...]
    domains: tuple[Domain, ...]
    tasks: tuple[Task, ...] = ()
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()

    def unit(self, name: str) -> Unit | None:
        """The unit called `name` or one of its aliases."""
        name = name.strip()
        for unit in self.units:
            if name == unit.name or name in unit.aliases:
                return unit
        return None

    def domain(self, name: str) -> Domain | None:
        """The domain called `name` (with or without 领域) or one of its aliases."""
        name = name.strip().removesuffix("领域")
        for domain in self.domains:
            if name == domain.name or name in domain.aliases:
                return domain
        return None


class ProfileError(Exception):
    pass


def load_profile(path: Path | None = None) -> Profile:
    """The profile at `path`, or the packaged default."""
    try:
        if path is None:
            data = tomllib.loads(resources.files("registry").joinpath("profiles/etuokeqianqi.toml").read_text("utf-8"))
        else:
            data = tomllib.loads(path.read_text("utf-8"))
        return Profile.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise ProfileError(f"cannot load the jurisdiction profile {path or 'default'}: {error}") from error
