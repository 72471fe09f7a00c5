"""Validation rules that refuse hostile queries before anything runs: depth, field and alias floods."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

MAX_DEPTH = 10
MAX_FIELDS = 2000
MAX_ALIASES = 50
MAX_TOKENS = 5000


def _measure(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    seen: frozenset[str],
    totals: dict[str, int],
) -> int:
    """The depth below `selection_set`; counts fields and aliases into `totals`, expanding fragments."""
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
            if selection.name.value in ("__schema", "__type"):
                # Introspection is bounded by the schema's size; GraphiQL's own query nests ofType deeply.
                deepest = max(deepest, depth + 1)
                continue
            deepest = max(deepest, _measure(selection.selection_set, fragments, depth + 1, seen, totals))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _measure(selection.selection_set, fragments, depth, seen, totals))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # other rules report unknown and cyclic fragments
                continue
            deepest = max(deepest, _measure(fragment.selection_set, fragments, depth, seen | {name}, totals))
    return deepest


class QueryCostRule(ValidationRule):
    """Refuses operations deeper than MAX_DEPTH, with more than MAX_FIELDS fields or MAX_ALIASES aliases."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        totals = {"fields": 0, "aliases": 0}
        depth = _measure(node.selection_set, self.fragments, 0, frozenset(), totals)
        name = f" {node.name.value}" if node.name else ""
        if depth > MAX_DEPTH:
            self.report_error(GraphQLError(f"operation{name} is {depth} levels deep; at most {MAX_DEPTH}", node))
        if totals["fields"] > MAX_FIELDS:
            self.report_error(GraphQLError(f"operation{name} selects more than {MAX_FIELDS} fields", node))
        if totals["aliases"] > MAX_ALIASES:
            self.report_error(
                GraphQLError(f"operation{name} uses {totals['aliases']} aliases; at most {MAX_ALIASES}", node)
            )
