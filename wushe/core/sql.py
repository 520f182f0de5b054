"""Writing many rows in one statement, without a model instance a row."""

from __future__ import annotations

import itertools
from datetime import date

from django.db import connection, models

PG_BATCH = 10_000  # rows per statement on PostgreSQL
# From this many rows on, PostgreSQL gets one array a column (unnest) instead of a VALUES
# list: a few rows (a visit's marks) go faster as VALUES, thousands (an import's search
# keys) as arrays, whose statement does not grow with its rows.
UNNEST_FROM = 100


def insert_rows(
    model: type[models.Model], columns: list[str], rows, *, tail: str = ""
) -> list[tuple]:
    """Insert `rows` (tuples in the order of `columns`, the table's column names) into
    `model`'s table, in the order given; `tail` follows the statement (ON CONFLICT …,
    RETURNING …) and what RETURNING gives is returned. For the hot paths: every service
    write's deltas and marks, an import's search keys. A model instance (bulk_create) or a
    statement (executemany) a row costs several times as much."""
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}) "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if connection.vendor == "postgresql":
        fields = {f.column: f for f in model._meta.concrete_fields}
        arrays = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in columns)
        size = PG_BATCH
    else:  # within SQLite's parameter limit
        size = max(1, (connection.features.max_query_params or 999) // len(columns))
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, size):
            if connection.vendor == "postgresql" and len(batch) >= UNNEST_FROM:
                sql = f"{head}SELECT * FROM unnest({arrays}) {tail}"
                params = [list(column) for column in zip(*batch, strict=True)]
            else:
                sql = f"{head}VALUES {', '.join([one] * len(batch))} {tail}"
                params = [_adapt(value) for row in batch for value in row]
            cursor.execute(sql, params)
            if "RETURNING" in tail:
                returned += cursor.fetchall()
    return returned


def _adapt(value):
    return connection.ops.adapt_datefield_value(value) if isinstance(value, date) else value
