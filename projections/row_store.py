"""Where the projections' rows live while they are folded: the database itself (inline), or one stream's rows in
memory flushed in batches (rebuild). The projections' logic is written once, against `RowStore`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from operator import itemgetter
from typing import Any, ClassVar, Protocol

from sqlalchemy import Connection, Table

from events import driver

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


def _plain(value: Any) -> Any:
    """A value as the driver takes it: an enum member as its value (psycopg would write an enum's name)."""
    return value.value if isinstance(value, Enum) else value


def _condition(key: Key, quote: Callable[[str], str]) -> str:
    terms = (f"{quote(name)} IS NULL" if value is None else f"{quote(name)} = ?" for name, value in key.items())
    return " AND ".join(terms)


class DatabaseRows:
    """Every operation is one statement in `conn`'s transaction: the inline projections, in the append's
    transaction. The statements are driver SQL (events.driver), made once per shape (table, columns, NULL keys)."""

    _statements: ClassVar[dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], str]] = {}

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.quote: Callable[[str], str] = conn.dialect.identifier_preparer.quote

    def _sql(self, kind: str, table: Table, key: Key, columns: tuple[str, ...] = ()) -> str:
        shape = tuple(f"{name}{'=' if value is None else ''}" for name, value in key.items())
        cache_key = (kind, table.name, shape, columns)
        found = self._statements.get(cache_key)
        if found is None:
            quote, name = self.quote, self.quote(table.name)
            if kind == "insert":
                marks = ", ".join("?" * len(columns))
                found = f"INSERT INTO {name} ({', '.join(map(quote, columns))}) VALUES ({marks})"
            elif kind == "update":
                settings = ", ".join(f"{quote(c)} = ?" for c in columns)
                found = f"UPDATE {name} SET {settings} WHERE {_condition(key, quote)}"
            elif kind == "delete":
                found = f"DELETE FROM {name} WHERE {_condition(key, quote)}"
            else:
                every = ", ".join(quote(column.name) for column in table.columns)
                found = f"SELECT {every} FROM {name} WHERE {_condition(key, quote)}"
            self._statements[cache_key] = found
        return found

    @staticmethod
    def _key_values(key: Key) -> list[Any]:
        return [_plain(value) for value in key.values() if value is not None]

    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        sql = self._sql("insert", table, {}, tuple(row))
        driver.execute(self.conn, sql, [_plain(value) for value in row.values()])

    def update(self, table: Table, key: Key, values: Mapping[str, Any]) -> None:
        sql = self._sql("update", table, key, tuple(values))
        driver.execute(self.conn, sql, [*map(_plain, values.values()), *self._key_values(key)])

    def delete(self, table: Table, key: Key) -> None:
        driver.execute(self.conn, self._sql("delete", table, key), self._key_values(key))

    def rows(self, table: Table, key: Key) -> list[dict[str, Any]]:
        names = [column.name for column in table.columns]
        found = driver.fetch_all(self.conn, self._sql("select", table, key), self._key_values(key))
        return [dict(zip(names, row, strict=True)) for row in found]


Write = Callable[[str, list[tuple[Any, ...]]], None]  # (table name, rows as tuples in the table's column order)


class BufferedRows:
    """The rows of one stream at a time, in memory; finished streams' rows are handed to `write` in batches.

    For a rebuild into empty tables, folding the log ordered by stream: every projection row belongs to one stream
    (an item's rows to its item, an actor's to the actor), so the current stream's rows are all the fold can need.
    Memory holds one stream and one batch, whatever the size of the log.
    """

    def __init__(self, tables: tuple[Table, ...], write: Write, batch: int = 20_000) -> None:
        self.tables = tables
        self.write = write
        self.batch = batch
        self.current: dict[str, list[dict[str, Any]]] = {table.name: [] for table in tables}
        # Finished streams' rows, as the tuples the driver is given: smaller than the dictionaries, and made by
        # itemgetter in C rather than a generator per row.
        self.pending: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in tables}
        self.columns = {table.name: [column.name for column in table.columns] for table in tables}
        self.values = {name: _values(columns) for name, columns in self.columns.items()}
        self.waiting = 0

    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        added = dict(row)
        columns = self.columns[table.name]
        if len(added) != len(columns):  # a column left out is NULL, as in an INSERT
            added = {name: added.get(name) for name in columns}
        self.current[table.name].append(added)

    # A row matches a key when every (column, value) of the key is among the row's (compared in C: a buffered
    # row has every column).
    def update(self, table: Table, key: Key, values: Mapping[str, Any]) -> None:
        wanted = key.items()
        for row in self.current[table.name]:
            if wanted <= row.items():
                row.update(values)

    def delete(self, table: Table, key: Key) -> None:
        wanted = key.items()
        self.current[table.name] = [row for row in self.current[table.name] if not wanted <= row.items()]

    def rows(self, table: Table, key: Key) -> list[dict[str, Any]]:
        wanted = key.items()
        return [row for row in self.current[table.name] if wanted <= row.items()]

    def end_stream(self) -> None:
        """The current stream is folded: its rows wait for the next batch."""
        for name, rows in self.current.items():
            if rows:
                self.pending[name].extend(map(self.values[name], rows))
                self.waiting += len(rows)
                self.current[name] = []
        if self.waiting >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Hand the waiting rows to `write`, table by table."""
        for table in self.tables:
            rows = self.pending[table.name]
            if rows:
                self.write(table.name, rows)
                self.pending[table.name] = []
        self.waiting = 0


class TableInserts:
    """A `Write` into the tables of `conn`'s database with the driver's executemany (rows as tuples: SQLAlchemy's
    per-row parameter processing was a third of a rebuild's time). `prefix`: into the tables of the same names with
    it in front (a fold into scratch tables)."""

    def __init__(self, conn: Connection, tables: tuple[Table, ...], prefix: str = "") -> None:
        self.conn = conn
        dialect = conn.dialect
        preparer = dialect.identifier_preparer
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.statements = {
            table.name: (
                f"INSERT INTO {preparer.quote(prefix + table.name) if prefix else preparer.format_table(table)}"
                f" ({', '.join(preparer.quote(column.name) for column in table.columns)})"
                f" VALUES ({', '.join([mark] * len(table.columns))})"
            )
            for table in tables
        }

    def __call__(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.conn.exec_driver_sql(self.statements[table], rows)


def _values(columns: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values in the order of `columns`, as a tuple (itemgetter, in C)."""
    getter = itemgetter(*columns)
    if len(columns) == 1:
        return lambda row: (getter(row),)
    return getter
