"""`registry serve` as a subprocess, over real HTTP: GraphQL by GET and POST, /healthz, GraphiQL, introspection."""

from __future__ import annotations

from tests.api.server import Api

IDS = "{ catalog { totalCount edges { node { id } } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


def test_graphql_answers_a_post_with_a_json_body(cli_server: Api) -> None:
    response = cli_server.post(IDS)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"catalog": {"totalCount": 1, "edges": [{"node": {"id": "czj-yusuan"}}]}}}


def test_graphql_answers_a_get_with_the_query_in_the_url(cli_server: Api) -> None:
    response = cli_server.http.get(
        "/graphql",
        params={"query": "query($n: PageSize) { catalog(first: $n) { totalCount } }", "variables": '{"n": 1}'},
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"catalog": {"totalCount": 1}}}


def test_graphql_answers_in_the_graphql_response_media_type_when_asked(cli_server: Api) -> None:
    response = cli_server.post(IDS, headers={"Accept": "application/graphql-response+json"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")


def test_a_mutation_is_not_allowed_over_get(cli_server: Api) -> None:
    response = cli_server.get("mutation { log { position } }")

    assert response.status_code == 400


def test_healthz_reports_ok_and_the_log_head(cli_server: Api) -> None:
    health = cli_server.http.get("/healthz").json()
    head = cli_server.query("{ log { position headHash } }")["log"]

    assert health == {"status": "ok", "position": head["position"], "head_hash": head["headHash"]}


def test_a_browser_gets_graphiql_at_the_graphql_address(cli_server: Api) -> None:
    response = cli_server.http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_introspection_is_on_by_default(cli_server: Api) -> None:
    assert cli_server.query(INTROSPECTION) == {"__schema": {"queryType": {"name": "Query"}}}


def test_without_graphiql_a_browser_gets_no_ide(locked_down_cli_server: Api) -> None:
    response = locked_down_cli_server.http.get("/graphql", headers={"Accept": "text/html"})

    assert "graphiql" not in response.text.lower()
    assert not response.headers["content-type"].startswith("text/html")


def test_without_introspection_the_schema_is_refused(locked_down_cli_server: Api) -> None:
    errors = locked_down_cli_server.errors(INTROSPECTION)

    assert "GraphQL introspection has been disabled" in errors[0]["message"]


def test_without_introspection_typename_still_works(locked_down_cli_server: Api) -> None:
    data = locked_down_cli_server.query("{ __typename catalog { __typename totalCount } }")

    assert data == {"__typename": "Query", "catalog": {"__typename": "CatalogItemConnection", "totalCount": 1}}
