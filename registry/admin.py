"""The admin's acts that belong to no aggregate: registering actors, their passwords and tokens, disabling them, and the
checkpoint signing key. Pure: each decision returns the events or raises RuleViolation. No I/O."""

from __future__ import annotations

from datetime import datetime

from events.event import ActorDisabled, ActorRegistered, PasswordSet, SigningKeyRegistered, TokenIssued, TokenRevoked
from events.message import N_
from registry.actor import Actor, Role
from registry.profile import Profile
from registry.rules import Rule, RuleViolation, unknown_unit


def decide_registration(
    actor_id: str,
    unit: str,
    roles: frozenset[Role],
    registrar: Actor | None,
    admins_exist: bool,
    already_registered: bool,
    profile: Profile,
) -> ActorRegistered:
    """Register an actor. Once an admin exists, only admins register others."""
    if admins_exist and (registrar is None or not registrar.has(Role.ADMIN)):
        raise RuleViolation(Rule.ACTOR_REGISTRATION, N_("only an admin (管理员) registers actors (use --as ADMIN)"))
    if already_registered:
        raise RuleViolation(Rule.ACTOR_REGISTRATION, N_("{actor} is already registered"), actor=actor_id)
    if not actor_id.strip() or actor_id != actor_id.strip() or ":" in actor_id:
        raise RuleViolation(
            Rule.ACTOR_REGISTRATION, N_("{actor!r} is not a usable name (no edge spaces, no ':')"), actor=actor_id
        )
    known = profile.unit(unit)
    if known is None:
        raise RuleViolation(Rule.ACTOR_REGISTRATION, unknown_unit(profile, unit))
    if not roles:
        raise RuleViolation(Rule.ACTOR_REGISTRATION, N_("an actor needs at least one role"))
    return ActorRegistered(actor_id=actor_id, unit=known.name, roles=tuple(sorted(roles)))


def decide_signing_key(
    key_id: str, public_key: str, current: str | None, by: Actor | None, admins_exist: bool, *, rotate: bool
) -> list[SigningKeyRegistered]:
    """Record the key that signs checkpoints (none if it already does). The first key is recorded when the registry
    is set up (by an admin once one exists); replacing the current key is a rotation, an admin's explicit act."""
    if current == key_id:
        return []
    needs_admin = admins_exist or current is not None
    if needs_admin and (by is None or not by.has(Role.ADMIN)):
        raise RuleViolation(
            Rule.SIGNING_KEY, N_("only an admin (管理员) records or rotates the signing key (--as ADMIN)")
        )
    if current is not None and not rotate:
        raise RuleViolation(
            Rule.SIGNING_KEY,
            N_(
                "this registry signs with key {current}, and the key file holds {key}: restore the registry's key "
                "file, or replace the key on purpose with `registry key --rotate` (an admin's act, recorded)"
            ),
            current=current,
            key=key_id,
        )
    return [SigningKeyRegistered(key_id=key_id, public_key=public_key, replaces=current)]


def _require_admin(by: Actor | None, what: str) -> None:
    """`what` is a whole sentence marked with N_: "only an admin (管理员) ... (use --as ADMIN)"."""
    if by is None or not by.has(Role.ADMIN):
        raise RuleViolation(Rule.CREDENTIALS, what)


def decide_password(actor: Actor, by: Actor | None) -> PasswordSet:
    """Set or reset `actor`'s password: an admin's act (the hash is kept outside the log)."""
    _require_admin(by, N_("only an admin (管理员) sets passwords (use --as ADMIN)"))
    return PasswordSet(actor_id=actor.actor_id)


def decide_token(
    actor: Actor,
    token_id: str,
    name: str,
    roles: frozenset[Role],
    expires_at: datetime | None,
    by: Actor | None,
    now: datetime,
) -> TokenIssued:
    """An API token for a business system acting as `actor`, in `roles` (all of the actor's when empty)."""
    _require_admin(by, N_("only an admin (管理员) issues tokens (use --as ADMIN)"))
    if not name.strip():
        raise RuleViolation(Rule.CREDENTIALS, N_("a token is named for the system that uses it, e.g. 财政局预算系统"))
    if not roles <= actor.roles:
        extra = ", ".join(sorted(role.value for role in roles - actor.roles))
        raise RuleViolation(
            Rule.CREDENTIALS,
            N_("{actor} does not hold {roles}: a token acts in the actor's roles"),
            actor=actor.actor_id,
            roles=extra,
        )
    if expires_at is not None and expires_at <= now:
        raise RuleViolation(Rule.CREDENTIALS, N_("a token's expiry is in the future"))
    chosen = roles or actor.roles
    return TokenIssued(
        actor_id=actor.actor_id,
        token_id=token_id,
        name=name,
        roles=tuple(sorted(role.value for role in chosen)),
        expires_at=expires_at,
    )


def decide_revocation(actor_id: str, token_id: str, already_revoked: bool, by: Actor | None) -> list[TokenRevoked]:
    _require_admin(by, N_("only an admin (管理员) revokes tokens (use --as ADMIN)"))
    return [] if already_revoked else [TokenRevoked(actor_id=actor_id, token_id=token_id)]


def decide_disable(actor: Actor, reason: str, disabled: bool, by: Actor | None) -> list[ActorDisabled]:
    """Disable an actor: an admin's act, with a reason; nobody disables themselves (the last admin would lock all)."""
    _require_admin(by, N_("only an admin (管理员) disables actors (use --as ADMIN)"))
    assert by is not None
    if by.actor_id == actor.actor_id:
        raise RuleViolation(Rule.CREDENTIALS, N_("an admin does not disable themselves"))
    if not reason.strip():
        raise RuleViolation(Rule.CREDENTIALS, N_("disabling an actor states why"))
    return [] if disabled else [ActorDisabled(actor_id=actor.actor_id, reason=reason)]
