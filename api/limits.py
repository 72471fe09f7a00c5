"""The limits that refuse hostile queries before anything runs: depth, field and alias floods, repeated fields,
and the cost of what an operation asks for."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
)
from graphql.execution import get_argument_values, get_variable_values

from api.schema import DEFAULT_PAGE, MAX_PAGE

MAX_DEPTH = 10
MAX_FIELDS = 2000
MAX_ALIASES = 50
MAX_REPEATS = 20
MAX_TOKENS = 5000


def _measure(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    seen: frozenset[str],
    totals: dict[str, int],
    path: tuple[str, ...],
    paths: Counter[tuple[str, ...]],
) -> int:
    """The depth below `selection_set`; counts fields and aliases into `totals`, expanding fragments.

    `paths` counts each response path (the response names from the root): fields that share one are merged, and
    graphql-core's check that they can be merged compares them in pairs, which a flood of one field makes slow.
    """
    if selection_set is None:
        return depth
    deepest = depth
    for selection in selection_set.selections:
        if totals["fields"] > MAX_FIELDS:
            return deepest
        if isinstance(selection, FieldNode):
            totals["fields"] += 1
            if selection.alias is not None:
                totals["aliases"] += 1
            here = (*path, (selection.alias or selection.name).value)
            paths[here] += 1
            if selection.name.value in ("__schema", "__type"):
                # Introspection is bounded by the schema's size; GraphiQL's own query nests ofType deeply.
                deepest = max(deepest, depth + 1)
                continue
            deepest = max(deepest, _measure(selection.selection_set, fragments, depth + 1, seen, totals, here, paths))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _measure(selection.selection_set, fragments, depth, seen, totals, path, paths))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # other rules report unknown and cyclic fragments
                continue
            deepest = max(
                deepest, _measure(fragment.selection_set, fragments, depth, seen | {name}, totals, path, paths)
            )
    return deepest


def _operation_refusals(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[GraphQLError]:
    """Why `operation` is refused: deeper than MAX_DEPTH, more than MAX_FIELDS fields or MAX_ALIASES aliases, or
    one field selected more than MAX_REPEATS times in the same place. Empty if it is not."""
    totals = {"fields": 0, "aliases": 0}
    paths: Counter[tuple[str, ...]] = Counter()
    depth = _measure(operation.selection_set, fragments, 0, frozenset(), totals, (), paths)
    name = f"operation {operation.name.value}" if operation.name else "operation"
    found = []
    if depth > MAX_DEPTH:
        found.append(f"{name} is {depth} levels deep; at most {MAX_DEPTH}")
    if totals["fields"] > MAX_FIELDS:
        found.append(f"{name} selects more than {MAX_FIELDS} fields")
    if totals["aliases"] > MAX_ALIASES:
        found.append(f"{name} uses {totals['aliases']} aliases; at most {MAX_ALIASES}")
    for path, times in paths.most_common(1):
        if times > MAX_REPEATS:
            found.append(f"{name} selects {'.'.join(path)} {times} times; at most {MAX_REPEATS}")
    return [GraphQLError(message, operation) for message in found]


def refusals(document: DocumentNode) -> list[GraphQLError]:
    """Why `document` is refused, found by walking its syntax tree directly rather than with graphql-core's
    validation visitor (twenty times slower): cheap enough to run before the specified rules, which a flood makes
    slow."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return [
        error
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for error in _operation_refusals(operation, fragments)
    ]


MAX_COST = 50_000
"""What one request may ask for, in cost units: one unit is one field of one object. A page of 200 items with every
field and its history costs about 11,000 (four such pages fit, five do not); a page of 200 inclusion proofs, about
37,000. On the reference machine a unit took 2 to 20 µs (the first for plain fields, the last for rows and proofs), so
the largest request admitted takes a second at the very most."""

COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"  # the refusal's extensions.code

# What one instance of a field costs beyond a plain field's 1: the fields that run SQL or compute a proof.
FIELD_COSTS: dict[tuple[str, str], int] = {
    ("Query", "catalog"): 20,  # a count (remembered per state of the catalog) and a page
    ("Query", "item"): 10,
    ("Query", "changes"): 10,
    ("Query", "log"): 20,  # the log head and the newest checkpoint
    ("Query", "checkpoints"): 10,
    ("Query", "consistency"): 200,  # two checkpoints and a Merkle path read and computed
    ("Query", "coverage"): 200,  # two aggregates over every published version, then a verdict per domain
    ("Query", "domains"): 100,  # an aggregate over the whole catalog
    ("Query", "units"): 100,
    ("CatalogItem", "proof"): 150,  # the event's hash and a Merkle path read and computed, for each item
    ("Change", "item"): 5,  # a version decoded (read with the page's others in one statement)
    ("Query", "mediaAccounts"): 20,  # a count and a page
    ("Query", "mediaAccount"): 10,  # the account's stream read and folded
}
# How many objects a list that is not paged is counted for.
LIST_SIZES: dict[tuple[str, str], int] = {
    ("CatalogItem", "history"): 3,
    ("MediaAccount", "history"): 3,
    ("MediaAccountChange", "changes"): 2,
    ("Query", "domains"): 30,
    ("Query", "units"): 60,
    ("Query", "coverage"): 30,
    ("Query", "labels"): 20,
}
DEFAULT_LIST_SIZE = 20
ROW_COST = 20  # each object of a page, beyond its fields: a row read from the database and decoded
INTROSPECTION_COST = 5_000  # __schema or __type: bounded by the schema's size; GraphiQL asks once


class _Costing:
    """The walk over one operation's selections, with its fragments and coerced variables."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selections(self, parent: GraphQLObjectType, selection_set: SelectionSetNode, page: int | None) -> int:
        """The cost of `selection_set` on one `parent` object; `page` is its connection's page size, if any."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, selections = selection.type_condition, selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, selections = fragment.type_condition, fragment.selection_set
            else:
                continue
            narrowed = self.schema.get_type(condition.name.value) if condition else parent
            total += self.selections(narrowed if isinstance(narrowed, GraphQLObjectType) else parent, selections, page)
        return total

    def field(self, parent: GraphQLObjectType, node: FieldNode, page: int | None) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST
        definition = parent.fields.get(name)
        if definition is None:  # __typename
            return 1
        own = FIELD_COSTS.get((parent.name, name), 1)
        target = get_named_type(definition.type)
        if node.selection_set is None or not isinstance(target, GraphQLObjectType):
            return own  # a leaf, or a list of leaves
        inner = self.selections(target, node.selection_set, self.page_size(definition, node))
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return own + inner
        if page is not None:
            return own + page * (ROW_COST + inner)
        return own + LIST_SIZES.get((parent.name, name), DEFAULT_LIST_SIZE) * inner

    def page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The page a paged field (one with `first` or `last`) returns, within 0..MAX_PAGE; None for others."""
        paged = [name for name in ("first", "last") if name in definition.args]
        if not paged:
            return None
        try:
            given = get_argument_values(definition, node, self.variables)
        except GraphQLError:  # execution reports it
            given = {}
        sizes = [given[name] for name in paged if isinstance(given.get(name), int)]
        return min(max(max(sizes, default=DEFAULT_PAGE), 0), MAX_PAGE)


def cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Any,
    coerced: dict[str, Any] | None = None,
) -> int:
    """What the operation `operation_name` of the valid `document` asks for, with `variables`: each field counted
    once for every object it is asked of (a page's size times, in a paged list), weighted by FIELD_COSTS. 0 when
    the operation or the variables are not usable: execution reports that. `coerced`: the variables as the
    operation's definitions coerce them, when the caller has them already."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    values = coerced
    if values is None:
        found = get_variable_values(
            schema, operation.variable_definitions or (), variables if isinstance(variables, dict) else {}
        )
        if isinstance(found, list):
            return 0
        values = found
    if root is None:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Costing(schema, fragments, values).selections(root, operation.selection_set, None)


def cost_refusal(units: int) -> GraphQLError | None:
    """The error that refuses an operation that costs `units`, or None if that is within MAX_COST."""
    if units <= MAX_COST:
        return None
    return GraphQLError(
        f"operation costs {units} units; at most {MAX_COST}: ask for smaller pages, fewer aliases or fewer proofs",
        extensions={"code": COST_LIMIT_EXCEEDED, "cost": units, "limit": MAX_COST},
    )
