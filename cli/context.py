"""What every command needs: the database URL, the acting actor, the profile; and the exit codes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cli.i18n import _
from events.database import database_url

if TYPE_CHECKING:
    from events.checkpoint import Signer
    from registry.actor import Actor, Proof
    from registry.profile import Profile
    from registry.service import Registry

# The domain, the signing key and the service are imported by the commands that use them: start-up is most of a
# short read's time (`registry history`, docs/benchmarks.md).

KEY_VARIABLE = "REGISTRY_KEY_FILE"
WEBHOOK_KEY_VARIABLE = "REGISTRY_WEBHOOK_KEY_FILE"


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


def unit_option(profile: Profile, unit: str) -> str:
    """The unit a `--unit` option names (its name or an alias); a misspelt one is a usage error naming the nearest
    units, rather than a listing or an export that is quietly empty."""
    from cli.i18n import render
    from registry.rules import unknown_unit

    found = profile.unit(unit)
    if found is None:
        raise Usage(_("--unit: {problem}").format(problem=render(unknown_unit(profile, unit))))
    return found.name


@dataclass
class Context:
    db: str | None
    actor_id: str | None
    profile_path: Path | None
    key: Path | None = None
    backfill_at: datetime | None = None
    backfill_by: str | None = None

    @property
    def url(self) -> str:
        return database_url(self.db)

    @property
    def key_path(self) -> Path:
        """--key, else $REGISTRY_KEY_FILE, else beside a SQLite file (x.db -> x.key), else the user's key of that
        server and database: $XDG_CONFIG_HOME/catalog-registry/keys/HOST-PORT-DATABASE[-SCHEMA].key (~/.config when
        unset; SCHEMA from a search_path in the URL's options).

        Never the current directory: the same database must find the same key wherever the command runs.
        """
        if self.key:
            return self.key
        if os.environ.get(KEY_VARIABLE):
            return Path(os.environ[KEY_VARIABLE])
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).resolve().with_suffix(".key")
        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        parts = [url.host or "local", url.port or "default", url.database or "db"]
        schema = re.search(r"search_path\s*=\s*([^\s,]+)", str(url.query.get("options", "")))
        parts += [schema.group(1)] if schema else []  # registries in two schemas of one database are two registries
        name = "-".join(str(part) for part in parts)
        return config / "catalog-registry" / "keys" / (re.sub(r"[^\w.-]", "_", name) + ".key")

    @property
    def webhook_key_path(self) -> Path:
        """$REGISTRY_WEBHOOK_KEY_FILE, else beside the signing key (x.key -> x.webhook-key): the key the webhook
        subscriptions' signing secrets are derived from. Kept out of the database, like the signing key."""
        if os.environ.get(WEBHOOK_KEY_VARIABLE):
            return Path(os.environ[WEBHOOK_KEY_VARIABLE])
        return self.key_path.with_suffix(".webhook-key")

    def signer(self, profile: Profile) -> Signer | None:
        from events.checkpoint import load_signer

        path = self.key_path
        return load_signer(path, origin(profile)) if path.exists() else None

    def registry(self) -> Registry:
        from registry.profile import load_profile
        from registry.service import Registry

        profile = load_profile(self.profile_path) if self.profile_path else load_profile()
        return Registry.open(self.url, profile, self.signer(profile))

    @cached_property
    def timezone(self) -> str:
        """The jurisdiction's time zone, read from the profile's TOML without building the profile: a read such as
        `registry history` needs only this, and pydantic would double its start-up. A profile that cannot be read,
        or names an unknown zone, is the ProfileError the full load would give."""
        import tomllib
        from importlib import resources
        from zoneinfo import ZoneInfo

        try:
            if self.profile_path:
                text = self.profile_path.read_text("utf-8")
            else:
                text = resources.files("registry").joinpath("profiles/etuokeqianqi.toml").read_text("utf-8")
            zone = tomllib.loads(text).get("timezone", "Asia/Shanghai")  # Profile.timezone's default
            ZoneInfo(zone)
        except (OSError, ValueError, KeyError, TypeError):  # TOMLDecodeError, ZoneInfoNotFoundError included
            from registry.profile import load_profile

            return load_profile(self.profile_path).timezone  # the full load says what is wrong (ProfileError)
        return str(zone)

    def engine(self) -> Engine:
        """The database, checked to have the newest schema: for reads of the log and the projections that need
        neither the profile nor the domain model."""
        from events.database import open_engine
        from registry.schema import require_current

        engine = open_engine(self.url)
        require_current(engine, self.url)
        return engine

    def backfill(self, registry: Registry) -> Actor | None:
        """The admin recording a backfill (补录), when --backfill-at is given."""
        if self.backfill_at is None:
            if self.backfill_by:
                raise Usage(_("--backfill-by names who records a backfill: give --backfill-at TIME too"))
            return None
        if not self.backfill_by:
            raise Usage(_("a backfill (补录) is recorded by an admin: give --backfill-by ADMIN with --backfill-at"))
        return registry.actor(self.backfill_by)

    def actor(self, registry: Registry) -> Actor:
        if not self.actor_id:
            raise Usage(_("say who you are: --as ACTOR (or set REGISTRY_ACTOR)"))
        return registry.actor(self.actor_id)


def cli_proof() -> Proof:
    """How a command run on the server proves its actor: it does not (--as is asserted by the machine's operator,
    trusted as before); the log records the channel and the operating-system user who ran it."""
    from registry.actor import Channel, Proof

    return Proof(channel=Channel.CLI, os_user=os_user())


def os_user() -> str:
    """The effective user of this process, from the system's user database (not $USER, which anyone can set)."""
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container's uid without a passwd entry
        return f"uid {uid}"


def origin(profile: Profile) -> str:
    """The origin line of this jurisdiction's checkpoints."""
    return f"catalog-registry/{profile.jurisdiction}"


def context(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj
