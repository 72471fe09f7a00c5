"""The public reads the API runs (projections/public_query.py), compiled once per dialect and shape and run on the
driver's cursor, give exactly what SQLAlchemy's statements built anew for each call gave: the same rows, keys,
values and types, on SQLite and PostgreSQL, for every filter, asOf, cursor and page size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Connection, Select, Table, and_, func, or_, select

from events.schema import checkpoints, events
from projections import public_query
from projections.public_query import CatalogFilter, Page, _stored_time
from projections.schema import public_catalog, public_changes, published_versions
from registry.service import Registry
from tests.api.office import OPENING, Office

# The former statements, as they were built for each call.


def _source(as_of: datetime | None) -> tuple[Table, list[ColumnElement[bool]]]:
    if as_of is None:
        return public_catalog, []
    moment = _stored_time(as_of)
    table = published_versions
    return table, [
        table.c.published_at <= moment,
        or_(table.c.superseded_at.is_(None), table.c.superseded_at > moment),
    ]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(table: Table, conditions: list[ColumnElement[bool]], flt: CatalogFilter) -> list[ColumnElement[bool]]:
    where = list(conditions)
    if flt.domain:
        where.append(table.c.domain == flt.domain)
    if flt.unit:
        where.append(table.c.unit == flt.unit)
    for column, value in ((table.c.levels, flt.level), (table.c.audience, flt.audience), (table.c.method, flt.method)):
        if value:
            where.append(column.like(_like(json.dumps(value)), escape="\\"))
    if flt.search:
        pattern = _like(flt.search)
        columns = (table.c.category, table.c.name, table.c.subname, table.c.content, table.c.basis)
        where.append(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return where


def former_catalog_page(
    conn: Connection, flt: CatalogFilter, as_of: datetime | None, first: int, after: str | None
) -> Page:
    table, conditions = _source(as_of)
    where = _filtered(table, conditions, flt)
    total = conn.execute(select(func.count()).select_from(table).where(and_(True, *where))).scalar_one()
    query: Select[Any] = select(table).where(and_(True, *where))
    if after is not None:
        query = query.where(table.c.item_id > after)
    rows = conn.execute(query.order_by(table.c.item_id).limit(first + 1)).all()
    return Page([dict(r._mapping) for r in rows[:first]], len(rows) > first, int(total))


def former_item(conn: Connection, item_id: str, as_of: datetime | None) -> dict[str, Any] | None:
    table, conditions = _source(as_of)
    row = conn.execute(select(table).where(and_(table.c.item_id == item_id, *conditions))).first()
    return dict(row._mapping) if row else None


def former_histories(conn: Connection, item_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    rows = conn.execute(
        select(public_changes).where(public_changes.c.item_id.in_(item_ids)).order_by(public_changes.c.position)
    )
    for row in rows:
        found[row.item_id].append(dict(row._mapping))
    return found


def former_cache_state(conn: Connection, log: bool) -> tuple[int, ...]:
    position = func.coalesce(func.max(public_changes.c.position), 0)
    row = conn.execute(
        select(
            select(position).scalar_subquery(),
            select(func.coalesce(func.max(checkpoints.c.size), 0)).scalar_subquery(),
        )
    ).one()
    state = [int(row[0]), int(row[1])]
    if log:
        head = conn.execute(select(events.c.position).order_by(events.c.position.desc()).limit(1)).scalar()
        state.append(int(head or 0))
    return tuple(state)


def typed(value: Any) -> Any:
    """`value` with the type of each of its values: equal rows of different types must not pass."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, Page):
        return (typed(value.rows), value.has_next, value.total)
    return (type(value).__name__, value)


@pytest.fixture(scope="module")
def catalog(shared_registry: Registry) -> Iterator[Registry]:
    office = Office(shared_registry)
    office.publish_new("czj-yusuan", content="一般公共预算 100% 公开", levels=["county", "township"])
    office.publish_new("czj-juesuan", name="政府决算_2023", audience=["specific_group"], audience_note="人大代表")
    office.publish_new("mzj-dibao", domain="社会救助", unit="民政局", content="低保 c:\\名单", method=["on_request"])
    office.publish_new("mzj-tekun", domain="社会救助", unit="民政局", basis="《社会救助暂行办法》BASIS")
    office.publish_adjustment("czj-yusuan", content="调整后的预算")
    office.publish_adjustment("mzj-tekun", time_limit="每季度")
    office.retire("mzj-dibao")
    office.draft("czj-caogao")
    yield shared_registry


FILTERS = [
    CatalogFilter(),
    CatalogFilter(domain="财政预决算"),
    CatalogFilter(unit="民政局"),
    CatalogFilter(level="township"),
    CatalogFilter(audience="specific_group"),
    CatalogFilter(method="on_request"),
    CatalogFilter(search="预算"),
    CatalogFilter(search="100%"),
    CatalogFilter(search="_2023"),
    CatalogFilter(search="c:\\"),
    CatalogFilter(search="basis"),
    CatalogFilter(
        domain="社会救助", unit="民政局", level="county", audience="public", method="proactive", search="办法"
    ),
    CatalogFilter(domain="没有这个领域"),
]
MOMENTS = [None, OPENING, datetime(2024, 3, 1, 9, 20, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)]


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_catalog_pages_are_the_former_pages(catalog: Registry, flt: CatalogFilter) -> None:
    with catalog.store.reading() as conn:
        for as_of in MOMENTS:
            for first, after in [(50, None), (1, None), (1, "czj-juesuan"), (2, "czj-yusuan"), (0, None)]:
                got = public_query.catalog_page(conn, flt, as_of, first, after)
                again = public_query.catalog_page(conn, flt, as_of, first, after)  # the remembered count
                expected = former_catalog_page(conn, flt, as_of, first, after)
                assert typed(got) == typed(again) == typed(expected), (as_of, first, after)


def test_the_filters_select_what_they_say(catalog: Registry) -> None:
    """The comparison above compares pages worth comparing."""
    with catalog.store.reading() as conn:
        ids = {
            index: [row["item_id"] for row in public_query.catalog_page(conn, flt, None, 50, None).rows]
            for index, flt in enumerate(FILTERS)
        }
        long_ago = public_query.catalog_page(conn, CatalogFilter(), OPENING, 50, None)

    assert ids[0] == ["czj-juesuan", "czj-yusuan", "mzj-tekun"]
    assert ids[3] == ["czj-yusuan"] and ids[4] == ids[8] == ["czj-juesuan"] and ids[6] == ids[0]
    assert ids[7] == [] and ids[10] == ["mzj-tekun"] and ids[12] == []
    assert long_ago.rows == []


def test_items_are_the_former_items(catalog: Registry) -> None:
    with catalog.store.reading() as conn:
        for item_id in ["czj-yusuan", "mzj-dibao", "mzj-tekun", "czj-caogao", "no-such-item"]:
            for as_of in MOMENTS:
                assert typed(public_query.item(conn, item_id, as_of)) == typed(former_item(conn, item_id, as_of))


def test_histories_are_the_former_histories(catalog: Registry) -> None:
    wanted = ["czj-juesuan", "czj-yusuan", "mzj-dibao", "mzj-tekun", "czj-caogao", "no-such-item"]
    with catalog.store.reading() as conn:
        for ids in [wanted, wanted[:1], [], wanted[2:4]]:
            got = public_query.histories(conn, ids)
            assert typed(got) == typed(former_histories(conn, ids))
        all_of_them = public_query.histories(conn, wanted)

    assert [row["kind"] for row in all_of_them["mzj-dibao"]] == ["add", "cancel"]
    assert all(type(row["backfilled"]) is bool for rows in all_of_them.values() for row in rows)


@pytest.mark.parametrize("log", [False, True])
def test_the_public_state_is_the_former_state(catalog: Registry, log: bool) -> None:
    with catalog.store.reading() as conn:
        assert public_query.cache_state(conn, log=log) == former_cache_state(conn, log)
