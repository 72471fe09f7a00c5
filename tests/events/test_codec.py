"""Decoding for replay gives the events that validating gives, and the projections' JSON is canonical JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from events.codec import canonical_json, canonical_json_of_strings, decode_appended, decode_json, encode
from events.elements import FieldChange, ItemElements
from events.event import (
    ActorRegistered,
    AdjustmentProposed,
    ChangeKind,
    Event,
    ItemDrafted,
    ItemPublished,
    ItemRevised,
    ReviewPassed,
    ReviewStage,
    TokenIssued,
)

ELEMENTS = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算\n“三公”经费",
    channels=["政府网站", "政务服务中心"],
    audience=["specific_group", "public"],
    method=["proactive"],
    levels=["village", "county"],
)
NOON = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)

EVENTS: list[Event] = [
    ItemDrafted(item_id="ys", domain="财政预决算", unit="财政局", elements=ELEMENTS),
    ItemDrafted(item_id="empty", domain="", unit="财政局", elements=ItemElements()),
    ItemPublished(item_id="ys", version=2, kind=ChangeKind.CHANGE, elements=ELEMENTS, published_at=NOON),
    ItemRevised(item_id="ys", version=1, changes=(FieldChange(field="channels", old=["其他"], new=["政府网站"]),)),
    AdjustmentProposed(item_id="ys", version=2, trigger="法律法规修订", reason="", changes=()),
    ReviewPassed(item_id="ys", version=1, stage=ReviewStage.LEGALITY),
    ActorRegistered(actor_id="李财政", unit="财政局", roles=("drafter",)),
    TokenIssued(actor_id="李财政", token_id="tok_1", name="预算系统", roles=("drafter",), expires_at=NOON),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_an_appended_event_decodes_as_validating_it_would(event: Event) -> None:
    name, version, payload = encode(event)
    text = canonical_json(payload)

    replayed, validated = decode_appended(name, version, text), decode_json(name, version, text)

    assert replayed == validated == event
    assert type(replayed) is type(validated)
    assert replayed.model_fields_set == validated.model_fields_set
    assert replayed.model_dump(mode="json") == validated.model_dump(mode="json")
    if isinstance(replayed, ItemDrafted | ItemPublished):
        assert isinstance(validated, ItemDrafted | ItemPublished)
        assert replayed.elements.model_fields_set == validated.elements.model_fields_set
        assert [type(v) for v in replayed.elements.audience] == [type(v) for v in validated.elements.audience]


@pytest.mark.parametrize(
    "elements",
    [
        {**ELEMENTS.as_json(), "audience": ["everyone"]},  # no such audience
        {**ELEMENTS.as_json(), "colour": "red"},  # no such element
        {key: value for key, value in ELEMENTS.as_json().items() if key != "name"},  # an element left out
        "not elements",
    ],
)
def test_a_payload_the_store_would_not_write_is_refused_as_validating_it_would(elements: object) -> None:
    text = json.dumps({"item_id": "ys", "domain": "", "unit": "财政局", "elements": elements}, ensure_ascii=False)

    try:
        expected: object = decode_json("ItemDrafted", 1, text)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            decode_appended("ItemDrafted", 1, text)
        assert raised.value.errors(include_context=False) == error.errors(include_context=False)
    else:
        assert decode_appended("ItemDrafted", 1, text) == expected


def test_json_of_strings_is_canonical_json_for_every_character() -> None:
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    chunks = ["".join(characters[start : start + 64]) for start in range(0, len(characters), 64)]
    values = [chunks, {chunk: [chunk, None] for chunk in chunks[:2000]}, list(ELEMENTS.audience), ELEMENTS.as_json()]

    for value in values:
        assert canonical_json_of_strings(value) == canonical_json(value)
