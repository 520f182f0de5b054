"""Registry search against an exact indexed lookup through the same layer (the ORM, scoped to
a county), and against a LIKE '%q%' scan over the same scope.

Usage: .venv/bin/python bench/people_search.py [--people N] [--queries Q]
(add WUSHE_DATABASE_URL=… for PostgreSQL). People are spread over the villages of Inner
Mongolia (province 15); the searcher is the county administrator of 乌兰浩特市.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django, write_results  # noqa: E402

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏单"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "志强",
    "淑华",
    "其其格",
    "巴特尔",
    "乌云",
    "斯琴",
    "宝音",
    "额尔敦",
    "图雅",
    "朝鲁",
]


def generate(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """Write `n` people with search keys straight into the tables; returns some ID numbers
    and phone numbers of people in 乌兰浩特市 to look up."""
    from django.db import connection, transaction
    from stdnum.cn import ric

    from wushe.core.crypto import blind_index, encrypt_text
    from wushe.people.search import name_keys, number_keys
    from wushe.people.services import ID_CONTEXT, PHONE_CONTEXT
    from wushe.regions.loader import load_regions
    from wushe.regions.models import Region

    load_regions(["15"])
    villages = list(
        Region.objects.filter(level=5, code__startswith="15").values_list("code", flat=True)
    )
    names = sorted({rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(4000)})
    keys_of = {name: sorted(name_keys(name)) for name in names}
    sample_ids, sample_phones = [], []
    people, keys = [], []
    seen: set[str] = set()
    person_columns = (
        "id, name, id_number_enc, id_number_index, gender, birth_date, ethnicity, phone_enc, "
        "phone_index, region_code, address, legal_basis, relation, created_at, updated_at"
    )
    now = "2026-12-01 00:00:00+00"

    def flush(cursor) -> None:
        """Write what is pending (COPY on PostgreSQL, executemany on SQLite) and forget it."""
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY people_person ({person_columns}) FROM STDIN") as copy:
                for row in people:
                    copy.write_row(row)
            with cursor.cursor.copy(
                "COPY people_personsearchkey (person_id, region_code, name, key) FROM STDIN"
            ) as copy:
                for row in keys:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 15)
            cursor.executemany(
                f"INSERT INTO people_person ({person_columns}) VALUES ({marks})", people
            )
            cursor.executemany(
                "INSERT INTO people_personsearchkey (person_id, region_code, name, key) "
                "VALUES (%s, %s, %s, %s)", keys,
            )  # fmt: skip
        people.clear()
        keys.clear()

    with transaction.atomic(), connection.cursor() as cursor:
        for pk in range(1, n + 1):
            name = rng.choice(names)
            village = rng.choice(villages)
            number = ""
            while not number or number in seen:
                birth = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                body = f"{village[:6]}{birth}{rng.randint(0, 999):03d}"
                number = body + ric.calc_check_digit(body + "0")
            seen.add(number)
            phone = f"1{rng.choice('3578')}{pk:09d}"
            if village.startswith("152201") and len(sample_ids) < 500:
                sample_ids.append(number)
                sample_phones.append(phone)
            people.append((
                pk, name, encrypt_text(number, context=ID_CONTEXT),
                blind_index(number, context=ID_CONTEXT), "M",
                f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", "",
                encrypt_text(phone, context=PHONE_CONTEXT),
                blind_index(phone, context=PHONE_CONTEXT), village, "", "statutory", "", now, now,
            ))  # fmt: skip
            keys.extend((pk, village, name, k) for k in keys_of[name])
            keys.extend((pk, village, name, k) for k in number_keys(number, phone))
            if len(people) == 50_000:
                flush(cursor)
                print(f"\r  generated {pk:,} / {n:,}", end="", file=sys.stderr, flush=True)
        flush(cursor)
    print(file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would leave them: visibility map set
            cursor.execute("VACUUM ANALYZE people_person")
            cursor.execute("VACUUM ANALYZE people_personsearchkey")
    return sample_ids, sample_phones


def timings(fn, queries: list, repeat: int) -> list[float]:
    samples = []
    for q in (queries * (repeat // max(len(queries), 1) + 1))[:repeat]:
        started = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--reuse", action="store_true",
        help="measure again on the people an earlier run generated (its --people is ignored)",
    )  # fmt: skip
    args = parser.parse_args()
    backend = setup_django(reuse=args.reuse)
    from django.conf import settings

    settings.DEBUG = False  # as deployed: no debug cursor keeping every statement
    from wushe.accounts import services as accounts
    from wushe.accounts.models import User
    from wushe.people import services as people
    from wushe.people.models import Person
    from wushe.people.search import search
    from wushe.regions.models import Region

    rng = random.Random(15)
    started = time.perf_counter()
    if args.reuse:
        args.people = Person.objects.count()
        county = Person.objects.filter(region_id__gte="152201000000", region_id__lte="152201999999")
        county = county.order_by("pk")[:500]
        sample_ids = [people.id_number_of(p) for p in county]
        sample_phones = [people.phone_of(p) for p in county]
    else:
        sample_ids, sample_phones = generate(args.people, rng)
    generated = time.perf_counter() - started
    admin = User.objects.filter(username="bench_admin").first()
    if admin is None:
        admin = accounts.user_create(
            by=None, username="bench_admin", name="基准", password="Bench-2026!x"
        )
        county_region = Region.objects.get(code="152201000000")
        accounts.role_assign(by=None, user=admin, role="county_admin", region=county_region)
    scoped = Person.objects.visible_to(admin)
    exact_keys = list(
        scoped.exclude(id_number_index=None).values_list("id_number_index", flat=True)[:200]
    )

    def page(qs):
        """The first page as the registry's list asks for it, in its order (village, name,
        id; a name fragment's comes from its key index in that order)."""
        return list(qs.values_list("id", "name")[:20])

    def like_page(qs):
        """A LIKE scan's first page by name: it must read every match to sort them, which is
        the work the keys spare (in the registry's order it could stop at the 20th match of a
        common character and would measure nothing)."""
        return list(qs.order_by("name", "id").values_list("id", "name")[:20])

    def found(q):
        return page(search(scoped, q, user=admin))

    cases = {
        "exact ID lookup (anchor)": (lambda k: page(scoped.filter(id_number_index=k)), exact_keys),
        "fragment, 1 character": (found, list("张王单李其")),
        "fragment, 2 characters": (found, ["张伟", "王芳", "巴特", "其其", "斯琴"]),
        "full pinyin": (found, ["zhangwei", "wangfang", "shanqiqige", "libate"]),
        "initials": (found, ["zw", "wf", "sqqg", "lbte"]),
        "ID suffix (4)": (found, [i[-4:] for i in sample_ids[:50]]),
        "phone suffix (4)": (found, [p[-4:] for p in sample_phones[:50]]),
        "LIKE '%q%' scan, same scope": (
            lambda q: like_page(scoped.filter(name__contains=q)),
            ["伟", "芳", "其其", "特尔"],
        ),
        "LIKE '%q%' scan, whole registry": (
            lambda q: like_page(Person.objects.filter(name__contains=q)),
            ["伟", "芳", "其其", "特尔"],
        ),
    }
    results = {}
    for case, (fn, queries) in cases.items():
        slow = case.endswith("whole registry")  # a full scan each time: fewer samples
        timings(fn, queries, 4 if slow else 20)  # warm up caches and plans
        samples = timings(fn, queries, 40 if slow else args.queries)
        results[case] = (statistics.median(samples), statistics.quantiles(samples, n=20)[18])
    anchor_p95 = results["exact ID lookup (anchor)"][1]
    like_p95 = results["LIKE '%q%' scan, same scope"][1]
    full_like_p95 = results["LIKE '%q%' scan, whole registry"][1]
    rows = [
        {"case": case, "p50_ms": round(p50, 3), "p95_ms": round(p95, 3),
         "p95_vs_exact": round(p95 / anchor_p95, 2), "like_p95_vs_this": round(like_p95 / p95, 1),
         "whole_like_p95_vs_this": round(full_like_p95 / p95, 1)}
        for case, (p50, p95) in results.items()
    ]  # fmt: skip
    county = scoped.count()
    stem = write_results(
        "people_search", backend,
        f"{args.people:,} people in province 15 ({county:,} in the searcher's county); "
        + ("data of an earlier run (--reuse)" if args.reuse else f"generated in {generated:.0f} s"),
        rows,
        notes="Each query fetches the first page (20 rows, in the registry's order: village, "
        "name, id) through the ORM with the county administrator's scope, DEBUG off. "
        "p95_vs_exact: this case's p95 ÷ the exact lookup's p95 (target ≤ 5). "
        "like_p95_vs_this: how many times faster than a LIKE scan confined to the same "
        "county; whole_like_p95_vs_this: than a LIKE scan of the whole registry (target ≥ 50).",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
