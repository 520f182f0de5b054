"""The statistics benchmarks' data at a named size, and the figures it makes, fast.

Usage: .venv/bin/python bench/stats_data.py --size S|M|L   (add WUSHE_DATABASE_URL=… for
PostgreSQL; the database is left for the benchmarks' --reuse).

Sizes (DESIGN.md, "Performance is measured"): S one county and a neighbour (90 villages,
5,000 people, 50,000 visits: runs in CI); M a prefecture (one city of L: 1,278 villages,
143,000 people, 1.43M visits); L a Guangdong-shaped province (21 cities, 122 counties, 1,638
townships, 26,842 villages, 3M people, 30M visits). Region codes are synthesised under 44.

Rows are written straight into the tables (COPY on PostgreSQL, executemany on SQLite), as
the services would have written them: households, people with their name search keys,
stations and rooms, visits each delivering one catalogue item. Then the figures, set-based
(INSERT … SELECT … GROUP BY into the totals at every region level; the distinct counts'
marks with DISTINCT ON on PostgreSQL, a window function on SQLite), in the state the
services plus a compaction would leave them. At S the result is held to `stats_verify()`:
the fast path is the services' path.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django, write_results  # noqa: E402

PROVINCE = "44"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
PEOPLE_FROM = datetime(2024, 1, 1, tzinfo=UTC)  # archives opened from here …
VISITS_FROM = datetime(2025, 1, 1, tzinfo=UTC)  # … visits from here …
UNTIL = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # … both until the end of 2026-11
ITEM = "elderly.home_visit"
CREATOR = "bench_generator"


@dataclass(frozen=True)
class Size:
    name: str
    cities: int
    counties: int
    townships: int
    villages: int
    people: int
    visits: int

    def describe(self) -> str:
        return (
            f"{self.name}: {self.cities} cities, {self.counties} counties, {self.townships:,} "
            f"townships, {self.villages:,} villages, {self.people:,} people, "
            f"{self.visits:,} visits"
        )


SIZES = {
    "S": Size("S", 1, 2, 6, 90, 5_000, 50_000),
    "M": Size("M", 1, 6, 78, 1_278, 143_000, 1_430_000),
    "L": Size("L", 21, 122, 1_638, 26_842, 3_000_000, 30_000_000),
}


def progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts differing by at most one."""
    return [total * (i + 1) // parts - total * i // parts for i in range(parts)]


def tree(size: Size) -> tuple[list[tuple], list[str]]:
    """Region rows (code, name, level, parent) from the province down, and the village codes.
    Codes: 44 · city 01– · county 01– · township 001– · village 001–."""
    rows: list[tuple] = [(PROVINCE.ljust(12, "0"), "广东省（基准）", 1, None)]
    villages: list[str] = []
    counties = spread(size.counties, size.cities)
    townships = spread(size.townships, size.counties)
    village_counts = spread(size.villages, size.townships)
    county_no = township_no = 0
    for c in range(size.cities):
        city = f"{PROVINCE}{c + 1:02d}"
        rows.append((city.ljust(12, "0"), f"基准{c + 1:02d}市", 2, PROVINCE.ljust(12, "0")))
        for k in range(counties[c]):
            county = f"{city}{k + 1:02d}"
            rows.append(
                (county.ljust(12, "0"), f"基准{county_no + 1:03d}县", 3, city.ljust(12, "0"))
            )
            for t in range(townships[county_no]):
                town = f"{county}{t + 1:03d}"
                rows.append(
                    (town + "000", f"基准{township_no + 1:04d}镇", 4, county.ljust(12, "0"))
                )
                for v in range(village_counts[township_no]):
                    code = f"{town}{v + 1:03d}"
                    rows.append((code, f"基准{len(villages) + 1:05d}村", 5, town + "000"))
                    villages.append(code)
                township_no += 1
            county_no += 1
    return rows, villages


# --- writing rows --------------------------------------------------------------------------


def stamp(moment: datetime, vendor: str) -> str:
    """A UTC datetime as the backend stores it (SQLite: naive text in UTC)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00" if vendor == "postgresql" else text


def load(cursor, table: str, columns: list[str], rows: Iterable[tuple], every: int = 0) -> int:
    """Rows into `table`: COPY on PostgreSQL, executemany in batches on SQLite."""
    from django.db import connection

    n = 0
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
                if every and n % every == 0:
                    progress(f"{table}: {n:,}")
        return n
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        n += 1
        if len(batch) == 50_000:
            cursor.executemany(sql, batch)
            batch.clear()
        if every and n % every == 0:
            progress(f"{table}: {n:,}")
    if batch:
        cursor.executemany(sql, batch)
    return n


def columns_of(model, *, m2m: str | None = None) -> list[str]:
    """The table's columns, so a schema change makes the generator fail loudly, not lie."""
    if m2m:
        model = getattr(model, m2m).through
    return [f.column for f in model._meta.concrete_fields]


class Deferred:
    """PostgreSQL: the tables' secondary indexes and foreign keys dropped while they load and
    built again afterwards, as pg_restore does (much faster than maintaining them per row)."""

    def __init__(self, cursor, tables: list[str]) -> None:
        self.cursor, self.tables, self.ddl = cursor, tables, []
        self.seconds = 0.0

    def __enter__(self) -> Deferred:
        c = self.cursor
        for table in self.tables:
            c.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
                [table],
            )
            for name, definition in c.fetchall():
                self.ddl.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            c.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            for name, definition in c.fetchall():
                self.ddl.append(definition)
                c.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            return
        started = time.perf_counter()
        # Unique constraints and indexes before foreign keys (which need the targets' keys).
        for ddl in sorted(self.ddl, key=lambda d: "FOREIGN KEY" in d):
            progress(ddl[:110])
            self.cursor.execute(ddl)
        self.seconds = time.perf_counter() - started


def reset_sequences(cursor, tables: list[str]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT already remembers the largest id written
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
            [table],
        )


@dataclass
class World:
    """What the benchmarks need to know about the generated data."""

    size: Size
    villages: list[str]
    households: int
    people: int
    visits: int
    seconds: dict[str, float]


def _timed(seconds: dict[str, float], step: str, fn: Callable[[], object]) -> object:
    started = time.perf_counter()
    progress(f"{step} …")
    value = fn()
    seconds[step] = time.perf_counter() - started
    progress(f"{step}: {seconds[step]:.1f} s")
    return value


def generate(size: Size, *, check: bool | None = None) -> World:
    """Write the size's regions, platforms, people, households and visits, then their
    figures; with `check` (default: at S) hold the figures to `stats_verify()`."""
    from django.conf import settings
    from django.db import connection, transaction

    from wushe.accounts import services as accounts
    from wushe.accounts.models import User
    from wushe.casework.models import Visit
    from wushe.catalog.models import ServiceItem
    from wushe.network.models import Platform
    from wushe.people.models import Household, Person, PersonSearchKey
    from wushe.people.search import all_keys
    from wushe.regions.models import Region

    vendor = connection.vendor
    seconds: dict[str, float] = {}
    regions, villages = tree(size)
    creator = User.objects.filter(username=CREATOR).first() or accounts.user_create(
        by=None, username=CREATOR, name="基准数据", password="Bench-2026!gen"
    )
    item = ServiceItem.objects.get(code=ITEM)
    now = stamp(datetime.now(UTC), vendor)
    n_villages = len(villages)

    def household_rows() -> Iterator[tuple]:
        """Households of 1–4 people (2.5 on average) spread over the villages."""
        span = (UNTIL - PEOPLE_FROM).total_seconds()
        person = 0
        h = 0
        while person < size.people:
            h += 1
            members = min(1 + h % 4, size.people - person)
            created = PEOPLE_FROM + timedelta(seconds=int(span * person / size.people))
            yield h, villages[(h * 7919) % n_villages], members, person, created
            person += members

    household_plan = list(household_rows())
    person_household = [0] * size.people
    person_village = [""] * size.people
    for h, village, members, first, _created in household_plan:
        for i in range(first, first + members):
            person_household[i] = h
            person_village[i] = village
    names = [s + g for s in SURNAMES for g in GIVEN]
    keys_of = {name: sorted(all_keys(name)) for name in names}
    relations = ["head", "spouse", "child", "child"]

    def people() -> Iterator[tuple]:
        span = (UNTIL - PEOPLE_FROM).total_seconds()
        for i in range(size.people):
            created = stamp(PEOPLE_FROM + timedelta(seconds=int(span * i / size.people)), vendor)
            h = person_household[i]
            head = i == 0 or person_household[i - 1] != h
            yield (i + 1, names[(i * 31) % len(names)], "", None, "", None, "", "", "",
                   person_village[i], "", h, "head" if head else relations[1 + i % 3],
                   "statutory", None, created, created)  # fmt: skip

    def search_keys() -> Iterator[tuple]:
        for i in range(size.people):
            name = names[(i * 31) % len(names)]
            for key in keys_of[name]:
                yield i + 1, person_village[i], name, key

    visit_span = (UNTIL - VISITS_FROM).total_seconds()
    people_span = (UNTIL - PEOPLE_FROM).total_seconds()
    ahead = (VISITS_FROM - PEOPLE_FROM).total_seconds()

    def visits() -> Iterator[tuple]:
        """Visits in time order (ids rise with time), each to someone whose archive was
        already open; one in twenty to the whole household. Local hours 07:00–19:00, so
        some fall on the previous UTC day."""
        for j in range(size.visits):
            offset = visit_span * j / size.visits
            day = VISITS_FROM + timedelta(seconds=offset)
            moment = day.replace(hour=0, minute=0, second=0) + timedelta(
                seconds=-3600 + (j * 7_727) % 43_200
            )
            known = max(1, int(size.people * (ahead + offset) / people_span))
            p = (j * 2_654_435_761) % known
            h = person_household[p]
            at = stamp(moment, vendor)
            if j % 20 == 0:
                person, household = None, h
            else:
                person, household = p + 1, None
            yield (j + 1, f"{j + 1:032x}", person, household, h, person_village[p], at, "",
                   "", "", "", "", None, creator.pk, at)  # fmt: skip

    def items() -> Iterator[tuple]:
        for j in range(size.visits):
            yield j + 1, j + 1, item.pk

    def platforms() -> Iterator[tuple]:
        """A center in every county, a station in nine townships of ten, a room in seven
        villages of ten."""
        for n, (code, name, level, _parent) in enumerate(regions):
            tier = {3: 1, 4: 2, 5: 3}.get(level)
            if tier is None or (tier == 2 and n % 10 == 0) or (tier == 3 and n % 10 >= 7):
                continue
            kind = {1: "社工服务中心", 2: "社工站", 3: "社工室"}[tier]
            yield (n + 1, tier, f"{name}{kind}", code, "", "", "2023-06-01", "active", "", now,
                   now)  # fmt: skip

    visit_columns = columns_of(Visit)
    expected_visit = [
        "id", "client_id", "person_id", "household_id", "counted_household_id", "region_code",
        "visited_at", "place", "living_conditions", "risks", "needs_found", "volunteers",
        "follow_up_on", "created_by_id", "created_at",
    ]  # fmt: skip
    if visit_columns != expected_visit:
        raise SystemExit(f"casework_visit changed: {visit_columns}; update bench/stats_data.py")
    tables = {
        "regions_region": (["code", "name", "level", "parent_id"], lambda: iter(regions)),
        "network_platform": (columns_of(Platform), platforms),
        "people_household": (
            columns_of(Household),
            lambda: ((h, v, "", stamp(c, vendor)) for h, v, _m, _f, c in household_plan),
        ),
        "people_person": (columns_of(Person), people),
        "people_personsearchkey": (
            [c for c in columns_of(PersonSearchKey) if c != "id"], search_keys),
        "casework_visit": (visit_columns, visits),
        Visit.items.through._meta.db_table: (columns_of(Visit, m2m="items"), items),
    }  # fmt: skip
    every = 2_000_000 if size.visits > 5_000_000 else 0
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        deferred = Deferred(cursor, [t for t in tables if t not in ("regions_region",
                                                                  "network_platform")])  # fmt: skip
        with deferred if vendor == "postgresql" else _nothing():
            for table, (columns, rows) in tables.items():
                step = f"load {table}"
                _timed(
                    seconds, step, lambda t=table, c=columns, r=rows: load(cursor, t, c, r(), every)
                )
        if vendor == "postgresql":
            seconds["indexes and foreign keys built after the load"] = deferred.seconds
        reset_sequences(cursor, [t for t in tables if t != "regions_region"])
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
    _timed(seconds, "figures (set-based)", lambda: figures(settings.TIME_ZONE))
    world = World(size, villages, len(household_plan), size.people, size.visits, seconds)
    assert Region.objects.filter(code__startswith=PROVINCE).count() == len(regions)
    if check if check is not None else size.name == "S":
        from wushe.stats.verify import stats_verify

        differences = _timed(seconds, "stats_verify()", stats_verify)
        assert differences == [], f"fast path ≠ services' path: {differences[:5]}"
    return world


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


# --- the figures, set-based -----------------------------------------------------------------


def _local(column: str, tz: str, vendor: str) -> dict[str, str]:
    """SQL for the local day, month (first day), YYYY-MM and YYYY of a UTC datetime column."""
    if vendor == "postgresql":
        local = f"({column} AT TIME ZONE '{tz}')"
        return {
            "day": f"{local}::date", "month": f"date_trunc('month', {local})::date",
            "ym": f"to_char({local}, 'YYYY-MM')", "y": f"to_char({local}, 'YYYY')",
            "ym_n": f"(extract(year FROM {local}) * 100 + extract(month FROM {local}))::int",
            "y_n": f"extract(year FROM {local})::int",
        }  # fmt: skip
    shift = _fixed_offset(tz)
    return {
        "day": f"date({column}, '{shift}')",
        "month": f"strftime('%Y-%m-01', {column}, '{shift}')",
        "ym": f"strftime('%Y-%m', {column}, '{shift}')",
        "y": f"strftime('%Y', {column}, '{shift}')",
    }  # fmt: skip


def _fixed_offset(tz: str) -> str:
    """SQLite has no time zones: the zone's offset, which must not change over the data."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(PEOPLE_FROM.year, UNTIL.year + 2)
        for month in (1, 7)
    }
    if len(offsets) != 1:
        raise SystemExit(f"{tz} changes its offset: the SQLite fast path cannot be used")
    hours = offsets.pop().total_seconds() / 3600
    return f"{hours:+g} hours"


LEVELS = (2, 4, 6, 9, 12)

# The distinct counts (人, 户): (series, who, period) — who as wushe.stats.series says.
DISTINCT = [
    ("visited_people.month", "person", "ym"),
    ("visited_people.year", "person", "y"),
    ("visited_households.month", "household", "ym"),
    ("visited_households.year", "household", "y"),
]


def figures(tz: str) -> None:
    """Totals (every region level, every month) and marks, straight from the records."""
    from django.db import connection, transaction

    from wushe.stats.models import Delta, Mark, Total

    vendor = connection.vendor
    total, mark = Total._meta.db_table, Mark._meta.db_table
    visit = _local("visited_at", tz, vendor)
    created = _local("created_at", tz, vendor)
    with transaction.atomic(), connection.cursor() as c:
        c.execute(f"DELETE FROM {Delta._meta.db_table}")  # noqa: S608
        c.execute(f"DELETE FROM {total}")  # noqa: S608
        c.execute(f"DELETE FROM {mark}")  # noqa: S608
        if vendor == "postgresql":
            c.execute("SET LOCAL work_mem = '256MB'")
            c.execute("SET LOCAL maintenance_work_mem = '1GB'")
            with Deferred(c, [total, mark]):
                _figures(c, vendor, visit, created, total, mark)
        else:
            _figures(c, vendor, visit, created, total, mark)
    if vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(f"VACUUM ANALYZE {total}")
            c.execute(f"VACUUM ANALYZE {mark}")


def _figures(c, vendor: str, visit: dict, created: dict, total: str, mark: str) -> None:
    c.execute("CREATE TEMPORARY TABLE bench_cells (series varchar(40), region_code "
              "varchar(12), month date, n bigint)")  # fmt: skip
    sums = [
        ("people", "people_person", created["month"]),
        ("households", "people_household", created["month"]),
        ("visits", "casework_visit", visit["month"]),
    ]
    for series, table, month in sums:
        progress(f"figures: {series}")
        c.execute(
            f"INSERT INTO bench_cells SELECT '{series}', region_code, {month}, COUNT(*) "  # noqa: S608
            f"FROM {table} GROUP BY region_code, {month}"
        )
    for series, unit, period in DISTINCT:
        progress(f"figures: marks of {series}")
        c.execute(_marks_sql(series, unit, period, visit, vendor, mark))
    month_of_day = (
        "date_trunc('month', day)::date" if vendor == "postgresql"
        else "substr(day, 1, 7) || '-01'"
    )  # fmt: skip
    c.execute(
        f"INSERT INTO bench_cells SELECT series, region_code, {month_of_day}, COUNT(*) "  # noqa: S608
        f"FROM {mark} GROUP BY series, region_code, {month_of_day}"
    )
    progress("figures: totals at every level")
    for n in LEVELS:
        code = "region_code" if n == 12 else f"substr(region_code, 1, {n}) || '{'0' * (12 - n)}'"
        c.execute(
            f"INSERT INTO {total} (series, region_code, month, value) "  # noqa: S608
            f"SELECT series, {code}, month, SUM(n) FROM bench_cells "
            f"GROUP BY series, {code}, month"
        )
    c.execute("DROP TABLE bench_cells")


def _marks_sql(series: str, unit: str, period: str, visit: dict, vendor: str, mark: str) -> str:
    """Each person's (or household's) first visit in each period: where its one sits."""
    if unit == "person":
        who, where = "'p' || person_id", "WHERE person_id IS NOT NULL"
        part = "person_id"
    else:
        who = ("CASE WHEN counted_household_id IS NOT NULL THEN 'h' || counted_household_id "
               "ELSE 'p' || person_id END")  # fmt: skip
        where, part = (
            "",
            "counted_household_id, CASE WHEN counted_household_id IS NULL THEN person_id END",
        )
    insert = f"INSERT INTO {mark} (series, key, region_code, day) "
    if vendor == "postgresql":
        number = visit[f"{period}_n"]
        return (
            insert + f"SELECT DISTINCT ON ({part}, {number}) '{series}', "
            f"{who} || ':' || {visit[period]}, region_code, {visit['day']} "
            f"FROM casework_visit {where} ORDER BY {part}, {number}, visited_at, id"
        )
    return (
        insert + f"SELECT '{series}', k, region_code, d FROM (SELECT {who} || ':' || "
        f"{visit[period]} AS k, region_code, {visit['day']} AS d, ROW_NUMBER() OVER (PARTITION BY "
        f"{part}, {visit[period]} ORDER BY visited_at, id) AS rn FROM casework_visit {where}) "
        "WHERE rn = 1"
    )


# --- what the benchmarks look up -----------------------------------------------------------


def province():
    from wushe.regions.models import Region

    return Region.objects.get(code=PROVINCE.ljust(12, "0"))


def busiest_township():
    """The township with the most villages near 15 and most people (the move's subject)."""
    from django.db.models import Count

    from wushe.regions.models import Level, Region

    towns = Region.objects.filter(level=Level.TOWNSHIP, code__startswith=PROVINCE)
    counted = towns.annotate(n=Count("children")).order_by("code")
    return min(counted, key=lambda t: (abs(t.n - 15), t.code))


def describe_world(size: Size) -> str:
    return size.describe()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--check", action="store_true", help="stats_verify() at any size")
    args = parser.parse_args()
    backend = setup_django()
    size = SIZES[args.size]
    started = time.perf_counter()
    world = generate(size, check=True if args.check else None)
    elapsed = time.perf_counter() - started
    rows = [{"step": step, "seconds": round(s, 1)} for step, s in world.seconds.items()]
    rows.append({"step": "total", "seconds": round(elapsed, 1)})
    stem = write_results(
        f"stats_data_{size.name}", backend, size.describe(), rows,
        notes="Generation of the statistics benchmarks' data (COPY on PostgreSQL with the "
        "secondary indexes and foreign keys built after the load, executemany on SQLite), "
        "then the figures set-based. stats_verify() is run at S (or with --check).",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
