"""Who is acting on the staff side: a bearer token or a session cookie turned into an Actor and its Proof, at the edge.

Below this module nothing knows about cookies or tokens: the staff schema gets the Actor (with a token's roles only)
and the Proof the log records (channel and credential id, never a secret).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio.to_thread
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response

from registry import access, credentials
from registry.actor import Actor, Channel, Proof, Role
from registry.missing import NotFound
from registry.rules import RuleViolation
from registry.service import Registry

# Browsers accept a `__Host-` cookie only with Secure, from an https origin, with Path=/ and no Domain: it can then
# be neither set nor overwritten by a sibling subdomain or by plain http. Served over plain http (127.0.0.1 in
# development and the tests) the browser would drop it, so there the cookie goes without the prefix.
SECURE_COOKIE = "__Host-registry_session"
PLAIN_COOKIE = "registry_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class SignInPolicy:
    """How long a session lives, and how many failed sign-ins a name or a client address gets in a window."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    failures: int = 10
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Staff(BaseUser):
    """The acting actor, how they were proven, and for a token its name; for a session, the id in its cookie (the
    CSRF token is derived from it)."""

    actor: Actor
    proof: Proof
    token_name: str | None = None
    session_id: str | None = field(default=None, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.actor.actor_id

    @property
    def identity(self) -> str:
        return self.actor.actor_id

    def csrf_accepts(self, given: str | None) -> bool:
        """Whether `given` is this session's CSRF token (a token's request carries no ambient credential: always)."""
        if self.session_id is None:
            return True
        expected = credentials.csrf_token(self.session_id)
        return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def cookie_name(conn: HTTPConnection) -> str:
    return SECURE_COOKIE if conn.url.scheme == "https" else PLAIN_COOKIE


def cross_site(conn: HTTPConnection) -> bool:
    """Whether a browser says this request comes from another site: Sec-Fetch-Site, or an Origin not this one's.

    Clients that are not browsers send neither header, and pass.
    """
    fetch_site = conn.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = conn.headers.get("origin")
    return origin is not None and origin != f"{conn.url.scheme}://{conn.url.netloc}"


def forgery(conn: HTTPConnection, staff: Staff) -> Response | None:
    """The refusal of a request that may have been forged by another site, or None: a cookie-authenticated request
    must come from this site and carry the session's CSRF token in a header (which only a page of this origin that
    read it at sign-in can send). A form posted from another site has neither."""
    if staff.session_id is None:
        return None  # a bearer token is no ambient credential: a browser never adds it to another site's request
    if cross_site(conn):
        return refusal(403, "refused: a request from another site", "CROSS_SITE")
    if not staff.csrf_accepts(conn.headers.get(CSRF_HEADER)):
        return refusal(403, f"refused: a signed-in request needs the {CSRF_HEADER} header given at sign-in", "CSRF")
    return None


def refusal(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A top-level error in GraphQL's shape, so that a GraphQL client shows it."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status,
        {"Cache-Control": "no-store", **(headers or {})},
    )


def unauthenticated(message: str = "sign in, or send Authorization: Bearer <token>") -> Response:
    return refusal(401, message, "UNAUTHENTICATED", {"WWW-Authenticate": 'Bearer realm="registry staff"'})


def invalid_token(_conn: HTTPConnection, error: Exception) -> Response:
    """The answer to a bearer token that is malformed, unknown, revoked or expired (all alike: nothing to probe)."""
    return refusal(
        401,
        str(error),
        "UNAUTHENTICATED",
        {"WWW-Authenticate": 'Bearer realm="registry staff", error="invalid_token"'},
    )


class StaffBackend(AuthenticationBackend):
    """`Authorization: Bearer rgt_...` (a token; a bad one is refused outright) or the session cookie (a stale one
    is as good as none). Marks the token used or the session seen."""

    def __init__(self, registry: Registry, policy: SignInPolicy, clock: Callable[[], datetime]) -> None:
        self.registry = registry
        self.policy = policy
        self.clock = clock

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is not None:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise AuthenticationError("the staff API takes Authorization: Bearer <token>")
            staff = await anyio.to_thread.run_sync(self.by_token, secret.strip())
            if staff is None:
                raise AuthenticationError("the token is not valid: unknown, revoked or expired")
        else:
            session_id = conn.cookies.get(cookie_name(conn))
            if not session_id:
                return None
            staff = await anyio.to_thread.run_sync(self.by_session, session_id)
            if staff is None:
                return None
        return AuthCredentials(["staff", *sorted(staff.actor.roles)]), staff

    def by_token(self, secret: str) -> Staff | None:
        with self.registry.engine.begin() as conn:
            token = access.token_by_secret(conn, secret, self.clock())
        if token is None:
            return None
        actor = self._actor(token.actor_id)
        if actor is None:
            return None
        # A token acts in its own roles only: the decider then refuses what the token may not do, naming the rule.
        roles = actor.roles & frozenset(Role(role) for role in token.roles)
        return Staff(
            actor.model_copy(update={"roles": roles}),
            Proof(channel=Channel.TOKEN, credential=token.token_id),
            token_name=token.name,
        )

    def by_session(self, session_id: str) -> Staff | None:
        if len(session_id) > 100:
            return None
        with self.registry.engine.begin() as conn:
            session = access.find_session(conn, session_id, self.clock(), self.policy.idle, self.policy.absolute)
        if session is None:
            return None
        actor = self._actor(session.actor_id)
        if actor is None:
            return None
        return Staff(actor, Proof(channel=Channel.SESSION, credential=session.session_digest), session_id=session_id)

    def _actor(self, actor_id: str) -> Actor | None:
        """The actor, if they still may act (not disabled, still registered)."""
        try:
            return self.registry.actor(actor_id)
        except (NotFound, RuleViolation):
            return None
