"""The service catalogue: the standard's five domains and their items for everyone, a county's
own items ("6+X") for its stations only, and each station's 服务事项清单 — told with 张明
(county administrator of 乌兰浩特市) and 陈志强 (head of 爱国街道社工站)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.test_api import API, as_persona
from wushe.audit.models import AuditEvent
from wushe.catalog import services
from wushe.catalog.items import ITEMS
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.network.services import platform_items_set

pytestmark = pytest.mark.django_db


def local_item(world, name: str = "民族团结进步宣传", county: str = "152201000000"):
    return services.item_create(
        by=world.users["county_admin"] if county == "152201000000" else None,
        region=world.region(county), domain=ServiceDomain.objects.get(code="community_development"),
        name=name, description="面向各族群众的政策与文化宣传",
    )  # fmt: skip


def names(items) -> set[str]:
    return {item.name for item in items}


def test_the_standard_items_are_shipped_for_every_region(world):
    standard = ServiceItem.objects.filter(region=None)
    assert standard.count() == len(ITEMS) == 19
    assert set(standard.values_list("domain__code", flat=True)) == set(
        ServiceDomain.objects.values_list("code", flat=True)
    )
    elderly = standard.filter(domain__code="elderly").values_list("name", flat=True)
    assert list(elderly) == ["入户走访", "物质救助", "生活照料", "家庭辅导", "精神慰藉",
                             "社会支持网络建设"]  # fmt: skip
    assert ServiceItem.objects.for_region("110101001000").count() == 19


def test_a_county_item_is_offered_only_by_its_own_stations(world):
    item = local_item(world)
    assert item in ServiceItem.objects.for_region("152201001000")
    assert item not in ServiceItem.objects.for_region("152202001000")
    station, elsewhere = world.platforms["station_a"], world.platforms["station_c"]
    platform_items_set(by=world.users["station_head"], platform=station, items=[item])
    assert list(station.items.all()) == [item]
    with pytest.raises(ValidationError, match="不适用于"):
        platform_items_set(by=None, platform=elsewhere, items=[item])
    event = AuditEvent.objects.get(action="platform.items")
    assert event.changes["items"] == [[], [item.code]] and event.actor_name == "station_head"


def test_only_civil_affairs_adds_items_at_county_level_or_above_without_repeats(world):
    domain = ServiceDomain.objects.get(code="elderly")
    with pytest.raises(PermissionDenied):
        services.item_create(
            by=world.users["station_head"], region=world.region("152201000000"), domain=domain,
            name="助浴",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.item_create(
            by=world.users["county_admin"], region=world.region("152202000000"), domain=domain,
            name="助浴",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="省、市、县三级"):
        services.item_create(
            by=world.users["county_admin"], region=world.region("152201001000"), domain=domain,
            name="助浴",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="已有事项“入户走访”"):
        services.item_create(
            by=world.users["county_admin"], region=world.region("152201000000"), domain=domain,
            name="入户走访",
        )  # fmt: skip
    city = services.item_create(
        by=world.users["city_admin"], region=world.region("152200000000"), domain=domain,
        name="助浴",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="兴安盟"):
        services.item_create(
            by=world.users["county_admin"], region=world.region("152201000000"), domain=domain,
            name="助浴",
        )  # fmt: skip
    assert city in ServiceItem.objects.for_region("152202001000")


def test_local_items_are_seen_above_and_below_their_region_only(world):
    item = local_item(world)
    for persona in ("station_worker", "county_admin", "city_admin", "province_admin"):
        assert item in ServiceItem.objects.visible_to(world.users[persona]), persona
    for persona in ("outsider", "sysadmin"):
        assert item not in ServiceItem.objects.visible_to(world.users[persona]), persona
    assert ServiceItem.objects.visible_to(world.users["outsider"]).count() == 19


def test_county_admin_adds_an_item_and_the_station_head_publishes_it_through_the_pages(
    world, client
):
    client.force_login(world.users["county_admin"])
    domain = ServiceDomain.objects.get(code="community_development")
    response = client.post("/catalog/", {
        "region": "152201000000", "domain": domain.pk, "name": "民族团结进步宣传",
        "description": "",
    })  # fmt: skip
    assert response.status_code == 302
    item = ServiceItem.objects.get(name="民族团结进步宣传")
    assert "民族团结进步宣传" in client.get("/catalog/").content.decode()

    station = world.platforms["station_a"]
    client.force_login(world.users["station_head"])
    form = client.get(f"/network/platforms/{station.pk}/items/").content.decode()
    assert "民族团结进步宣传" in form and "入户走访" in form
    visit = ServiceItem.objects.get(code="elderly.home_visit")
    client.post(f"/network/platforms/{station.pk}/items/", {"items": [item.pk, visit.pk]})
    page = client.get(f"/network/platforms/{station.pk}/").content.decode()
    listed = page[page.index('id="service-items"') :]
    assert "民族团结进步宣传" in listed and "老年社会工作服务" in listed

    client.force_login(world.users["station_worker"])  # may see, may not change
    assert client.get(f"/network/platforms/{station.pk}/items/").status_code == 403
    assert client.post("/catalog/", {"name": "x"}).status_code == 403


def test_the_catalogue_over_the_api(world):
    admin, head = as_persona(world, "county_admin"), as_persona(world, "station_head")
    domain = "community_development"
    created = admin.post(
        f"{API}/catalog/items",
        {"region_code": "152201000000", "domain_code": domain, "name": "民族团结进步宣传"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["region_name"] == "乌兰浩特市"
    bad = admin.post(
        f"{API}/catalog/items", {"region_code": "152201000000", "domain_code": "x", "name": "y"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "domain_code"

    offered = head.get(f"{API}/catalog/items?region=152201001000").json()
    assert len(offered) == 20 and "民族团结进步宣传" in {i["name"] for i in offered}
    station = world.platforms["station_a"]
    ids = [created.json()["id"], ServiceItem.objects.get(code="children.protection").pk]
    put = head.put(
        f"{API}/platforms/{station.pk}/items", {"item_ids": ids}, content_type="application/json"
    )
    assert put.status_code == 200 and {i["id"] for i in put.json()} == set(ids)
    assert {i["id"] for i in head.get(f"{API}/platforms/{station.pk}/items").json()} == set(ids)
    missing = head.put(
        f"{API}/platforms/{station.pk}/items", {"item_ids": [999999]},
        content_type="application/json",
    )  # fmt: skip
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "item_ids"
    worker = as_persona(world, "station_worker")
    refused = worker.put(
        f"{API}/platforms/{station.pk}/items", {"item_ids": []}, content_type="application/json"
    )
    assert refused.status_code == 403
    outsider = as_persona(world, "outsider")
    assert outsider.get(f"{API}/platforms/{station.pk}/items").status_code == 404
    assert all(i["region_code"] is None for i in outsider.get(f"{API}/catalog/items").json())
