"""Folding deltas into totals: one row per (series, region at every level, month).

One compactor at a time (a PostgreSQL advisory lock; SQLite serialises writers anyway). The
deltas are taken by `DELETE … RETURNING`, so exactly the rows folded are the rows removed,
even while writers keep inserting; totals and the deletion commit together, and a reader,
who sums totals and remaining deltas in one statement, sees either side, never both.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import connection, transaction

from wushe.stats.models import Delta, Total

LOCK_ID = 0x5753_7461  # "WSta"
CHUNK = 50_000


def ancestors(code: str) -> list[str]:
    """The region codes at every level from the province down to `code` itself."""
    return sorted({code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)})


def compact(*, chunk: int = CHUNK) -> int:
    """Fold every delta into the totals; returns how many deltas were folded."""
    folded = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            rows = _take(chunk)
            if not rows:
                return folded
            add_to_totals(_by_month(rows))
            folded += len(rows)


def _take(chunk: int) -> list[tuple[str, str, date, int]]:
    first = Delta.objects.order_by("id").values_list("id", flat=True).first()
    if first is None:
        return []
    table = Delta._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id < %s RETURNING series, region_code, day, value",  # noqa: S608
            [first + chunk],
        )
        rows = cursor.fetchall()
    return [(s, c, d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), v)
            for s, c, d, v in rows]  # fmt: skip


def _by_month(rows) -> dict[tuple[str, str, date], int]:
    sums: dict[tuple[str, str, date], int] = defaultdict(int)
    for series, code, day, value in rows:
        month = day.replace(day=1)
        for region in ancestors(code):
            sums[(series, region, month)] += value
    return sums


def add_to_totals(sums: dict[tuple[str, str, date], int]) -> None:
    """Add `sums` to the totals rows, creating those that do not exist yet."""
    sums = {k: v for k, v in sums.items() if v}
    if not sums:
        return
    keys = list(sums)
    existing: dict[tuple[str, str, date], Total] = {}
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        series = {k[0] for k in part}
        regions = {k[1] for k in part}
        months = {k[2] for k in part}
        for total in Total.objects.select_for_update().filter(
            series__in=series, region_code__in=regions, month__in=months
        ):
            existing[(total.series, total.region_code, total.month)] = total
    changed, fresh = [], []
    for key, value in sums.items():
        total = existing.get(key)
        if total is None:
            fresh.append(Total(series=key[0], region_code=key[1], month=key[2], value=value))
        else:
            total.value += value
            changed.append(total)
    Total.objects.bulk_update(changed, ["value"], batch_size=1000)
    Total.objects.bulk_create(fresh, batch_size=2000)
