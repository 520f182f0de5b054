"""`wushe demo`: the 兴安盟 network it builds, once, and a login for every role.

The demo loads province 15's regions and writes ~2,000 records through the services, so it is
built once for this module inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import override_settings

from wushe.accounts.models import RoleAssignment, User
from wushe.accounts.permissions import Role, roles_of
from wushe.audit.models import AuditEvent
from wushe.core.demo import LEAGUE, LOGINS, PASSWORD, build_demo, plan_demo, village_short_name
from wushe.network.coverage import coverage_for
from wushe.network.models import (
    TIER_REGION_LEVEL,
    Certificate,
    Platform,
    Post,
    Posting,
    Status,
    Tier,
    Worker,
)
from wushe.regions.models import Region

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        yield build_demo()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Platform, Worker, Posting, User, RoleAssignment, AuditEvent)
    }


def test_second_run_writes_nothing_and_plans_the_same_network(demo, db):
    assert not demo.already_present and demo.created["platforms"] > 500
    before = _counts()
    again = build_demo()
    assert again.already_present
    assert _counts() == before
    lo, hi = Region.objects.get(code=LEAGUE).code_range
    rows = list(
        Region.objects.filter(code__gte=lo, code__lte=hi, level__gte=3).values_list(
            "code", "name", "level"
        )
    )
    plan = plan_demo(rows)
    assert plan == plan_demo(list(reversed(rows)))
    built = set(Platform.objects.values_list("tier", "region_id", "name"))
    assert built == {(p.tier, p.region_code, p.name) for p in plan}


def test_ulanhot_is_fully_covered_and_the_banners_fall_short(demo, db):
    rates = {
        code: coverage_for(Region.objects.get(code=code)).station_rate
        for code in ("152201000000", "152202000000", "152221000000", "152222000000",
                     "152223000000", "152224000000")
    }  # fmt: skip
    assert rates.pop("152201000000") == 1.0
    short = [rate for rate in rates.values() if rate < 1.0]
    assert len(short) >= 2 and all(0.7 <= rate < 1.0 for rate in short)
    league = coverage_for(Region.objects.get(code=LEAGUE))
    assert 0.3 <= league.room_rate <= 0.6 and league.centers == 6


def test_every_role_has_a_login_with_the_printed_password(demo, db):
    assert {spec.role for spec in LOGINS} == set(Role.values)
    for spec in LOGINS:
        user = authenticate(username=spec.username, password=PASSWORD)
        assert user is not None, spec.username
        assert roles_of(user) == {spec.role}
    head = User.objects.get(username="station_head").worker
    current = Posting.objects.current().filter(worker=head).get()
    assert (current.post, current.platform.name) == (Post.HEAD, "爱国街道社工站")
    assert User.objects.get(username="station_worker").worker.postings.get().post == (
        Post.RESIDENT_WORKER
    )


def test_room_names_drop_the_committee():
    assert village_short_name("万佳社区居委会") == "万佳社区"
    assert village_short_name("红星村委会") == "红星村"
    assert village_short_name("兴盛村村民委员会") == "兴盛村"
    assert village_short_name("三河嘎查人民委员会") == "三河嘎查"
    assert village_short_name("赛罕居民委员会") == "赛罕社区"
    assert village_short_name("跃进马场一队居民委员会") == "跃进马场一队"
    assert village_short_name("联兴嘎查") == "联兴嘎查"


def test_platforms_sit_at_their_tier_level_with_realistic_names_and_staff(demo, db):
    for tier, level, name in Platform.objects.values_list("tier", "region__level", "name"):
        assert level == TIER_REGION_LEVEL[Tier(tier)], name
        assert "委员会" not in name and "委会" not in name
    assert Platform.objects.filter(tier=Tier.ROOM, name__endswith="社区社工室").exists()
    assert Platform.objects.filter(name="爱国街道社工站").exists()
    assert Platform.objects.filter(name="科尔沁镇社会工作服务站").exists()
    for station in Platform.objects.filter(tier=Tier.STATION, status=Status.ACTIVE):
        posts = list(
            Posting.objects.current().filter(platform=station).values_list("post", flat=True)
        )
        assert posts.count(Post.HEAD) == 1 and posts.count(Post.RESIDENT_WORKER) >= 2, station
    workers = Worker.objects.all()
    certified = workers.exclude(certificate=Certificate.NONE).count() / workers.count()
    assert 0.35 <= certified <= 0.55
    assert workers.filter(name__contains="其其格").exists()
    assert Posting.objects.filter(ended_on__isnull=False).count() >= 10


def test_the_demo_station_has_a_registry_of_households_and_categories(demo, db):
    from wushe.people.models import Household, Person, PersonCategory
    from wushe.people.services import id_number_of

    worker = User.objects.get(username="station_worker")
    people = Person.objects.visible_to(worker)
    assert people.count() > 60  # 爱国街道: 4 communities × 8 households
    assert people.filter(birth_date__year__gte=2010).exists()  # children, for the child roles
    assert Household.objects.filter(members__in=people).distinct().count() > 20
    held = set(PersonCategory.objects.filter(person__in=people).values_list("category", flat=True))
    assert {"elderly_alone", "dibao"} <= held
    assert all(len(id_number_of(p)) == 18 for p in people[:20])


def test_demo_station_worker_has_an_import_and_a_sample_roster_with_mistakes(demo, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wushe.core.demo.roster import IMPORTED_NAME
    from wushe.people import imports
    from wushe.people.models import ImportBatch

    worker = User.objects.get(username="station_worker")
    done = ImportBatch.objects.get(created_by=worker, file_name=IMPORTED_NAME)
    assert (done.status, done.rows_created) == (ImportBatch.Status.DONE, 24)
    assert demo.sample_roster is not None and demo.sample_roster.exists()
    upload = SimpleUploadedFile(demo.sample_roster.name, demo.sample_roster.read_bytes())
    batch = imports.import_preview(by=worker, file=upload)
    counts = (batch.rows_total, batch.rows_failed, batch.rows_unchanged, batch.rows_conflict)
    assert counts == (42, 4, 1, 1)
    problems = imports.import_problems(by=worker, batch=batch)
    assert {p["column"] for p in problems if p["kind"] == "error"} == {
        "身份证号", "所在村（社区）区划代码", "姓名",
    }  # fmt: skip
    assert [p["row"] for p in problems if p["kind"] == "conflict"] == [43]


def test_demo_stations_publish_item_lists_with_local_items_of_their_own_region(demo, db):
    from wushe.catalog.models import ServiceItem

    stations = Platform.objects.filter(tier=Tier.STATION, region__code__startswith="1522")
    assert stations.exists() and not stations.filter(items=None).exists()
    local = set(ServiceItem.objects.exclude(region=None).values_list("name", flat=True))
    assert {"民族团结进步宣传", "牧区流动救助服务"} <= local
    for station in stations:
        for item in station.items.exclude(region=None):  # a county's items stay in it
            assert item in ServiceItem.objects.for_region(station.region_id), (station, item)


def test_the_demos_daily_work_is_counted_exactly(demo, db):
    from wushe.casework.models import Case, CaseStatus, Referral, Visit
    from wushe.stats import indicators
    from wushe.stats.query import Period
    from wushe.stats.verify import stats_verify

    assert Visit.objects.filter(region__code__startswith="152201001").count() > 20
    stages = set(Case.objects.values_list("status", flat=True))
    assert {CaseStatus.INTAKE, CaseStatus.INTERVENTION, CaseStatus.CLOSING,
            CaseStatus.CLOSED} <= stages  # fmt: skip
    assert Referral.objects.filter(status="requested", to_platform__tier=1).exists()
    assert stats_verify(Region.objects.get(code="152201000000")) == []
    county = Region.objects.get(code="152201000000")
    year = Period.year(Visit.objects.latest("visited_at").visited_at.year)
    found = indicators.evaluate([indicators.get("people_registered")], [county], year)
    assert found[("people_registered", county.code)] > 100
