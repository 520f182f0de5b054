"""The casework API and pages: the phone's sync is idempotent, transitions are operations,
the pages call the same services and show only what the viewer may see."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.test_casework import JPEG, an_open_case, item, run_to_evaluation
from wushe.audit.models import AuditEvent
from wushe.casework import services
from wushe.casework.models import Case, CaseStatus, Need, Referral, Visit

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, path, body):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def visit_body(world, **kw):
    body = {
        "client_id": str(uuid.uuid4()),
        "person_id": world.people["wuliji"].pk,
        "visited_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "living_conditions": "独居，行动不便",
        "item_ids": [item("elderly.home_visit").pk],
        "follow_up_on": str(timezone.localdate() + timedelta(days=14)),
        "photos": [{"data": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode(),
                    "taken_at": timezone.now().isoformat(), "latitude": 46.08,
                    "longitude": 122.06}],
        "needs": [{"domain_code": "elderly", "urgency": "urgent", "description": "需要助餐"}],
    }  # fmt: skip
    body.update(kw)
    return body


def test_sync_posts_a_visit_once_however_often_it_is_sent(world, login):
    client = login(world.users["station_worker"])
    body = visit_body(world)
    first = post(client, "/visits", body)
    assert first.status_code == 201, first.content
    again = post(client, "/visits", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1 and Need.objects.count() == 1
    data = first.json()
    assert data["photos"][0]["has_location"] is True and data["need_ids"]
    assert data["living_conditions"] == "独居，行动不便"


def test_the_list_and_the_detail_show_a_visit_as_its_sync_answered(world, login):
    """Links (items, workers, photos, needs) in one query each, whatever the page's size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users["station_worker"])
    sent = post(client, "/visits", visit_body(world, worker_ids=[world.workers["worker_a"].pk]))
    assert sent.status_code == 201, sent.content
    answer = sent.json()
    assert answer["worker_ids"] == [world.workers["worker_a"].pk] and answer["items"]
    assert client.get(f"{API}/visits/{answer['id']}").json() == answer
    with CaptureQueriesContext(connection) as one:
        page = client.get(f"{API}/visits").json()
    for_one = len(one)  # now: the next request empties the connection's log
    assert page["items"] == [answer]
    for _ in range(3):
        assert post(client, "/visits", visit_body(world)).status_code == 201
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(f"{API}/visits").json()["items"]) == 4
    assert len(four) == for_one > 0


def test_a_county_pages_its_visits_newest_first_and_sqlite_walks_the_key(world, login):
    """A county's list is paged by walking the primary key: SQLite, which cannot tell how
    many visits a code range holds, would otherwise sort the county's every visit for each
    page. A township's list keeps the region index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = login(world.users["station_worker"])
    made = [post(worker, "/visits", visit_body(world)).json()["id"] for _ in range(5)]

    def listing(client, path) -> tuple[str, str]:
        """The list's SQL and, on SQLite, its plan."""
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        sql = next(
            q["sql"] for q in queries if 'FROM "casework_visit"' in q["sql"] and "LIMIT" in q["sql"]
        )
        if connection.vendor != "sqlite":
            return sql, ""
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return sql, " | ".join(str(row[-1]) for row in cursor.fetchall())

    sql, _plan = listing(worker, f"{API}/visits?limit=2")  # a township: its index
    assert '+"casework_visit"."region_code"' not in sql and '"region_code" >=' in sql
    county = login(world.users["county_admin"])
    seen, after = [], None
    while True:
        page = county.get(f"{API}/visits?limit=2" + (f"&after={after}" if after else "")).json()
        seen += [v["id"] for v in page["items"]]
        if (after := page["next_after"]) is None:
            break
    assert seen == sorted(made, reverse=True)
    if connection.vendor == "sqlite":
        sql, plan = listing(county, f"{API}/visits?limit=2")
        assert '+"casework_visit"."region_code"' in sql and "TEMP B-TREE" not in plan


def test_visit_errors_name_the_field(world, login):
    client = login(world.users["station_worker"])
    response = post(client, "/visits", visit_body(world, item_ids=[]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "items"
    response = post(client, "/visits", visit_body(world, photos=[{"data": "@@@"}]))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "photos"
    response = post(client, "/visits", visit_body(world, person_id=world.people["hongyun"].pk))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "person_id"
    assert not Visit.objects.exists()


def test_the_whole_case_over_the_api(world, login):
    worker = login(world.users["station_worker"])
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=item("elderly.daily_care").domain, description="需要生活照料",
    )  # fmt: skip
    response = post(worker, "/cases", {
        "person_id": world.people["wuliji"].pk, "platform_id": world.platforms["station_a"].pk,
        "title": "乌力吉生活照料", "intake_summary": "独居，需要照料", "need_id": need.pk,
    })  # fmt: skip
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    assert response.json()["allowed_transitions"] == ["assess"]
    assert post(worker, f"/cases/{case_id}/plan", {"goals": ["x"]}).status_code == 422
    assert post(worker, f"/cases/{case_id}/assess", {"assessment": "照料缺失"}).status_code == 200
    plan = post(worker, f"/cases/{case_id}/plan", {"goals": ["每周助洁两次"]}).json()
    goal_id = plan["goals"][0]["id"]
    assert post(worker, f"/cases/{case_id}/intervene", {}).status_code == 200
    service = post(worker, f"/cases/{case_id}/services", {
        "served_on": str(timezone.localdate()), "item_ids": [item("elderly.daily_care").pk],
        "description": "上门助洁", "minutes": 90,
    })  # fmt: skip
    assert service.status_code == 201
    evaluated = post(worker, f"/cases/{case_id}/evaluate", {
        "evaluation": "照料到位", "attained": {str(goal_id): True}})  # fmt: skip
    assert evaluated.status_code == 200, evaluated.content
    referral = post(
        worker,
        f"/cases/{case_id}/referrals",
        {"kind": "referral", "to_platform_id": world.platforms["station_b"].pk, "reason": "助餐"},
    )
    assert referral.status_code == 201
    other = login(world.users["other_station_worker"])
    to_us = other.get(f"{API}/referrals?direction=to_us").json()["items"]
    assert [r["id"] for r in to_us] == [referral.json()["id"]]
    seen = other.get(f"{API}/cases/{case_id}").json()
    assert seen["notes_visible"] is False and seen["intake_summary"] == ""
    accept = post(other, f"/referrals/{referral.json()['id']}/accept", {"note": "接收"})
    assert accept.status_code == 200 and accept.json()["status"] == "accepted"
    worker = login(world.users["station_worker"])
    closed = post(worker, f"/cases/{case_id}/close", {"reason": "goals_met"})
    assert closed.json()["status"] == "closed"
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds == ["open", "assess", "plan", "intervene", "service", "evaluate",
                     "referral_request", "referral_accept", "close", "referral_end"]  # fmt: skip
    assert AuditEvent.objects.filter(action="case.read", actor_name="other_station_worker").exists()


def test_approval_over_the_api(world, login):
    services.closure_policy_set(by=None, region=world.region("152201000000"), needs_approval=True)
    case = run_to_evaluation(world, an_open_case(world))
    worker = login(world.users["station_worker"])
    assert post(worker, f"/cases/{case.pk}/close", {"reason": "goals_met"}).json()[
        "status"] == "closing"  # fmt: skip
    denied = post(worker, f"/cases/{case.pk}/approve-closure", {"approve": True})
    assert denied.status_code == 403
    supervisor = login(world.users["supervisor"])
    done = post(supervisor, f"/cases/{case.pk}/approve-closure", {"approve": True})
    assert done.status_code == 200 and done.json()["status"] == "closed"


def test_out_of_scope_cases_and_visits_are_404(world, login):
    case = an_open_case(world)
    visit, _ = services.visit_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        visited_at=timezone.now(), items=[item("elderly.home_visit")],
    )  # fmt: skip
    client = login(world.users["other_station_worker"])
    assert client.get(f"{API}/cases/{case.pk}").status_code == 404
    assert client.get(f"{API}/visits/{visit.pk}").status_code == 404
    assert post(client, f"/cases/{case.pk}/assess", {"assessment": "x"}).status_code == 404
    assert client.get(f"/casework/visits/{visit.pk}/photos/1/").status_code == 404


# --- pages ---------------------------------------------------------------------------------


def test_the_visit_form_without_javascript_posts_through_the_service(world, login):
    client = login(world.users["station_worker"])
    person = world.people["wuliji"]
    page = client.get(f"/casework/visits/new/?person={person.pk}")
    assert page.status_code == 200 and "入户走访" in page.content.decode()
    client_id = str(uuid.uuid4())
    data = {
        "client_id": client_id, "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "items": [item("elderly.home_visit").pk], "living_conditions": "屋内整洁",
        "need_domain": "elderly", "need_description": "希望参加老年活动", "need_urgency": "normal",
    }  # fmt: skip
    response = client.post(f"/casework/visits/new/?person={person.pk}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(f"/casework/visits/new/?person={person.pk}", data)  # resubmitted
    assert Visit.objects.filter(client_id=client_id).count() == 1
    visit = Visit.objects.get()
    assert visit.needs.get().description == "希望参加老年活动"
    body = client.get(f"/people/{person.pk}/").content.decode()
    assert "希望参加老年活动" in body and f"/casework/visits/{visit.pk}/" in body
    assert "<title>乌力吉 · " in body


def test_todo_lists_follow_ups_overdue_people_and_open_needs(world, login):
    from wushe.people.services import category_add

    category_add(
        by=None, person=world.people["wuliji"], category="elderly_alone",
        started_on=timezone.localdate() - timedelta(days=400),
    )  # fmt: skip
    client = login(world.users["station_worker"])
    body = client.get("/casework/todo/").content.decode()
    assert "久未走访" in body and "乌力吉" in body and "从未走访" in body
    services.visit_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        visited_at=timezone.now() - timedelta(days=1), items=[item("elderly.home_visit")],
        follow_up_on=timezone.localdate(),
    )  # fmt: skip
    body = client.get("/casework/todo/").content.decode()
    assert "到期跟进" in body and "从未走访" not in body
    other = login(world.users["other_station_worker"]).get("/casework/todo/").content.decode()
    assert "乌力吉" not in other


def test_a_case_through_its_pages(world, login):
    client = login(world.users["station_worker"])
    person = world.people["wuliji"]
    response = client.post(f"/casework/cases/new/?person={person.pk}", {
        "platform": world.platforms["station_a"].pk, "title": "乌力吉个案",
        "intake_summary": "接案情况",
    })  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302
    url = f"/casework/cases/{case.pk}/"
    bad = client.post(url + "plan/", {"goals": "目标"})
    assert bad.status_code == 422 and "不能制定服务计划" in bad.content.decode()
    client.post(url + "assess/", {"text": "预估内容"})
    client.post(url + "plan/", {"goals": "目标一\n目标二"})
    client.post(url + "intervene/")
    client.post(url + "service/", {
        "served_on": str(timezone.localdate()), "items": [item("elderly.emotional_comfort").pk],
        "description": "陪伴聊天",
    })  # fmt: skip
    goals = {f"goal_{g.pk}": "yes" for g in case.goals.all()}
    client.post(url + "evaluate/", {"text": "成效明显", **goals})
    client.post(url + "close/", {"reason": "goals_met"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    page = client.get(url).content.decode()
    assert "陪伴聊天" in page and "成效明显" in page and "重新开案" in page


def test_case_notes_are_hidden_on_the_page_from_an_admin_and_shown_to_the_supervisor(world, login):
    case = an_open_case(world)
    admin = login(world.users["county_admin"]).get(f"/casework/cases/{case.pk}/")
    assert admin.status_code == 200 and "一氧化碳" not in admin.content.decode()
    supervisor = login(world.users["supervisor"]).get(f"/casework/cases/{case.pk}/")
    assert "一氧化碳" in supervisor.content.decode()


def test_the_receiver_accepts_a_referral_from_its_list(world, login):
    case = an_open_case(world)
    referral = services.referral_request(
        by=world.users["station_worker"], case=case, kind="transfer",
        to_platform=world.platforms["station_b"], reason="搬迁",
    )  # fmt: skip
    client = login(world.users["other_station_worker"])
    body = client.get("/casework/referrals/").content.decode()
    assert "乌力吉居家安全" in body
    client.post(f"/casework/referrals/{referral.pk}/decide/", {"decision": "accept"})
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    assert Case.objects.get(pk=case.pk).platform == world.platforms["station_b"]


def test_a_village_page_lists_its_open_needs(world, login):
    services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=item("elderly.daily_care").domain, description="需要助浴",
    )  # fmt: skip
    client = login(world.users["station_worker"])
    body = client.get("/regions/152201001001/").content.decode()
    assert "待解决的需求" in body and "乌力吉" in body


def test_a_need_opens_a_case_from_the_person_page(world, login):
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=item("elderly.daily_care").domain, description="需要助浴", urgency="urgent",
    )  # fmt: skip
    client = login(world.users["station_worker"])
    page = client.get(f"/casework/cases/new/?need={need.pk}").content.decode()
    assert "需要助浴" in page
    client.post(f"/casework/cases/new/?need={need.pk}", {
        "platform": world.platforms["station_a"].pk, "title": "助浴个案",
        "intake_summary": "需要助浴",
    })  # fmt: skip
    assert Need.objects.get(pk=need.pk).case.title == "助浴个案"


def test_a_county_sets_its_closure_rule_on_its_page(world, login):
    client = login(world.users["county_admin"])
    page = client.get("/casework/closure-policy/").content.decode()
    assert "社工可直接结案" in page
    refused = client.post(
        "/casework/closure-policy/", {"region": "152202000000", "needs_approval": "yes"}
    )
    assert refused.status_code == 200 and "不在您的管辖范围内" in refused.content.decode()
    client.post("/casework/closure-policy/", {"region": "152201000000", "needs_approval": "yes"})
    assert services.closure_needs_approval("152201001001") is True
    assert services.closure_needs_approval("152202001001") is False
    assert AuditEvent.objects.filter(action="case.closure_policy").count() == 1
    worker = login(world.users["station_worker"])
    assert worker.get("/casework/closure-policy/").status_code == 403


def test_the_person_page_timeline_tells_the_work_newest_first(world, login):
    from wushe.casework.records import timeline

    services.visit_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        visited_at=timezone.now() - timedelta(days=5), items=[item("elderly.home_visit")],
    )  # fmt: skip
    an_open_case(world)
    moments = timeline(world.users["station_worker"], world.people["wuliji"])
    assert [m.kind for m in moments] == ["个案", "入户走访"]
    assert "接案" in moments[0].text and moments[0].url.startswith("/casework/cases/")
    assert timeline(world.users["county_admin"], world.people["wuliji"])[0].kind == "个案"
    body = login(world.users["station_worker"]).get(f"/people/{world.people['wuliji'].pk}/")
    assert 'id="person-timeline"' in body.content.decode()


def test_schema_errors_read_in_chinese(world, login):
    client = login(world.users["station_worker"])
    response = post(client, "/visits", visit_body(world, visited_at="昨天下午"))
    detail = response.json()["detail"][0]
    assert response.status_code == 422 and detail["field"] == "visited_at"
    assert "时间格式不对" in detail["message"]
    body = visit_body(world)
    del body["item_ids"]
    assert post(client, "/visits", body).json()["detail"][0]["message"] == "必填。"


def test_a_household_visit_counts_for_its_members_on_the_todo(world, login):
    from wushe.casework.todo import overdue
    from wushe.people.models import Household
    from wushe.people.services import category_add

    home = Household.objects.create(region=world.region("152201001001"), address="万佳小区")
    wuliji = world.people["wuliji"]
    wuliji.household = home
    wuliji.save(update_fields=["household"])
    category_add(by=None, person=wuliji, category="elderly_alone",
                 started_on=timezone.localdate() - timedelta(days=100))  # fmt: skip
    user = world.users["station_worker"]
    assert [o.person for o in overdue(user, timezone.localdate())] == [wuliji]
    services.visit_create(by=user, household=home, visited_at=timezone.now(),
                          items=[item("elderly.home_visit")])  # fmt: skip
    assert overdue(user, timezone.localdate()) == []


def test_a_visit_recorded_by_mistake_is_deleted_with_a_reason(world, login):
    visit, _ = services.visit_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        visited_at=timezone.now(), items=[item("elderly.home_visit")],
    )  # fmt: skip
    other = login(world.users["volunteer_coordinator"])
    assert "删除这条走访记录" not in other.get(f"/casework/visits/{visit.pk}/").content.decode()
    client = login(world.users["station_worker"])
    assert "删除这条走访记录" in client.get(f"/casework/visits/{visit.pk}/").content.decode()
    client.post(f"/casework/visits/{visit.pk}/delete/", {"reason": ""})
    assert Visit.objects.filter(pk=visit.pk).exists()
    client.post(f"/casework/visits/{visit.pk}/delete/", {"reason": "对象选错"})
    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert AuditEvent.objects.get(action="visit.delete").changes["reason"] == "对象选错"
