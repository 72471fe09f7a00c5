"""Staff over real HTTP: people who sign in with passwords in a browser-like client, business systems with tokens,
and the mutations they send to /staff/graphql."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from api.replicas import Reads
from api.staff_auth import SignInPolicy
from events.schema import events
from registry.actor import Role
from registry.service import Registry
from tests.api.office import Office, elements
from tests.api.server import Api, serving

PASSWORD = "春眠不觉晓，处处闻啼鸟。夜来风雨声"  # at least 12 characters
DRAFTER = "起草人财政局"
COOKIE = "registry_session"  # over plain http, the cookie has no __Host- prefix (browsers want Secure with it)

RESULT = """
  clientMutationId
  receipt { itemId version position replayed }
  userErrors { code rule field message }
  item { id status streamVersion }
"""


def mutation(field: str) -> str:
    """The query text of the mutation `field` (e.g. draftItem) with its input in $input."""
    kind = field[0].upper() + field[1:]
    return f"mutation($input: {kind}Input!) {{ result: {field}(input: $input) {{ {RESULT} }} }}"


def draft_input(item_id: str, **given: Any) -> dict[str, Any]:
    """draftItem's input for a complete, publishable item of 财政局 (elements as the API spells them)."""
    values = elements(**given)
    return {
        "itemId": item_id,
        "domain": "财政预决算",
        "elements": {
            "category": values["category"],
            "name": values["name"],
            "content": values["content"],
            "basis": values["basis"],
            "timeLimit": values["time_limit"],
            "body": values["body"],
            "channels": values["channels"],
            "audience": ["PUBLIC"],
            "method": ["PROACTIVE"],
            "levels": ["COUNTY"],
        },
    }


class Clock:
    """The server's time for sessions, sign-in limits and token expiry: now, or later once moved on."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def move_on(self, delta: timedelta) -> None:
        self.ahead += delta


class Caller:
    """A client of the staff API: a person's browser (session cookie and CSRF token) or a system (bearer token)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, headers=headers)
        self.csrf: str | None = None
        self.session_id: str | None = None
        self.answers: list[httpx.Response] = []

    def sign_in(self, name: str, password: str = PASSWORD) -> httpx.Response:
        response = self.http.post("/staff/login", data={"name": name, "password": password})
        self.answers.append(response)
        if response.status_code == 200:
            self.csrf = response.json()["csrfToken"]
            self.session_id = response.cookies[COOKIE]
        return response

    def sign_out(self) -> httpx.Response:
        response = self.http.post("/staff/logout", headers={"X-CSRF-Token": self.csrf or ""})
        self.answers.append(response)
        return response

    def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        sent = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        response = self.http.post(
            "/staff/graphql", json={"query": query, "variables": variables or {}}, headers={**sent, **headers}
        )
        self.answers.append(response)
        return response

    def data(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        """The `data` of `query`, which must answer 200 without errors."""
        response = self.post(query, variables, **headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        found: dict[str, Any] = body["data"]
        return found

    def mutate(self, field: str, given: dict[str, Any], **headers: str) -> dict[str, Any]:
        """The payload of mutation `field` with input `given`."""
        payload: dict[str, Any] = self.data(mutation(field), {"input": given}, **headers)["result"]
        return payload

    def close(self) -> None:
        self.http.close()


@dataclass
class Desk:
    """A registry with its office (admin, reviewers, a drafter of 财政局), served with the tests' signing key."""

    registry: Registry
    office: Office
    api: Api
    clock: Clock

    def caller(self, headers: dict[str, str] | None = None) -> Caller:
        return Caller(self.api.url, headers)

    def replaying(self, earlier: Caller) -> Caller:
        """A client that sends the session cookie and CSRF token `earlier` was given (a stolen or kept cookie)."""
        replay = self.caller({"Cookie": f"{COOKIE}={earlier.session_id}"})
        replay.csrf = earlier.csrf
        return replay

    def signed_in(self, key: str) -> Caller:
        """A browser signed in as the office's actor `key` (drafter, preliminary, legality, approver, publisher)."""
        person = self.caller()
        response = person.sign_in(self.name(key))
        assert response.status_code == 200, response.text
        return person

    def with_token(self, key: str, roles: frozenset[Role] = frozenset(), name: str = "财政局预算系统") -> Caller:
        _token, secret = self.registry.issue_token(self.name(key), name, roles, None, self.office.actors["admin"])
        return self.caller({"Authorization": f"Bearer {secret}"})

    def name(self, key: str) -> str:
        """The name of the office's actor `key` (drafter, preliminary, ...), or `key` as it is."""
        return DRAFTER if key == "drafter" else self.office.names.get(key, key)

    def give_password(self, *keys: str) -> None:
        for key in keys:
            self.registry.set_password(self.name(key), PASSWORD, self.office.actors["admin"])

    def log_size(self) -> int:
        with self.registry.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


@contextmanager
def desk(
    registry: Registry, *passwords: str, policy: SignInPolicy | None = None, reads: Reads | None = None
) -> Iterator[Desk]:
    """The office on `registry`, its actors `passwords` given the password PASSWORD, served on 127.0.0.1 (reading
    from the replicas of `reads`, if given)."""
    office = Office(registry)
    registry.register_actor(DRAFTER, "财政局", frozenset({Role.DRAFTER}), office.actors["admin"])
    office.actors["drafter:财政局"] = registry.actor(DRAFTER)  # the office's own steps (office.draft) act as them
    clock = Clock()
    with serving(
        registry.engine, registry.profile, signer=registry.signer, clock=clock, sign_in=policy, reads=reads
    ) as api:
        found = Desk(registry, office, api, clock)
        found.give_password(*passwords)
        yield found
