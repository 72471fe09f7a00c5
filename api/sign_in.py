"""Signing in and out with a password, for people in a browser: a server-side session in a cookie, failed sign-ins
limited per name and per client address, and every sign-in, failure, lock-out and sign-out in the access audit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from api.staff_auth import CSRF_HEADER, SignInPolicy, Staff, cookie_name, cross_site, forgery, refusal, unauthenticated
from registry import access, credentials
from registry.actor import Actor
from registry.missing import NotFound
from registry.rules import RuleViolation
from registry.service import Registry

MAX_FORM = 16 * 1024
MAX_NAME = 200
MAX_PASSWORD = 1024
FAILED = "unknown name or wrong password"  # one answer for both: a name's existence is not for strangers to learn


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session_id: str


class LockedOut:
    """Too many failed sign-ins for the name or from the client address within the window."""


SIMULTANEOUS_SIGN_INS = 4


class SignIn:
    """POST /staff/login and POST /staff/logout."""

    def __init__(self, registry: Registry, policy: SignInPolicy, clock: Callable[[], datetime]) -> None:
        self.registry = registry
        self.policy = policy
        self.clock = clock
        # Each check of a password costs Argon2's 64 MiB and tens of milliseconds: at most this many at once, the
        # rest wait their turn, so a flood of sign-ins cannot take the server's memory.
        self.hashing = anyio.CapacityLimiter(SIMULTANEOUS_SIGN_INS)

    async def login(self, request: Request) -> Response:
        """Form or JSON fields `name` and `password`. 200 with the CSRF token and the session cookie; 401 for an
        unknown name or a wrong password alike; 429 with Retry-After once the failures reach the limit."""
        if cross_site(request):
            return refusal(403, "refused: a sign-in from another site", "CROSS_SITE")
        given = await _fields(request)
        if isinstance(given, Response):
            return given
        name, password = given
        client = request.client.host if request.client else ""
        earlier = request.cookies.get(cookie_name(request))
        outcome = await anyio.to_thread.run_sync(self.attempt, name, password, client, earlier, limiter=self.hashing)
        if isinstance(outcome, LockedOut):
            return refusal(
                429,
                "too many failed sign-ins for this name or from this address: try again later",
                "LOCKED_OUT",
                {"Retry-After": str(int(self.policy.window.total_seconds()))},
            )
        if outcome is None:
            return refusal(401, FAILED, "SIGN_IN_FAILED", {"WWW-Authenticate": 'Bearer realm="registry staff"'})
        actor = outcome.actor
        response = JSONResponse(
            {
                "actor": actor.actor_id,
                "unit": actor.unit,
                "roles": sorted(role.value for role in actor.roles),
                "csrfToken": credentials.csrf_token(outcome.session_id),
                "csrfHeader": CSRF_HEADER,
                "idleTimeoutSeconds": int(self.policy.idle.total_seconds()),
                "absoluteTimeoutSeconds": int(self.policy.absolute.total_seconds()),
            },
            headers={"Cache-Control": "no-store"},
        )
        response.set_cookie(
            cookie_name(request),
            outcome.session_id,
            max_age=int(self.policy.absolute.total_seconds()),
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    def attempt(self, name: str, password: str, client: str, earlier: str | None) -> SignedIn | LockedOut | None:
        """Check the password and open a session (None: refused). `earlier`: a session the browser still holds,
        ended here, so that each sign-in gets a new id."""
        now = self.clock()
        since = now - self.policy.window
        # Under the append lock, so that attempts sent together each count the others: the attempt is recorded as a
        # failure before its password is checked, and becomes a sign-in only if it succeeds.
        with self.registry.store.writing() as conn:
            failures = max(
                access.failures_since(conn, since, name=name), access.failures_since(conn, since, client=client)
            )
            if failures >= self.policy.failures:
                access.record_access(conn, now, name, client, "locked_out")
                return LockedOut()
            attempt = access.record_access(conn, now, name, client, "login_failed")
            stored = access.password_hash(conn, name)
        # The slow part, outside any transaction; an unknown name costs the same (password_matches sees to that).
        actor = self._actor(name) if credentials.password_matches(stored, password) else None
        renewed = None
        if actor is not None and stored is not None and credentials.needs_rehash(stored):
            renewed = credentials.hash_password(password)
        with self.registry.engine.begin() as conn:
            # A password reset in between ended the actor's sessions: this sign-in used the old one. The row stays
            # locked until the session is open, so a reset cannot come between the check and the session.
            if actor is None or access.password_hash(conn, name, for_update=True) != stored:
                return None
            if renewed is not None:
                access.store_password(conn, name, renewed, now)
            if earlier:
                access.end_session(conn, earlier, now)
            session_id = access.open_session(conn, name, now)
            access.settle_access(conn, attempt, "login")
        return SignedIn(actor, session_id)

    async def logout(self, request: Request) -> Response:
        """End the session of the cookie (with the CSRF token, like any signed-in write)."""
        staff = request.user
        if not isinstance(staff, Staff):
            return unauthenticated("no live session to sign out of")
        if staff.session_id is None:
            message = "signing out ends a browser session; a token is revoked with `registry token revoke`"
            return refusal(400, message, "BAD_REQUEST")
        refused = forgery(request, staff)
        if refused is not None:
            return refused
        client = request.client.host if request.client else ""
        await anyio.to_thread.run_sync(self.end, staff.actor.actor_id, staff.session_id, client)
        response = JSONResponse({"signedOut": True}, headers={"Cache-Control": "no-store"})
        response.delete_cookie(
            cookie_name(request), path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
        )
        return response

    def end(self, actor_id: str, session_id: str, client: str) -> None:
        now = self.clock()
        with self.registry.engine.begin() as conn:
            access.end_session(conn, session_id, now)
            access.record_access(conn, now, actor_id, client, "logout")

    def _actor(self, actor_id: str) -> Actor | None:
        """The actor, if they may still act: a disabled actor's right password is a failed sign-in."""
        try:
            return self.registry.actor(actor_id)
        except (NotFound, RuleViolation):
            return None


async def _fields(request: Request) -> tuple[str, str] | Response:
    """`name` and `password` from a form or a JSON body, or the response that refuses the request."""
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return refusal(413, f"a sign-in is at most {MAX_FORM} bytes", "BAD_REQUEST")
    except ClientDisconnect:
        return Response(status_code=400)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    given: Any
    try:
        if media == "application/json":
            given = json.loads(body)
        elif media == "application/x-www-form-urlencoded":
            given = dict(parse_qsl(body.decode(), keep_blank_values=True))
        else:
            return refusal(
                415, "sign in with a form (application/x-www-form-urlencoded) or JSON", "UNSUPPORTED_MEDIA_TYPE"
            )
    except (ValueError, UnicodeDecodeError):
        return refusal(400, "the sign-in body cannot be read", "BAD_REQUEST")
    name = given.get("name") if isinstance(given, dict) else None
    password = given.get("password") if isinstance(given, dict) else None
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        return refusal(400, "give a name and a password", "BAD_REQUEST")
    if len(name) > MAX_NAME or len(password) > MAX_PASSWORD or "\x00" in name:
        return refusal(400, f"a name has at most {MAX_NAME} characters, a password {MAX_PASSWORD}", "BAD_REQUEST")
    return name, password
