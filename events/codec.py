"""Stored names and schema versions of the event types, and the canonical JSON they are stored as."""

from __future__ import annotations

import json
from typing import Any

import orjson

from events.chain import canonical_json
from events.elements import Audience, ItemElements, Level, Method
from events.event import (
    AccountChangeFiled,
    AccountClosureFiled,
    AccountFiled,
    AccountFilingRejected,
    AccountPublished,
    AccountReviewPassed,
    AccountSuspensionFiled,
    ActorDisabled,
    ActorRegistered,
    AdjustmentProposed,
    AnyEvent,
    DraftDiscarded,
    Event,
    ItemApproved,
    ItemDrafted,
    ItemPublished,
    ItemRetired,
    ItemRevised,
    ItemSubmitted,
    PasswordSet,
    PendingChangeWithdrawn,
    RetirementProposed,
    ReviewPassed,
    ReviewRejected,
    SigningKeyRegistered,
    TokenIssued,
    TokenRevoked,
    WebhookPaused,
    WebhookRemoved,
    WebhookReplayed,
    WebhookResumed,
    WebhookSubscribed,
)

__all__ = [
    "EVENT_TYPES",
    "UPCASTERS",
    "UnknownEventType",
    "canonical_json",
    "canonical_json_of_strings",
    "decode",
    "decode_appended",
    "encode",
]

# The stored contract: a type name and its current schema version. Renaming a class keeps its name here.
EVENT_TYPES: dict[str, tuple[type[Event], int]] = {
    "ActorRegistered": (ActorRegistered, 1),
    "ItemDrafted": (ItemDrafted, 1),
    "ItemRevised": (ItemRevised, 1),
    "ItemSubmitted": (ItemSubmitted, 1),
    "ReviewPassed": (ReviewPassed, 1),
    "ReviewRejected": (ReviewRejected, 1),
    "ItemApproved": (ItemApproved, 1),
    "ItemPublished": (ItemPublished, 1),
    "AdjustmentProposed": (AdjustmentProposed, 1),
    "RetirementProposed": (RetirementProposed, 1),
    "ItemRetired": (ItemRetired, 1),
    "DraftDiscarded": (DraftDiscarded, 1),
    "PendingChangeWithdrawn": (PendingChangeWithdrawn, 1),
    "SigningKeyRegistered": (SigningKeyRegistered, 1),
    "PasswordSet": (PasswordSet, 1),
    "TokenIssued": (TokenIssued, 1),
    "TokenRevoked": (TokenRevoked, 1),
    "ActorDisabled": (ActorDisabled, 1),
    "WebhookSubscribed": (WebhookSubscribed, 1),
    "WebhookPaused": (WebhookPaused, 1),
    "WebhookResumed": (WebhookResumed, 1),
    "WebhookRemoved": (WebhookRemoved, 1),
    "WebhookReplayed": (WebhookReplayed, 1),
    "AccountFiled": (AccountFiled, 1),
    "AccountChangeFiled": (AccountChangeFiled, 1),
    "AccountSuspensionFiled": (AccountSuspensionFiled, 1),
    "AccountClosureFiled": (AccountClosureFiled, 1),
    "AccountReviewPassed": (AccountReviewPassed, 1),
    "AccountFilingRejected": (AccountFilingRejected, 1),
    "AccountPublished": (AccountPublished, 1),
}
_NAMES = {cls: name for name, (cls, _) in EVENT_TYPES.items()}

# (type name, stored schema version) -> function lifting a payload one version up.
UPCASTERS: dict[tuple[str, int], Any] = {}


class UnknownEventType(Exception):
    pass


def canonical_json_of_strings(value: Any) -> str:
    """canonical_json(value) for a JSON value of strings only (strings, None, lists and string-keyed objects of
    them, such as ItemElements.as_json), six times faster: orjson writes the same text for those (it escapes each
    code point as json.dumps does, and sorts keys by code point). Not for numbers: it writes some floats otherwise."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def encode(event: Event) -> tuple[str, int, dict[str, Any]]:
    """(type name, schema version, JSON payload) of `event`."""
    name = _NAMES[type(event)]
    return name, EVENT_TYPES[name][1], event.model_dump(mode="json")


def decode_json(name: str, schema_version: int, payload: str) -> AnyEvent:
    """The event stored as `name` at `schema_version` with this JSON text; pydantic parses the text itself when
    no upcast is needed (a fifth faster than json.loads and validating the objects, which replay feels)."""
    found = EVENT_TYPES.get(name)
    if found is not None and found[1] == schema_version:
        return found[0].model_validate_json(payload)  # type: ignore[return-value]
    return decode(name, schema_version, json.loads(payload))


# The event types whose payload holds an item's elements: the only part of an event whose validation runs Python
# (cleaning, de-duplicating and ordering the lists, checking each text), a dozen microseconds an event.
_WITH_ELEMENTS = frozenset(
    name
    for name, (cls, _) in EVENT_TYPES.items()
    if "elements" in cls.model_fields and cls.model_fields["elements"].annotation is ItemElements
)
_ELEMENT_FIELDS = frozenset(ItemElements.model_fields)
_AUDIENCE = {member.value: member for member in Audience}
_METHOD = {member.value: member for member in Method}
_LEVEL = {member.value: member for member in Level}
# Copied with every field given: model_copy validates nothing, like model_construct, in two thirds of the time.
_NO_ELEMENTS = ItemElements()


def decode_appended(name: str, schema_version: int, payload: str) -> AnyEvent:
    """The event of a payload the store appended, for a fold of the log (rebuild, verify): as decode_json, but the
    elements it holds are not validated again. The store only appends events that were validated when they were
    decided, and their elements were stored as `ItemElements.as_json` gives them, so validating them again is
    the identity; pydantic still checks the rest of the payload."""
    found = EVENT_TYPES.get(name)
    if name not in _WITH_ELEMENTS or found is None or found[1] != schema_version:
        return decode_json(name, schema_version, payload)
    try:
        data = orjson.loads(payload)
        data["elements"] = _appended_elements(data["elements"])
    except (ValueError, TypeError, KeyError, AttributeError):  # not as the store writes it: let pydantic say why
        return decode_json(name, schema_version, payload)
    return found[0].model_validate(data)  # type: ignore[return-value]


# The last elements decoded, with the JSON they came from: a publication holds the elements of the version it
# publishes, mostly those of a draft or adjustment a few events before it in the same stream (ItemElements is
# frozen: both may share the object). One tuple, read and replaced whole: threads decoding at once can only miss it.
_last_elements: tuple[Any, ItemElements] | None = None


def _appended_elements(data: Any) -> ItemElements:
    """The elements `ItemElements.as_json` gave, as the model (with the same fields set) that gave them."""
    global _last_elements
    last = _last_elements
    if last is not None and last[0] == data:
        return last[1]
    if data.keys() != _ELEMENT_FIELDS:
        raise KeyError("not every element, or more")
    values = dict(data)
    values["channels"] = tuple(data["channels"])
    values["audience"] = tuple([_AUDIENCE[value] for value in data["audience"]])
    values["method"] = tuple([_METHOD[value] for value in data["method"]])
    values["levels"] = tuple([_LEVEL[value] for value in data["levels"]])
    elements = _NO_ELEMENTS.model_copy(update=values)
    _last_elements = (data, elements)
    return elements


def decode(name: str, schema_version: int, payload: dict[str, Any]) -> AnyEvent:
    """The event stored as `name` at `schema_version`, upcast to the current version."""
    try:
        cls, current = EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(name) from None
    while schema_version < current:
        payload = UPCASTERS[(name, schema_version)](payload)
        schema_version += 1
    return cls.model_validate(payload)  # type: ignore[return-value]
