"""Group work and community activities at 爱国街道社工站: 赵小红 runs a group for the elderly
and holds a 重阳节 activity; 和平街道's 孙丽 sees none of it; the volunteer coordinator reads
groups but does not write them, and never sees a child."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from wushe.audit.models import AuditEvent
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.catalog.services import item_create
from wushe.core.photos import PhotoUpload
from wushe.groupwork import services
from wushe.groupwork.models import Activity, ActivityPhoto, Group, GroupStatus
from wushe.network import services as network_services
from wushe.people import services as people_services

pytestmark = pytest.mark.django_db

API = "/api/v1"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x01" * 200 + b"\xff\xd9"
TODAY = timezone.localdate()


def item(code: str) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def a_group(world, by="station_worker", **overrides) -> Group:
    fields = {
        "platform": world.platforms["station_a"],
        "name": "老年人健康互助小组",
        "theme": "慢病自我管理与互助",
        "goals": "组员掌握血压自测；建立互助结对",
        "items": [item("elderly.support_network")],
        "planned_sessions": 6,
    }
    return services.group_create(by=world.users[by] if by else None, **(fields | overrides))


def an_activity(world, by="station_worker", **overrides) -> Activity:
    fields = {
        "platform": world.platforms["station_a"],
        "title": "重阳节敬老活动",
        "held_on": TODAY - timedelta(days=3),
        "place": "万佳社区活动室",
        "items": [item("elderly.emotional_comfort")],
        "social_workers": 3,
        "volunteers": 12,
        "donors": 2,
        "beneficiaries": 45,
        "funds_used": Decimal("1200.50"),
        "materials_used": "长寿面 45 份、血压计 2 台",
    }
    return services.activity_create(by=world.users[by] if by else None, **(fields | overrides))


def as_persona(world, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def post_json(client: Client, path: str, data: dict):
    return client.post(API + path, data, content_type="application/json")


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return set(exc.value.message_dict)


# --- groups: the service rules -----------------------------------------------------------


def test_a_group_runs_from_planning_through_sessions_to_its_evaluation(world):
    worker = world.users["station_worker"]
    group = a_group(world)
    assert group.status == GroupStatus.PLANNING and group.region_id == "152201001000"
    wuliji = world.people["wuliji"]
    services.group_member_add(by=worker, group=group, person=wuliji)
    session = services.group_session_add(
        by=worker, group=group, held_on=TODAY, topic="认识高血压", attendees=[wuliji],
        notes="乌力吉血压偏高，约定下周复测",
    )  # fmt: skip
    group.refresh_from_db()
    assert session.number == 1 and group.status == GroupStatus.ACTIVE and group.started_at
    second = services.group_session_add(by=worker, group=group, held_on=TODAY, topic="饮食")
    assert second.number == 2 and second.attendees.count() == 0
    services.group_end(by=worker, group=group, evaluation="目标基本达成，组员结成 3 对互助")
    group.refresh_from_db()
    assert group.status == GroupStatus.ENDED and group.ended_at
    actions = list(
        AuditEvent.objects.filter(object_type="groupwork.group", object_id=str(group.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "group.create", "group.member_add", "group.session_add", "group.session_add", "group.end",
    ]  # fmt: skip


def test_group_needs_a_name_theme_goals_and_an_item(world):
    with pytest.raises(ValidationError) as exc:
        a_group(world, name=" ", theme="", goals="", items=[], planned_sessions=0)
    assert fields_of(exc) == {"name", "theme", "goals", "items", "planned_sessions"}


def test_group_items_must_apply_to_the_platforms_region(world):
    arxan = item_create(
        by=None, region=world.region("152202000000"), name="林区防火宣传",
        domain=ServiceDomain.objects.get(code="community_development"),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        a_group(world, items=[arxan])
    assert "林区防火宣传" in exc.value.message_dict["items"][0]


def test_a_platform_not_running_cannot_hold_a_group(world):
    station = world.platforms["station_a"]
    network_services.platform_update(by=None, platform=station, status="suspended")
    with pytest.raises(ValidationError) as exc:
        a_group(world)
    assert fields_of(exc) == {"platform"}


def test_members_come_from_the_platforms_region_once_each(world):
    worker = world.users["station_worker"]
    group = a_group(world)
    services.group_member_add(by=worker, group=group, person=world.people["wuliji"])
    with pytest.raises(ValidationError) as exc:
        services.group_member_add(by=worker, group=group, person=world.people["wuliji"])
    assert "已是本小组组员" in exc.value.message_dict["person"][0]
    # 单田芳 lives under 和平街道: the system itself is refused too (outside the range) …
    with pytest.raises(ValidationError) as exc:
        services.group_member_add(by=None, group=group, person=world.people["hongyun"])
    assert "不在爱国街道的服务范围内" in exc.value.message_dict["person"][0]
    # … and the county's center manager, who may see her, likewise.
    with pytest.raises(ValidationError):
        services.group_member_add(
            by=world.users["center_manager"], group=group, person=world.people["hongyun"]
        )


def test_a_member_the_user_cannot_see_is_refused(world):
    group = a_group(world, by=None)
    # The volunteer coordinator may not even change groups; a station head without the child
    # right does not exist, so use the other station's worker on a group of 和平街道.
    group_b = a_group(world, by=None, platform=world.platforms["station_b"])
    with pytest.raises(ValidationError) as exc:
        services.group_member_add(
            by=world.users["other_station_worker"], group=group_b, person=world.people["wuliji"]
        )
    assert "不存在或不在您的管辖范围内" in exc.value.message_dict["person"][0]
    assert group.members.count() == 0


def test_sessions_take_members_only_and_no_future_dates(world):
    worker = world.users["station_worker"]
    group = a_group(world)
    with pytest.raises(ValidationError) as exc:
        services.group_session_add(
            by=worker, group=group, held_on=TODAY + timedelta(days=1), topic="",
            attendees=[world.people["xiaobao"]],
        )  # fmt: skip
    assert fields_of(exc) == {"held_on", "topic", "attendees"}
    assert "赵小宝不是本小组组员" in exc.value.message_dict["attendees"][0]
    assert group.sessions.count() == 0
    assert Group.objects.get(pk=group.pk).status == GroupStatus.PLANNING


def test_ending_needs_an_evaluation_and_an_active_group(world):
    worker = world.users["station_worker"]
    group = a_group(world)
    with pytest.raises(ValidationError) as exc:
        services.group_end(by=worker, group=group, evaluation="尚未开展")
    assert fields_of(exc) == {"status"}
    services.group_start(by=worker, group=group)
    with pytest.raises(ValidationError) as exc:
        services.group_end(by=worker, group=group, evaluation="  ")
    assert fields_of(exc) == {"evaluation"}
    services.group_end(by=worker, group=group, evaluation="完成")
    for write in (
        lambda: services.group_session_add(by=worker, group=group, held_on=TODAY, topic="加场"),
        lambda: services.group_member_add(by=worker, group=group, person=world.people["wuliji"]),
        lambda: services.group_start(by=worker, group=group),
    ):
        with pytest.raises(ValidationError):
            write()


def test_session_notes_and_evaluation_are_encrypted_at_rest(world):
    worker = world.users["station_worker"]
    group = a_group(world)
    services.group_session_add(by=worker, group=group, held_on=TODAY, topic="t", notes="血压偏高")
    services.group_end(by=worker, group=group, evaluation="乌力吉明显好转")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM groupwork_groupsession")
        (notes,) = cursor.fetchone()
        cursor.execute("SELECT evaluation FROM groupwork_group")
        (evaluation,) = cursor.fetchone()
    assert notes.startswith("sm4gcm:") and "血压" not in notes
    assert evaluation.startswith("sm4gcm:") and "乌力吉" not in evaluation
    assert Group.objects.get(pk=group.pk).evaluation == "乌力吉明显好转"


# --- groups: scope and rights ------------------------------------------------------------


def test_other_station_worker_cannot_see_or_write_the_group(world):
    group = a_group(world)
    other = as_persona(world, "other_station_worker")
    for url in (
        f"/groupwork/groups/{group.pk}/",
        f"/groupwork/groups/{group.pk}/members/",
        f"/groupwork/groups/{group.pk}/sessions/new/",
        f"/groupwork/groups/{group.pk}/end/",
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/groupwork/groups/{group.pk}/start/").status_code == 404
    assert other.get(f"{API}/groups/{group.pk}").status_code == 404
    assert post_json(other, f"/groups/{group.pk}/end", {"evaluation": "x"}).status_code == 404
    assert other.get(f"{API}/groups").json()["items"] == []
    with pytest.raises(PermissionDenied):
        services.group_start(by=world.users["other_station_worker"], group=group)
    with pytest.raises(PermissionDenied):
        a_group(world, by="other_station_worker")


def test_volunteer_coordinator_reads_groups_but_cannot_write_them(world):
    group = a_group(world)
    services.group_member_add(by=None, group=group, person=world.people["wuliji"])
    services.group_member_add(by=None, group=group, person=world.people["xiaobao"])
    services.group_session_add(
        by=None, group=group, held_on=TODAY, topic="亲子游戏",
        attendees=[world.people["wuliji"], world.people["xiaobao"]], notes="赵小宝很开心",
    )  # fmt: skip
    coordinator = as_persona(world, "volunteer_coordinator")
    page = coordinator.get(f"/groupwork/groups/{group.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "乌力吉" in body
    assert "赵小宝" not in body and "另有 1 名组员您无权查看" in body
    assert "记录一节活动" not in body
    assert coordinator.get(f"/groupwork/groups/{group.pk}/members/").status_code == 403
    assert coordinator.get("/groupwork/groups/new/").status_code == 403
    detail = coordinator.get(f"{API}/groups/{group.pk}").json()
    assert [m["name"] for m in detail["members"]] == ["乌力吉"] and detail["hidden_members"] == 1
    assert detail["sessions"][0]["attended"] == 2 and detail["sessions"][0]["notes"] is None
    assert post_json(coordinator, f"/groups/{group.pk}/sessions", {
        "held_on": str(TODAY), "topic": "x"}).status_code == 403  # fmt: skip
    with pytest.raises(PermissionDenied):
        a_group(world, by="volunteer_coordinator")
    # The station worker, who may see children, reads everything.
    own = as_persona(world, "station_worker").get(f"{API}/groups/{group.pk}").json()
    assert own["hidden_members"] == 0 and own["sessions"][0]["notes"] == "赵小宝很开心"
    assert own["attendance"] == 2


# --- activities --------------------------------------------------------------------------


def test_activity_person_times_add_up(world):
    first = an_activity(world)
    an_activity(
        world, title="防诈骗宣传", kind="themed", social_workers=2, volunteers=6, donors=0,
        beneficiaries=120, funds_used=Decimal("300"), items=[item("social_assistance.policy")],
    )  # fmt: skip
    an_activity(world, by=None, platform=world.platforms["station_b"], beneficiaries=500)
    assert first.participants == 17
    totals = Activity.objects.visible_to(world.users["station_worker"]).totals()
    assert totals == {
        "activities": 2, "social_workers": 5, "volunteers": 18, "donors": 2, "participants": 25,
        "beneficiaries": 165, "funds_used": Decimal("1500.50"),
    }  # fmt: skip
    page = as_persona(world, "station_worker").get("/groupwork/activities/")
    body = page.content.decode()
    assert page.status_code == 200 and "防诈骗宣传" in body and ">165<" in body
    assert ">25<" in body and "1500.50" in body


def test_named_beneficiaries_never_exceed_the_count(world):
    with pytest.raises(ValidationError) as exc:
        an_activity(world, beneficiaries=1, beneficiary_people=[
            world.people["wuliji"], world.people["xiaobao"]])  # fmt: skip
    assert fields_of(exc) == {"beneficiary_people"}
    activity = an_activity(world, beneficiaries=2, beneficiary_people=[world.people["wuliji"]])
    worker = world.users["station_worker"]
    services.activity_beneficiaries_add(by=worker, activity=activity, people=[
        world.people["xiaobao"]])  # fmt: skip
    child = people_services.person_create(
        by=None, name="乌兰", region=world.region("152201001002"), birth_date=date(2016, 5, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.activity_beneficiaries_add(by=worker, activity=activity, people=[child])
    assert "不能多于受益人次" in exc.value.message_dict["beneficiary_people"][0]
    with pytest.raises(ValidationError) as exc:  # 赵小红 cannot see 和平街道's 单田芳 at all
        an_activity(world, beneficiaries=5, beneficiary_people=[world.people["hongyun"]])
    assert "不存在或不在您的管辖范围内" in exc.value.message_dict["beneficiary_people"][0]
    with pytest.raises(ValidationError) as exc:  # the county's manager sees her, but elsewhere
        an_activity(world, by="center_manager", beneficiaries=5,
                    beneficiary_people=[world.people["hongyun"]])  # fmt: skip
    assert "不在爱国街道的服务范围内" in exc.value.message_dict["beneficiary_people"][0]


def test_activity_validation_names_each_field(world):
    with pytest.raises(ValidationError) as exc:
        an_activity(
            world, title="", place=" ", held_on=TODAY + timedelta(days=1), kind="party",
            items=[], social_workers=-1, volunteers=200_000, funds_used=Decimal("-1"),
            photos=[PhotoUpload(data=b"GIF89a....")],
        )  # fmt: skip
    assert fields_of(exc) == {
        "title", "place", "held_on", "kind", "items", "social_workers", "volunteers",
        "funds_used", "photos",
    }  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        an_activity(world, funds_used=Decimal("1.005"))
    assert fields_of(exc) == {"funds_used"}
    with pytest.raises(ValidationError) as exc:
        an_activity(world, photos=[PhotoUpload(data=JPEG)] * 10)
    assert fields_of(exc) == {"photos"}
    assert not Activity.objects.exists()


def test_other_station_and_outsider_cannot_see_the_activity(world):
    activity = an_activity(world, photos=[PhotoUpload(data=JPEG)])
    photo = activity.photos.get()
    for persona in ("other_station_worker", "outsider"):
        client = as_persona(world, persona)
        assert client.get(f"/groupwork/activities/{activity.pk}/").status_code == 404
        url = f"/groupwork/activities/{activity.pk}/photos/{photo.pk}/"
        assert client.get(url).status_code == 404
        assert client.get(f"{API}/activities/{activity.pk}").status_code == 404
        assert client.get(f"{API}/activities/{activity.pk}/photos/{photo.pk}").status_code == 404
    with pytest.raises(PermissionDenied):
        an_activity(world, by="other_station_worker")


def test_photos_are_encrypted_at_rest_and_served_only_in_scope(world):
    activity = an_activity(world, photos=[PhotoUpload(data=JPEG), PhotoUpload(data=JPEG)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_enc FROM groupwork_activityphoto")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2
    for raw in stored:
        assert raw.startswith("sm4gcm:")
        assert base64.b64encode(JPEG).decode()[:40] not in raw and "JFIF" not in raw
    photo = activity.photos.first()
    assert photo.image() == JPEG
    client = as_persona(world, "station_worker")
    response = client.get(f"/groupwork/activities/{activity.pk}/photos/{photo.pk}/")
    assert response.status_code == 200 and response.content == JPEG
    assert response["Content-Type"] == "image/jpeg" and "no-store" in response["Cache-Control"]
    other = an_activity(world, by=None, platform=world.platforms["station_b"])
    # A photo is found only through its own activity.
    assert client.get(f"/groupwork/activities/{other.pk}/photos/{photo.pk}/").status_code == 404
    api = client.get(f"{API}/activities/{activity.pk}/photos/{photo.pk}")
    assert api.status_code == 200 and api.content == JPEG


def test_volunteer_coordinator_records_activities_but_sees_no_children(world):
    activity = an_activity(
        world, by="volunteer_coordinator", beneficiary_people=[
            world.people["wuliji"]], beneficiaries=10,
    )  # fmt: skip
    services.activity_beneficiaries_add(by=None, activity=activity, people=[
        world.people["xiaobao"]])  # fmt: skip
    client = as_persona(world, "volunteer_coordinator")
    body = client.get(f"/groupwork/activities/{activity.pk}/").content.decode()
    assert "乌力吉" in body and "赵小宝" not in body and "另有 1 名登记对象您无权查看" in body
    detail = client.get(f"{API}/activities/{activity.pk}").json()
    assert detail["beneficiary_ids"] == [world.people["wuliji"].pk]
    assert detail["hidden_beneficiaries"] == 1


# --- the API -----------------------------------------------------------------------------


def test_api_creates_lists_and_shows_groups(world):
    client = as_persona(world, "station_worker")
    body = {
        "platform_id": world.platforms["station_a"].pk, "name": "留守儿童“快乐成长”小组",
        "theme": "情绪认知与同伴支持", "goals": "学会表达情绪",
        "item_ids": [item("children.mental_health").pk], "planned_sessions": 6,
    }  # fmt: skip
    response = post_json(client, "/groups", body)
    assert response.status_code == 201, response.content
    group = response.json()
    assert group["status"] == "planning" and group["item_codes"] == ["children.mental_health"]
    member = post_json(
        client, f"/groups/{group['id']}/members", {"person_id": world.people["xiaobao"].pk}
    )
    assert member.status_code == 201 and member.json()["members"][0]["name"] == "赵小宝"
    session = post_json(client, f"/groups/{group['id']}/sessions", {
        "held_on": str(TODAY), "topic": "我的情绪小怪兽",
        "attendee_ids": [world.people["xiaobao"].pk], "notes": "能说出三种情绪"})  # fmt: skip
    assert session.status_code == 201 and session.json()["status"] == "active"
    assert session.json()["sessions"][0]["attendee_ids"] == [world.people["xiaobao"].pk]
    ended = post_json(client, f"/groups/{group['id']}/end", {"evaluation": "目标达成"})
    assert ended.status_code == 200 and ended.json()["evaluation"] == "目标达成"
    listed = client.get(f"{API}/groups", {"limit": 1}).json()
    assert [g["id"] for g in listed["items"]] == [group["id"]] and listed["next_after"] is None
    assert listed["items"][0]["member_count"] == 1 and listed["items"][0]["session_count"] == 1
    assert client.get(f"{API}/groups", {"status": "active"}).json()["items"] == []


def test_api_errors_name_the_inputs_sent(world):
    client = as_persona(world, "station_worker")
    body = {"platform_id": world.platforms["station_b"].pk, "name": "x", "theme": "y",
            "goals": "z", "item_ids": [item("children.mental_health").pk]}  # fmt: skip
    response = post_json(client, "/groups", body)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "platform_id"
    response = post_json(client, "/groups", body | {
        "platform_id": world.platforms["station_a"].pk, "item_ids": []})  # fmt: skip
    assert [e["field"] for e in response.json()["detail"]] == ["item_ids"]
    group = a_group(world)
    wuliji = world.people["wuliji"].pk
    response = post_json(client, f"/groups/{group.pk}/sessions", {
        "held_on": str(TODAY), "topic": "t", "attendee_ids": [wuliji]})  # fmt: skip
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "attendee_ids"
    response = post_json(client, f"/groups/{group.pk}/members", {
        "person_id": world.people["hongyun"].pk})  # fmt: skip
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "person_id"


def test_api_creates_lists_and_shows_activities(world):
    client = as_persona(world, "station_worker")
    body = {
        "platform_id": world.platforms["station_a"].pk, "kind": "themed", "title": "防诈骗宣传",
        "held_on": str(TODAY), "place": "春阳社区广场", "social_workers": 2, "volunteers": 8,
        "donors": 1, "beneficiaries": 150, "beneficiary_ids": [world.people["wuliji"].pk],
        "item_ids": [item("social_assistance.policy").pk], "funds_used": "260.00",
        "materials_used": "宣传折页 300 份",
        "photos": [{"data": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()}],
    }  # fmt: skip
    response = post_json(client, "/activities", body)
    assert response.status_code == 201, response.content
    activity = response.json()
    assert activity["participants"] == 11 and Decimal(activity["funds_used"]) == Decimal(260)
    assert len(activity["photos"]) == 1 and activity["photos"][0]["content_type"] == "image/jpeg"
    assert client.get(f"{API}/activities/{activity['id']}").json()["title"] == "防诈骗宣传"
    listed = client.get(f"{API}/activities").json()
    assert [a["id"] for a in listed["items"]] == [activity["id"]]
    too_many = post_json(client, "/activities", body | {"beneficiaries": 0})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["field"] == "beneficiary_ids"
    more = post_json(client, f"/activities/{activity['id']}/beneficiaries", {
        "person_ids": [world.people["xiaobao"].pk]})  # fmt: skip
    assert more.status_code == 200 and len(more.json()["beneficiary_ids"]) == 2
    assert as_persona(world, "other_station_worker").get(f"{API}/activities").json()["items"] == []


# --- pages -------------------------------------------------------------------------------


def test_pages_render_and_write_through_the_services(world):
    client = as_persona(world, "station_worker")
    for url in ("/groupwork/groups/", "/groupwork/groups/new/", "/groupwork/activities/",
                "/groupwork/activities/new/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    home = client.get("/").content.decode()
    assert "小组工作" in home and "社区活动" in home
    response = client.post("/groupwork/groups/new/", {
        "platform": world.platforms["station_a"].pk, "name": "老年人健康互助小组",
        "theme": "互助", "goals": "结对", "items": [item("elderly.support_network").pk],
    })  # fmt: skip
    group = Group.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/groupwork/groups/{group.pk}/"
    pick = client.get(f"/groupwork/groups/{group.pk}/members/", {"q": "乌力吉"})
    assert "乌力吉" in pick.content.decode() and "单田芳" not in pick.content.decode()
    client.post(f"/groupwork/groups/{group.pk}/members/", {"person": world.people["wuliji"].pk})
    assert group.members.get().person == world.people["wuliji"]
    form = client.get(f"/groupwork/groups/{group.pk}/sessions/new/").content.decode()
    assert 'type="checkbox"' in form and "乌力吉" in form
    response = client.post(f"/groupwork/groups/{group.pk}/sessions/new/", {
        "held_on": str(TODAY), "topic": "认识高血压", "attendees": [world.people["wuliji"].pk],
        "notes": "测量血压"})  # fmt: skip
    assert response.status_code == 302 and group.sessions.get().attendees.count() == 1
    refused = client.post(f"/groupwork/groups/{group.pk}/end/", {"evaluation": ""})
    assert refused.status_code == 200 and "error" in refused.content.decode()
    client.post(f"/groupwork/groups/{group.pk}/end/", {"evaluation": "目标达成"})
    detail = client.get(f"/groupwork/groups/{group.pk}/").content.decode()
    assert "已结束" in detail and "目标达成" in detail and "测量血压" in detail


def test_activity_form_uploads_photos(world):
    client = as_persona(world, "station_worker")
    form = client.get("/groupwork/activities/new/").content.decode()
    assert 'accept="image/*"' in form and "multiple" in form and "multipart/form-data" in form
    response = client.post("/groupwork/activities/new/", {
        "platform": world.platforms["station_a"].pk, "kind": "community",
        "title": "重阳节敬老活动", "held_on": str(TODAY), "place": "万佳社区活动室",
        "social_workers": 3, "volunteers": 10, "donors": 1, "beneficiaries": 40,
        "items": [item("elderly.emotional_comfort").pk], "funds_used": "800",
        "materials_used": "长寿面",
        "photos": [SimpleUploadedFile("a.jpg", JPEG), SimpleUploadedFile("b.jpg", JPEG)],
    })  # fmt: skip
    activity = Activity.objects.get()
    assert response.status_code == 302 and activity.photos.count() == 2
    detail = client.get(f"/groupwork/activities/{activity.pk}/").content.decode()
    assert f"/groupwork/activities/{activity.pk}/photos/" in detail and "重阳节敬老活动" in detail
    bad = client.post("/groupwork/activities/new/", {
        "platform": world.platforms["station_a"].pk, "kind": "community", "title": "x",
        "held_on": str(TODAY), "place": "y", "social_workers": 0, "volunteers": 0, "donors": 0,
        "beneficiaries": 0, "items": [item("elderly.emotional_comfort").pk], "funds_used": "0",
        "photos": [SimpleUploadedFile("a.gif", b"GIF89a....")],
    })  # fmt: skip
    assert bad.status_code == 200 and "不是 JPEG、PNG 或 WebP 图片" in bad.content.decode()
    assert ActivityPhoto.objects.count() == 2


# --- the demo ----------------------------------------------------------------------------


def test_demo_groupwork_is_written_once(world):
    from wushe.core.demo.groupwork import build_groupwork

    said: list[str] = []
    assert build_groupwork(said.append) == 5
    children = Group.objects.get(name="留守儿童“快乐成长”小组")
    assert children.status == GroupStatus.ENDED and children.sessions.count() == 6
    assert children.members.get().person == world.people["xiaobao"]
    elderly = Group.objects.get(name="老年人健康互助小组")
    assert elderly.status == GroupStatus.ACTIVE and elderly.platform == world.platforms["station_b"]
    assert Activity.objects.count() == 3 and said
    events = AuditEvent.objects.count()
    assert build_groupwork(said.append) == 0
    assert AuditEvent.objects.count() == events and len(said) == 1


def test_no_groupwork_route_leaks_to_the_other_station(world):
    """Every page and API operation of this app, as 孙丽 of 和平街道, on 爱国街道's records."""
    from django.urls import reverse

    from wushe.groupwork.urls import urlpatterns

    group = a_group(world)
    services.group_member_add(by=None, group=group, person=world.people["wuliji"])
    activity = an_activity(world, photos=[PhotoUpload(data=JPEG)])
    photo = activity.photos.get()
    client = as_persona(world, "other_station_worker")
    urls = [
        f"{API}/groups/{group.pk}",
        f"{API}/activities/{activity.pk}",
        f"{API}/activities/{activity.pk}/photos/{photo.pk}",
    ]
    for pattern in urlpatterns:
        params = set(pattern.pattern.converters)
        if not params:
            continue
        target = group if pattern.name.startswith("group") else activity
        kwargs = {"pk": target.pk} | ({"photo_id": photo.pk} if "photo_id" in params else {})
        urls.append(reverse(f"groupwork:{pattern.name}", kwargs=kwargs))
    assert len(urls) == 3 + 8
    for url in urls:
        response = client.get(url)
        body = response.content.decode("utf-8", "replace")
        assert response.status_code == (405 if url.endswith("/start/") else 404), url
        assert "乌力吉" not in body and "爱国街道" not in body, url
        if url.startswith("/groupwork/"):
            assert client.post(url).status_code == 404, url
    lists = ["/groupwork/groups/", "/groupwork/activities/", f"{API}/groups", f"{API}/activities"]
    for url in lists:
        body = client.get(url).content.decode()
        assert "老年人健康互助小组" not in body and "重阳节敬老活动" not in body, url
