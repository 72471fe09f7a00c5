"""Scalars for the arguments that have a shape: cursors, page and tree sizes, item ids, short texts and times.

A value of the wrong shape is refused before anything runs, with a message that says what is wrong and what to send:
in a literal, by the validation of the request; in a variable, by its coercion. Either way it is a request error (HTTP
400 under application/graphql-response+json, `errors` and no `data`), never an error from a resolver, and resolvers
receive the value in the form they use: a cursor's key, a time in UTC. The public and the staff schema share them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import graphene
from graphql import GraphQLError, GraphQLInt, StringValueNode, ValueNode, print_ast
from pydantic import TypeAdapter, ValidationError

from registry.commands import Label

MAX_PAGE = 200
_MAX_CURSOR = 1024  # characters: the longest cursor this API gives (an item id of 200 CJK characters) is about 810
_MAX_POSITION_DIGITS = 18  # log positions and tree sizes are BIGINTs
_LABEL = TypeAdapter(Label)
# Times as arguments: a day short of Python's range at each end, so that the time has a date in every time zone (the
# jurisdiction's working calendar judges days in its own).
_FIRST_INSTANT = datetime(1, 1, 2, tzinfo=UTC)
_LAST_INSTANT = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)

_T = TypeVar("_T")


def _shown(value: Any) -> str:
    """`value` as a message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _at(node: ValueNode, parse: Callable[[Any], _T], value: Any) -> _T:
    """`parse(value)` for the literal `node`: its refusal points at the literal."""
    try:
        return parse(value)
    except GraphQLError as error:
        raise GraphQLError(error.message, node) from None


def _string(name: str, node: ValueNode) -> str:
    if not isinstance(node, StringValueNode):
        raise GraphQLError(f"{name} cannot represent a non-string value: {print_ast(node)}", node)
    return node.value


def _label(what: str, value: Any, *, required: bool) -> str:
    """`value` if it is text as the registry keeps ids and names: at most 200 characters, no control characters
    (tab and line breaks allowed); not empty if `required`."""
    if not isinstance(value, str):
        raise GraphQLError(f"{what} must be a string (got {_shown(value)})")
    if required and not value:
        raise GraphQLError(f"{what} must not be empty")
    try:
        return _LABEL.validate_python(value)
    except ValidationError as error:
        problem = error.errors()[0]
        if problem["type"] == "too_long":
            limit = problem["ctx"]["max_length"]
            raise GraphQLError(f"{what} must be at most {limit} characters (got {len(value)})") from None
        raise GraphQLError(
            f"{what} must not contain control characters (such as NUL) or lone surrogates (got {_shown(value)})"
        ) from None


class PageSize(graphene.Scalar):
    """How many entries a page holds: an Int from 0 to 200; the next entries come with `after`."""

    @staticmethod
    def serialize(value: Any) -> int:
        size: int = GraphQLInt.serialize(value)
        return size

    @staticmethod
    def parse_value(value: Any) -> int:
        size: int = GraphQLInt.parse_value(value)
        if not 0 <= size <= MAX_PAGE:
            raise GraphQLError(f"page size must be between 0 and {MAX_PAGE} (got {size}); page with `after`")
        return size

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> int:
        return _at(node, PageSize.parse_value, GraphQLInt.parse_literal(node))


class Offset(graphene.Scalar):
    """How many entries to skip before a page: an Int of at least 0."""

    @staticmethod
    def serialize(value: Any) -> int:
        offset: int = GraphQLInt.serialize(value)
        return offset

    @staticmethod
    def parse_value(value: Any) -> int:
        offset: int = GraphQLInt.parse_value(value)
        if offset < 0:
            raise GraphQLError(f"an offset is at least 0 (got {offset})")
        return offset

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> int:
        return _at(node, Offset.parse_value, GraphQLInt.parse_literal(node))


class TreeSize(graphene.Scalar):
    """The size of a signed checkpoint's tree: the number of events it covers, an Int of at least 1."""

    @staticmethod
    def serialize(value: Any) -> int:
        size: int = GraphQLInt.serialize(value)
        return size

    @staticmethod
    def parse_value(value: Any) -> int:
        size: int = GraphQLInt.parse_value(value)
        if size < 1:
            raise GraphQLError(f"tree size must be at least 1 (got {size}): pass the size of a signed checkpoint")
        return size

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> int:
        return _at(node, TreeSize.parse_value, GraphQLInt.parse_literal(node))


class ItemId(graphene.Scalar):
    """A catalog item's id: 1 to 200 characters, no control characters."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        return _label("item id", value, required=True)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        return _at(node, ItemId.parse_value, _string("ItemId", node))


class ShortText(graphene.Scalar):
    """Text of at most 200 characters without control characters (tab and line breaks allowed), as the registry
    keeps names: a domain, a unit, words to search for."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        return _label("text", value, required=False)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        return _at(node, ShortText.parse_value, _string("ShortText", node))


class _Cursor(graphene.Scalar):
    """A cursor: `prefix:key` in base64url, opaque to clients. Its value in a resolver is the key."""

    prefix: ClassVar[str]
    listing: ClassVar[str]  # the field whose pages it continues, for the message that refuses a stranger
    key: ClassVar[Callable[[str], Any]]  # the key written as a text in a cursor; raises ValueError if it is not one

    @classmethod
    def of(cls, key: Any) -> str:
        """The cursor of `key`."""
        return base64.urlsafe_b64encode(f"{cls.prefix}:{key}".encode()).decode()

    @classmethod
    def serialize(cls, key: Any) -> str:
        return cls.of(key)

    @classmethod
    def parse_value(cls, value: Any) -> Any:
        try:
            if not isinstance(value, str) or len(value) > _MAX_CURSOR:
                raise ValueError
            prefix, _, text = base64.urlsafe_b64decode(value).decode().partition(":")
            if prefix != cls.prefix:
                raise ValueError
            key = cls.key(text)
            if cls.of(key) != value:  # one spelling per cursor, the one this API gives
                raise ValueError
        except ValueError:  # binascii.Error and UnicodeDecodeError included
            raise GraphQLError(cls._refusal(_shown(value))) from None
        return key

    @classmethod
    def parse_literal(cls, node: ValueNode, _variables: Any = None) -> Any:
        if not isinstance(node, StringValueNode):
            raise GraphQLError(cls._refusal(print_ast(node)), node)
        return _at(node, cls.parse_value, node.value)

    @classmethod
    def _refusal(cls, shown: str) -> str:
        return f"invalid cursor {shown}: pass an endCursor or cursor returned by `{cls.listing}`"


def _position(text: str) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_POSITION_DIGITS):
        raise ValueError(text)
    return int(text)


def _item_key(text: str) -> str:
    # Any id the catalog holds, even one from before ids were checked like labels: a page must never end on a cursor
    # that the next request refuses. Only what no database column can compare is out.
    if not text or "\x00" in text:
        raise ValueError(text)
    return text


class CatalogCursor(_Cursor):
    """Where a page of `catalog` ends: pass an `endCursor` (or an edge's `cursor`) to `after` for the next page."""

    prefix = "item"
    listing = "catalog"
    key = _item_key


class ChangeCursor(_Cursor):
    """A position in the feed of `changes`: pass an `endCursor` (or an edge's `cursor`) to `after` for what follows."""

    prefix = "change"
    listing = "changes"
    key = _position


class CheckpointCursor(_Cursor):
    """Where a page of `checkpoints` ends: pass an `endCursor` (or an edge's `cursor`) to `after` for older ones."""

    prefix = "checkpoint"
    listing = "checkpoints"
    key = _position


class DateTime(graphene.DateTime):
    """A date and time in ISO 8601, e.g. 2024-06-01T08:00:00+08:00; one without an offset is UTC. As an argument it is
    read as the instant it names, in UTC, from 0001-01-02 to 9999-12-30: a time that has a date in every time zone."""

    @classmethod
    def parse_value(cls, value: Any) -> datetime:
        moment: datetime = graphene.DateTime.parse_value(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            instant = moment.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+08:00, before the first UTC time Python knows
            instant = None
        if instant is None or not _FIRST_INSTANT <= instant <= _LAST_INSTANT:
            raise GraphQLError(f"DateTime {_shown(value)} is out of range: pass a time from 0001-01-02 to 9999-12-30")
        return instant

    @classmethod
    def parse_literal(cls, node: ValueNode, _variables: Any = None) -> datetime:
        return _at(node, cls.parse_value, _string("DateTime", node))
