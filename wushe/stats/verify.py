"""`wushe stats verify` and `wushe stats rebuild`: the figures recomputed from the records.

Verify sums every series straight from its records, month by month, at every region level,
and compares with what the dashboards read (totals plus unfolded deltas): every difference
is reported, and there must be none. Rebuild writes the recomputed figures in place of the
stored ones, for the whole platform or one region, while writers wait (PostgreSQL: an
exclusive lock on the delta table; SQLite serialises writers anyway).

A distinct count (人, 户) is placed where the person or household was first visited in the
period. Checked for one region, someone first visited elsewhere in the same period and then
in the region would be counted there; the check of the whole platform has no such edge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from wushe.regions.models import Region, code_range, level_of
from wushe.stats.compact import LOCK_ID, add_to_totals, ancestors
from wushe.stats.models import Delta, Mark, Total
from wushe.stats.series import DistinctSeries, all_series

Cell = tuple[str, str, date]  # (series, region code, month)
ALL = ("000000000000", "999999999999")


@dataclass(frozen=True)
class Difference:
    series: str
    region_code: str
    month: date
    expected: int
    stored: int

    def __str__(self) -> str:
        return (
            f"{self.series} {self.region_code} {self.month:%Y-%m}: 应为 {self.expected}，"
            f"实为 {self.stored}"
        )


def _bounds(region: Region | None) -> tuple[str, str, int]:
    if region is None:
        return ALL[0], ALL[1], 0
    lo, hi = region.code_range
    return lo, hi, region.level


def _inside(code: str, level: int) -> bool:
    """Whether a total at `code` lies at or below the level checked."""
    return level == 0 or level_of(code) >= level


def expected(region: Region | None = None) -> tuple[dict[Cell, int], dict]:
    """The figures recomputed from the records: {(series, code, month): value} at every
    level inside the region, and the distinct counts' marks {(series, key): (code, day)}."""
    lo, hi, level = _bounds(region)
    cells: dict[Cell, int] = defaultdict(int)
    marks: dict[tuple[str, str], tuple[str, date]] = {}
    for series in all_series():
        if isinstance(series, DistinctSeries):
            points: Iterator = (
                (code, day, 1) for key, code, day in _marks_of(series, lo, hi, marks)
            )
        else:
            points = iter(series.aggregate(lo, hi))
        for code, day, value in points:
            month = day.replace(day=1)
            for at in ancestors(code):
                if _inside(at, level):
                    cells[(series.code, at, month)] += value
    return {k: v for k, v in cells.items() if v}, marks


def _marks_of(series: DistinctSeries, lo: str, hi: str, marks: dict):
    for key, code, day in series.marks(lo, hi):
        marks[(series.code, key)] = (code, day)
        yield key, code, day


def stored(region: Region | None = None) -> dict[Cell, int]:
    """What the dashboards read: totals, plus the deltas not yet folded, at every level."""
    lo, hi, level = _bounds(region)
    cells: dict[Cell, int] = defaultdict(int)
    totals = Total.objects.filter(region_code__gte=lo, region_code__lte=hi)
    rows = totals.values_list("series", "region_code", "month", "value")
    for series, code, month, value in rows.iterator(chunk_size=5000):
        if _inside(code, level):
            cells[(series, code, month)] += value
    deltas = Delta.objects.filter(region_code__gte=lo, region_code__lte=hi)
    for series, code, day, value in deltas.values_list("series", "region_code", "day", "value"):
        for at in ancestors(code):
            if _inside(at, level):
                cells[(series, at, day.replace(day=1))] += value
    return {k: v for k, v in cells.items() if v}


def stats_verify(region: Region | None = None) -> list[Difference]:
    """Every cell where the stored figures differ from the records (none, when all is well)."""
    want, _marks = expected(region)
    have = stored(region)
    return [
        Difference(series, code, month, want.get(cell, 0), have.get(cell, 0))
        for cell in sorted(want.keys() | have.keys())
        for series, code, month in [cell]
        if want.get(cell, 0) != have.get(cell, 0)
    ]


@transaction.atomic
def stats_rebuild(region: Region | None = None) -> int:
    """Replace the stored figures (of `region` and below, or everywhere) by the recomputed
    ones; regions above a rebuilt region take the difference. Returns the cells written."""
    lo, hi, level = _bounds(region)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            cursor.execute(f"LOCK TABLE {Delta._meta.db_table} IN EXCLUSIVE MODE")
    before_top = _top_totals(region)
    want, marks = expected(region)
    Delta.objects.filter(region_code__gte=lo, region_code__lte=hi).delete()
    doomed = Total.objects.filter(region_code__gte=lo, region_code__lte=hi)
    if level:
        doomed = doomed.filter(pk__in=[t.pk for t in doomed if _inside(t.region_code, level)])
    doomed.delete()
    add_to_totals(want)
    if region is not None:
        # The regions above take the change of the region's own figures.
        change: dict[Cell, int] = defaultdict(int)
        for (series, code, month), value in want.items():
            if code == region.code:
                change[(series, code, month)] += value
        for (series, code, month), value in before_top.items():
            change[(series, code, month)] -= value
        above: dict[Cell, int] = defaultdict(int)
        for (series, _code, month), value in change.items():
            for at in ancestors(region.code):
                if at != region.code:
                    above[(series, at, month)] += value
        add_to_totals(above)
    Mark.objects.filter(region_code__gte=lo, region_code__lte=hi).delete()
    Mark.objects.bulk_create(
        [Mark(series=s, key=k, region_code=c, day=d) for (s, k), (c, d) in marks.items()],
        batch_size=5000, ignore_conflicts=region is not None,
    )  # fmt: skip
    return len(want)


def _top_totals(region: Region | None) -> dict[Cell, int]:
    """The region's own figures before a rebuild (its totals plus its unfolded deltas)."""
    if region is None:
        return {}
    cells: dict[Cell, int] = defaultdict(int)
    for series, month, value in Total.objects.filter(region_code=region.code).values_list(
        "series", "month", "value"
    ):
        cells[(series, region.code, month)] += value
    lo, hi = code_range(region.code, region.level)
    deltas = Delta.objects.filter(region_code__gte=lo, region_code__lte=hi)
    for series, day, value in deltas.values_list("series", "day", "value"):
        cells[(series, region.code, day.replace(day=1))] += value
    return cells
