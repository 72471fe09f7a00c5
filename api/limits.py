"""The limits that refuse hostile queries before anything runs: depth, field and alias floods, repeated fields."""

from __future__ import annotations

from collections import Counter

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

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
