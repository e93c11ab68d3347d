"""Applying a batch of events to a read model set-based: load, change in memory, write back.

Applying one event at a time costs one round trip per event and projection; a catch-up then
runs at a fraction of the rate the log is read at. A projection that offers
``handle_batch`` is instead given the whole batch (in log order): it loads the rows the batch
touches with one SELECT per table, applies every event to them in memory exactly as its
per-event SQL would, and writes the result back with one INSERT (new rows) and one UPDATE
(changed rows) per table, each over arrays (``unnest``). The runner keeps the position in the
same transaction, so exactly-once is unchanged.

The per-event ``handle`` stays the reference: when a batch fails, the runner applies it again
event by event through ``handle`` (and sets aside what fails), and the tests compare the rows
both paths produce. So a batch must fail wherever an event of it would: a second insert of
a key raises ``DuplicateRow`` here, as the primary key would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reads.models.base import Connection

Row = dict[str, Any]


class DuplicateRow(ValueError):
    """The batch inserts a row whose key is already taken (what the primary key refuses)."""


class Rows:
    """The rows of one table that a batch touches. ``columns`` maps each column written to its
    PostgreSQL type (for the arrays); ``key`` names the primary key's columns; ``required``
    the NOT NULL ones, checked at every change as the per-event statements would be."""

    def __init__(self, table: str, key: Sequence[str], columns: dict[str, str], *,
                 required: frozenset[str] = frozenset()) -> None:
        self.table = table
        self.key = tuple(key)
        self.columns = columns
        self.required = required
        self._rows: dict[tuple[Any, ...], Row] = {}
        self._new: set[tuple[Any, ...]] = set()
        self._changed: set[tuple[Any, ...]] = set()

    async def load(self, conn: Connection, column: str, values: Iterable[Any]) -> None:
        """Bring in the stored rows whose ``column`` is one of ``values``."""
        wanted = [v for v in dict.fromkeys(values) if v is not None]
        if not wanted:
            return
        names = ", ".join(self.columns)
        rows = await conn.fetch(
            f"SELECT {names} FROM {self.table} WHERE {column} = ANY($1::"
            f"{self.columns[column]}[])", wanted)
        for record in rows:
            row = dict(zip(self.columns, record, strict=True))
            self._rows.setdefault(self._key_of(row), row)

    def _key_of(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)

    def get(self, *key: Any) -> Row | None:
        return self._rows.get(key)

    def where(self, **values: Any) -> list[Row]:
        """The known rows (loaded or new) with these column values."""
        return [r for r in self._rows.values()
                if all(r[c] == v for c, v in values.items())]

    def insert(self, row: Row) -> Row:
        key = self._key_of(row)
        if key in self._rows:
            raise DuplicateRow(f"{self.table}: a row with key {key} exists already")
        full = {c: row.get(c) for c in self.columns}
        self._check(full)
        self._rows[key] = full
        self._new.add(key)
        return full

    def changed(self, row: Row) -> None:
        """Mark ``row`` (from ``get``/``where``) as changed in memory."""
        self._check(row)
        key = self._key_of(row)
        if key not in self._new:
            self._changed.add(key)

    def _check(self, row: Row) -> None:
        for column in self.required:
            if row[column] is None:
                raise ValueError(f"{self.table}.{column} must not be NULL")

    async def write(self, conn: Connection) -> None:
        """One INSERT of the new rows and one UPDATE of the changed ones."""
        names = list(self.columns)
        if self._new:
            rows = [self._rows[k] for k in self._new]
            arrays = [[r[c] for r in rows] for c in names]
            casts = ", ".join(f"${n + 1}::{self.columns[c]}[]" for n, c in enumerate(names))
            await conn.execute(
                f"INSERT INTO {self.table} ({', '.join(names)}) "
                f"SELECT * FROM unnest({casts})", *arrays)
        if self._changed:
            rows = [self._rows[k] for k in self._changed]
            arrays = [[r[c] for r in rows] for c in names]
            casts = ", ".join(f"${n + 1}::{self.columns[c]}[]" for n, c in enumerate(names))
            settable = [c for c in names if c not in self.key]
            assignments = ", ".join(f"{c} = u.{c}" for c in settable)
            match = " AND ".join(f"t.{k} = u.{k}" for k in self.key)
            await conn.execute(
                f"UPDATE {self.table} AS t SET {assignments} "
                f"FROM unnest({casts}) AS u({', '.join(names)}) WHERE {match}", *arrays)
        self._new.clear()
        self._changed.clear()
