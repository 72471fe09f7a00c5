"""Where the projections' rows live while they are folded: the database itself (inline), or one stream's rows in
memory flushed in batches (rebuild). The projections' logic is written once, against `RowStore`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Connection, Executable, Table, and_, bindparam, delete, select, update

Key = Mapping[str, Any]  # column -> value that selects rows; a None value means IS NULL


class RowStore(Protocol):
    """The rows of the projection tables, selected by equality on columns."""

    def insert(self, table: Table, row: Mapping[str, Any]) -> None: ...

    def update(self, table: Table, key: Key, values: Mapping[str, Any]) -> None: ...

    def delete(self, table: Table, key: Key) -> None: ...

    def rows(self, table: Table, key: Key) -> list[dict[str, Any]]: ...


def one(store: RowStore, table: Table, key: Key) -> dict[str, Any]:
    """The one row `key` selects; raises LookupError when there is none or more than one."""
    found = store.rows(table, key)
    if len(found) != 1:
        raise LookupError(f"{table.name}: {len(found)} rows for {dict(key)}, expected one")
    return found[0]


_INSERTS: dict[str, Executable] = {}
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Executable] = {}


def _where(table: Table, key: Key) -> Any:
    return and_(
        *(
            table.c[name].is_(None) if value is None else table.c[name] == bindparam(f"k_{name}")
            for name, value in key.items()
        )
    )


def _statement(kind: str, table: Table, key: Key, values: Mapping[str, Any] = {}) -> Executable:
    """The statement for `kind` on `table` with these key and value columns, built once and reused."""
    shape = tuple(f"{name}{'=' if value is None else ''}" for name, value in key.items())
    cache_key = (kind, table.name, shape, tuple(values))
    found = _STATEMENTS.get(cache_key)
    if found is None:
        if kind == "update":
            found = update(table).where(_where(table, key)).values({name: bindparam(f"v_{name}") for name in values})
        elif kind == "delete":
            found = delete(table).where(_where(table, key))
        else:
            found = select(table).where(_where(table, key))
        _STATEMENTS[cache_key] = found
    return found


def _parameters(key: Key, values: Mapping[str, Any] = {}) -> dict[str, Any]:
    parameters = {f"k_{name}": value for name, value in key.items() if value is not None}
    parameters.update({f"v_{name}": value for name, value in values.items()})
    return parameters


class DatabaseRows:
    """Every operation is one statement in `conn`'s transaction: the inline projections, in the append's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        statement = _INSERTS.get(table.name)
        if statement is None:
            statement = _INSERTS[table.name] = table.insert()
        self.conn.execute(statement, dict(row))

    def update(self, table: Table, key: Key, values: Mapping[str, Any]) -> None:
        self.conn.execute(_statement("update", table, key, values), _parameters(key, values))

    def delete(self, table: Table, key: Key) -> None:
        self.conn.execute(_statement("delete", table, key), _parameters(key))

    def rows(self, table: Table, key: Key) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in self.conn.execute(_statement("select", table, key), _parameters(key))]


def _matches(row: Mapping[str, Any], key: Key) -> bool:
    return all(row.get(name) == value for name, value in key.items())


class BufferedRows:
    """The rows of one stream at a time, in memory; finished streams' rows are inserted in batches (executemany).

    For a rebuild into empty tables, folding the log ordered by stream: every projection row belongs to one stream
    (an item's rows to its item, an actor's to the actor), so the current stream's rows are all the fold can need.
    Memory holds one stream and one batch, whatever the size of the log.
    """

    def __init__(self, conn: Connection, tables: tuple[Table, ...], batch: int = 20_000, prefix: str = "") -> None:
        """`prefix`: the rows go into the tables of the same names with it in front (a fold into scratch tables)."""
        self.conn = conn
        self.tables = tables
        self.batch = batch
        self.prefix = prefix
        self.current: dict[str, list[dict[str, Any]]] = {table.name: [] for table in tables}
        self.pending: dict[str, list[dict[str, Any]]] = {table.name: [] for table in tables}
        self.waiting = 0

    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        self.current[table.name].append(dict(row))

    def update(self, table: Table, key: Key, values: Mapping[str, Any]) -> None:
        for row in self.current[table.name]:
            if _matches(row, key):
                row.update(values)

    def delete(self, table: Table, key: Key) -> None:
        self.current[table.name] = [row for row in self.current[table.name] if not _matches(row, key)]

    def rows(self, table: Table, key: Key) -> list[dict[str, Any]]:
        return [row for row in self.current[table.name] if _matches(row, key)]

    def end_stream(self) -> None:
        """The current stream is folded: its rows wait for the next batch insert."""
        for name, rows in self.current.items():
            if rows:
                self.pending[name].extend(rows)
                self.waiting += len(rows)
                self.current[name] = []
        if self.waiting >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Insert the waiting rows, table by table, with the driver's executemany (rows as tuples: SQLAlchemy's
        per-row parameter processing was a third of a rebuild's time)."""
        dialect = self.conn.dialect
        preparer = dialect.identifier_preparer
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        for table in self.tables:
            rows = self.pending[table.name]
            if rows:
                columns = [column.name for column in table.columns]
                target = preparer.quote(self.prefix + table.name) if self.prefix else preparer.format_table(table)
                statement = (
                    f"INSERT INTO {target}"
                    f" ({', '.join(preparer.quote(name) for name in columns)})"
                    f" VALUES ({', '.join([mark] * len(columns))})"
                )
                self.conn.exec_driver_sql(statement, [tuple(row.get(name) for name in columns) for row in rows])
                self.pending[table.name] = []
        self.waiting = 0
