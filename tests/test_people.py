"""The registry: one file per person, personal data encrypted and masked, found by what a
worker remembers, children and sensitive categories shown only to those who need them."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F

from tests.conftest import id_number_for
from wushe.audit.models import AuditEvent
from wushe.people import services
from wushe.people.models import Category, Person
from wushe.people.search import search

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {p.name for p in qs}


def test_no_plaintext_id_number_or_phone_anywhere_in_the_database(world):
    secrets = [services.id_number_of(p) for p in world.people.values()]
    secrets += [services.phone_of(p) for p in world.people.values() if p.phone_enc]
    secrets = [s for s in secrets if s]
    assert len(secrets) == 5
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump = repr(cursor.fetchall())
            found += [(table, s) for s in secrets if s in dump or s[-8:] in dump]
    assert found == []


def test_the_same_id_number_exists_once_in_the_platform(world):
    number = services.id_number_of(world.people["wuliji"])
    with pytest.raises(services.DuplicatePerson) as exc:
        services.person_create(
            by=world.users["other_station_worker"], name="乌力吉",
            region=world.region("152201002002"), id_number=number.lower(),
        )  # fmt: skip
    message = exc.value.message_dict["id_number"][0]
    assert "乌力吉" in message and "152201********013X" in message and number not in message
    assert exc.value.existing == world.people["wuliji"]


def test_id_number_fills_birth_date_and_gender(world):
    person = world.people["wuliji"]
    assert person.birth_date == date(1946, 3, 15) and person.gender == "M"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("单", {"单田芳"}),
        ("田芳", {"单田芳"}),
        ("shantianfang", {"单田芳"}),
        ("dantian", {"单田芳"}),
        ("ctf", {"单田芳"}),
        ("st", {"单田芳"}),  # the start of a reading's initials
        ("sh", {"单田芳"}),  # the start of its pinyin, too
        ("wlj", {"乌力吉"}),
        ("wl", {"乌力吉"}),
        ("w", {"乌力吉"}),
        ("zx", {"赵小宝"}),
        ("wuliji", {"乌力吉"}),
        ("赵小", {"赵小宝"}),
        ("3456", {"乌力吉"}),  # phone 138 4712 3456
        ("xyz", set()),
    ],
)
def test_county_admin_finds_people_by_fragment_pinyin_initials_and_suffix(world, query, expected):
    assert names(search(Person.objects.visible_to(world.users["county_admin"]), query)) == expected


def test_id_suffix_search(world):
    number = services.id_number_of(world.people["wuliji"])
    qs = Person.objects.visible_to(world.users["county_admin"])
    assert names(search(qs, number[-4:])) == {"乌力吉"}
    assert names(search(qs, number[-6:])) == {"乌力吉"}


def test_letters_that_could_be_pinyin_or_initials_find_both(world):
    zeng = services.person_create(by=None, name="曾华", region=world.region("152201001001"))
    zhang = services.person_create(by=None, name="张伟", region=world.region("152201001001"))
    qs = Person.objects.visible_to(world.users["county_admin"])
    # zh: 曾华's initials (zeng hua), and the start of 张伟's and 赵小宝's pinyin.
    assert {p.pk for p in search(qs, "zh")} == {zeng.pk, zhang.pk, world.people["xiaobao"].pk}
    assert {p.pk for p in search(qs, "zengh")} == {zeng.pk}
    assert {p.pk for p in search(qs, "zw")} == {zhang.pk}


@pytest.mark.parametrize(
    ("letters", "could"),
    [
        ("zh", True), ("zhangw", True), ("shanqiqige", True), ("lve", True), ("ng", True),
        ("zw", False), ("sqqg", False), ("lbte", False), ("ctf", False), ("zhangwx", False),
    ],
)  # fmt: skip
def test_which_letters_could_start_a_pinyin_spelling(letters, could):
    from wushe.people.search import could_be_pinyin

    assert could_be_pinyin(letters) is could


def test_the_migration_adds_the_initials_prefixes_of_people_already_registered(world):
    import importlib
    from types import SimpleNamespace

    from wushe.people.models import PersonSearchKey

    migration = importlib.import_module("wushe.people.migrations.0007_initials_prefix_keys")
    person = world.people["hongyun"]
    expected = set(person.search_keys.values_list("key", flat=True))
    # As 0006 left them: one initials key a reading of 单 (ctf, dtf, stf), no prefixes.
    PersonSearchKey.objects.filter(key__in=["i:ct", "i:dt", "i:st"]).delete()
    migration.add_prefixes(None, SimpleNamespace(connection=connection))
    migration.add_prefixes(None, SimpleNamespace(connection=connection))  # twice: no change
    assert set(person.search_keys.values_list("key", flat=True)) == expected
    assert {"i:ct", "i:dt", "i:st", "i:ctf"} <= expected
    assert _keys_match_their_people() == []


def test_search_respects_scope(world):
    qs = Person.objects.visible_to(world.users["station_worker"])
    assert names(search(qs, "单")) == set()
    assert names(search(qs, "wlj")) == {"乌力吉"}


def _keys_match_their_people() -> list[tuple]:
    """Search keys whose village or name is not their person's (there must be none)."""
    from wushe.people.models import PersonSearchKey

    return list(
        PersonSearchKey.objects.exclude(region_code=F("person__region_id"), name=F("person__name"))
        .values_list("person__name", "name", "region_code")
    )  # fmt: skip


def test_a_fragment_lists_people_in_the_registry_order_as_they_are_renamed_and_moved(world):
    from wushe.people import duplicates
    from wushe.regions.services import region_move

    admin = world.users["county_admin"]
    made = [
        services.person_create(by=None, name=name, region=world.region(code))
        for name, code in [
            ("张秀英", "152201002001"), ("张伟", "152201002001"), ("张伟", "152201001001"),
            ("张建国", "152201001001"), ("李张氏", "152201002001"),
        ]
    ]  # fmt: skip

    def found(query, user=admin):
        people = search(Person.objects.visible_to(user), query, user=user)
        return [(p.region_id, p.name, p.pk) for p in people]

    def in_list_order(people):
        return sorted((p.region_id, p.name, p.pk) for p in people)

    assert found("张") == in_list_order(made)
    # Initials no pinyin could start with come in the same order, from one exact key.
    assert found("zw") == in_list_order(made[1:3])
    assert found("zjg") == found("zj") == in_list_order(made[3:4])
    # The list's page and its count agree with the search.
    assert search(Person.objects.visible_to(admin), "张", user=admin).count() == len(made)
    renamed = services.person_update(by=None, person=made[1], name="王伟")
    assert renamed.pk not in [pk for *_, pk in found("张")]
    assert [pk for *_, pk in found("王伟")] == [renamed.pk]
    assert [pk for *_, pk in found("ww")] == [renamed.pk]
    assert renamed.pk not in [pk for *_, pk in found("zw")]
    request = duplicates.transfer_request(
        by=world.users["station_worker"], to_region=world.region("152201001001"),
        id_number=services.id_number_of(world.people["hongyun"]), reason="随子女迁居",
    )  # fmt: skip
    duplicates.transfer_decide(by=world.users["other_station_worker"], request=request, accept=True)
    assert [p[0] for p in found("单田芳")] == ["152201001001"]
    region_move(
        by=world.users["province_admin"], region=world.region("152201002000"),
        new_parent=world.region("152202000000"),
    )  # fmt: skip
    # The township's people are now in the other county, found there in their new villages.
    province = world.users["province_admin"]
    assert found("张", province) == in_list_order(Person.objects.filter(name__contains="张"))
    assert {code[:6] for code, *_ in found("张", province)} == {"152201", "152202"}
    assert _keys_match_their_people() == []


def test_children_are_hidden_from_volunteer_coordinators(world):
    assert names(Person.objects.visible_to(world.users["station_worker"])) == {"乌力吉", "赵小宝"}
    assert names(Person.objects.visible_to(world.users["volunteer_coordinator"])) == {"乌力吉"}


def test_list_and_page_show_masked_values(world, client):
    client.force_login(world.users["station_worker"])
    number = services.id_number_of(world.people["wuliji"])
    body = client.get("/people/").content.decode()
    assert number[:6] + "********" + number[-4:] in body and number not in body
    assert "138****3456" in body and "13847123456" not in body
    page = client.get(f"/people/{world.people['wuliji'].pk}/").content.decode()
    assert number not in page and "13847123456" not in page


def test_reveal_needs_a_reason_and_is_audited(world, client):
    person = world.people["wuliji"]
    client.force_login(world.users["station_worker"])
    body = client.post(f"/people/{person.pk}/reveal/", {"reason": ""}).content.decode()
    assert services.id_number_of(person) not in body
    body = client.post(
        f"/people/{person.pk}/reveal/", {"reason": "入户核实低保信息"}
    ).content.decode()
    assert services.id_number_of(person) in body and "13847123456" in body
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor_name == "station_worker" and event.changes["reason"] == "入户核实低保信息"


def test_volunteer_coordinator_cannot_reveal(world, client):
    client.force_login(world.users["volunteer_coordinator"])
    person = world.people["wuliji"]
    assert client.post(f"/people/{person.pk}/reveal/", {"reason": "想看"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.person_reveal(
            by=world.users["volunteer_coordinator"], person=person, reason="想看"
        )


def test_sensitive_categories_only_for_those_who_need_them(world, client):
    person = world.people["wuliji"]
    worker = world.users["station_worker"]
    services.category_add(
        by=worker, person=person, category=Category.ELDERLY_ALONE, started_on=date(2024, 1, 1)
    )
    services.category_add(
        by=worker, person=person, category=Category.DIBAO, started_on=date(2024, 3, 1)
    )
    client.force_login(world.users["volunteer_coordinator"])
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "独居老人" in page and "低保" not in page
    client.force_login(worker)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "独居老人" in page and "低保" in page


def test_categories_keep_their_history(world):
    person = world.people["wuliji"]
    entry = services.category_add(
        by=None, person=person, category=Category.DIBAO, started_on=date(2022, 1, 1)
    )
    services.category_end(by=None, entry=entry, ended_on=date(2023, 12, 31))
    services.category_add(
        by=None, person=person, category=Category.TEKUN, started_on=date(2024, 1, 1)
    )
    held = [(c.category, c.ended_on) for c in person.categories.order_by("started_on")]
    assert held == [(Category.DIBAO, date(2023, 12, 31)), (Category.TEKUN, None)]


def test_disability_needs_type_and_grade(world):
    with pytest.raises(ValidationError) as exc:
        services.category_add(
            by=None,
            person=world.people["wuliji"],
            category=Category.DISABILITY,
            started_on=date(2024, 1, 1),
        )
    assert set(exc.value.message_dict) == {"disability_type", "disability_grade"}


def test_people_are_registered_in_villages(world):
    with pytest.raises(ValidationError, match="不是村级区划"):
        services.person_create(by=None, name="某人", region=world.region("152201001000"))


def test_id_info_says_what_the_number_tells(world, client):
    client.force_login(world.users["station_worker"])
    number = id_number_for("152201", "19460315", "013")
    body = client.get("/people/id-info/", {"id_number": number}).content.decode()
    assert "1946年3月15日" in body and "男" in body and "乌兰浩特市" in body
    body = client.get("/people/id-info/", {"id_number": number[:-1] + "0"}).content.decode()
    assert "校验位不符" in body


def test_worker_registers_a_person_through_the_form(world, client):
    client.force_login(world.users["station_worker"])
    number = id_number_for("152201", "19500101", "046")
    response = client.post(
        "/people/new/",
        {
            "name": "巴特尔",
            "id_number": number,
            "region": "152201001002",
            "legal_basis": "statutory",
            "phone": "13500001111",
        },
    )
    person = Person.objects.get(name="巴特尔")
    assert response.status_code == 302 and person.birth_date == date(1950, 1, 1)
    again = client.post(
        "/people/new/",
        {
            "name": "巴特尔",
            "id_number": number,
            "region": "152201001002",
            "legal_basis": "statutory",
        },
    ).content.decode()
    assert "此身份证号已登记" in again and Person.objects.filter(name="巴特尔").count() == 1


def test_withdrawn_consent_erases_what_was_collected_under_it(world, client):
    worker = world.users["station_worker"]
    person = services.person_create(
        by=worker, name="格日乐", region=world.region("152201001002"),
        id_number=id_number_for("152201", "19800808", "028"), phone="13912345678",
        legal_basis="consent",
    )  # fmt: skip
    client.force_login(worker)
    client.post(f"/people/{person.pk}/consent/withdraw/", {"note": "本人来电撤回"})
    person.refresh_from_db()
    assert person.consent_withdrawn_at is not None
    assert (person.id_number_enc, person.phone_enc, person.id_number_index) == ("", "", None)
    assert not search(Person.objects.visible_to(worker), "5678").filter(pk=person.pk).exists()
    assert "已于" in client.get(f"/people/{person.pk}/").content.decode()
    with pytest.raises(ValidationError, match="不能再采集"):
        services.person_update(by=worker, person=person, phone="13912345678")
    with pytest.raises(ValidationError, match="履行法定职责"):
        services.consent_withdraw(by=worker, person=world.people["wuliji"])
