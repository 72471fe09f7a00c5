"""graphql-core's executor with a short path for plain leaf fields.

A catalog page with every field is about 1,260 field executions, and graphql-core spends ~15 µs on each: the
resolve info, the arguments, the awaitable checks, the completion of the value (docs/benchmarks.md). Most of
them are leaves read straight off the parent (graphene's default resolver) and serialized: for those, this context
reads and serializes the value itself. Anything else, and anything unusual about a leaf's value (null, a value its
type refuses, an error), goes through graphql-core's own `execute_field`, which then reports it exactly as usual:
the short path only ever skips work whose outcome it already knows. (A value read on the short path and found
unusual is read again by graphql-core: graphene's default resolvers read plain attributes and keys, which here
have no side effects.) With middleware, every field goes through graphql-core, since middleware wraps resolvers.
"""

from __future__ import annotations

from asyncio import gather
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.execute import get_field_def
from graphql.pyutils import Path

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)


@dataclass(frozen=True)
class _Leaf:
    """How to produce a plain leaf field: the attribute (or key) to read, and how to serialize it."""

    read: Callable[[Any], Any]  # what graphene's default resolver of the field returns for a parent
    serialize: Callable[[Any], Any]
    is_list: bool


def _unwrap(output: GraphQLOutputType) -> GraphQLOutputType:
    return output.of_type if isinstance(output, GraphQLNonNull) else output


def _plan(field_def: Any, node: FieldNode) -> _Leaf | None:
    """The short path for this field, or None when it must go through graphql-core's execution."""
    resolve = field_def.resolve
    if node.arguments or field_def.args or not isinstance(resolve, partial):
        return None
    if resolve.func not in _DEFAULT_RESOLVERS or len(resolve.args) != 2 or resolve.keywords:
        return None
    output = _unwrap(field_def.type)
    is_list = False
    if isinstance(output, GraphQLList):
        if not isinstance(output.of_type, GraphQLNonNull):
            return None  # a list that may hold nulls: graphql-core completes each item
        is_list, output = True, output.of_type.of_type
    if not isinstance(output, GraphQLScalarType | GraphQLEnumType):
        return None
    name, default = resolve.args
    return _Leaf(read=_reader(resolve.func, name, default), serialize=output.serialize, is_list=is_list)


def _reader(resolver: Callable[..., Any], name: str, default: Any) -> Callable[[Any], Any]:
    """The value graphene's `resolver` gives for attribute or key `name` (with `default`), without the resolve info."""
    if resolver is attr_resolver:
        return lambda source: getattr(source, name, default)
    if resolver is dict_resolver:
        return lambda source: source.get(name, default)
    return lambda source: source.get(name, default) if isinstance(source, dict) else getattr(source, name, default)


# Per schema, per (type, field): the field's short path, or None. A schema does not change once built.
_LEAVES: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Leaf | None]] = WeakKeyDictionary()


class _Fallback(Exception):
    """The short path met something it does not decide: let graphql-core execute the field."""


def _value(leaf: _Leaf, source: Any) -> Any:
    value = leaf.read(source)
    if value is None:
        raise _Fallback  # null, and whether that is allowed: graphql-core's to decide and report
    if not leaf.is_list:
        serialized = leaf.serialize(value)
        if serialized is None or serialized is Undefined:
            raise _Fallback
        return serialized
    if not isinstance(value, list | tuple):
        raise _Fallback
    items = []
    for item in value:
        serialized = None if item is None else leaf.serialize(item)
        if serialized is None or serialized is Undefined:
            raise _Fallback
        items.append(serialized)
    return items


class LeafShortcutContext(ExecutionContext):
    """An ExecutionContext whose plain leaf fields skip graphql-core's per-field machinery."""

    def _plans_for(
        self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]]
    ) -> list[tuple[str, list[FieldNode], _Leaf | None]]:
        """Each field of a selection with its short path (or None), worked out once per selection and execution:
        graphql-core hands the same `fields` for every object of a list (it memoizes collect_subfields, which
        keeps them alive for the execution), so a page of 50 items plans its item fields once."""
        by_selection: dict[int, list[tuple[str, list[FieldNode], _Leaf | None]]] = self.__dict__.setdefault(
            "_selection_plans", {}
        )
        plans = by_selection.get(id(fields))
        if plans is None:
            leaves = _LEAVES.setdefault(self.schema, {})
            plans = []
            for response_name, field_nodes in fields.items():
                key = (parent_type.name, field_nodes[0].name.value)
                if key not in leaves:
                    field_def = get_field_def(self.schema, parent_type, field_nodes[0])
                    leaves[key] = _plan(field_def, field_nodes[0]) if field_def else None
                plans.append((response_name, field_nodes, leaves[key] if len(field_nodes) == 1 else None))
            by_selection[id(fields)] = plans
        return plans

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        if self.middleware_manager:  # middleware wraps every resolver: no short path
            return super().execute_fields(parent_type, source_value, path, fields)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for response_name, field_nodes, leaf in self._plans_for(parent_type, fields):
            if leaf is not None:
                try:
                    results[response_name] = _value(leaf, source_value)
                    continue
                except Exception:  # graphql-core executes the field again, and reports what is wrong as usual
                    pass
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:  # as graphql-core does, for an asynchronous execution
            values = await gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
            return results

        return get_results()
