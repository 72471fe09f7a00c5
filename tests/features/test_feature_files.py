"""The specs themselves: Chinese Gherkin, one 规则 per review rule, each with allowed and refused scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser

FEATURES = sorted((Path(__file__).parents[2] / "features").glob("*.feature"))
ACCOUNT_FEATURES = [path for path in FEATURES if path.stem.startswith("media_account")]
ITEM_FEATURES = [path for path in FEATURES if path not in ACCOUNT_FEATURES]
REFUSED = "被拒绝，依据规则"


def rules(path: Path) -> list[dict[str, Any]]:
    document: Any = Parser().parse(path.read_text("utf-8"))
    feature = document["feature"]
    assert feature["language"] == "zh-CN"
    return [child["rule"] for child in feature["children"] if "rule" in child]


def scenarios_of(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return [child["scenario"] for child in rule["children"] if "scenario" in child]


def refuses(scenario: dict[str, Any]) -> bool:
    return any(step["text"].startswith(REFUSED) for step in scenario["steps"])


@pytest.mark.parametrize("path", FEATURES, ids=[path.stem for path in FEATURES])
def test_every_rule_shows_what_it_allows_and_what_it_refuses(path: Path) -> None:
    for rule in rules(path):
        outcomes = {refuses(scenario) for scenario in scenarios_of(rule)}
        assert outcomes == {True, False}, f"{path.name}: 规则 {rule['name']} needs allowed and refused scenarios"


@pytest.mark.parametrize("path", FEATURES, ids=[path.stem for path in FEATURES])
def test_scenario_names_are_unique_within_a_feature(path: Path) -> None:
    # pytest-bdd keys scenarios by name: a repeated name would silently drop a scenario.
    names = [scenario["name"] for rule in rules(path) for scenario in scenarios_of(rule)]
    assert len(names) == len(set(names))


def test_the_twelve_review_rules_have_at_least_forty_scenarios() -> None:
    blocks = [rule for path in ITEM_FEATURES for rule in rules(path)]
    assert len(blocks) == 12
    assert sum(len(scenarios_of(rule)) for rule in blocks) >= 40


def test_the_nine_account_rules_have_at_least_fifteen_scenarios() -> None:
    blocks = [rule for path in ACCOUNT_FEATURES for rule in rules(path)]
    assert len(blocks) == 9
    assert sum(len(scenarios_of(rule)) for rule in blocks) >= 15
