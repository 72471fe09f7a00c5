"""A signed-in browser's cookie cannot be used by another site: cross-site requests and requests without the CSRF
token are refused, and change nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from registry.service import Registry
from tests.api.staff import DRAFTER, desk, draft_input, mutation

DRAFT = mutation("draftItem")


def test_a_form_posted_from_another_site_changes_nothing(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        before = office.log_size()
        # What a page on another site can make the browser send: a form, with the cookie (were it not SameSite).
        form = urlencode(
            {"query": 'mutation { draftItem(input: {itemId: "x", elements: {name: "伪造"}}) { receipt { position } } }'}
        )
        response = person.http.post(
            "/staff/graphql",
            content=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site",
            },
        )

        assert response.status_code == 403
        assert office.log_size() == before


def test_a_signed_in_request_without_the_csrf_token_is_refused(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        before = office.log_size()
        response = person.http.post("/staff/graphql", json={"query": DRAFT, "variables": {"input": draft_input("a")}})

        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF"
        assert office.log_size() == before


def test_a_signed_in_request_with_another_csrf_token_is_refused(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        before = office.log_size()
        response = person.post(DRAFT, {"input": draft_input("a")}, **{"X-CSRF-Token": "0" * 64})

        assert response.status_code == 403
        assert office.log_size() == before


def test_a_request_from_another_origin_is_refused_even_with_the_csrf_token(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        before = office.log_size()
        response = person.post(DRAFT, {"input": draft_input("a")}, Origin="https://evil.example")

        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "CROSS_SITE"
        assert office.log_size() == before


def test_a_request_from_this_origin_with_the_csrf_token_is_carried_out(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        payload = person.mutate(
            "draftItem", draft_input("a"), Origin=office.api.url, **{"Sec-Fetch-Site": "same-origin"}
        )

    assert payload["userErrors"] == []


def test_a_sign_out_without_the_csrf_token_is_refused_and_the_session_lives_on(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        response = person.http.post("/staff/logout")

        assert response.status_code == 403
        assert person.data("{ me { actorId } }") == {"me": {"actorId": DRAFTER}}
