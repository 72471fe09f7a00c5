"""The public `coverage` over real HTTP, on SQLite and PostgreSQL: each pilot domain gets the verdict the supervision
report gives it, on any day, because both judge with the one function that says what the verdict is."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from api import schema as schema_module
from registry.calendar import WorkingCalendar
from registry.service import Registry
from registry.supervision import report as supervision
from tests.api.office import Office
from tests.api.server import Api, serving

COVERAGE = "query($asOf: DateTime) { coverage(asOf: $asOf) { name verdict workingDaysLate } }"


@pytest.fixture(scope="module")
def published(shared_registry: Registry) -> Registry:
    office = Office(shared_registry)
    office.publish_new("czj-yusuan")
    office.publish_new("mzj-dibao", domain="社会救助", unit="民政局")
    office.retire("mzj-dibao")
    return shared_registry


@pytest.fixture(scope="module")
def api(published: Registry) -> Iterator[Api]:
    with serving(published.engine, published.profile) as running:
        yield running


@pytest.mark.parametrize("day", [date(2020, 10, 1), date(2024, 3, 1), date(2024, 6, 3)])
def test_the_api_gives_each_pilot_domain_the_verdict_the_supervision_report_gives(
    published: Registry, api: Api, day: date
) -> None:
    last_moment = WorkingCalendar.of(published.profile).end_of(day) - timedelta(microseconds=1)
    report = supervision.coverage(published, as_of=day)

    public = api.query(COVERAGE, {"asOf": last_moment.isoformat()})["coverage"]

    assert {row["name"]: (row["verdict"], row["workingDaysLate"]) for row in public} == {
        d.domain.name: (d.deadline.verdict.name, d.deadline.working_days_late) for d in report.domains if d.deadline
    }


def test_the_api_judges_coverage_only_with_the_reports_verdict() -> None:
    source = ast.parse(Path(schema_module.__file__).read_text())
    imported = {alias.name for node in ast.walk(source) if isinstance(node, ast.ImportFrom) for alias in node.names}

    assert "domain_catalog_judgement" in imported
    assert "judge" not in imported
