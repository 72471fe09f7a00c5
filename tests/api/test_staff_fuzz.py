"""The staff API under generated queries and mutations, with a business system's token, over real HTTP.

Schemathesis, in GraphQL mode, builds operations from the schema the staff endpoint reports (every query and
mutation, random inputs) and its default checks find nothing: no 5xx, no error from a resolver, no valid request
refused. A refusal by the rules is a userError in a 200 answer; a value of the wrong shape is refused before
execution.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from pydantic import TypeAdapter, ValidationError
from schemathesis.core.result import Ok

from registry.commands import Label
from registry.service import Registry
from tests.api.staff import DRAFTER, desk
from tests.reliability.scale import size

EXAMPLES = size(8, 500)  # per operation: 14 operations


def _is_label(text: str) -> bool:
    try:
        TypeAdapter(Label).validate_python(text)
    except ValidationError:
        return False
    return True


# Any value each shaped scalar of the staff schema's inputs allows, for schemathesis to send as positive data.
schemathesis.graphql.scalar("ItemId", st.text(min_size=1, max_size=200).filter(_is_label).map(nodes.String))
schemathesis.graphql.scalar("AccountId", st.text(min_size=1, max_size=200).filter(_is_label).map(nodes.String))
schemathesis.graphql.scalar("ShortText", st.text(max_size=200).filter(_is_label).map(nodes.String))
schemathesis.graphql.scalar(
    "CommandId", st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=64).map(nodes.String)
)


def test_schemathesis_finds_nothing_in_generated_staff_operations(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.publish_new("czj-0")
        office.office.draft("czj-1")
        _token, secret = registry.issue_token(
            DRAFTER, "财政局预算系统", frozenset(), None, office.office.actors["admin"]
        )
        token = {"Authorization": f"Bearer {secret}"}
        statuses: Counter[tuple[str, int]] = Counter()
        operations = list(
            schemathesis.graphql.from_url(f"{office.api.url}/staff/graphql", headers=token).get_all_operations()
        )

        for result in operations:
            assert isinstance(result, Ok), result

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            )
            @given(case=result.ok().as_strategy())
            def call(case: Any) -> None:
                response = case.call_and_validate(headers=token)
                statuses[(case.operation.label, response.status_code)] += 1

            call()

    # 9 queries (me, queue, item, history, items, vocabulary, check, accounts, account), 17 mutations
    assert len(operations) == 26
    assert {status for _, status in statuses} == {200}
