"""graphql-core's executor with a short path for plain fields: leaves, and objects and lists of objects.

A catalog page with every field is about 1,260 field executions, and graphql-core spends ~15 µs on each: the
resolve info, the arguments, the awaitable checks, the completion of the value (docs/benchmarks.md). Most of
them are leaves read straight off the parent (graphene's default resolver) and serialized: for those, this context
reads and serializes the value itself. The objects between them (a page's edges, each edge's node, an item's
history) are completed here too: a plain object type (no `is_type_of`) or a list of non-null ones is a call of
`execute_fields` per object, with graphql-core's own error handling around it, without its layers of completion.

Anything else, and anything unusual about a value (null, a value its type refuses, an error, an awaitable, a list
holding a null or an error, something that is not a list or tuple), goes through graphql-core's own
`execute_field` or `complete_value`, which then report it exactly as usual: the short path only ever skips work
whose outcome it already knows. (A value read on the short path and found unusual is read again by graphql-core:
graphene's default resolvers read plain attributes and keys, which here have no side effects.) With middleware,
every field goes through graphql-core, since middleware wraps resolvers.
"""

from __future__ import annotations

from asyncio import gather
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.pyutils import Path

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)
_MIN_INT, _MAX_INT = -(2**31), 2**31 - 1  # GraphQL's Int
_ENUM_MEMO = 256  # serialized texts an enum leaf remembers


@dataclass(frozen=True)
class _Leaf:
    """How to produce a plain leaf field: the attribute (or key) to read, and how to serialize it."""

    read: Callable[[Any], Any]  # what graphene's default resolver of the field returns for a parent
    attribute: str | None  # the attribute it reads off an object that is not a dict (None: it reads keys only)
    default: Any
    serialize: Callable[[Any], Any]
    is_list: bool
    same: type | None  # values of exactly this type serialize to themselves (String, ID: str; Boolean: bool)
    whole: type | None  # the same, for the field's value as a whole: None for a list
    is_int: bool  # GraphQL's Int: an int in its range serializes to itself
    # An enum's serialization of the texts it met: graphene's enum serializes a text by looking it up as a value,
    # then as a name, which always gives the same answer for the same text.
    memo: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Objects:
    """A field whose values are objects of a plain object type (no `is_type_of`), or a list of non-null ones."""

    return_type: GraphQLOutputType  # as the field declares it, non-null or not
    object_type: GraphQLObjectType
    item_type: GraphQLOutputType | None  # the list's item type (non-null), None for a single object
    read: Callable[[Any], Any] | None  # graphene's default resolver, when the field has it
    field_def: Any = None  # else the field, whose own resolver takes no arguments


def _unwrap(output: GraphQLOutputType) -> GraphQLOutputType:
    return output.of_type if isinstance(output, GraphQLNonNull) else output


def _objects(output: GraphQLOutputType) -> _Objects | None:
    """The short completion of values of type `output`, or None when graphql-core must complete them."""
    inner = _unwrap(output)
    item_type = None
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        if not isinstance(item_type, GraphQLNonNull):
            return None  # a list that may hold nulls: graphql-core completes each item
        inner = item_type.of_type
    if not isinstance(inner, GraphQLObjectType) or inner.is_type_of is not None:
        return None
    return _Objects(output, inner, item_type, None)


def _default_read(resolve: Any) -> Callable[[Any], Any] | None:
    """What graphene's default resolver `resolve` reads off a parent, without the resolve info; None if it is not
    one of graphene's default resolvers."""
    if not isinstance(resolve, partial) or resolve.func not in _DEFAULT_RESOLVERS:
        return None
    if len(resolve.args) != 2 or resolve.keywords:
        return None
    name, default = resolve.args
    if resolve.func is attr_resolver:
        return lambda source: getattr(source, name, default)
    if resolve.func is dict_resolver:
        return lambda source: source.get(name, default)
    return lambda source: source.get(name, default) if isinstance(source, dict) else getattr(source, name, default)


def _plan(field_def: Any, node: FieldNode) -> _Leaf | _Objects | None:
    """The short path for this field, or None when it must go through graphql-core's execution."""
    if node.arguments or field_def.args:
        return None
    read = _default_read(field_def.resolve)
    objects = _objects(field_def.type)
    if objects is not None:
        if read is None and field_def.resolve is None:
            return None  # the context's field_resolver: graphql-core's
        return _Objects(objects.return_type, objects.object_type, objects.item_type, read, field_def)
    if read is None:
        return None
    output = _unwrap(field_def.type)
    is_list = False
    if isinstance(output, GraphQLList):
        if not isinstance(output.of_type, GraphQLNonNull):
            return None  # a list that may hold nulls: graphql-core completes each item
        is_list, output = True, output.of_type.of_type
    if not isinstance(output, GraphQLScalarType | GraphQLEnumType):
        return None
    same = str if output is GraphQLString or output is GraphQLID else bool if output is GraphQLBoolean else None
    name, default = field_def.resolve.args
    return _Leaf(
        read=read,
        attribute=None if field_def.resolve.func is dict_resolver else name,
        default=default,
        serialize=output.serialize,
        is_list=is_list,
        same=same,
        whole=None if is_list else same,
        is_int=output is GraphQLInt,
        memo={} if isinstance(output, GraphQLEnumType) else None,
    )


# Per schema: per (type, field), the field's short path or None; per output type (by id), its short completion or
# None. A schema does not change once built, and holds its types.
_FIELDS: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Leaf | _Objects | None]] = WeakKeyDictionary()
_OUTPUTS: WeakKeyDictionary[GraphQLSchema, dict[int, _Objects | None]] = WeakKeyDictionary()


def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> Any:
    """`results`, or, when some of them are awaitables, an awaitable of them all awaited, as graphql-core's
    execute_fields gives them in an asynchronous execution."""
    if not awaitable_fields:
        return results

    async def get_results() -> dict[str, Any]:
        values = await gather(*(results[name] for name in awaitable_fields))
        results.update(zip(awaitable_fields, values, strict=True))
        return results

    return get_results()


def _no_field(_k: int) -> Any:
    raise AssertionError("a selection of plain leaves only has no other field")


class _Fallback(Exception):
    """The short path met something it does not decide: let graphql-core execute the field."""


def _serialized(leaf: _Leaf, value: Any) -> Any:
    """`value` serialized as the leaf's type does; _Fallback for anything graphql-core should see itself."""
    if value is None:
        raise _Fallback  # null, and whether that is allowed: graphql-core's to decide and report
    if not leaf.is_list:
        return _one(leaf, value)
    if not isinstance(value, list | tuple):
        raise _Fallback
    return [_one(leaf, item) for item in value]


def _one(leaf: _Leaf, value: Any) -> Any:
    kind = type(value)
    if kind is leaf.same:
        return value
    if leaf.is_int and kind is int and _MIN_INT <= value <= _MAX_INT:
        return value
    memo = leaf.memo
    if memo is not None and kind is str:
        known = memo.get(value)
        if known is not None:
            return known
    if value is None:
        raise _Fallback
    serialized = leaf.serialize(value)
    if serialized is None or serialized is Undefined:
        raise _Fallback
    if memo is not None and kind is str and len(memo) < _ENUM_MEMO:
        memo[value] = serialized
    return serialized


# A selection's plain leaves, compiled: a function of the parent object that reads and checks every leaf of the
# selection first and returns the object's results in the selection's order (its other fields executed in their
# places through `field(k)`), or None, before executing anything, when a leaf's value is anything but plain. Per
# schema, per (type, response names, fields); at most _FILLS_KEPT (aliases make selections without end).
_Fill = Callable[[Any, Callable[[int], Any]], dict[str, Any] | None]
_FILLS: WeakKeyDictionary[GraphQLSchema, dict[tuple[Any, ...], _Fill | None]] = WeakKeyDictionary()
_FILLS_KEPT = 512


def _fill(plans: list[tuple[str, list[FieldNode], _Leaf | _Objects | None]]) -> _Fill | None:
    """The compiled form of a selection whose leaves are plain to check (see _FILLS), or None: the generic loop."""
    lines = ["def fill(source, field):", "    if isinstance(source, dict):", "        return None"]
    names: dict[str, Any] = {"_MIN": _MIN_INT, "_MAX": _MAX_INT, "Undefined": Undefined}
    entries = []
    leaves = 0
    for k, (response_name, _nodes, plan) in enumerate(plans):
        if type(plan) is not _Leaf:
            entries.append(f"{response_name!r}: field({k})")
            continue
        if plan.attribute is None:
            return None  # it reads keys only: the generic loop
        leaves += 1
        v = f"v{k}"
        names[f"d{k}"] = plan.default
        lines.append(f"    {v} = getattr(source, {plan.attribute!r}, d{k})")
        item = "i" if plan.is_list else v
        if plan.is_list:
            lines.append(f"    if type({v}) is not list and type({v}) is not tuple:")
            lines.append("        return None")
        if plan.same is not None or plan.is_int:
            check = (
                f"type({item}) is not {plan.same.__name__}"
                if plan.same is not None
                else f"type({item}) is not int or not _MIN <= {item} <= _MAX"
            )
            if plan.is_list:
                lines += [
                    f"    for i in {v}:",
                    f"        if {check}:",
                    "            return None",
                    f"    {v} = list({v})",
                ]
            else:
                lines += [f"    if {check}:", "        return None"]
        elif plan.memo is not None:  # an enum: the texts it has serialized before
            names[f"m{k}"] = plan.memo
            if plan.is_list:
                lines.append(f"    {v} = [m{k}.get(i) if type(i) is str else None for i in {v}]")
                lines.append(f"    if None in {v}:")
            else:
                lines.append(f"    {v} = m{k}.get({v}) if type({v}) is str else None")
                lines.append(f"    if {v} is None:")
            lines.append("        return None")
        elif not plan.is_list:  # another scalar (DateTime): its own serialize
            names[f"s{k}"] = plan.serialize
            lines += [
                f"    if {v} is None:",
                "        return None",
                "    try:",
                f"        {v} = s{k}({v})",
                "    except Exception:",
                "        return None",
                f"    if {v} is None or {v} is Undefined:",
                "        return None",
            ]
        else:
            return None
        entries.append(f"{response_name!r}: {v}")
    if leaves == 0:
        return None
    # The reads and checks in a try: an attribute that raises is graphql-core's to report, at its field. The other
    # fields are executed after it, as the results are assembled in order: their errors are theirs to handle.
    head, body = lines[:3], lines[3:]
    lines = [*head, "    try:", *("    " + line for line in body), "    except Exception:", "        return None"]
    lines.append("    return {" + ", ".join(entries) + "}")
    exec("\n".join(lines), names)  # our own code, from the schema's field names and types
    fill: _Fill = names["fill"]
    return fill


@dataclass(frozen=True)
class _Selection:
    plans: list[tuple[str, list[FieldNode], _Leaf | _Objects | None]]
    fill: _Fill | None
    others: list[str]  # the response names of the fields that are not plain leaves


# Per schema, the (type, field) pairs it defines, among those planned.
_DEFINED: WeakKeyDictionary[GraphQLSchema, set[tuple[str, str]]] = WeakKeyDictionary()


class ShortPathContext(ExecutionContext):
    """An ExecutionContext whose plain fields skip graphql-core's per-field machinery."""

    def _selection(self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]]) -> _Selection:
        """A selection's fields with their short paths (or None), and its compiled leaves, worked out once per
        selection and execution: graphql-core hands the same `fields` for every object of a list (it memoizes
        collect_subfields, which keeps them alive for the execution), so a page of 50 items plans its item fields
        once."""
        by_selection: dict[int, _Selection] = self.__dict__.setdefault("_selections", {})
        selection = by_selection.get(id(fields))
        if selection is None:
            known = _FIELDS.setdefault(self.schema, {})
            plans: list[tuple[str, list[FieldNode], _Leaf | _Objects | None]] = []
            defined = True
            for response_name, field_nodes in fields.items():
                key = (parent_type.name, field_nodes[0].name.value)
                if key not in known:
                    field_def = get_field_def(self.schema, parent_type, field_nodes[0])
                    known[key] = _plan(field_def, field_nodes[0]) if field_def else None
                    _DEFINED.setdefault(self.schema, set()).update([key] if field_def else [])
                defined = defined and key in _DEFINED.get(self.schema, set())
                plans.append((response_name, field_nodes, known[key] if len(field_nodes) == 1 else None))
            fills = _FILLS.setdefault(self.schema, {})
            shape = (parent_type.name, *((name, nodes[0].name.value, plan is not None) for name, nodes, plan in plans))
            if shape not in fills:
                if len(fills) >= _FILLS_KEPT:
                    fills.clear()
                fills[shape] = _fill(plans) if defined else None  # a field the schema lacks: graphql-core skips it
            others = [name for name, _, plan in plans if type(plan) is not _Leaf]
            selection = _Selection(plans, fills[shape], others)
            by_selection[id(fields)] = selection
        return selection

    def before_fields(self) -> None:
        """Called before each object's fields are executed (DeadlineContext looks at the clock)."""

    def _sub_selection(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode]) -> _Selection:
        """The selection of `object_type`'s fields under `field_nodes`: collect_subfields, planned (remembered for
        the execution by the same key as graphql-core's own cache of collect_subfields)."""
        cache: dict[Any, _Selection] = self.__dict__.setdefault("_sub_selections", {})
        key = (object_type, id(field_nodes[0])) if len(field_nodes) == 1 else (object_type, *map(id, field_nodes))
        selection = cache.get(key)
        if selection is None:
            selection = cache[key] = self._selection(object_type, self.collect_subfields(object_type, field_nodes))
        return selection

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        self.before_fields()
        if self.middleware_manager:  # middleware wraps every resolver: no short path
            return super().execute_fields(parent_type, source_value, path, fields)
        return self._fields(parent_type, self._selection(parent_type, fields), source_value, path)

    def _fields(
        self, parent_type: GraphQLObjectType, selection: _Selection, source_value: Any, path: Path | None
    ) -> Any:
        """What graphql-core's execute_fields gives for the object `source_value`, its fields planned in
        `selection`."""
        fill = selection.fill
        if fill is not None:
            if not selection.others:
                found = fill(source_value, _no_field)
                if found is not None:
                    return found
            else:
                plans = selection.plans

                def field(k: int) -> Any:
                    response_name, field_nodes, plan = plans[k]
                    return self._field(parent_type, source_value, path, response_name, field_nodes, plan)

                found = fill(source_value, field)
                if found is not None:
                    is_awaitable = self.is_awaitable
                    return _gathered(found, [name for name in selection.others if is_awaitable(found[name])])
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        an_object = not isinstance(source_value, dict)  # graphene's default resolvers read its attributes
        for response_name, field_nodes, plan in selection.plans:
            if type(plan) is _Leaf:
                try:
                    if an_object and plan.attribute is not None:
                        value = getattr(source_value, plan.attribute, plan.default)
                    else:
                        value = plan.read(source_value)
                    if type(value) is plan.whole:
                        results[response_name] = value
                    else:
                        results[response_name] = _serialized(plan, value)
                    continue
                except Exception:  # graphql-core executes the field again, and reports what is wrong as usual
                    plan = None
            result = self._field(parent_type, source_value, path, response_name, field_nodes, plan)
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        return _gathered(results, awaitable_fields)

    def _field(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        response_name: str,
        field_nodes: list[FieldNode],
        plan: _Leaf | _Objects | None,
    ) -> Any:
        """A field that is not a plain leaf: objects of a plain type on the short path, else graphql-core's."""
        if type(plan) is _Objects:
            if plan.read is None:
                return self._resolved_objects(plan, parent_type, source_value, field_nodes, path, response_name)
            try:
                value = plan.read(source_value)
            except Exception:
                value = None  # graphql-core reads it again, and reports the error
            if self._plain(plan, value):
                return self._objects_field(plan, field_nodes, Path(path, response_name, parent_type.name), value)
        return self.execute_field(parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name))

    def _resolved_objects(
        self,
        plan: _Objects,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_nodes: list[FieldNode],
        path: Path | None,
        response_name: str,
    ) -> Any:
        """graphql-core's execute_field for a field with a resolver of its own and no arguments, without looking up
        the field and its (no) arguments again; its value completed by complete_value (the short path's)."""
        field_path = Path(path, response_name, parent_type.name)
        return_type = plan.return_type
        info = self.build_resolve_info(plan.field_def, field_nodes, parent_type, field_path)
        try:
            result = plan.field_def.resolve(source_value, info)
            if self.is_awaitable(result):

                async def await_result() -> Any:
                    try:
                        completed = self.complete_value(return_type, field_nodes, info, field_path, await result)
                        if self.is_awaitable(completed):
                            return await completed
                        return completed
                    except Exception as raw_error:
                        error = located_error(raw_error, field_nodes, field_path.as_list())
                        self.handle_field_error(error, return_type, field_path)
                        return None

                return await_result()
            if self._plain(plan, result):  # what complete_value does with it, without looking up its plan again
                completed = self._complete_objects(plan, field_nodes, field_path, result)
            else:
                completed = self.complete_value(return_type, field_nodes, info, field_path, result)
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        error = located_error(raw_error, field_nodes, field_path.as_list())
                        self.handle_field_error(error, return_type, field_path)
                        return None

                return await_completed()
            return completed
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, field_path.as_list())
            self.handle_field_error(error, return_type, field_path)
            return None

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        """A field's value as graphql-core completes it; objects (and lists of them) of a plain type on the short
        path: this is where the fields with resolvers of their own (an item's history) complete."""
        outputs = _OUTPUTS.setdefault(self.schema, {})
        key = id(return_type)
        if key not in outputs:
            outputs[key] = _objects(return_type)
        plan = outputs[key]
        if plan is not None and not self.middleware_manager and self._plain(plan, result):
            return self._complete_objects(plan, field_nodes, path, result)
        return super().complete_value(return_type, field_nodes, info, path, result)

    def _plain(self, plan: _Objects, value: Any) -> bool:
        """Whether completing `value` holds no surprise: no null, error or awaitable, a list or tuple for a list."""
        is_awaitable = self.is_awaitable
        if value is None or isinstance(value, Exception) or is_awaitable(value):
            return False
        if plan.item_type is None:
            return True
        if not isinstance(value, list | tuple):
            return False
        return not any(item is None or isinstance(item, Exception) or is_awaitable(item) for item in value)

    def _objects_field(self, plan: _Objects, field_nodes: list[FieldNode], path: Path, value: Any) -> Any:
        """The field's completed `value` (a plain one), with graphql-core's execute_field's error handling."""
        try:
            completed = self._complete_objects(plan, field_nodes, path, value)
        except Exception as raw_error:
            self.handle_field_error(located_error(raw_error, field_nodes, path.as_list()), plan.return_type, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, path.as_list())
                self.handle_field_error(error, plan.return_type, path)
                return None

        return await_completed()

    def _complete_objects(self, plan: _Objects, field_nodes: list[FieldNode], path: Path, value: Any) -> Any:
        """`value` (a plain one) completed as graphql-core's complete_value does: an object's fields executed, or
        each item's of a list, an item's error located at the item and raised (the items are non-null)."""
        object_type = plan.object_type
        selection = self._sub_selection(object_type, field_nodes)
        if plan.item_type is None:
            self.before_fields()
            return self._fields(object_type, selection, value, path)
        item_type = plan.item_type
        is_awaitable = self.is_awaitable
        before_fields = self.before_fields
        completed_results: list[Any] = []
        awaitable_indices: list[int] = []
        fill = selection.fill if not selection.others else None
        for index, item in enumerate(value):
            try:  # execute_fields, as it is without middleware (the item's path made only when needed)
                before_fields()
                completed: Any = fill(item, _no_field) if fill is not None else None
                if completed is None:
                    completed = self._fields(object_type, selection, item, Path(path, index, None))
            except Exception as raw_error:
                item_path = Path(path, index, None)
                self.handle_field_error(
                    located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path
                )
                raise  # pragma: no cover  (handle_field_error raises for a non-null item)
            if is_awaitable(completed):
                completed = self._await_item(completed, field_nodes, item_type, Path(path, index, None))
                awaitable_indices.append(index)
            completed_results.append(completed)
        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            for index, done in zip(
                awaitable_indices, await gather(*(completed_results[i] for i in awaitable_indices)), strict=True
            ):
                completed_results[index] = done
            return completed_results

        return get_completed_results()

    async def _await_item(
        self, completed: Any, field_nodes: list[FieldNode], item_type: GraphQLOutputType, item_path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path)
            return None
