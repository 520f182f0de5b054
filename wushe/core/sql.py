"""Writing rows in SQL of our own, for the hot paths: one model instance without the ORM's
save machinery, or many rows in one statement without an instance a row."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

PG_BATCH = 10_000  # rows per statement on PostgreSQL
# From this many rows on, PostgreSQL gets one array a column (unnest) instead of a VALUES
# list, or COPY where nothing comes back: a few rows (a visit's marks) go faster as
# VALUES, thousands (an import's people and search keys) as arrays or COPY, whose
# statement does not grow with its rows. COPY formats its rows in psycopg's C code, where
# an array is dumped value by value in Python.
UNNEST_FROM = 100


@functools.cache
def _insert_head(model: type[models.Model], columns: tuple[str, ...], vendor: str):
    """(INSERT INTO … (columns), PostgreSQL's typed arrays)."""
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}) "
    fields = {f.column: f for f in model._meta.concrete_fields}
    # The base type without its length: a cast to varchar(50)[] would cut a longer value
    # short, where the column itself refuses it.
    arrays = ", ".join(f"%s::{fields[c].db_type(connection).split('(')[0]}[]" for c in columns)
    return head, arrays


def insert_rows(
    model: type[models.Model], columns: list[str], rows, *, tail: str = ""
) -> list[tuple]:
    """Insert `rows` (tuples in the order of `columns`, the table's column names) into
    `model`'s table, in the order given; `tail` follows the statement (ON CONFLICT …,
    RETURNING …) and what RETURNING gives is returned. For the hot paths: every service
    write's deltas and marks, an import's search keys. A model instance (bulk_create) or a
    statement (executemany) a row costs several times as much."""
    if connection.vendor == "postgresql":
        batches = itertools.batched(rows, PG_BATCH)
    else:  # within SQLite's parameter limit
        limit = connection.features.max_query_params or 999
        batches = _shaped(rows, max(1, limit // len(columns)))
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for batch in batches:
            if not tail and connection.vendor == "postgresql" and len(batch) >= UNNEST_FROM:
                _copy(cursor, model, columns, batch)
                continue
            cursor.execute(*rows_statement(model, columns, batch, tail=tail))
            if "RETURNING" in tail:
                returned += cursor.fetchall()
    return returned


def _copy(cursor, model: type[models.Model], columns: list[str], rows) -> None:
    """`rows` into `model`'s table by COPY (PostgreSQL); its errors raised as Django's, as a
    statement's are (a value too long: DataError)."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def rows_statement(
    model: type[models.Model], columns: list[str], batch, *, tail: str = ""
) -> tuple[str, list]:
    """One batch's INSERT and its parameters, as `insert_rows` runs it (arrays for many rows
    on PostgreSQL, else VALUES); also for a caller that runs it inside a statement of its
    own (a write's marks and deltas)."""
    head, arrays = _insert_head(model, tuple(columns), connection.vendor)
    if connection.vendor == "postgresql" and len(batch) >= UNNEST_FROM:
        params = [list(column) for column in zip(*batch, strict=True)]
        return f"{head}SELECT * FROM unnest({arrays}) {tail}", params
    listed, params = values(batch)
    return f"{head}{listed} {tail}", params


def values(rows) -> tuple[str, list]:
    """`VALUES (%s, …), …` for `rows` (tuples of one width), and its parameters."""
    one = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    adapt = _real().ops.adapt_datefield_value
    params = [adapt(v) if isinstance(v, date) else v for row in rows for v in row]
    return f"VALUES {', '.join([one] * len(rows))}", params


def _shaped(rows, size: int):
    """Batches of `size` rows, and the rest in powers of two: SQLite compiles and keeps a
    statement for each number of rows, so the rows of a long import come in a dozen shapes
    (a shape for every remainder kept a hundred large statements in memory)."""
    for batch in itertools.batched(rows, size):
        while batch:
            n = size if len(batch) == size else 1 << (len(batch).bit_length() - 1)
            yield batch[:n]
            batch = batch[n:]


def prepared_cursor():
    """A cursor for the statements every write runs (a visit, its marks, its audit event).

    On PostgreSQL its statements are prepared: psycopg binds the parameters server-side
    and, the first time a statement (its text and its parameters' types) runs on a
    connection, names it there, so each later run skips the parse and the plan, about half
    of a visit's server time. The app's other cursors bind client-side (Django's default,
    under which some of the ORM's queries could not be prepared), so only these statements,
    written for it, are prepared: a parameter outside an INSERT's own VALUES gets a cast.
    psycopg keeps a connection's last 100 statements. Elsewhere, the connection's cursor."""
    db = _real()
    if db.vendor != "postgresql":
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off. Back on, it applies only to server-binding
        # cursors, which only this function makes (the app's binds client-side, never
        # prepared), and those prepare each statement at once (Prepared.execute).
        raw.prepare_threshold = 5
    prepared, logged = _prepared_classes()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = prepared(raw)
    return logged(cursor, db) if db.queries_logged else db.make_cursor(cursor)


@functools.cache
def _prepared_classes():
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from django.db.backends.utils import CursorWrapper

    class Prepared(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class Logged(CursorDebugWrapper):
        """Django's debug cursor (queries kept for a test or DEBUG, and logged), given the
        statement with its values: psycopg keeps no text of a prepared run to read back."""

        def execute(self, sql, params=None):
            shown = self.db.ops.compose_sql(sql, params) if params else sql
            with self.debug_sql(shown, params):
                return CursorWrapper.execute(self, sql, params)

    return Prepared, Logged


def _real():
    """The connection itself, not the `connection` proxy, which looks it up again at every
    attribute: a loop over thousands of values asks it once."""
    return connections[DEFAULT_DB_ALIAS]


Fields = list[tuple[models.Field, type | None]]  # each with the type it stores as it is


@functools.cache
def _insert_one(model: type[models.Model], vendor: str) -> tuple[str, Fields]:
    """The statement `insert` runs for `model`, and the fields whose values it takes."""
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    assert not any(f.has_db_default() for f in fields), f"{model}: db_default is not handled here"
    into, returning = _into(model, fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"{into} VALUES ({placeholders}) {returning}", [(f, _plain(f)) for f in fields]


def _into(model: type[models.Model], fields: list[models.Field]) -> tuple[str, str]:
    """`INSERT INTO table (columns)` and `RETURNING key` of a one-row insert."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns})", (
        f"RETURNING {qn(model._meta.pk.column)}"
    )


# Fields that store a value of this type (or None) as it is: their pre_save reads the
# attribute and their preparation returns it unchanged, so `_values` skips both calls.
PLAIN = {models.CharField: str, models.TextField: str, models.AutoField: int,
         models.BigAutoField: int}  # fmt: skip


def _plain(field: models.Field) -> type | None:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return PLAIN.get(type(target))


def _values(obj: models.Model, fields: Fields, db=None) -> list:
    """`obj`'s values for a new row, each prepared by its field, as save() prepares them."""
    db = db or _real()
    values = []
    for f, plain in fields:
        value = getattr(obj, f.attname) if plain else None
        if plain is None or (value is not None and type(value) is not plain):
            value = f.get_db_prep_save(f.pre_save(obj, True), db)
        values.append(value)
    return values


def insert_statement(obj: models.Model, *, only_if: str = "") -> tuple[str, list]:
    """The INSERT … RETURNING key that `insert` runs for `obj`, and its parameters (for a
    caller that runs it inside a statement of its own, as the audit trail does).

    `only_if` (PostgreSQL): an SQL condition; the row goes in only where it holds, and where
    it does not, nothing is inserted and no key comes back (the audit trail's event, written
    only if its chain head moved in the same statement)."""
    sql, fields = _insert_one(type(obj), connection.vendor)
    if only_if:
        sql = _insert_if(type(obj), only_if)
    return sql, _values(obj, fields)


@functools.cache
def _insert_if(model: type[models.Model], condition: str) -> str:
    """`INSERT … SELECT * FROM (VALUES …) WHERE condition RETURNING key`. Each value is cast
    to its column's type: outside an INSERT's own VALUES, PostgreSQL would take a NULL or a
    quoted literal as text, which no integer or date column takes."""
    _sql, fields = _insert_one(model, connection.vendor)
    into, returning = _into(model, [f for f, _plain in fields])
    cast = ", ".join(f"%s::{f.cast_db_type(connection)}" for f, _plain in fields)
    return f"{into} SELECT * FROM (VALUES ({cast})) AS v WHERE {condition} {returning}"


def inserted(obj: models.Model, pk) -> models.Model:
    """`obj` as saved, under the key its INSERT returned."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return obj


Linked = tuple[type[models.Model], list[str], list[tuple]]


def insert(obj: models.Model, *, linked: Sequence[Linked] = ()) -> models.Model:
    """`obj.save(force_insert=True)` for a model with an automatic key, no signals and no
    unsaved related objects, in a statement built once per model: every visit, every audit
    event. Values are prepared by the fields themselves, as save() does (auto_now_add,
    UUIDs, JSON); the new key is set on `obj`.

    `linked`: (model, columns, rows) of rows that refer to the new one, its first column
    taking the new key and each row giving the others (a visit's service items): on
    PostgreSQL in the same statement, one round trip for the lot."""
    sql, params = insert_statement(obj)
    linked = [(model, columns, rows) for model, columns, rows in linked if rows]
    if linked and connection.vendor == "postgresql":
        sql, params = _with_linked(sql, params, linked)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    inserted(obj, pk)
    if connection.vendor != "postgresql":
        for model, columns, rows in linked:
            insert_rows(model, columns, [(pk, *row) for row in rows])
    return obj


def _with_linked(sql: str, params: list, linked: Sequence[Linked]) -> tuple[str, list]:
    """`WITH new AS (the insert) INSERT … SELECT new.key, v.* FROM new, (VALUES …) v …`."""
    qn = connection.ops.quote_name
    parts, params = [f"new AS ({sql})"], list(params)
    for n, (model, columns, rows) in enumerate(linked):
        listed, more = values(rows)
        parts.append(
            f"link{n} AS (INSERT INTO {qn(model._meta.db_table)} "
            f"({', '.join(map(qn, columns))}) SELECT new.*, v.* FROM new, ({listed}) AS v)"
        )
        params += more
    return f"WITH {', '.join(parts)} SELECT * FROM new", params


def insert_many(objs: list[models.Model]) -> list[models.Model]:
    """`bulk_create(objs)` for many instances of one model with an automatic key and no
    signals (an import's people): each field prepares its value, as in `insert`, and
    `insert_rows` writes them, the keys coming back in the order given."""
    if not objs:
        return objs
    model = type(objs[0])
    _sql, fields = _insert_one(model, connection.vendor)
    db = _real()
    rows = [tuple(_values(obj, fields, db)) for obj in objs]
    columns = [f.column for f, _plain in fields]
    pk = model._meta.pk.column
    if connection.vendor == "postgresql" and len(objs) >= UNNEST_FROM:
        # Keys drawn from the table's own sequence first, ascending, then the rows by COPY.
        keys = sorted(_next_keys(model, len(objs)))
        insert_rows(model, [pk, *columns], [(k, *row) for k, row in zip(keys, rows, strict=True)])
    else:
        returned = insert_rows(
            model, columns, rows, tail=f"RETURNING {connection.ops.quote_name(pk)}"
        )
        keys = [key for (key,) in returned]
    for obj, key in zip(objs, keys, strict=True):
        inserted(obj, key)
    return objs


def _next_keys(model: type[models.Model], n: int) -> list[int]:
    """`n` new keys from the sequence behind `model`'s automatic key (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [key for (key,) in cursor.fetchall()]
