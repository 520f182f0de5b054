"""The REST API told as stories of the world's personas: scope, rights, tokens, errors, audit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from wushe.accounts import services as account_services
from wushe.accounts.models import ApiToken
from wushe.audit.models import AuditEvent
from wushe.network import services as network_services
from wushe.network.models import Platform, Posting, Tier

pytestmark = pytest.mark.django_db
UNAUTHENTICATED = "未登录或令牌无效：请登录，或在 Authorization 头中提供有效的个人令牌。"

API = "/api/v1"


def as_persona(world, username: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(world.users[username])
    return client


def bearer(plaintext: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def post_json(client: Client, path: str, data: dict, **kwargs):
    return client.post(API + path, data, content_type="application/json", **kwargs)


def patch_json(client: Client, path: str, data: dict):
    return client.patch(API + path, data, content_type="application/json")


def names(items: list[dict]) -> set[str]:
    return {item["name"] for item in items}


# --- scope --------------------------------------------------------------------------------


def test_station_worker_gets_404_for_other_station_platform(world):
    client = as_persona(world, "other_station_worker")
    station_a, station_b = world.platforms["station_a"], world.platforms["station_b"]

    response = client.get(f"{API}/platforms/{station_a.pk}")
    assert response.status_code == 404
    assert "爱国街道" not in response.content.decode()
    assert client.get(f"{API}/platforms/{station_a.pk}/postings").status_code == 404

    own = client.get(f"{API}/platforms/{station_b.pk}").json()
    assert own["name"] == "和平街道社工站"
    assert own["region_code"] == "152201002000" and own["tier_label"] == "社工站"


def test_out_of_scope_write_is_404_not_403(world):
    client = as_persona(world, "other_station_worker")
    station_a = world.platforms["station_a"]
    response = patch_json(client, f"/platforms/{station_a.pk}", {"name": "改名"})
    assert response.status_code == 404
    posting = Posting.objects.get(worker=world.workers["worker_a"])
    response = post_json(client, f"/postings/{posting.pk}/end", {"ended_on": "2024-01-01"})
    assert response.status_code == 404
    station_a.refresh_from_db()
    posting.refresh_from_db()
    assert station_a.name == "爱国街道社工站" and posting.ended_on is None


def test_county_admin_lists_every_platform_in_county(world):
    client = as_persona(world, "county_admin")
    body = client.get(f"{API}/platforms").json()
    assert names(body["items"]) == {
        "乌兰浩特市社会工作服务中心", "爱国街道社工站", "和平街道社工站",
        "万佳社区社工室", "红云社区社工室",
    }  # fmt: skip
    assert body["next_after"] is None

    stations = client.get(f"{API}/platforms", {"tier": Tier.STATION}).json()["items"]
    assert names(stations) == {"爱国街道社工站", "和平街道社工站"}
    rooms = client.get(f"{API}/platforms", {"q": "社工室"}).json()["items"]
    assert names(rooms) == {"万佳社区社工室", "红云社区社工室"}
    township = client.get(f"{API}/platforms", {"region": "152201001000"}).json()["items"]
    assert names(township) == {"爱国街道社工站", "万佳社区社工室"}


def test_outsider_region_filter_is_404(world):
    client = as_persona(world, "outsider")
    county = "152201000000"
    assert client.get(f"{API}/platforms", {"region": county}).status_code == 404
    assert client.get(f"{API}/workers", {"region": county}).status_code == 404
    assert client.get(f"{API}/audit/events", {"region": county}).status_code == 404
    for path in ("", "/children", "/coverage"):
        response = client.get(f"{API}/regions/{county}{path}")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到。"}
    own = client.get(f"{API}/platforms").json()["items"]
    assert names(own) == {"东华门街道社工站"}


def test_station_worker_sees_own_township_but_not_the_county_above(world):
    client = as_persona(world, "station_worker")
    assert client.get(f"{API}/regions/152201000000").status_code == 404
    township = client.get(f"{API}/regions/152201001000").json()
    assert township == {
        "code": "152201001000", "name": "爱国街道", "level": 4, "parent_code": "152201000000",
    }  # fmt: skip
    children = client.get(f"{API}/regions/152201001000/children").json()
    assert [c["name"] for c in children] == ["万佳社区居委会", "春阳社区居委会"]
    assert [r["code"] for r in client.get(f"{API}/regions").json()] == ["152201001000"]


def test_coverage_of_a_county_and_its_townships(world):
    client = as_persona(world, "county_admin")
    cov = client.get(f"{API}/regions/152201000000/coverage").json()
    assert (cov["covered_townships"], cov["townships"]) == (2, 2)
    assert (cov["covered_villages"], cov["villages"]) == (2, 4)
    assert (cov["centers"], cov["stations"], cov["rooms"]) == (1, 2, 2)
    assert cov["station_rate"] == 1.0 and cov["room_rate"] == 0.5
    by_name = {c["name"]: c for c in cov["children"]}
    assert set(by_name) == {"爱国街道", "和平街道"}
    assert by_name["爱国街道"]["rooms"] == 1 and by_name["爱国街道"]["room_rate"] == 0.5
    village = client.get(f"{API}/regions/152201001001/coverage").json()
    assert village["station_rate"] is None and village["children"] == []


def test_me_names_the_caller_and_their_roles(world):
    me = as_persona(world, "station_head").get(f"{API}/me").json()
    assert me["username"] == "station_head" and me["name"] == "陈志强"
    assert me["roles"] == [
        {"role": "station_head", "role_label": "社工站站长",
         "region_code": "152201001000", "region_name": "爱国街道"},
    ]  # fmt: skip


def test_workers_list_and_detail_stay_in_scope(world):
    client = as_persona(world, "station_head")
    workers = client.get(f"{API}/workers").json()["items"]
    assert names(workers) == {"陈志强", "赵小红"}
    worker_b = world.workers["worker_b"]
    assert client.get(f"{API}/workers/{worker_b.pk}").status_code == 404
    detail = client.get(f"{API}/workers/{world.workers['worker_a'].pk}").json()
    assert detail["certificate_label"] == "助理社会工作师"
    assert [(p["post"], p["post_label"]) for p in detail["postings"]] == [
        ("resident_worker", "驻站社工")
    ]


def test_audit_events_follow_scope_and_fail_closed(world):
    station_worker = as_persona(world, "station_worker").get(f"{API}/audit/events").json()
    assert station_worker == {"items": [], "next_before": None}
    auditor = as_persona(world, "auditor").get(f"{API}/audit/events", {"limit": 200}).json()
    codes = {e["region_code"] for e in auditor["items"]}
    assert codes and all(c.startswith("152201") for c in codes)
    ids = [e["id"] for e in auditor["items"]]
    assert ids == sorted(ids, reverse=True)
    platforms = as_persona(world, "auditor").get(
        f"{API}/audit/events", {"action": "platform.", "region": "152201001000"}
    )
    assert {e["object_repr"] for e in platforms.json()["items"]} == {
        "爱国街道社工站", "万佳社区社工室",
    }  # fmt: skip


# --- rights -------------------------------------------------------------------------------


def test_station_worker_cannot_create_platform(world):
    client = as_persona(world, "station_worker")
    response = post_json(
        client, "/platforms", {"tier": 3, "region_code": "152201001002", "name": "春阳社区社工室"}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "您无权执行此操作。"}
    assert not Platform.objects.filter(name="春阳社区社工室").exists()
    assert not AuditEvent.objects.filter(action="platform.create", actor_name="station_worker")


def test_station_head_edits_own_station_but_worker_may_not(world):
    station_a = world.platforms["station_a"]
    response = patch_json(as_persona(world, "station_worker"), f"/platforms/{station_a.pk}", {})
    assert response.status_code == 403
    response = patch_json(
        as_persona(world, "station_head"), f"/platforms/{station_a.pk}",
        {"phone": "0482-8261234", "domain_codes": ["elderly", "children"]},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "0482-8261234" and body["name"] == "爱国街道社工站"
    assert body["domain_codes"] == ["children", "elderly"]
    assert body["opened_on"] == "2022-06-01", "fields not sent stay as they were"
    moved = patch_json(as_persona(world, "station_head"), f"/platforms/{station_a.pk}", {"tier": 3})
    assert moved.status_code == 422 and moved.json()["detail"][0]["field"] == "tier"


def test_create_platform_in_wrong_level_gives_422_naming_field(world):
    client = as_persona(world, "county_admin")
    response = post_json(
        client, "/platforms", {"tier": 2, "region_code": "152201001001", "name": "错位社工站"}
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "region_code"
    assert error["message"].startswith("社工站应设在乡级区划，“万佳社区居委会”是村级")
    assert not Platform.objects.filter(name="错位社工站").exists()


def test_malformed_input_is_422_naming_the_field(world):
    client = as_persona(world, "county_admin")
    response = post_json(client, "/platforms", {"tier": 9, "region_code": "15", "name": "x"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"tier", "region_code"}
    response = post_json(
        client, "/platforms",
        {"tier": 3, "region_code": "152201001002", "name": "春阳社区社工室",
         "domain_codes": ["elderly", "astrology"]},
    )  # fmt: skip
    assert response.json()["detail"] == [
        {"field": "domain_codes", "message": "未知的服务领域代码：astrology。"}
    ]
    outside = post_json(
        client, "/platforms", {"tier": 2, "region_code": "110101001000", "name": "越界社工站"}
    )
    assert outside.status_code == 422
    assert outside.json()["detail"][0]["field"] == "region_code"
    assert not Platform.objects.filter(name__in=["春阳社区社工室", "越界社工站"]).exists()


def test_staffing_a_station_and_ending_the_posting(world):
    client = as_persona(world, "station_head")
    station_a = world.platforms["station_a"]
    created = post_json(
        client, "/workers", {"name": "白雪", "region_code": "152201001000", "certificate": "senior"}
    )
    assert created.status_code == 201 and created.json()["certificate_label"] == "高级社会工作师"
    worker_id = created.json()["id"]
    posting = post_json(
        client, f"/platforms/{station_a.pk}/postings",
        {"worker_id": worker_id, "post": "child_director", "started_on": "2024-04-01"},
    )  # fmt: skip
    assert posting.status_code == 201
    assert posting.json()["worker_name"] == "白雪" and posting.json()["post_label"] == "儿童主任"

    ended = post_json(client, f"/postings/{posting.json()['id']}/end", {"ended_on": "2024-12-31"})
    assert ended.json()["ended_on"] == "2024-12-31" and ended.json()["is_current"] is False
    again = post_json(client, f"/postings/{posting.json()['id']}/end", {"ended_on": "2025-01-31"})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "ended_on"

    team = client.get(f"{API}/platforms/{station_a.pk}/postings").json()
    assert [(p["worker_name"], p["is_current"]) for p in team] == [
        ("陈志强", True), ("赵小红", True), ("白雪", False),
    ]  # fmt: skip


def test_posting_a_worker_from_outside_scope_is_refused(world):
    client = as_persona(world, "station_head")
    response = post_json(
        client, f"/platforms/{world.platforms['station_a'].pk}/postings",
        {"worker_id": world.workers["worker_bj"].pk, "post": "resident_worker",
         "started_on": "2024-01-01"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "worker_id"
    assert "何平" not in response.content.decode()


# --- authentication -----------------------------------------------------------------------


def test_every_operation_requires_login(world):
    anonymous = Client()
    schema = anonymous.get(f"{API}/openapi.json").json()
    for path, operations in schema["paths"].items():
        url = re.sub(r"\{code\}", "152201000000", path)
        url = re.sub(r"\{\w+_id\}", str(world.platforms["station_a"].pk), url)
        for method in operations:
            response = getattr(anonymous, method)(url, {}, content_type="application/json")
            assert response.status_code == 401, f"{method.upper()} {path}"
            assert response.json() == {"detail": UNAUTHENTICATED}


def test_token_auth_works_and_revoked_token_is_401(world):
    session = as_persona(world, "county_admin")
    created = post_json(session, "/tokens", {"name": "统计脚本"})
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert plaintext.startswith("wsk_") and plaintext[:10] == created.json()["prefix"]

    script = bearer(plaintext)
    assert script.get(f"{API}/me").json()["username"] == "county_admin"
    stations = script.get(f"{API}/platforms", {"tier": 2}).json()["items"]
    assert names(stations) == {"爱国街道社工站", "和平街道社工站"}
    listing = script.get(f"{API}/tokens")
    assert plaintext not in listing.content.decode()
    digest = ApiToken.objects.get(pk=created.json()["id"]).digest
    assert digest not in listing.content.decode()
    assert [t["name"] for t in listing.json()] == ["统计脚本"]

    revoked = script.delete(f"{API}/tokens/{created.json()['id']}")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert script.get(f"{API}/me").status_code == 401
    assert bearer("wsk_not-a-real-token").get(f"{API}/me").status_code == 401


def test_a_token_cannot_mint_another_token(world):
    _token, plaintext = account_services.api_token_create(by=world.users["county_admin"], name="a")
    response = post_json(bearer(plaintext), "/tokens", {"name": "b"})
    assert response.status_code == 401
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["a"]


def test_someone_elses_token_cannot_be_seen_or_revoked(world):
    theirs, _plain = account_services.api_token_create(
        by=world.users["county_admin"], name="县管令牌"
    )
    client = as_persona(world, "supervisor")
    assert client.get(f"{API}/tokens").json() == []
    assert client.delete(f"{API}/tokens/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_session_post_without_csrf_is_refused(world):
    client = as_persona(world, "county_admin", enforce_csrf_checks=True)
    payload = {"tier": 3, "region_code": "152201001002", "name": "春阳社区社工室"}
    response = post_json(client, "/platforms", payload)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert not Platform.objects.filter(name="春阳社区社工室").exists()

    assert client.get(f"{API}/platforms").status_code == 200, "safe methods need no token"
    secret = "k" * 32
    client.cookies["csrftoken"] = secret
    response = post_json(client, "/platforms", payload, headers={"X-CSRFToken": secret})
    assert response.status_code == 201 and response.json()["name"] == "春阳社区社工室"


def test_without_a_session_an_unsafe_request_is_401_not_a_csrf_403(world):
    token, plaintext = account_services.api_token_create(by=world.users["county_admin"], name="a")
    account_services.api_token_revoke(by=world.users["county_admin"], token=token)
    payload = {"name": "白雪", "region_code": "152201001000"}
    for client in (
        Client(enforce_csrf_checks=True),
        Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {plaintext}"}),
    ):
        response = post_json(client, "/workers", payload)
        assert response.status_code == 401 and response.json() == {"detail": UNAUTHENTICATED}


def test_ids_beyond_any_row_are_404(world):
    client = as_persona(world, "county_admin")
    assert client.get(f"{API}/platforms/{2**70}").status_code == 404
    assert client.get(f"{API}/platforms", {"after": 2**70}).status_code == 422


# --- pagination ---------------------------------------------------------------------------


def test_keyset_pagination_walks_all_rows_once(world):
    for n in range(1, 9):
        network_services.platform_create(
            by=None, tier=Tier.ROOM, region=world.region("152201002002"), name=f"红浦第{n}社工室"
        )
    client = as_persona(world, "county_admin")
    expected = set(
        Platform.objects.visible_to(world.users["county_admin"]).values_list("pk", flat=True)
    )
    assert len(expected) == 13

    seen: list[int] = []
    after = None
    pages = 0
    while True:
        params = {"limit": 4} | ({"after": after} if after else {})
        body = client.get(f"{API}/platforms", params).json()
        assert len(body["items"]) <= 4
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["next_after"]
        if after is None:
            break
        assert after == seen[-1]
    assert pages == 4
    assert seen == sorted(expected), "every row once, in id order"

    assert client.get(f"{API}/platforms", {"limit": 201}).status_code == 422
    assert client.get(f"{API}/platforms", {"limit": 0}).status_code == 422


def test_audit_pages_walk_back_from_the_newest(world):
    client = as_persona(world, "county_admin")
    first = client.get(f"{API}/audit/events", {"limit": 3}).json()
    second = client.get(f"{API}/audit/events", {"limit": 3, "before": first["next_before"]}).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    assert first["next_before"] == first["items"][-1]["id"]


# --- audit --------------------------------------------------------------------------------


def test_audit_events_have_no_write_operations(world):
    schema = Client().get(f"{API}/openapi.json").json()
    audit = {
        (path, method) for path, ops in schema["paths"].items() for method in ops if "audit" in path
    }
    assert audit == {(f"{API}/audit/events", "get")}
    client = as_persona(world, "county_admin")
    event = AuditEvent.objects.visible_to(world.users["county_admin"]).first()
    assert client.delete(f"{API}/audit/events").status_code == 405
    assert client.delete(f"{API}/audit/events/{event.pk}").status_code == 404
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_every_write_leaves_an_audit_event(world):
    client = as_persona(world, "county_admin")
    request_id = "api-story-1"
    platform = post_json(
        client, "/platforms",
        {"tier": 3, "region_code": "152201001002", "name": "春阳社区社工室",
         "opened_on": "2024-05-01", "domain_codes": ["elderly"]},
        headers={"X-Request-ID": request_id},
    ).json()  # fmt: skip
    patch_json(client, f"/platforms/{platform['id']}", {"status": "suspended"})
    worker = post_json(client, "/workers", {"name": "白雪", "region_code": "152201001002"}).json()
    posting = post_json(
        client, f"/platforms/{platform['id']}/postings",
        {"worker_id": worker["id"], "post": "room_worker", "started_on": "2024-05-01"},
    ).json()  # fmt: skip
    post_json(client, f"/postings/{posting['id']}/end", {"ended_on": date(2024, 9, 30)})
    token = post_json(client, "/tokens", {"name": "导出脚本"}).json()
    client.delete(f"{API}/tokens/{token['id']}")

    events = AuditEvent.objects.filter(actor=world.users["county_admin"]).exclude(
        action__startswith="login."
    )
    trail = [(e.action, e.object_id) for e in events.order_by("id")]
    assert trail == [
        ("platform.create", str(platform["id"])),
        ("platform.update", str(platform["id"])),
        ("worker.create", str(worker["id"])),
        ("posting.create", str(posting["id"])),
        ("posting.end", str(posting["id"])),
        ("api_token.create", str(token["id"])),
        ("api_token.revoke", str(token["id"])),
    ]
    update = events.get(action="platform.update")
    assert update.changes == {"status": ["active", "suspended"]}
    assert events.get(action="platform.create").request_id == request_id

    listed = client.get(f"{API}/audit/events", {"action": "posting."}).json()["items"]
    assert [e["action"] for e in listed[:2]] == ["posting.end", "posting.create"]
