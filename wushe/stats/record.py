"""Writing the figures: the deltas a service appends in its own transaction.

A service that creates a record calls `created(obj)`; one that changes or deletes records
wraps the write in `with tracking(obj):`, which reads what the record contributed before,
what it contributes after (nothing, once deleted), and appends the difference. Distinct
counts (人, 户) are moved by `refresh_marks`. No figure is a shared row that writers update:
they only insert, and the compactor folds the inserts later. `tracking` locks the one record
it is told of, so that two changes to it count one after the other.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.transaction import TransactionManagementError

from wushe.core.locks import GONE
from wushe.core.sql import PG_BATCH, insert_rows, prepared_cursor, rows_statement, values
from wushe.stats.models import Delta, Mark
from wushe.stats.series import DistinctSeries, SumSeries, series_of

Key = tuple[str, str, date]  # (series, region code, day)
COMPACT_EVERY = 500  # one write in this many asks the worker to compact
MARK_COLUMNS = ["series", "key", "region_code", "day"]
DELTA_COLUMNS = ["series", "region_code", "day", "value"]


def _label(obj: models.Model) -> str:
    return obj._meta.label


def points(obj: models.Model | None, label: str | None = None) -> dict[Key, int]:
    """What `obj` adds to every sum series it feeds."""
    if obj is None:
        return {}
    found: dict[Key, int] = defaultdict(int)
    for series in series_of(label or _label(obj)):
        if isinstance(series, SumSeries):
            for code, day, value in series.points(obj):
                found[(series.code, code, day)] += value
    return found


def mark_keys(obj: models.Model | None, label: str | None = None) -> set[tuple[str, str]]:
    """(series, key) of the distinct counts `obj` may hold the one of."""
    if obj is None:
        return set()
    return {
        (series.code, key)
        for series in series_of(label or _label(obj))
        if isinstance(series, DistinctSeries)
        for key in series.keys(obj)
    }


def emit(changes: dict[Key, int]) -> None:
    """Append one delta row per non-zero change."""
    rows = [(*key, value) for key, value in changes.items() if value]
    if rows:
        insert_rows(Delta, DELTA_COLUMNS, rows)
        _maybe_compact()


def diff(before: dict[Key, int], after: dict[Key, int]) -> dict[Key, int]:
    return {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()}


def created(*objs: models.Model) -> None:
    """Records just written (with their many-to-many links set)."""
    created_many(objs)


def created_many(objs: Iterable[models.Model], *, sign: int = 1) -> None:
    """Many records at once (an import): one bulk insert of their deltas. With sign −1, the
    records about to be deleted (their distinct counts are placed again afterwards)."""
    total: dict[Key, int] = defaultdict(int)
    keys: set[tuple[str, str]] = set()
    candidates: dict[tuple[str, str], tuple[str, date]] = {}
    for obj in objs:
        for key, value in points(obj).items():
            total[key] += sign * value
        if sign > 0:
            candidates.update(_positions(obj))
        else:
            keys |= mark_keys(obj)
    left, unsure = _place_new(candidates, total)
    emit(left)
    refresh_marks(keys | unsure)


def _positions(obj: models.Model) -> dict[tuple[str, str], tuple[str, date]]:
    """(series, key) → where a new record would put each distinct count's one."""
    return {
        (series.code, key): series.position(obj)
        for series in series_of(_label(obj))
        if isinstance(series, DistinctSeries)
        for key in series.keys(obj)
    }


def _place_new(
    candidates: dict[tuple[str, str], tuple[str, date]], deltas: dict[Key, int]
) -> tuple[dict[Key, int], set[tuple[str, str]]]:
    """The marks new records move, with `deltas`, the records' own changes: returns the
    changes still to append (on PostgreSQL the statement that takes the marks writes
    `deltas` and the new marks' counts itself). A key with no mark yet gets one here; one
    already there on a later day moves here, one on an earlier day (or this very place and
    day) stays. What cannot be told so (same day, another village) is returned, to be
    placed by looking at the records."""
    if not candidates:
        return deltas, set()
    order = sorted(candidates)
    rows = [(*key, *candidates[key]) for key in order]
    pg = connection.vendor == "postgresql"
    changes: dict[Key, int] = defaultdict(int)
    if pg:
        inserted, existing = _take_marks_pg(rows, deltas)
    else:
        changes.update(deltas)
        inserted, existing = _take_marks(rows)
    unsure: set[tuple[str, str]] = set()
    for series, key in order:
        code, day = candidates[(series, key)]
        if (series, key) in inserted:
            if not pg:
                changes[(series, code, day)] += 1
            continue
        if (series, key) not in existing:  # there already, and it stays
            continue
        pk, was_code, was_day = existing[(series, key)]
        if was_day < day or (was_day == day and was_code == code):
            continue
        if was_day > day:
            Mark.objects.filter(pk=pk).update(region_code=code, day=day)
            changes[(series, was_code, was_day)] -= 1
            changes[(series, code, day)] += 1
        else:
            unsure.add((series, key))
    return changes, unsure


def _take_marks_pg(
    rows: list[tuple[str, str, str, date]], deltas: dict[Key, int]
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], tuple[int, str, date]]]:
    """Insert the marks (series, key, region, day) not there yet and lock the others, one
    key after another in the order given (the order `refresh_marks` takes them too), so
    two writers that share keys wait for each other and never deadlock; in the same
    statement, append `deltas` and a count for each (series, village, day) the new marks
    join. Only a mark that may have to move (a later day, or the same day in another
    village) gets a no-op update, which returns it as it was; xmax = 0 tells a row just
    inserted. Most marks stay, and a lock writes no new row version, as any update would.
    Returns the keys inserted, and (id, region, day) of those returned as they were."""
    qn = connection.ops.quote_name
    table = qn(Mark._meta.db_table)
    tail = (
        f'ON CONFLICT ("series", "key") DO UPDATE SET "series" = EXCLUDED."series" '
        f'WHERE {table}."day" > EXCLUDED."day" OR ({table}."day" = EXCLUDED."day" '
        f'AND {table}."region_code" <> EXCLUDED."region_code") '
        'RETURNING "id", "series", "key", "region_code", "day", (xmax = 0) AS "new"'
    )
    into = f"INSERT INTO {qn(Delta._meta.db_table)} ({', '.join(map(qn, DELTA_COLUMNS))}) "
    joined = (
        'SELECT "series", "region_code", "day", count(*) FROM marks WHERE "new" '
        'GROUP BY "series", "region_code", "day"'
    )
    own = [(*key, value) for key, value in deltas.items() if value]
    inserted: set[tuple[str, str]] = set()
    existing: dict[tuple[str, str], tuple[int, str, date]] = {}
    with prepared_cursor() as cursor:
        for batch in itertools.batched(rows, PG_BATCH):
            marks, params = rows_statement(Mark, MARK_COLUMNS, batch, tail=tail)
            more, more_params = values(own) if own else ("", [])
            cursor.execute(
                f"WITH marks AS ({marks}), deltas AS ({into}{joined}"
                f"{' UNION ALL ' + more if more else ''}) SELECT * FROM marks",
                [*params, *more_params],
            )
            own = []  # the records' own deltas go with the first batch
            for pk, s, k, code, day, new in cursor.fetchall():
                if new:
                    inserted.add((s, k))
                else:
                    existing[(s, k)] = (pk, code, day)
    _maybe_compact()
    return inserted, existing


def _take_marks(
    rows: list[tuple[str, str, str, date]],
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], tuple[int, str, date]]]:
    """`_take_marks_pg` on SQLite, without the deltas: the transaction holds the database's
    write lock, nothing to wait for. Returns the keys inserted, and (id, region, day) of
    the others."""
    returned = insert_rows(
        Mark, MARK_COLUMNS, rows,
        tail='ON CONFLICT ("series", "key") DO NOTHING RETURNING "series", "key"',
    )  # fmt: skip
    inserted = {(s, k) for s, k in returned}
    rest = [(s, k) for s, k, _code, _day in rows if (s, k) not in inserted]
    return inserted, _marks_at(rest) if rest else {}


def _marks_at(keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str, date]]:
    """(series, key) → (id, region, day) of the marks there (SQLite)."""
    series = sorted({s for s, _k in keys})
    names = sorted({k for _s, k in keys})
    table = connection.ops.quote_name(Mark._meta.db_table)
    in_series, in_names = ", ".join(["%s"] * len(series)), ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "id", "series", "key", "region_code", "day" FROM {table} '  # noqa: S608
            f'WHERE "series" IN ({in_series}) AND "key" IN ({in_names})',
            [*series, *names],
        )
        rows = cursor.fetchall()
    return {
        (s, k): (pk, code, day if isinstance(day, date) else date.fromisoformat(day))
        for pk, s, k, code, day in rows
    }


@contextmanager
def tracking(*objs: models.Model) -> Iterator[None]:
    """Around a change to (or the deletion of) `objs`: append what the change moved.

    What each record contributed before is read from its row, locked for the rest of the
    transaction, not from the caller's copy: a copy read before another writer's change
    would count that change a second time, and two corrections of one visit at once would
    both move it out of the same month."""
    if not connection.in_atomic_block:  # SQLite ignores the lock: say so on every backend
        raise TransactionManagementError("stats.tracking() needs the change's transaction")
    before = []
    for obj in objs:
        model, label = type(obj), _label(obj)
        # FOR NO KEY UPDATE: as the UPDATE itself would, so rows that refer to this one
        # (visits of a person, records of a case) are still written meanwhile.
        stored = model._default_manager.select_for_update(no_key=True).filter(pk=obj.pk).first()
        if stored is None:
            raise ValidationError(GONE)
        before.append((model, label, obj.pk, points(stored, label), mark_keys(stored, label)))
    yield
    for model, label, pk, was, keys in before:
        fresh = model._default_manager.filter(pk=pk).first()
        emit(diff(was, points(fresh, label)))
        refresh_marks(keys | mark_keys(fresh, label))


def refresh_marks(keys: Iterable[tuple[str, str]]) -> None:
    """Put each distinct count's one where it belongs now, moving it if it was elsewhere."""
    from wushe.stats.series import by_code

    registry = by_code()
    for series_code, key in sorted(set(keys)):
        _place(series_code, key, registry[series_code].locate)


def _place(series: str, key: str, locate: Callable[[str], tuple[str, date] | None]) -> None:
    """Lock the mark, then look where it belongs: under READ COMMITTED the look, a statement
    after the lock, sees the records of whoever held the mark before (another change to a
    visit of the same person and month), which a look taken before the lock would miss."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                mark = Mark.objects.select_for_update().filter(series=series, key=key).first()
                now = locate(key)
                was = (mark.region_code, mark.day) if mark else None
                if was == now:
                    return
                changes: dict[Key, int] = {}
                if was is not None:
                    changes[(series, was[0], was[1])] = -1
                if now is not None:
                    key_now = (series, now[0], now[1])
                    changes[key_now] = changes.get(key_now, 0) + 1
                if mark is None:
                    Mark.objects.create(series=series, key=key, region_code=now[0], day=now[1])
                elif now is None:
                    mark.delete()
                else:
                    Mark.objects.filter(pk=mark.pk).update(region_code=now[0], day=now[1])
                emit(changes)
                return
        except IntegrityError:  # another writer placed the same new mark: read it again
            continue
    raise RuntimeError(f"could not place the mark {series} {key}")


_writes = itertools.count(1)


def _maybe_compact() -> None:
    """Every so many writes (in this process), ask the worker to fold the deltas."""
    if next(_writes) % COMPACT_EVERY:
        return
    from wushe.core.tasks import enqueue_after_commit
    from wushe.stats.tasks import compact_stats

    # A figure is never lost if the queue is down: reads include the deltas not yet folded.
    enqueue_after_commit(compact_stats)
