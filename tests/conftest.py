"""The shared world of the tests: two counties × two townships in 兴安盟, a county far away,
one persona per role and an outsider (STYLE.md §9).

Every persona's password is PASSWORD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from stdnum.cn import ric

from wushe.accounts import services as account_services
from wushe.accounts.models import User
from wushe.accounts.permissions import Role
from wushe.catalog.domains import ensure_domains
from wushe.catalog.items import ensure_items
from wushe.network import services as network_services
from wushe.network.models import Platform, Tier, Worker
from wushe.people import services as people_services
from wushe.people.models import Person
from wushe.regions.models import Region

PASSWORD = "Wushe-2026!pass"

# (code, name, parent code)
REGIONS = [
    ("150000000000", "内蒙古自治区", None),
    ("152200000000", "兴安盟", "150000000000"),
    ("152201000000", "乌兰浩特市", "152200000000"),
    ("152201001000", "爱国街道", "152201000000"),
    ("152201001001", "万佳社区居委会", "152201001000"),
    ("152201001002", "春阳社区居委会", "152201001000"),
    ("152201002000", "和平街道", "152201000000"),
    ("152201002001", "红云社区居委会", "152201002000"),
    ("152201002002", "红浦社区居委会", "152201002000"),
    ("152202000000", "阿尔山市", "152200000000"),
    ("152202001000", "林海街道", "152202000000"),
    ("152202001001", "兴林社区居委会", "152202001000"),
    ("152202001002", "天元社区居委会", "152202001000"),
    ("152202002000", "新城街道", "152202000000"),
    ("152202002001", "和平社区居委会", "152202002000"),
    ("152202002002", "森旺社区居委会", "152202002000"),
    ("110000000000", "北京市", None),
    ("110100000000", "市辖区", "110000000000"),
    ("110101000000", "东城区", "110100000000"),
    ("110101001000", "东华门街道", "110101000000"),
    ("110101001001", "多福巷社区居委会", "110101001000"),
]

# username → (display name, role, region code)
PERSONAS = {
    "province_admin": ("王建国", Role.PROVINCE_ADMIN, "150000000000"),
    "city_admin": ("李淑华", Role.CITY_ADMIN, "152200000000"),
    "county_admin": ("张明", Role.COUNTY_ADMIN, "152201000000"),
    "center_manager": ("刘芳", Role.CENTER_MANAGER, "152201000000"),
    "station_head": ("陈志强", Role.STATION_HEAD, "152201001000"),
    "station_worker": ("赵小红", Role.STATION_WORKER, "152201001000"),
    "other_station_worker": ("孙丽", Role.STATION_WORKER, "152201002000"),
    "volunteer_coordinator": ("周磊", Role.VOLUNTEER_COORDINATOR, "152201001000"),
    "supervisor": ("吴敏", Role.SUPERVISOR, "152201000000"),
    "auditor": ("郑洁", Role.AUDITOR, "152201000000"),
    "sysadmin": ("冯涛", Role.SYSADMIN, "150000000000"),
    "outsider": ("何平", Role.COUNTY_ADMIN, "110101000000"),
}


def level_of_depth(code: str, parent: str | None, by_code: dict[str, int]) -> int:
    return 1 if parent is None else by_code[parent] + 1


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    workers: dict[str, Worker] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def region(self, code: str) -> Region:
        return self.regions[code]


def build_regions() -> dict[str, Region]:
    levels: dict[str, int] = {}
    regions: dict[str, Region] = {}
    for code, name, parent in REGIONS:
        levels[code] = level_of_depth(code, parent, levels)
        regions[code] = Region.objects.create(
            code=code, name=name, level=levels[code], parent_id=parent
        )
    return regions


def build_world() -> World:
    ensure_domains()  # a transactional test's flush empties what the data migration seeded
    ensure_items()
    world = World(regions=build_regions())
    for username, (name, role, code) in PERSONAS.items():
        user = account_services.user_create(
            by=None, username=username, name=name, password=PASSWORD
        )
        account_services.role_assign(by=None, user=user, role=role, region=world.region(code))
        world.users[username] = user
    platforms = [
        ("center", Tier.CENTER, "152201000000", "乌兰浩特市社会工作服务中心"),
        ("station_a", Tier.STATION, "152201001000", "爱国街道社工站"),
        ("station_b", Tier.STATION, "152201002000", "和平街道社工站"),
        ("station_c", Tier.STATION, "152202001000", "林海街道社工站"),
        ("room_a1", Tier.ROOM, "152201001001", "万佳社区社工室"),
        ("room_b1", Tier.ROOM, "152201002001", "红云社区社工室"),
        ("beijing_station", Tier.STATION, "110101001000", "东华门街道社工站"),
    ]
    for key, tier, code, name in platforms:
        world.platforms[key] = network_services.platform_create(
            by=None, tier=tier, region=world.region(code), name=name, opened_on=date(2022, 6, 1)
        )
    for key, name, platform, post in [
        ("head_a", "陈志强", "station_a", "head"),
        ("worker_a", "赵小红", "station_a", "resident_worker"),
        ("worker_b", "孙丽", "station_b", "resident_worker"),
        ("worker_bj", "何平", "beijing_station", "resident_worker"),
    ]:
        worker = network_services.worker_create(
            by=None, name=name, region=world.platforms[platform].region, certificate="assistant"
        )
        network_services.posting_create(
            by=None, platform=world.platforms[platform], worker=worker, post=post,
            started_on=date(2023, 1, 1),
        )  # fmt: skip
        world.workers[key] = worker
    for key, name, code, id_number, phone in [
        (
            "wuliji",
            "乌力吉",
            "152201001001",
            id_number_for("152201", "19460315", "013"),
            "13847123456",
        ),
        ("xiaobao", "赵小宝", "152201001001", id_number_for("152201", "20180601", "024"), ""),
        (
            "hongyun",
            "单田芳",
            "152201002001",
            id_number_for("152201", "19520910", "035"),
            "13904821234",
        ),
    ]:
        world.people[key] = people_services.person_create(
            by=None, name=name, region=world.region(code), id_number=id_number, phone=phone
        )
    return world


def id_number_for(area: str, birth: str, sequence: str) -> str:
    """A well-formed 18-digit number for test people (GB 11643 check digit)."""
    body = area + birth + sequence
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def chain_of_three(world, settings) -> int:
    """A chain with three events of this test's at its end (the world's events spread over
    the chains at random on SQLite, so the longest may hold only one or two)."""
    from wushe.audit.models import AuditEvent
    from wushe.audit.services import audit_record

    settings.AUDIT_CHAINS = 1  # SQLite takes the first free head; PostgreSQL keeps to its own
    events = [audit_record(actor=None, action="test.link", object_repr=str(n)) for n in range(3)]
    assert len({e.chain for e in events}) == 1
    assert AuditEvent.objects.filter(chain=events[0].chain).count() >= 3
    return events[0].chain


@pytest.fixture
def login(client):
    """Log `client` in as a persona of the world, through the real login form's backend."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Live figures are remembered in the cache outside a transaction (wushe/stats/live.py);
    # a transactional test's flush must not leave the next test a reading of other data.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness protects real accounts; the tests build dozens of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_together(target, count: int) -> None:
    """`target(0)` … `target(count - 1)`, each on its own thread, all at once; returns when
    every one has finished (each should close its database connections)."""
    import threading

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
