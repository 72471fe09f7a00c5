"""A fold shared with a partner process gives the rows of a fold in one process, and fails whole when it fails."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import select, update

from events import database
from projections.fold_partner import PartnerFailed
from projections.projector import differences, rebuild, scratch_tables
from projections.schema import item_versions
from registry.service import Registry
from tests.projections.test_rebuild import snapshot


@pytest.fixture
def on_sqlite(demo: Registry) -> Registry:
    if demo.engine.dialect.name != "sqlite":
        pytest.skip("a partner reads a SQLite file of its own")
    return demo


def test_rebuilding_with_a_partner_gives_the_rows_kept_incrementally(on_sqlite: Registry) -> None:
    incremental = snapshot(on_sqlite.engine)
    read: list[int] = []

    with on_sqlite.store.writing() as conn:
        last = rebuild(conn, batch=7, rows_per_insert=5, partner=True, progress=read.append)

    assert snapshot(on_sqlite.engine) == incremental
    assert sum(read) == last == on_sqlite.store.head()[0]  # the partner's events counted too


def test_a_fold_with_a_partner_finds_a_row_changed_behind_the_logs_back(on_sqlite: Registry) -> None:
    last_stream = max(item_ids(on_sqlite))  # folded by the partner
    with on_sqlite.store.writing() as conn:
        conn.execute(update(item_versions).where(item_versions.c.item_id == last_stream).values(reason="篡改"))

    with on_sqlite.engine.connect() as conn, scratch_tables(conn), database.snapshot(conn):
        found = differences(conn, batch=7, partner=True)

    assert [problem.split(":")[0] for problem in found] == ["item_versions"]


def test_a_rebuild_whose_partner_dies_changes_nothing(on_sqlite: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    with on_sqlite.store.writing() as conn:
        rebuild(conn, partner=False)
        conn.execute(update(item_versions).values(reason="篡改"))  # what the rebuild would repair
    before = snapshot(on_sqlite.engine)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a partner that exits at once, having sent nothing

    with pytest.raises(PartnerFailed, match="exit 1"), on_sqlite.store.writing() as conn:
        rebuild(conn, partner=True)

    assert snapshot(on_sqlite.engine) == before


def test_a_default_partner_that_fails_leaves_the_fold_to_one_process(
    on_sqlite: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left to the default, the partner is a speed-up, never a new way to fail: the rebuild and verify's fold go on
    alone, rolled back to where the partner began."""
    incremental = snapshot(on_sqlite.engine)
    with on_sqlite.store.writing() as conn:
        conn.execute(update(item_versions).values(reason="篡改"))  # what the rebuild repairs
    monkeypatch.setattr("projections.projector.PARTNER_FROM", 1)  # the demo's log is shorter than the default's
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a partner that cannot run

    with on_sqlite.store.writing() as conn:
        rebuild(conn, batch=7, rows_per_insert=5)
    with on_sqlite.engine.connect() as conn, scratch_tables(conn), database.snapshot(conn):
        found = differences(conn, batch=7)

    assert snapshot(on_sqlite.engine) == incremental
    assert found == []


def item_ids(registry: Registry) -> list[str]:
    with registry.engine.connect() as conn:
        return list(conn.execute(select(item_versions.c.item_id)).scalars())
