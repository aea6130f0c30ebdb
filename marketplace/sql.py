"""Set-based writes for batches: a batch's rows as one relation a single statement reads.

The rows travel as one array parameter per column and PostgreSQL's `unnest` turns them
back into rows: the query text stays short whatever the batch size, so neither psycopg
nor the server parses thousands of placeholders. Each array goes as its text literal
(`{1,2,3}`), which the server parses in C; psycopg's own list adapter costs about a
microsecond per element in Python, a noticeable share of a 1,000-row batch. Used by the
reply-clock watcher (docs/reply-clock.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models.expressions import RawSQL

# The PostgreSQL array type of each kind of value a batch carries.
PG_ARRAY_TYPES = {int: "bigint[]", str: "text[]", bool: "boolean[]", datetime: "timestamptz[]"}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# How each kind of value is written inside a PostgreSQL array literal.
_PG_ELEMENT = {
    int: lambda value: str(int(value)),
    bool: lambda value: "t" if value else "f",
    str: _quoted,
    datetime: lambda value: _quoted(value.isoformat()),
}


def pg_array_literal(values: Sequence[Any], kind: type) -> str:
    """The text form of a PostgreSQL array of `kind` values (None becomes NULL)."""
    element = _PG_ELEMENT[kind]
    return "{" + ",".join("NULL" if v is None else element(v) for v in values) + "}"


def rows_relation(
    connection, columns: Sequence[tuple[str, type]], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """`(sql, params)` of a subquery whose columns are `columns` (name, Python type:
    int, str, bool or datetime) and whose rows are `rows`. Use it as
    `FROM (<sql>) AS alias`."""
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{PG_ARRAY_TYPES[kind]}" for _name, kind in columns)
    names = ", ".join(quote(name) for name, _kind in columns)
    params = [
        pg_array_literal([row[index] for row in rows], kind)
        for index, (_name, kind) in enumerate(columns)
    ]
    # Names are the caller's identifiers, quoted; every value is a parameter.
    return f"SELECT * FROM unnest({arrays}) AS batch_rows ({names})", params  # noqa: S608


def ids_relation(connection, ids: Sequence[int]) -> RawSQL:
    """`ids` as a one-column subquery for `field__in=`: one array parameter instead of a
    placeholder per id (a batch holds hundreds)."""
    source, params = rows_relation(connection, [("id", int)], [(value,) for value in ids])
    return RawSQL(f"SELECT id FROM ({source}) AS batch_ids", params)  # noqa: S608, S611
