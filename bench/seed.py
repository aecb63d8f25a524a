"""Bulk loading for the benchmarks: many rows fast (executemany on SQLite, COPY on PostgreSQL).

Rows are given as dicts of the columns a benchmark cares about; every other column gets the
model's own default, so a column another feature adds doesn't break the loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from enum import Enum
from itertools import islice
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Engine, Table, text
from sqlmodel import SQLModel

CHUNK = 50_000


def _defaults(model: type[SQLModel], table: Table) -> dict[str, Any]:
    """Each column's value when a row doesn't give one (the model's default, else NULL)."""
    found: dict[str, Any] = {}
    for column in table.columns:
        field = model.model_fields.get(column.name)
        value: Any = None
        if field is not None:
            default = field.get_default(call_default_factory=True)
            if default is not PydanticUndefined:
                value = default
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        found[column.name] = value
    return found


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy would have stored in SQLite for this value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(engine: Engine, model: type[SQLModel], rows: Iterable[dict]) -> int:
    """Insert `rows` (explicit ids included) into `model`'s table; how many went in."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    defaults = _defaults(model, table)
    columns = [c.name for c in table.columns]
    count = 0
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{c}"' for c in columns)
            with connection.cursor() as cursor:
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        values = {**defaults, **row}
                        copy.write_row([_pg_value(values[c]) for c in columns])
                        count += 1
                if "id" in columns:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT max(id) FROM "{table.name}"), 1))'
                    )
        else:
            marks = ", ".join("?" for _ in columns)
            statement = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'
            cursor = connection.cursor()
            cursor.execute("BEGIN")
            for chunk in _chunks(rows, CHUNK):
                cursor.executemany(
                    statement,
                    [[_sqlite_value({**defaults, **row}[c]) for c in columns] for row in chunk],
                )
                count += len(chunk)
            cursor.execute("COMMIT")
            cursor.close()
        connection.commit()
    finally:
        raw.close()
    return count


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load (as autovacuum / a DBA would have).

    On SQLite the load also leaves a write-ahead log of hundreds of megabytes behind; it is
    folded into the database file here, so the pass being measured doesn't pay for it.
    """
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction, as a checkpoint must be
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
