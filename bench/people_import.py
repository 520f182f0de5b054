"""Roster import (check + commit, as `wushe people import` runs it) against a raw load of the
same rows into the same table in the same run, and against two naive importers.

Usage: .venv/bin/python bench/people_import.py [--people N] [--naive N]
(add WUSHE_DATABASE_URL=… for PostgreSQL). The roster is a CSV of N people in households of
one to four in the villages of 乌兰浩特市, a category on every seventh; the importer is the
county's service-center manager. The import runs as a child process, `wushe people import`,
so its peak memory (ru_maxrss) is its own.

- anchor: the same rows, already parsed, straight into people_person: COPY (PostgreSQL) or
  executemany (SQLite), no validation, no encryption, no search keys.
- raw load of the import's output: households, people, search keys and categories exactly
  as the import writes them, computed beforehand, loaded the same way: what the database
  alone costs for the same result.
- naive, per row: the `person_create` service for each row, one transaction each (what a
  simple importer calling the one-person form's service would do).
- naive, bulk_create: the rows validated and encrypted like the import, then written with
  the ORM's bulk_create for people, search keys and categories, a model instance a row.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, setup_django, timed, write_results  # noqa: E402

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏单"
)
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀英", "霞", "平", "刚", "桂英", "建国", "志强", "淑华", "其其格", "巴特尔",
    "乌云", "斯琴", "宝音", "额尔敦", "图雅", "朝鲁",
]  # fmt: skip
RELATIONS = ["户主", "配偶", "子女", "子女"]
CATEGORIES = ["独居老人", "空巢老人", "低保", "留守儿童", "特困", "低保边缘"]
COUNTY = "152201"
DAYS = 33_000  # birth dates from 1930 on, one a day, before the sequence number moves


def people(n: int, villages: list[str], offset: int = 0) -> Iterator[dict[str, str]]:
    """The i-th person of the roster, for i in offset … offset+n-1: a unique ID number (birth
    day from i, sequence from i // DAYS), a unique phone, households of 1–4 in one village."""
    from stdnum.cn import ric

    start = date(1930, 1, 1).toordinal()
    household, left, village = 0, 0, villages[0]
    for i in range(offset, offset + n):
        if left == 0:
            household += 1
            left = 1 + household % 4
            village = villages[household % len(villages)]
            member = 0
        born = date.fromordinal(start + i % DAYS)
        body = f"{COUNTY}{born:%Y%m%d}{(i // DAYS) % 1000:03d}"
        yield {
            "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)],
            "id_number": body + ric.calc_check_digit(body + "0"),
            "phone": f"13{i:09d}",
            "region": village,
            "address": f"{village[-3:]}号院{household % 90}号",
            "household": f"{offset}-{household}",
            "relation": RELATIONS[member],
            "category": CATEGORIES[i % len(CATEGORIES)] if i % 7 == 0 else "",
        }
        member += 1
        left -= 1


def write_csv(path: Path, n: int, villages: list[str]) -> None:
    from wushe.people.exports import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c.title for c in COLUMNS])
        for person in people(n, villages):
            writer.writerow([person.get(c.key, "") for c in COLUMNS])


def raw_load(n: int, villages: list[str]) -> int:
    """The anchor: the parsed rows into people_person, as fast as the database takes them."""
    from django.db import connection, transaction

    columns = (
        "name, id_number_enc, id_number_index, gender, ethnicity, phone_enc, phone_index, "
        "region_code, address, relation, legal_basis, created_at, updated_at"
    )
    now = "2026-12-01 00:00:00+00"

    def values():
        for p in people(n, villages):
            yield (p["name"], p["id_number"], p["id_number"], "", "", p["phone"], p["phone"],
                   p["region"], p["address"], "head", "statutory", now, now)  # fmt: skip

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY people_person ({columns}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO people_person ({columns}) VALUES ({', '.join(['%s'] * 13)})"
            batch = []
            for row in values():
                batch.append(row)
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
    return n


def schema_rows(n: int, villages: list[str]) -> list[tuple[str, list[str], list[tuple]]]:
    """What the import writes for these rows, worked out beforehand: households, people,
    their search keys and categories, as (table, columns, rows) in the order they load."""
    from wushe.people.models import Category, Household, Person, PersonCategory, PersonSearchKey
    from wushe.people.search import all_keys
    from wushe.people.sheets import header_key

    now = "2026-12-01 00:00:00+00"
    categories = {header_key(c.label): c.value for c in Category}
    households: dict[str, tuple] = {}
    persons, keys, held = [], [], []
    first_id = 100_000_000  # explicit ids, far above the sequences; wiped afterwards
    for i, p in enumerate(people(n, villages)):
        household = households.setdefault(
            p["household"], (first_id + len(households), p["region"], p["address"], now)
        )
        pk = first_id + i
        persons.append((pk, p["name"], p["id_number"], p["id_number"], "", None, "",
                        p["phone"], p["phone"], p["region"], p["address"], household[0],
                        "head", "statutory", None, now, now))  # fmt: skip
        found = all_keys(p["name"], p["id_number"], p["phone"])
        keys += [(pk, p["region"], p["name"], k) for k in found]
        if p["category"]:
            held.append((pk, categories[p["category"]], "", "", None, "2026-12-01", None))

    def columns(model, skip=("id",)) -> list[str]:
        return [f.column for f in model._meta.concrete_fields if f.column not in skip]

    return [
        ("people_household", ["id", *columns(Household)], list(households.values())),
        ("people_person", ["id", *columns(Person)], persons),
        ("people_personsearchkey", columns(PersonSearchKey), keys),
        ("people_personcategory", columns(PersonCategory), held),
    ]


def raw_load_schema(tables: list[tuple[str, list[str], list[tuple]]]) -> None:
    """The second anchor: the import's own output, computed beforehand, loaded raw."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            names = ", ".join(columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                for start in range(0, len(rows), 50_000):
                    cursor.executemany(sql, rows[start : start + 50_000])


def wipe() -> None:
    from django.db import connection, transaction

    tables = ["people_importbatch_people", "people_personsearchkey", "people_personcategory",
              "people_person", "people_household"]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE people_person")


def required_work(n: int, villages: list[str]) -> int:
    """What every importer must do for each row before any database sees it, and nothing
    else: check the ID number (GB 11643) and phone, encrypt both (SM4-GCM), index them
    (HMAC-SM3) and work out the search keys. Its rate is a ceiling for any importer in one
    process, whatever it writes with."""
    from wushe.people import search, services
    from wushe.people.models import Person

    for p in people(n, villages, offset=30_000_000):
        identity = services._identity(p["id_number"], p["phone"], None, "")
        person = Person(name=p["name"], region_id=p["region"], address=p["address"])
        services._apply_identity(person, identity)
        search.all_keys(person.name, identity.id_number, identity.phone)
    return n


def naive_per_row(n: int, villages: list[str], by) -> int:
    from wushe.people import services
    from wushe.regions.models import Region

    regions = {r.code: r for r in Region.objects.filter(code__in=villages)}
    for p in people(n, villages, offset=10_000_000):
        services.person_create(
            by=by, name=p["name"], region=regions[p["region"]], id_number=p["id_number"],
            phone=p["phone"], address=p["address"],
        )  # fmt: skip
    return n


def naive_bulk_create(n: int, villages: list[str], by) -> int:
    from django.db import transaction

    from wushe.people import search, services
    from wushe.people.models import Person, PersonSearchKey
    from wushe.regions.models import Region

    regions = {r.code: r for r in Region.objects.filter(code__in=villages)}

    def flush(batch: list) -> None:
        Person.objects.bulk_create([person for person, _identity in batch])
        PersonSearchKey.objects.bulk_create(
            PersonSearchKey(person=person, region_code=person.region_id, name=person.name, key=key)
            for person, identity in batch
            for key in search.all_keys(person.name, identity.id_number, identity.phone)
        )

    with transaction.atomic():
        batch = []
        for p in people(n, villages, offset=20_000_000):
            identity = services._identity(p["id_number"], p["phone"], None, "")
            person = Person(name=p["name"], region=regions[p["region"]], address=p["address"])
            services._apply_identity(person, identity)
            batch.append((person, identity))
            if len(batch) == 1000:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    return n


# The child runs as deployed (DEBUG off: no SQL kept for the debug page), with bench keys.
PRODUCTION = {
    "WUSHE_DEBUG": "0", "WUSHE_SECRET_KEY": "bench-secret-key-not-for-use",
    "WUSHE_AUDIT_KEY": "bench-audit-key", "WUSHE_FIELD_KEYS": "bench:" + "QmVuY2hGaWVsZEtleTE2Qg==",
    "WUSHE_BLIND_INDEX_KEY": "bench-blind-index-key", "WUSHE_ALLOWED_HOSTS": "localhost",
}  # fmt: skip


def import_child(path: Path, username: str, profile: str = "") -> tuple[float, int]:
    """`wushe people import` in a child process: (seconds, peak resident memory in MB).
    With `profile`, the child runs under cProfile and leaves its statistics there."""
    started = time.perf_counter()
    python = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else [])]
    command = [*python, str(ROOT / "manage.py"), "people", "import", str(path)]
    done = subprocess.run(  # noqa: S603 (our own manage.py)
        [*command, "--user", username], capture_output=True, text=True, check=False,
        env=os.environ | PRODUCTION,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.strip().splitlines()[-1])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=2_000, help="rows for the naive importers")
    parser.add_argument(
        "--memory", action="store_true",
        help="only the import itself, for its peak memory at large sizes (people_import_memory)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", metavar="PATH",
        help="only the import itself, under cProfile: its statistics to PATH, the top printed",
    )  # fmt: skip
    args = parser.parse_args()
    backend = setup_django()
    from django.conf import settings

    settings.DEBUG = False  # as the child: no debug cursor for the anchor or the naive runs
    from django.db import connection

    from wushe.accounts import services as accounts
    from wushe.people.models import Person
    from wushe.regions.loader import load_regions
    from wushe.regions.models import Level, Region

    load_regions(["15"])
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=COUNTY)
        .order_by("code")
        .values_list("code", flat=True)
    )
    manager = accounts.user_create(
        by=None, username="bench_center", name="基准", password="Bench-2026!x"
    )
    county = Region.objects.get(code=COUNTY + "000000")
    accounts.role_assign(by=None, user=manager, role="center_manager", region=county)
    workdir = Path(tempfile.mkdtemp(prefix="wushe-import-"))
    roster = workdir / "花名册.csv"
    write_csv(roster, args.people, villages)
    size_mb = roster.stat().st_size / 1e6

    if args.profile:
        import pstats

        seconds, _peak = import_child(roster, "bench_center", profile=args.profile)
        print(f"{args.people:,} rows in {seconds:.1f} s", file=sys.stderr)
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)
        return
    if args.memory:
        imported, peak_mb = import_child(roster, "bench_center")
        created = Person.objects.count()
        rows = [{"rows": created, "seconds": round(imported, 1),
                 "rows_per_s": round(created / imported), "peak_rss_mb": peak_mb}]  # fmt: skip
        stem = write_results(
            "people_import_memory", backend, f"{args.people:,} people ({size_mb:.0f} MB CSV)",
            rows, notes="Peak resident memory of `wushe people import` (check + commit).",
        )  # fmt: skip
        print(stem.with_suffix(".md").read_text(encoding="utf-8"))
        return
    anchor_before, _ = timed(lambda: raw_load(args.people, villages))
    wipe()
    imported, peak_mb = import_child(roster, "bench_center")
    created = Person.objects.count()
    again, _peak = import_child(roster, "bench_center")  # nothing to create: all unchanged
    assert Person.objects.count() == created, "a second import must change nothing"
    wipe()
    anchor_after, _ = timed(lambda: raw_load(args.people, villages))
    anchor = (anchor_before + anchor_after) / 2
    wipe()
    tables = schema_rows(args.people, villages)
    schema, _ = timed(lambda: raw_load_schema(tables))
    written = sum(len(rows) for _table, _columns, rows in tables)
    tables.clear()
    wipe()
    per_row, _ = timed(lambda: naive_per_row(args.naive, villages, manager))
    # Each naive importer in a session of its own, as each import is: PostgreSQL keeps a
    # foreign key check's plan for the session, and one made while the people table held a
    # row or two (a sequential scan) made the next importer's checks read the whole table.
    connection.close()
    bulk, _ = timed(lambda: naive_bulk_create(args.naive, villages, manager))
    work, _ = timed(lambda: required_work(args.people, villages))

    anchor_rate = args.people / anchor
    import_rate = created / imported
    cases = [
        ("raw load, parsed rows, people table only (anchor)", args.people, anchor, ""),
        (
            f"raw load of the import's output ({written:,} rows in 4 tables)",
            args.people,
            schema,
            "",
        ),
        ("wushe people import: check + commit (child process)", created, imported, peak_mb),
        ("the same file again: every row unchanged", args.people, again, ""),
        ("naive: person_create service per row", args.naive, per_row, ""),
        ("naive: ORM bulk_create of validated rows", args.naive, bulk, ""),
        ("ceiling: the per-row checks, encryption and keys alone, no database", args.people,
         work, ""),
    ]  # fmt: skip
    rows = [
        {"case": case, "rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n / seconds),
         "vs_anchor": round(n / seconds / anchor_rate, 3),
         "vs_output_load": round(n / seconds / (args.people / schema), 3),
         "import_is_x_faster": round(import_rate / (n / seconds), 2), "peak_rss_mb": peak}
        for case, n, seconds, peak in cases
    ]  # fmt: skip
    stem = write_results(
        "people_import", backend,
        f"{args.people:,} people ({size_mb:.0f} MB CSV) in {len(villages)} villages of 乌兰浩特市, "
        f"{created:,} created; naive importers on {args.naive:,} rows", rows,
        notes="vs_anchor: rows/s ÷ the anchor's rows/s (target ≥ 0.5 for the import). "
        "vs_output_load: ÷ the rows/s of the second raw load, which writes what the import "
        "writes (households, people, about a dozen search keys a person, categories), computed "
        "beforehand. "
        "import_is_x_faster: the import's rows/s ÷ this case's (target ≥ 5 against a naive "
        "importer). peak_rss_mb: the import process's peak resident memory (target < 500 MB "
        "at 3M rows). The import validates each row (GB 11643, phone, village, scope), "
        "checks duplicates in the file and the registry, encrypts (SM4-GCM) and indexes "
        "(HMAC-SM3) ID numbers and phones, writes about a dozen search keys a person, "
        "households and categories, and one audit event; the first anchor does none of this. "
        "The ceiling row is that per-row work with no database at all: no importer in one "
        "process can beat its vs_anchor.",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
