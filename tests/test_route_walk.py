"""Walk every URL pattern and API operation as out-of-scope personas; fail on any leak.

Each route is requested with every in-scope identifier the world has for its parameters.
A persona outside the scope must get no page or JSON that names anything of the target
station (marker strings below), whatever the status code.
"""

import re
from itertools import product

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from wushe.accounts import services as account_services
from wushe.audit.models import AuditEvent
from wushe.network.models import Posting

pytestmark = pytest.mark.django_db

# Names that only the records of 爱国街道 (and its people) carry.
STATION_A_MARKERS = ["爱国街道", "万佳社区", "赵小红", "陈志强", "县管令牌", "乌力吉", "赵小宝"]
# The outsider in Beijing must see nothing of Inner Mongolia at all.
OUTSIDER_MARKERS = [
    *STATION_A_MARKERS,
    "乌兰浩特",
    "阿尔山",
    "兴安盟",
    "内蒙古",
    "和平街道",
    "孙丽",
]

PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def routes() -> list[str]:
    found = sorted(set(walk(get_resolver().url_patterns)))
    # Regex routes (the admin's catch-alls) are walked through their path() siblings.
    return [r for r in found if not r.startswith("^") and "(?P" not in r]


def _import_batch(world):
    """An import of 赵小红's whose problems quote 爱国街道's people."""
    from tests.test_people_import import row, xlsx
    from wushe.people import imports

    rows = [row(1, name="赵小红"), row(2, name="乌力吉", phone="1")]
    return imports.import_preview(
        by=world.users["station_worker"], file=SimpleUploadedFile("爱国街道.xlsx", xlsx(rows))
    )


def _county_item(world):
    """A service item of 乌兰浩特市's own, on 爱国街道社工站's list."""
    from wushe.catalog.models import ServiceDomain
    from wushe.catalog.services import item_create
    from wushe.network.services import platform_items_set

    item = item_create(
        by=None, region=world.region("152201000000"), name="乌兰浩特马头琴进社区",
        domain=ServiceDomain.objects.get(code="community_development"),
    )  # fmt: skip
    platform_items_set(by=None, platform=world.platforms["station_a"], items=[item])
    return item


def _casework(world) -> list[int]:
    """A visit with a photo and a need, and a case referred to an organization, all of
    乌力吉 in 万佳社区."""
    from django.utils import timezone

    from tests.test_casework import JPEG, an_open_case, item
    from wushe.casework import services
    from wushe.core.photos import PhotoUpload

    need = services.NeedInput(
        domain=item("elderly.material_aid").domain, description="乌力吉需要取暖设备"
    )
    visit, _ = services.visit_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        visited_at=timezone.now(), items=[item("elderly.home_visit")],
        photos=[PhotoUpload(data=JPEG)], needs=[need], living_conditions="万佳社区独居",
    )  # fmt: skip
    case = an_open_case(world)
    referral = services.referral_request(
        by=world.users["station_worker"], case=case, kind="referral",
        to_organization="乌兰浩特市残联", reason="乌力吉辅具适配",
    )  # fmt: skip
    return [visit.pk, visit.photos.get().pk, visit.needs.get().pk, case.pk, referral.pk]


def targets(world) -> dict[str, list[str]]:
    """Identifiers of the target station's records, by parameter kind."""
    station = world.platforms["station_a"]
    token, _plain = account_services.api_token_create(
        by=world.users["county_admin"], name="县管令牌"
    )
    ints = {
        station.pk,
        world.platforms["room_a1"].pk,
        world.workers["worker_a"].pk,
        world.workers["head_a"].pk,
        token.pk,
        world.users["station_worker"].pk,
        world.users["county_admin"].pk,
        *Posting.objects.filter(platform=station).values_list("pk", flat=True),
        *AuditEvent.objects.filter(region_code__startswith="152201001").values_list(
            "pk", flat=True
        )[:5],
        *world.users["station_worker"].role_assignments.values_list("pk", flat=True),
        world.people["wuliji"].pk,
        world.people["xiaobao"].pk,
        _import_batch(world).pk,
        _county_item(world).pk,
        *_casework(world),
    }
    return {
        "int": sorted(str(i) for i in ints),
        "code": ["152201001000", "152201001001"],
        "str": ["152201001000", "accounts", "user", "network", "people"],
        "path": ["152201001000"],
    }


def concrete_urls(route: str, values: dict[str, list[str]]) -> list[str]:
    params = PARAM.findall(route)
    if not params:
        return ["/" + route.replace("^", "").replace("$", "")]
    choices = []
    for conv, name in params:
        kind = "code" if name == "code" else (conv or "str")
        choices.append(values.get(kind, values["str"]))
    urls = []
    for combo in product(*choices):
        url = route
        for value in combo:
            url = PARAM.sub(value, url, count=1)
        urls.append("/" + url)
    return urls


def leaks(client, url: str, markers: list[str]) -> list[str]:
    response = client.get(url)
    body = response.content.decode("utf-8", "replace")
    if response.status_code in (301, 302):
        body += response.get("Location", "")
    return [f"{url} → {response.status_code} shows “{m}”" for m in markers if m in body]


@pytest.mark.parametrize(
    ("persona", "markers"),
    [
        ("outsider", OUTSIDER_MARKERS),
        ("other_station_worker", STATION_A_MARKERS),
        ("volunteer_coordinator", ["县管令牌", "赵小宝"]),
    ],
)
def test_no_route_leaks_to_out_of_scope_persona(world, client, persona, markers):
    values = targets(world)
    client.force_login(world.users[persona])
    all_routes = routes()
    assert any(r.startswith("api/v1/") for r in all_routes), "the API routes must be walked too"
    found = []
    for route in all_routes:
        if route.startswith("i18n/") or route.endswith("logout/"):
            continue
        for url in concrete_urls(route, values):
            found += leaks(client, url, markers)
    assert found == []


def test_walk_sees_the_secrets_when_in_scope(world, client):
    """The same walk finds the markers for someone in scope: the check can fail."""
    client.force_login(world.users["county_admin"])
    values = targets(world)
    seen = []
    for route in routes():
        if route.startswith(("network/platforms/<int:pk>/", "api/v1/platforms/<int:")):
            for url in concrete_urls(route, values):
                seen += leaks(client, url, ["爱国街道"])
    assert seen, "in-scope persona should see 爱国街道 somewhere"


def test_station_worker_gets_404_for_another_stations_platform(world, client):
    client.force_login(world.users["other_station_worker"])
    station_a = world.platforms["station_a"]
    assert client.get(f"/network/platforms/{station_a.pk}/").status_code == 404
    assert client.get(f"/network/platforms/{world.platforms['station_b'].pk}/").status_code == 200


def test_county_admin_sees_every_station_in_the_list(world, client):
    client.force_login(world.users["county_admin"])
    body = client.get("/network/platforms/?tier=2").content.decode()
    assert "爱国街道社工站" in body and "和平街道社工站" in body
    assert "林海街道社工站" not in body and "东华门街道社工站" not in body
    assert "共 2 条" in body


def test_region_filter_outside_scope_is_404(world, client):
    client.force_login(world.users["station_worker"])
    assert client.get("/network/platforms/?region=152201002000").status_code == 404
    assert client.get("/network/platforms/?region=152201001000").status_code == 200
