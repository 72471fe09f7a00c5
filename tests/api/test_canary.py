"""The canary test: strings known to live only in drafts, pending and rejected versions, review comments and actor
names, and the new-media accounts' 联系人 (contact, internal for good), their filings in review and refused openings,
never appear in any response of the API, on SQLite and PostgreSQL: GraphQL, the portal's files, the Atom feed and
the live stream.

The queries are generated from the schema the server reports, so a field added later is queried too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import httpx
import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    IntrospectionQuery,
    build_client_schema,
    get_introspection_query,
)
from sqlalchemy import select

from api.app import STATIC
from events.schema import events
from registry.service import Registry
from tests.api.account_desk import AccountDesk
from tests.api.office import OPENING, Office
from tests.api.server import Api, serving
from tests.api.test_stream import stream


def canary(where: str) -> str:
    return f"金丝雀{where}{uuid.uuid4().hex[:10]}"


# Every place a secret can hide, each with its own unique string.
SECRET = {
    where: canary(where)
    for where in (
        "draft-category",
        "draft-name",
        "draft-subname",
        "draft-content",
        "draft-basis",
        "draft-time-limit",
        "draft-body",
        "draft-channel",
        "draft-audience-note",
        "rejected-name",
        "rejected-content",
        "rejection-comment",
        "preliminary-comment",
        "legality-comment",
        "approval-comment",
        "pending-content",
        "pending-trigger",
        "pending-reason",
        "pending-approval-reference",
        "pending-retirement-reason",
        "withdrawn-content",
        "withdrawn-reason",
        "withdrawal-reason",
        "discarded-content",
        "discard-reason",
        # New-media accounts: 联系人 on every filing, published ones included, and what is not public yet or never.
        "account-contact",
        "changed-account-contact",
        "suspended-account-contact",
        "closed-account-contact",
        "account-review-comment",
        "pending-account-name",
        "pending-account-reason",
        "filed-account-name",
        "filed-account-contact",
        "refused-account-name",
        "account-rejection-comment",
    )
}
ACTOR_KEYS = ("admin", "preliminary", "legality", "approver", "publisher", "drafter:财政局")
ACTOR = {key: canary(f"人员{index}") for index, key in enumerate(ACTOR_KEYS)}
ITEM_IDS = ("pub-1", "draft-1", "rej-1", "adj-1", "ret-1", "wd-1", "disc-1", "never-drafted")
ACCOUNT_UNITS = ("公安局", "教育体育局", "财政局", "民政局")
ACCOUNT_ACTOR = {unit: canary(f"新媒体人员{index}") for index, unit in enumerate(ACCOUNT_UNITS)}
ACCOUNT_IDS = ("NM-OPEN", "NM-SUSPENDED", "NM-CLOSED", "NM-FILED", "NM-REFUSED", "NM-NEVER")
# Which ids each root field that takes one is asked for.
IDS = {"item": ITEM_IDS, "retirement": ITEM_IDS, "mediaAccount": ACCOUNT_IDS}
# Each root field with a filter is also asked with these (every status of the account list: closed ones too).
FILTERS = {"mediaAccounts": ["{status: OPEN}", "{status: SUSPENDED}", "{status: CLOSED}"]}


CANARIES = (*SECRET.values(), *ACTOR.values(), *ACCOUNT_ACTOR.values())


@dataclass(frozen=True)
class Registered:
    api: Api
    registry: Registry
    moments: list[datetime]


@pytest.fixture(scope="module")
def registered(shared_registry: Registry) -> Iterator[Registered]:
    # The registry signs checkpoints (the tests' key), so proofs and checkpoints answer with all they can carry.
    office = Office(shared_registry, names=ACTOR)
    moments = [OPENING]

    office.draft("pub-1")
    office.submit("pub-1")
    office.pass_preliminary("pub-1", comment=SECRET["preliminary-comment"])
    office.pass_legality("pub-1", comment=SECRET["legality-comment"])
    office.approve("pub-1", comment=SECRET["approval-comment"])
    office.publish("pub-1")
    moments.append(office.clock)

    office.draft(
        "draft-1",
        category=SECRET["draft-category"],
        name=SECRET["draft-name"],
        subname=SECRET["draft-subname"],
        content=SECRET["draft-content"],
        basis=SECRET["draft-basis"],
        time_limit=SECRET["draft-time-limit"],
        body=SECRET["draft-body"],
        channels=["政府网站", SECRET["draft-channel"]],
        audience=["specific_group"],
        audience_note=SECRET["draft-audience-note"],
    )

    office.draft("rej-1", name=SECRET["rejected-name"], content=SECRET["rejected-content"])
    office.submit("rej-1")
    office.pass_preliminary("rej-1")
    office.reject_at_legality("rej-1", SECRET["rejection-comment"])
    moments.append(office.clock)
    office.revise("rej-1", name="政府决算", content="一般公共预算决算")
    office.review_and_approve("rej-1")
    office.publish("rej-1")
    moments.append(office.clock)

    office.publish_new("adj-1")
    office.adjust(
        "adj-1",
        trigger=f"其他：{SECRET['pending-trigger']}",
        reason=SECRET["pending-reason"],
        content=SECRET["pending-content"],
    )
    office.review_and_approve("adj-1", reference=SECRET["pending-approval-reference"])
    moments.append(office.clock)

    office.publish_new("ret-1")
    office.propose_retirement("ret-1", reason=SECRET["pending-retirement-reason"])
    office.submit("ret-1")

    office.publish_new("wd-1")
    office.adjust("wd-1", reason=SECRET["withdrawn-reason"], content=SECRET["withdrawn-content"])
    office.discard("wd-1", reason=SECRET["withdrawal-reason"])

    office.draft("disc-1", content=SECRET["discarded-content"])
    office.discard("disc-1", reason=SECRET["discard-reason"])
    moments.append(office.clock)

    # Account times are the registry's clock (now), not the office's.
    accounts = AccountDesk(office, names=ACCOUNT_ACTOR)
    accounts.open("NM-OPEN", "公安局", contact=SECRET["account-contact"], comment=SECRET["account-review-comment"])
    moments.append(datetime.now(UTC))
    accounts.change("NM-OPEN", "机构改革后更名", name="鄂托克前旗公安发布", contact=SECRET["changed-account-contact"])
    moments.append(datetime.now(UTC))
    accounts.file_change("NM-OPEN", SECRET["pending-account-reason"], name=SECRET["pending-account-name"])
    accounts.open("NM-SUSPENDED", "教育体育局", platform="抖音", contact=SECRET["suspended-account-contact"])
    accounts.suspend("NM-SUSPENDED", "内容长期未更新")
    accounts.open("NM-CLOSED", "财政局", platform="新浪微博", contact=SECRET["closed-account-contact"])
    accounts.close("NM-CLOSED", "并入政府门户网站")
    accounts.file("NM-FILED", "财政局", name=SECRET["filed-account-name"], contact=SECRET["filed-account-contact"])
    accounts.file("NM-REFUSED", "民政局", name=SECRET["refused-account-name"])
    accounts.reject("NM-REFUSED", SECRET["account-rejection-comment"])
    moments.append(datetime.now(UTC))

    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield Registered(api, shared_registry, moments)


def leaked(response: httpx.Response) -> list[str]:
    """The canaries in the response's body (as sent, and JSON-decoded) or headers."""
    texts = [response.text, *response.headers.values()]
    if response.headers.get("content-type", "").startswith("application/json"):
        texts.append(json.dumps(response.json(), ensure_ascii=False))
    return [secret for secret in CANARIES if any(secret in text for text in texts)]


def _unwrap(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def every_field(kind: GraphQLType, depth: int = 0) -> str:
    """A selection of every field below `kind`, following object fields (none of them takes arguments)."""
    named = _unwrap(kind)
    if not isinstance(named, GraphQLObjectType):
        return ""
    assert depth < 8, f"{named.name} nests deeper than the schema should"
    selections = []
    for name, field in named.fields.items():
        assert not any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()), name
        selections.append(f"{name} {every_field(field.type, depth + 1)}".strip())
    return "{ " + " ".join(selections) + " }"


def checkpoint_sizes(api: Api) -> list[int]:
    edges = api.query("{ checkpoints(first: 200) { edges { node { size } } } }")["checkpoints"]["edges"]
    return sorted(edge["node"]["size"] for edge in edges)


def schema_of(api: Api) -> GraphQLSchema:
    return build_client_schema(cast(IntrospectionQuery, api.query(get_introspection_query())))


def every_root_field(schema: GraphQLSchema, as_of: str | None, sizes: list[int]) -> str:
    """One operation that asks every root field for every field, as of `as_of`; `item` for every known id;
    `consistency` between the checkpoints of `sizes`."""
    query = schema.query_type
    assert query is not None
    known_arguments = {"filter", "asOf", "first", "after", "id", "from", "to"}
    selections = []
    for name, field in query.fields.items():
        assert set(field.args) <= known_arguments, f"{name} takes arguments this test does not know yet"
        given = {}
        if "asOf" in field.args and as_of is not None:
            given["asOf"] = json.dumps(as_of)
        if "first" in field.args:  # every row of this small registry, within the API's cost limit
            given["first"] = "50"
        if "from" in field.args:  # the first and the latest signed checkpoints
            given["from"], given["to"] = str(sizes[0]), str(sizes[-1])
        calls = [given] if "id" not in field.args else [{**given, "id": json.dumps(i)} for i in IDS[name]]
        calls += [{**given, "filter": written} for written in FILTERS.get(name, [])]
        for number, arguments in enumerate(calls):
            written = ", ".join(f"{key}: {value}" for key, value in arguments.items())
            selections.append(f"{name}_{number}: {name}{f'({written})' if written else ''} {every_field(field.type)}")
    return "{ " + "\n".join(selections) + " }"


def test_every_canary_is_in_the_registrys_log(registered: Registered) -> None:
    with registered.registry.engine.connect() as conn:
        log = "\n".join(f"{row.payload}\n{row.metadata}" for row in conn.execute(select(events)))

    assert [secret for secret in CANARIES if secret not in log] == []


def test_no_response_to_any_field_of_any_root_field_holds_a_canary_at_any_time(registered: Registered) -> None:
    schema = schema_of(registered.api)
    times = [
        None,
        "2000-01-01T00:00:00Z",
        *(moment.isoformat() for moment in registered.moments),
        "2999-01-01T00:00:00Z",
    ]

    for as_of in times:
        response = registered.api.post(every_root_field(schema, as_of, checkpoint_sizes(registered.api)))

        assert response.status_code == 200
        assert "errors" not in response.json(), response.json()["errors"]
        assert '"hasNextPage":true' not in response.text  # every page held every row
        assert leaked(response) == [], f"asOf {as_of}"


def test_the_public_items_of_the_canary_registry_are_all_there(registered: Registered) -> None:
    """The canary queries above look at a catalog that really holds the items that went public."""
    data = registered.api.query("{ catalog { edges { node { id version } } } }")

    assert [(e["node"]["id"], e["node"]["version"]) for e in data["catalog"]["edges"]] == [
        ("adj-1", 1),
        ("pub-1", 1),
        ("rej-1", 1),
        ("ret-1", 1),
        ("wd-1", 1),
    ]


def test_searching_for_a_canary_finds_nothing(registered: Registered) -> None:
    searches = " ".join(
        f"s{number}: catalog(filter: {{search: {json.dumps(secret)}}}) {{ totalCount }}"
        for number, secret in enumerate(SECRET.values())
    )

    data = registered.api.query(f"{{ {searches} }}")

    assert {found["totalCount"] for found in data.values()} == {0}
    assert len(data) == len(SECRET)


def test_the_health_check_and_the_graphiql_page_hold_no_canary(registered: Registered) -> None:
    health = registered.api.http.get("/healthz")
    graphiql = registered.api.http.get("/graphql", headers={"Accept": "text/html"})

    assert graphiql.status_code == 200
    assert leaked(health) == []
    assert leaked(graphiql) == []


def test_error_messages_hold_no_canary(registered: Registered) -> None:
    """Errors name only what the client sent, never anything stored."""
    for query in (
        '{ catalog(first: 201, after: "junk") { totalCount } }',
        '{ changes(after: "x") { edges { cursor } } }',
    ):
        response = registered.api.post(query)

        assert response.json()["errors"]
        assert leaked(response) == []


def test_the_public_accounts_of_the_canary_registry_are_all_there(registered: Registered) -> None:
    """The canary queries look at an account list that really holds the accounts that went public."""
    data = registered.api.query(
        "{ listed: mediaAccounts { edges { node { id version } } }"
        " closed: mediaAccounts(filter: {status: CLOSED}) { edges { node { id version } } } }"
    )

    assert [(e["node"]["id"], e["node"]["version"]) for e in data["listed"]["edges"]] == [
        ("NM-OPEN", 2),
        ("NM-SUSPENDED", 2),
    ]
    assert [(e["node"]["id"], e["node"]["version"]) for e in data["closed"]["edges"]] == [("NM-CLOSED", 2)]


def test_the_portal_page_and_its_modules_hold_no_canary(registered: Registered) -> None:
    page = registered.api.http.get("/")
    modules = sorted(path.name for path in STATIC.glob("*.js"))
    files = [registered.api.http.get(f"/static/{name}") for name in (*modules, "style.css")]

    assert page.status_code == 200 and "accounts.js" in modules
    assert all(response.status_code == 200 for response in files)
    assert [leaked(response) for response in (page, *files)] == [[]] * (len(files) + 1)


def test_the_atom_feed_holds_no_canary(registered: Registered) -> None:
    feed = registered.api.http.get("/feeds/changes.atom")

    assert feed.status_code == 200 and "<entry>" in feed.text
    assert leaked(feed) == []


def test_the_live_stream_holds_no_canary(registered: Registered) -> None:
    edges = registered.api.query("{ changes(first: 200) { edges { cursor } } }")["changes"]["edges"]
    with stream(registered.api, headers={"Last-Event-ID": "0"}) as reader:
        sent = reader.events(len(edges))

    assert len(sent) == len(edges) > 0
    assert [secret for secret in CANARIES if any(secret in event.data for event in sent)] == []
