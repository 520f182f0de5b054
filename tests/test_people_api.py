"""The registry over the API, told with the world's personas: masked by default, revealed for
a reason, one file per ID number, children and sensitive categories for those who need them."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.conftest import id_number_for
from tests.test_api import API, as_persona, bearer, patch_json, post_json
from wushe.accounts import services as account_services
from wushe.audit.models import AuditEvent
from wushe.people import services
from wushe.people.models import Category, Person

pytestmark = pytest.mark.django_db


def names(items: list[dict]) -> set[str]:
    return {item["name"] for item in items}


def secrets_of(world) -> list[str]:
    """Every plaintext ID number and phone in the world."""
    values = [services.id_number_of(p) for p in world.people.values()]
    values += [services.phone_of(p) for p in world.people.values()]
    return [v for v in values if v]


def give_wuliji_categories(world) -> None:
    """乌力吉 lives alone (not sensitive) and receives 低保 (sensitive: assistance)."""
    person, worker = world.people["wuliji"], world.users["station_worker"]
    services.category_add(
        by=worker, person=person, category=Category.ELDERLY_ALONE, started_on=date(2024, 1, 1)
    )
    services.category_add(
        by=worker, person=person, category=Category.DIBAO, started_on=date(2024, 3, 1)
    )


# --- masked by default --------------------------------------------------------------------


def test_list_and_detail_show_masked_numbers_and_never_the_plaintext(world):
    client = as_persona(world, "county_admin")
    number = services.id_number_of(world.people["wuliji"])
    listing = client.get(f"{API}/people")
    assert listing.status_code == 200
    by_name = {item["name"]: item for item in listing.json()["items"]}
    assert set(by_name) == {"乌力吉", "赵小宝", "单田芳"}
    wuliji = by_name["乌力吉"]
    assert wuliji["id_number"] == number[:6] + "********" + number[-4:]
    assert wuliji["phone"] == "138****3456"
    assert (wuliji["gender"], wuliji["birth_date"]) == ("M", "1946-03-15")
    assert (wuliji["region_code"], wuliji["region_name"]) == ("152201001001", "万佳社区居委会")
    assert wuliji["legal_basis"] == "statutory" and wuliji["household_id"] is None
    assert by_name["赵小宝"]["phone"] == ""

    bodies = [listing.content.decode()]
    bodies += [client.get(f"{API}/people/{p.pk}").content.decode() for p in world.people.values()]
    leaked = [(s, n) for s in secrets_of(world) for n, body in enumerate(bodies) if s in body]
    assert leaked == []

    detail = client.get(f"{API}/people/{world.people['hongyun'].pk}").json()
    assert detail["name"] == "单田芳" and detail["phone"] == "139****1234"
    assert detail["region_name"] == "红云社区居委会" and detail["categories"] == []


def test_search_by_pinyin_initials_and_phone_suffix(world):
    client = as_persona(world, "county_admin")

    def found(**params) -> set[str]:
        return names(client.get(f"{API}/people", params).json()["items"])

    assert found(q="ctf") == {"单田芳"}, "单 read as chan"
    assert found(q="shantianfang") == {"单田芳"}
    assert found(q="wlj") == {"乌力吉"}
    assert found(q="赵小") == {"赵小宝"}
    assert found(q="3456") == {"乌力吉"}, "last four of 138 4712 3456"
    assert found(q="xyz") == set()
    assert found(q="wlj", region="152201002000") == set(), "乌力吉 lives in 爱国街道"


def test_station_worker_region_filter_outside_scope_is_404(world):
    client = as_persona(world, "station_worker")
    response = client.get(f"{API}/people", {"region": "152201002001"})
    assert response.status_code == 404 and "单田芳" not in response.content.decode()
    assert names(client.get(f"{API}/people").json()["items"]) == {"乌力吉", "赵小宝"}
    village = client.get(f"{API}/people", {"region": "152201001001"}).json()["items"]
    assert names(village) == {"乌力吉", "赵小宝"}
    assert client.get(f"{API}/people/{world.people['hongyun'].pk}").status_code == 404
    outsider = as_persona(world, "outsider")
    assert outsider.get(f"{API}/people", {"region": "152201000000"}).status_code == 404
    assert outsider.get(f"{API}/people").json() == {"items": [], "next_after": None}


# --- children and sensitive categories ----------------------------------------------------


def test_child_is_invisible_to_volunteer_coordinator_but_not_to_station_worker(world):
    xiaobao = world.people["xiaobao"]
    coordinator = as_persona(world, "volunteer_coordinator")
    listing = coordinator.get(f"{API}/people")
    assert names(listing.json()["items"]) == {"乌力吉"}
    assert "赵小宝" not in listing.content.decode()
    assert coordinator.get(f"{API}/people", {"q": "赵小"}).json()["items"] == []
    hidden = coordinator.get(f"{API}/people/{xiaobao.pk}")
    assert hidden.status_code == 404 and "赵小宝" not in hidden.content.decode()

    worker = as_persona(world, "station_worker")
    detail = worker.get(f"{API}/people/{xiaobao.pk}").json()
    assert detail["name"] == "赵小宝" and detail["birth_date"] == "2018-06-01"


def test_sensitive_categories_are_hidden_from_volunteer_coordinator(world):
    give_wuliji_categories(world)
    wuliji = world.people["wuliji"]
    coordinator = as_persona(world, "volunteer_coordinator")
    [item] = coordinator.get(f"{API}/people").json()["items"]
    assert [c["category"] for c in item["categories"]] == ["elderly_alone"]
    detail = coordinator.get(f"{API}/people/{wuliji.pk}")
    assert [c["category_label"] for c in detail.json()["categories"]] == ["独居老人"]
    assert "低保" not in detail.content.decode() and "dibao" not in detail.content.decode()
    # Filtering by a category one may not see would tell who holds it.
    assert coordinator.get(f"{API}/people", {"category": "dibao"}).json()["items"] == []
    alone = coordinator.get(f"{API}/people", {"category": "elderly_alone"}).json()["items"]
    assert names(alone) == {"乌力吉"}

    worker = as_persona(world, "station_worker")
    detail = worker.get(f"{API}/people/{wuliji.pk}").json()
    assert [c["category_label"] for c in detail["categories"]] == ["独居老人", "低保"]
    assert names(worker.get(f"{API}/people", {"category": "dibao"}).json()["items"]) == {"乌力吉"}


# --- writes -------------------------------------------------------------------------------


def test_station_worker_registers_a_person_whose_number_fills_birth_and_gender(world):
    client = as_persona(world, "station_worker")
    number = id_number_for("152201", "19500101", "045")  # 17th digit odd: a man
    response = post_json(
        client, "/people",
        {"name": "巴特尔", "id_number": number, "phone": "13500001111",
         "region_code": "152201001002", "ethnicity": "蒙古族", "gender": "F",
         "legal_basis": "consent"},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["id_number"] == number[:6] + "********" + number[-4:]
    assert body["phone"] == "135****1111" and number not in response.content.decode()
    assert (body["birth_date"], body["gender"]) == ("1950-01-01", "M"), "the number decides"
    assert body["legal_basis"] == "consent" and body["region_name"] == "春阳社区居委会"
    person = Person.objects.get(pk=body["id"])
    assert services.id_number_of(person) == number
    event = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert event.actor_name == "station_worker" and number not in str(event.changes)


def test_duplicate_id_number_is_409_naming_the_existing_person_masked(world):
    wuliji = world.people["wuliji"]
    number = services.id_number_of(wuliji)
    client = as_persona(world, "other_station_worker")
    response = post_json(
        client, "/people",
        {"name": "乌力吉", "id_number": number.lower(), "region_code": "152201002002"},
    )  # fmt: skip
    assert response.status_code == 409
    body = response.json()
    assert body["existing"] == {
        "id": wuliji.pk, "name": "乌力吉", "id_number": "152201********013X",
        "region_code": "152201001001", "region_name": "万佳社区居委会",
    }  # fmt: skip
    assert "此身份证号已登记" in body["detail"] and "申请转移" in body["detail"]
    assert number not in response.content.decode()
    assert Person.objects.filter(name="乌力吉").count() == 1


def test_invalid_registrations_are_422_naming_the_field(world):
    client = as_persona(world, "station_worker")
    township = post_json(client, "/people", {"name": "某人", "region_code": "152201001000"})
    assert township.status_code == 422
    assert [e["field"] for e in township.json()["detail"]] == ["region_code"]
    bad_number = post_json(
        client, "/people",
        {"name": "某人", "region_code": "152201001002",
         "id_number": id_number_for("152201", "19500101", "046")[:-1] + "0"},
    )  # fmt: skip
    assert bad_number.status_code == 422
    [error] = bad_number.json()["detail"]
    assert error["field"] == "id_number" and "校验位不符" in error["message"]
    outside = post_json(client, "/people", {"name": "某人", "region_code": "152201002001"})
    assert outside.status_code == 422 and outside.json()["detail"][0]["field"] == "region_code"
    typo = post_json(client, "/people", {"name": "某人", "region_code": "152201001002", "x": 1})
    assert typo.status_code == 422 and typo.json()["detail"][0]["field"] == "x"
    assert not Person.objects.filter(name="某人").exists()


def test_volunteer_coordinator_cannot_register_or_edit(world):
    client = as_persona(world, "volunteer_coordinator")
    created = post_json(client, "/people", {"name": "某人", "region_code": "152201001001"})
    assert created.status_code == 403
    wuliji = world.people["wuliji"]
    assert patch_json(client, f"/people/{wuliji.pk}", {"address": "别处"}).status_code == 403
    wuliji.refresh_from_db()
    assert wuliji.address == "" and not Person.objects.filter(name="某人").exists()


def test_station_worker_edits_a_person_and_the_change_is_audited_masked(world):
    wuliji = world.people["wuliji"]
    client = as_persona(world, "station_worker")
    response = patch_json(
        client, f"/people/{wuliji.pk}", {"address": "万佳社区 3 号楼", "phone": "13512345678"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["address"] == "万佳社区 3 号楼" and body["phone"] == "135****5678"
    assert body["name"] == "乌力吉", "fields not sent stay as they were"
    assert "13512345678" not in response.content.decode()
    event = AuditEvent.objects.get(action="person.update", object_id=str(wuliji.pk))
    assert event.changes["phone"] == ["138****3456", "135****5678"]
    moved = patch_json(client, f"/people/{wuliji.pk}", {"region_code": "152201001002"})
    assert moved.status_code == 422 and moved.json()["detail"][0]["field"] == "region_code"
    other = as_persona(world, "other_station_worker")
    assert patch_json(other, f"/people/{wuliji.pk}", {"address": "x"}).status_code == 404


def test_changing_to_a_registered_number_is_409(world):
    client = as_persona(world, "county_admin")
    number = services.id_number_of(world.people["wuliji"])
    hongyun = world.people["hongyun"]
    response = patch_json(client, f"/people/{hongyun.pk}", {"id_number": number})
    assert response.status_code == 403, "oversight roles read, they do not edit"
    client = as_persona(world, "center_manager")
    response = patch_json(client, f"/people/{hongyun.pk}", {"id_number": number})
    assert response.status_code == 409
    assert response.json()["existing"]["id"] == world.people["wuliji"].pk
    assert number not in response.content.decode()
    assert services.id_number_of(Person.objects.get(pk=hongyun.pk)) != number


# --- reveal -------------------------------------------------------------------------------


def test_reveal_needs_the_right_and_a_reason_and_is_audited(world):
    wuliji = world.people["wuliji"]
    number = services.id_number_of(wuliji)
    url = f"/people/{wuliji.pk}/reveal"
    coordinator = as_persona(world, "volunteer_coordinator")
    assert post_json(coordinator, url, {"reason": "入户走访"}).status_code == 403
    other = as_persona(world, "other_station_worker")
    assert post_json(other, url, {"reason": "核实"}).status_code == 404

    worker = as_persona(world, "station_worker")
    missing = post_json(worker, url, {})
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "reason"
    blank = post_json(worker, url, {"reason": " "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["field"] == "reason"
    assert not AuditEvent.objects.filter(action="person.reveal").exists()

    response = post_json(worker, url, {"reason": "入户核实低保信息"})
    assert response.status_code == 200
    assert response.json() == {"id_number": number, "phone": "13847123456"}
    assert response["Cache-Control"] == "no-store"
    [event] = AuditEvent.objects.filter(action="person.reveal")
    assert event.actor_name == "station_worker" and event.object_id == str(wuliji.pk)
    assert event.changes == {"reason": "入户核实低保信息", "fields": ["id_number", "phone"]}


# --- categories ---------------------------------------------------------------------------


def test_categories_are_added_and_ended_keeping_their_history(world):
    wuliji = world.people["wuliji"]
    client = as_persona(world, "station_worker")
    url = f"/people/{wuliji.pk}/categories"
    refused = post_json(client, url, {"category": "disability", "started_on": "2024-01-01"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["detail"]} == {"disability_type", "disability_grade"}

    added = post_json(client, url, {"category": "dibao", "started_on": "2022-01-01"})
    assert added.status_code == 201
    assert added.json()["category_label"] == "低保" and added.json()["is_current"] is True
    again = post_json(client, url, {"category": "dibao", "started_on": "2022-02-01"})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "category"

    end_url = f"{url}/{added.json()['id']}/end"
    early = post_json(client, end_url, {"ended_on": "2021-12-31"})
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "ended_on"
    ended = post_json(client, end_url, {"ended_on": "2023-12-31"})
    assert ended.status_code == 200 and ended.json()["is_current"] is False
    post_json(client, url, {"category": "tekun", "started_on": "2024-01-01"})

    detail = client.get(f"{API}/people/{wuliji.pk}").json()
    assert [(c["category"], c["ended_on"]) for c in detail["categories"]] == [
        ("tekun", None), ("dibao", "2023-12-31"),
    ]  # fmt: skip
    [item] = client.get(f"{API}/people", {"q": "wlj"}).json()["items"]
    assert [c["category"] for c in item["categories"]] == ["tekun"], "the list shows current"
    trail = AuditEvent.objects.filter(object_id=str(wuliji.pk), action__startswith="person.cat")
    assert [e.action for e in trail.order_by("id")] == [
        "person.category_add", "person.category_end", "person.category_add",
    ]  # fmt: skip


def test_categories_out_of_sight_cannot_be_ended(world):
    give_wuliji_categories(world)
    wuliji = world.people["wuliji"]
    dibao = wuliji.categories.get(category=Category.DIBAO)
    hongyun_entry = services.category_add(
        by=None, person=world.people["hongyun"], category=Category.TEKUN,
        started_on=date(2024, 1, 1),
    )  # fmt: skip
    coordinator = as_persona(world, "volunteer_coordinator")
    end = {"ended_on": "2024-12-31"}
    hidden = post_json(coordinator, f"/people/{wuliji.pk}/categories/{dibao.pk}/end", end)
    assert hidden.status_code == 404
    worker = as_persona(world, "station_worker")
    # Another person's entry under this person's URL is not found either.
    response = post_json(worker, f"/people/{wuliji.pk}/categories/{hongyun_entry.pk}/end", end)
    assert response.status_code == 404
    hongyun_entry.refresh_from_db()
    dibao.refresh_from_db()
    assert hongyun_entry.ended_on is None and dibao.ended_on is None


# --- tokens and pages ---------------------------------------------------------------------


def test_token_auth_reads_masked_and_reveals_without_csrf(world):
    _token, plaintext = account_services.api_token_create(
        by=world.users["station_worker"], name="入户采集 App"
    )
    script = bearer(plaintext)
    listing = script.get(f"{API}/people")
    assert listing.status_code == 200 and names(listing.json()["items"]) == {"乌力吉", "赵小宝"}
    assert "13847123456" not in listing.content.decode()
    wuliji = world.people["wuliji"]
    response = script.post(
        f"{API}/people/{wuliji.pk}/reveal", {"reason": "电话回访"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["phone"] == "13847123456"
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor_name == "station_worker"
    assert Client().get(f"{API}/people").status_code == 401


def test_keyset_pages_walk_every_person_once(world):
    for n in range(1, 9):
        services.person_create(
            by=None, name=f"春阳居民{n}", region=world.region("152201001002"),
            id_number=id_number_for("152201", f"1960010{n}", "051"),
        )  # fmt: skip
    client = as_persona(world, "station_worker")
    expected = set(
        Person.objects.visible_to(world.users["station_worker"]).values_list("pk", flat=True)
    )
    assert len(expected) == 10

    seen: list[int] = []
    after = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"after": after} if after else {})
        body = client.get(f"{API}/people", params).json()
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["next_after"]
        if after is None:
            break
        assert after == seen[-1]
    assert pages == 4
    assert seen == sorted(expected), "every person once, in id order"
    assert client.get(f"{API}/people", {"limit": 201}).status_code == 422
