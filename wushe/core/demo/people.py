"""The demo's registry: households of 爱国街道 and 和平街道 with the people a station serves
(老小困残), written through the registry's services like any real file."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from stdnum.cn import ric

from wushe.core.demo.plan import GIVEN, MONGOLIAN, MONGOLIAN_SURNAMES, SEED, SURNAMES
from wushe.people import services
from wushe.people.models import Category, DisabilityType, Person, Relation
from wushe.regions.models import Level, Region

TOWNSHIPS = ("152201001000", "152201002000")  # 爱国街道 (the demo logins' station), 和平街道
HOUSEHOLDS_PER_VILLAGE = 8
BIRTH_AREAS = ("152201", "152201", "152201", "152221", "152222", "152223", "152224")
ELDERLY = (Category.ELDERLY_ALONE, Category.ELDERLY_EMPTY_NEST, Category.ELDERLY_LEFT_BEHIND,
           Category.ELDERLY_SEMI_DISABLED, Category.ELDERLY_DISABLED)  # fmt: skip
CHILDREN = (Category.CHILD_LEFT_BEHIND, Category.CHILD_IN_DIFFICULTY, Category.CHILD_UNCARED)
HARDSHIP = (Category.DIBAO, Category.DIBAO, Category.TEKUN, Category.DIBAO_MARGINAL,
            Category.TEMPORARY_ASSISTANCE, Category.POVERTY_MONITORING)  # fmt: skip


def _id_number(rng: random.Random, birth: date, gender: str, used: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 99) * 10 + (
            rng.choice((1, 3, 5, 7, 9)) if gender == "M" else rng.choice((0, 2, 4, 6, 8))
        )
        body = f"{rng.choice(BIRTH_AREAS)}{birth:%Y%m%d}{sequence:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def _name(rng: random.Random, gender: str, surname: str | None = None) -> str:
    if surname is None and rng.random() < 0.3:
        return rng.choice(MONGOLIAN_SURNAMES) + rng.choice(MONGOLIAN[gender])
    surname = surname or SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    return surname + rng.choice(GIVEN[gender])


def _birth(rng: random.Random, first: int, last: int) -> date:
    start = date(first, 1, 1)
    return start + timedelta(days=rng.randrange((date(last, 12, 31) - start).days))


def ensure_people(say: Callable[[str], None]) -> int:
    """Create the demo households once; returns how many people were created."""
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, parent_id__in=TOWNSHIPS).order_by("code")
    )
    if not villages or Person.objects.filter(region__in=villages).exists():
        return 0
    rng = random.Random(SEED + 3)
    used: set[str] = set()
    created = 0
    with transaction.atomic():
        for village in villages:
            street = village.name.removesuffix("居委会").removesuffix("村委会")
            for n in range(HOUSEHOLDS_PER_VILLAGE):
                created += _household(
                    rng, village, f"{street}{rng.randrange(1, 40)}号楼{n + 1}单元", used
                )
    say(f"服务对象：{len(villages)} 个社区，新建 {created} 人（含家庭户、类别与联系电话）。")
    return created


def _household(rng: random.Random, village: Region, address: str, used: set[str]) -> int:
    household = services.household_create(by=None, region=village, address=address)
    kind = rng.choices(("elderly_alone", "elderly_couple", "family", "grandparents"), (3, 3, 3, 2))[
        0
    ]
    head_gender = rng.choice("MF")
    surname = None
    members: list[tuple[str, date, str]] = []  # (relation, birth, gender)
    if kind == "elderly_alone":
        members = [(Relation.HEAD, _birth(rng, 1932, 1958), head_gender)]
    elif kind == "elderly_couple":
        members = [
            (Relation.HEAD, _birth(rng, 1935, 1960), "M"),
            (Relation.SPOUSE, _birth(rng, 1938, 1962), "F"),
        ]
    elif kind == "family":
        members = [
            (Relation.HEAD, _birth(rng, 1968, 1990), "M"),
            (Relation.SPOUSE, _birth(rng, 1970, 1992), "F"),
            (Relation.CHILD, _birth(rng, 2010, 2021), rng.choice("MF")),
        ]
    else:  # grandparents raising a left-behind grandchild
        members = [
            (Relation.HEAD, _birth(rng, 1945, 1962), "M"),
            (Relation.SPOUSE, _birth(rng, 1948, 1965), "F"),
            (Relation.GRANDCHILD, _birth(rng, 2012, 2020), rng.choice("MF")),
        ]
    for index, (relation, birth, gender) in enumerate(members):
        name = _name(
            rng, gender, surname if relation in (Relation.CHILD, Relation.GRANDCHILD) else None
        )
        surname = surname or name[0]
        phone = (
            f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
            if index == 0 or rng.random() < 0.4
            else ""
        )
        person = services.person_create(
            by=None, name=name, region=village, id_number=_id_number(rng, birth, gender, used),
            phone=phone, ethnicity="蒙古族" if rng.random() < 0.35 else "汉族", address=address,
            household=household, relation=relation,
        )  # fmt: skip
        _categories(rng, person, kind, relation)
    return len(members)


def _categories(rng: random.Random, person: Person, kind: str, relation: str) -> None:
    since = date(2021 + rng.randrange(4), rng.randrange(1, 13), 1)
    if relation in (Relation.CHILD, Relation.GRANDCHILD):
        if kind == "grandparents" or rng.random() < 0.3:
            services.category_add(
                by=None, person=person, category=rng.choice(CHILDREN), started_on=since
            )
        return
    if kind.startswith("elderly") or kind == "grandparents":
        category = Category.ELDERLY_ALONE if kind == "elderly_alone" else rng.choice(ELDERLY[1:])
        services.category_add(by=None, person=person, category=category, started_on=since)
    if rng.random() < 0.3:
        services.category_add(
            by=None, person=person, category=rng.choice(HARDSHIP), started_on=since
        )
    if rng.random() < 0.12:
        services.category_add(
            by=None, person=person, category=Category.DISABILITY, started_on=since,
            disability_type=rng.choice(DisabilityType.values), disability_grade=rng.randint(1, 4),
        )  # fmt: skip
