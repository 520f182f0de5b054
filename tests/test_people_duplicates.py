"""One person, one file: transfers for exact duplicates, human decisions for fuzzy ones."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from wushe.audit.models import AuditEvent
from wushe.people import duplicates, services
from wushe.people.models import Category, DuplicateDecision, Person, TransferRequest

pytestmark = pytest.mark.django_db


def test_another_station_asks_for_a_transfer_and_the_owner_accepts(world, client):
    hongyun = world.people["hongyun"]  # 单田芳, registered in 红云社区 (和平街道)
    number = services.id_number_of(hongyun)
    client.force_login(world.users["station_worker"])  # 爱国街道
    body = client.post(
        "/people/new/", {"name": "单田芳", "id_number": number, "region": "152201001002",
                         "legal_basis": "statutory"},
    ).content.decode()  # fmt: skip
    assert "此身份证号已登记" in body and "申请转移" in body
    client.post(
        "/people/transfers/new/",
        {"id_number": number, "to_region": "152201001002", "reason": "已搬到春阳社区居住"},
    )
    request = TransferRequest.objects.get(person=hongyun)
    assert request.status == "pending"
    assert client.get(f"/people/{hongyun.pk}/").status_code == 404  # not ours until accepted

    client.force_login(world.users["other_station_worker"])
    assert "已搬到春阳社区居住" in client.get("/people/transfers/").content.decode()
    client.post(f"/people/transfers/{request.pk}/decide/", {"decision": "accept", "note": "同意"})
    hongyun.refresh_from_db()
    assert hongyun.region_id == "152201001002"
    client.force_login(world.users["station_worker"])
    assert client.get(f"/people/{hongyun.pk}/").status_code == 200
    assert Person.objects.filter(name="单田芳").count() == 1
    assert AuditEvent.objects.filter(action="person.transfer_accepted").exists()


def test_the_requesting_station_cannot_decide_its_own_request(world):
    request = duplicates.transfer_request(
        by=world.users["station_worker"], id_number=services.id_number_of(world.people["hongyun"]),
        to_region=world.region("152201001002"), reason="已搬迁",
    )  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied, whatever its message
        duplicates.transfer_decide(by=world.users["station_worker"], request=request, accept=True)


def test_fuzzy_candidates_are_proposed_until_decided(world):
    worker = world.users["station_worker"]
    twin = services.person_create(
        by=worker, name="乌力吉", region=world.region("152201001002"),
        birth_date=date(1946, 3, 15), gender="M",
    )  # fmt: skip
    same_phone = services.person_create(
        by=worker, name="吴丽洁", region=world.region("152201001002"), phone="13847123456"
    )
    people = Person.objects.visible_to(worker, "change")
    found = {(c.first.pk, c.second.pk): c.reason for c in duplicates.candidates(people)}
    wuliji = world.people["wuliji"].pk
    assert found[tuple(sorted((wuliji, twin.pk)))] == "姓名拼音与出生日期相同"
    assert found[tuple(sorted((wuliji, same_phone.pk)))] == "联系电话相同"

    duplicates.duplicate_decide(by=worker, first=twin, second=world.people["wuliji"], same=True)
    duplicates.duplicate_decide(
        by=worker, first=same_phone, second=world.people["wuliji"], same=False
    )
    assert duplicates.candidates(Person.objects.visible_to(worker, "change")) == []
    assert duplicates.linked_to(twin) == [wuliji]
    assert Person.objects.filter(pk__in=[twin.pk, wuliji]).count() == 2  # linked, not merged
    assert DuplicateDecision.objects.count() == 2


def test_duplicate_page_shows_candidates_in_scope(world, client):
    services.person_create(
        by=None, name="乌力吉", region=world.region("152201001002"), birth_date=date(1946, 3, 15)
    )
    client.force_login(world.users["station_worker"])
    assert "姓名拼音与出生日期相同" in client.get("/people/duplicates/").content.decode()
    client.force_login(world.users["other_station_worker"])
    assert "乌力吉" not in client.get("/people/duplicates/").content.decode()


def test_household_page_lists_visible_members(world, client):
    from wushe.people.models import Household

    household = Household.objects.create(
        region=world.region("152201001001"), address="万佳小区3号楼"
    )
    Person.objects.filter(pk__in=[world.people["wuliji"].pk, world.people["xiaobao"].pk]).update(
        household=household
    )
    client.force_login(world.users["station_worker"])
    body = client.get(f"/people/households/{household.pk}/").content.decode()
    assert "乌力吉" in body and "赵小宝" in body
    client.force_login(world.users["volunteer_coordinator"])
    body = client.get(f"/people/households/{household.pk}/").content.decode()
    assert "乌力吉" in body and "赵小宝" not in body


def test_the_category_filter_does_not_reveal_sensitive_categories(world, client):
    services.category_add(
        by=None, person=world.people["wuliji"], category=Category.DIBAO, started_on=date(2024, 1, 1)
    )
    client.force_login(world.users["volunteer_coordinator"])
    assert "乌力吉" not in client.get("/people/", {"category": "dibao"}).content.decode()
    client.force_login(world.users["station_worker"])
    assert "乌力吉" in client.get("/people/", {"category": "dibao"}).content.decode()


def test_updates_are_validated_like_creates_and_endings_are_final(world):
    with pytest.raises(ValidationError, match="请填写姓名"):
        services.person_update(by=None, person=world.people["wuliji"], name="  ")
    entry = services.category_add(
        by=None, person=world.people["wuliji"], category=Category.DIBAO,
        started_on=date(2024, 1, 1), ended_on=date(2030, 12, 31),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="已是"):
        services.category_add(
            by=None,
            person=world.people["wuliji"],
            category=Category.DIBAO,
            started_on=date(2025, 1, 1),
        )
    services.category_end(by=None, entry=entry, ended_on=date(2025, 6, 30))
    with pytest.raises(ValidationError, match="已于 2025-06-30 结束"):
        services.category_end(by=None, entry=entry, ended_on=date(2025, 7, 31))
