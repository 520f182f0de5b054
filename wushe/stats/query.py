"""Reading the figures: totals plus the deltas not yet folded, in one statement, for a
region (or each of its children) and a period of whole months."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.stats.models import Delta, Total


def month_add(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months, `first` to `last` inclusive (both the first day of their month)."""

    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, 1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 1))

    @classmethod
    def parse(cls, text: str | None, today: date | None = None) -> Period:
        """`2026-11` a month, `2026Q3` a quarter, `2026` a year; default this month."""
        today = today or timezone.localdate()
        text = (text or "").strip().upper()
        if (m := re.fullmatch(r"(\d{4})-(\d{1,2})", text)) and 1 <= int(m[2]) <= 12:
            return cls.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
            first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return cls(first, month_add(first, 2))
        if re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= 2100:
            return cls.year(int(text))
        return cls.month(today.year, today.month)

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def end(self) -> date:
        """The last day of the period."""
        return month_add(self.last, 1) - timedelta(days=1)

    @property
    def grain(self) -> str | None:
        """What a distinct count (人, 户) can be read for: a month, a calendar year."""
        if self.months == 1:
            return "month"
        if self.months == 12 and self.first.month == 1:
            return "year"
        return None

    def previous(self) -> Period:
        return Period(month_add(self.first, -self.months), month_add(self.last, -self.months))

    def last_year(self) -> Period:
        return Period(month_add(self.first, -12), month_add(self.last, -12))

    @property
    def key(self) -> str:
        if self.months == 1:
            return f"{self.first:%Y-%m}"
        if self.grain == "year":
            return f"{self.first:%Y}"
        if self.months == 3 and self.first.month % 3 == 1:
            return f"{self.first:%Y}Q{(self.first.month + 2) // 3}"
        return f"{self.first:%Y-%m}~{self.last:%Y-%m}"

    @property
    def label(self) -> str:
        if self.months == 1:
            return _("%(y)d年%(m)d月") % {"y": self.first.year, "m": self.first.month}
        if self.grain == "year":
            return _("%(y)d年") % {"y": self.first.year}
        if self.months == 3 and self.first.month % 3 == 1:
            return _("%(y)d年第%(q)d季度") % {
                "y": self.first.year, "q": (self.first.month + 2) // 3}  # fmt: skip
        return f"{self.first:%Y-%m} ~ {self.last:%Y-%m}"


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Window:
    """What one sum asks for: series, regions (code, level), from the month of `first`
    (None: from the beginning) to the day `last_day`."""

    series: tuple[str, ...]
    regions: tuple[tuple[str, int], ...]
    first: date | None
    last_day: date


def sums(
    series: list[str], regions: list[tuple[str, int]], first: date | None, last_day: date
) -> dict[tuple[str, str], int]:
    """{(series, region code): value} for each region (code, level), summed over the months
    from `first` (None: from the beginning) to the day `last_day`, totals and fresh deltas
    read in one statement."""
    return sums_each([Window(tuple(series), tuple(regions), first, last_day)])[0]


def sums_each(windows: list[Window]) -> list[dict[tuple[str, str], int]]:
    """`sums` for each window, all in one statement (a dashboard's periods and their
    comparisons are one round trip, not six)."""
    parts, params, asked = [], [], []
    for n, w in enumerate(windows):
        if not w.series or not w.regions:
            continue
        codes = [code for code, _level in w.regions]
        spans = [_span(code, level) for code, level in w.regions]
        asked.append((n, codes, spans))
        start = w.first or date(1900, 1, 1)
        marks = ",".join(["%s"] * len(w.series))
        code_marks = ",".join(["%s"] * len(codes))
        parts.append(
            f"SELECT {n}, 't', series, region_code, SUM(value) FROM {Total._meta.db_table} "  # noqa: S608
            f"WHERE series IN ({marks}) AND region_code IN ({code_marks}) AND month >= %s "
            "AND month <= %s GROUP BY series, region_code "
            f"UNION ALL SELECT {n}, 'd', series, region_code, SUM(value) "
            f"FROM {Delta._meta.db_table} WHERE series IN ({marks}) AND region_code >= %s "
            "AND region_code <= %s AND day >= %s AND day <= %s GROUP BY series, region_code"
        )
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        params += [*w.series, *codes, start, w.last_day.replace(day=1), *w.series, lo, hi,
                   start, w.last_day]  # fmt: skip
    found: list[dict[tuple[str, str], int]] = [defaultdict(int) for _w in windows]
    if not parts:
        return found
    rows = _fetch(" UNION ALL ".join(parts), params)
    by_window = {n: (codes, spans, set(codes)) for n, codes, spans in asked}
    for n, source, name, code, value in rows:
        codes, spans, wanted = by_window[n]
        if source == "t":
            if code in wanted:
                found[n][(name, code)] += int(value)
            continue
        for region, (rlo, rhi) in zip(codes, spans, strict=True):
            if rlo <= code <= rhi:
                found[n][(name, region)] += int(value)
    return found


def monthly(series: list[str], code: str, level: int, first: date, last: date):
    """{(series, month): value} for one region, month by month."""
    lo, hi = _span(code, level)
    marks = ",".join(["%s"] * len(series))
    sql = (
        f"SELECT series, month, SUM(value) FROM {Total._meta.db_table} "  # noqa: S608
        f"WHERE series IN ({marks}) AND region_code = %s AND month >= %s AND month <= %s "
        "GROUP BY series, month "
        f"UNION ALL SELECT series, day, SUM(value) FROM {Delta._meta.db_table} "
        f"WHERE series IN ({marks}) AND region_code >= %s AND region_code <= %s "
        "AND day >= %s AND day <= %s GROUP BY series, day"
    )
    end = month_add(last, 1) - timedelta(days=1)
    params = [*series, code, first, last, *series, lo, hi, first, end]
    rows = _fetch(sql, params)
    found: dict[tuple[str, date], int] = defaultdict(int)
    for name, day, value in rows:
        found[(name, _date(day).replace(day=1))] += int(value)
    return found


def _fetch(sql: str, params: list) -> list[tuple]:
    """Run a figures read. It touches a few hundred index entries, yet PostgreSQL may plan
    the UNION in parallel, and starting the workers costs more than the work (8.7 ms against
    1.2 ms for a province's year at L): so no parallel workers for it."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _span(code: str, level: int) -> tuple[str, str]:
    from wushe.regions.models import code_range

    return code_range(code, level)
