"""Visits, needs and case work through the services: every transition rule and scope rule."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from wushe.audit.models import AuditEvent
from wushe.casework import services
from wushe.casework.models import Case, CaseEvent, CaseStatus, Need, Referral, Visit
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.photos import PhotoUpload

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x01" * 200 + b"\xff\xd9"


def item(code: str) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def a_visit(world, by="station_worker", person="wuliji", **kw):
    fields = {
        "visited_at": timezone.now() - timedelta(hours=1),
        "items": [item("elderly.home_visit")],
        "living_conditions": "独居，屋内取暖靠煤炉",
    }
    fields.update(kw)
    return services.visit_create(by=world.users[by], person=world.people[person], **fields)


def an_open_case(world, by="station_worker", **kw):
    fields = {
        "person": world.people["wuliji"],
        "platform": world.platforms["station_a"],
        "title": "乌力吉居家安全",
        "intake_summary": "独居老人，冬季取暖存在一氧化碳风险",
    }
    fields.update(kw)
    return services.case_open(by=world.users[by], **fields)


def run_to_evaluation(world, case, by="station_worker"):
    user = world.users[by]
    case = services.case_assess(by=user, case=case, assessment="取暖安全与社会支持不足")
    case = services.case_plan(by=user, case=case, goals=["更换安全取暖设备", "建立邻里守望"])
    case = services.case_intervene(by=user, case=case)
    services.service_record_add(
        by=user, case=case, served_on=timezone.localdate(),
        items=[item("elderly.material_aid")], description="链接慈善资源更换电暖器",
    )  # fmt: skip
    attained = {g.pk: True for g in case.goals.all()}
    return services.case_evaluate(by=user, case=case, evaluation="目标均已达成", attained=attained)


# --- visits --------------------------------------------------------------------------------


def test_a_visit_records_findings_items_photos_and_needs(world):
    need = services.NeedInput(
        domain=ServiceDomain.objects.get(code="elderly"), description="需要更换取暖设备",
        item=item("elderly.material_aid"), urgency="urgent",
    )  # fmt: skip
    visit, created = a_visit(
        world, photos=[PhotoUpload(data=JPEG, latitude=46.07, longitude=122.05)], needs=[need]
    )
    assert created and visit.region_id == "152201001001"
    assert [i.code for i in visit.items.all()] == ["elderly.home_visit"]
    assert visit.photos.get().image() == JPEG
    assert visit.photos.get().location() == (46.07, 122.05)
    assert Need.objects.get(visit=visit).status == Need.Status.OPEN
    assert AuditEvent.objects.filter(action="visit.create", object_id=str(visit.pk)).exists()


def test_findings_and_photos_are_encrypted_at_rest(world):
    visit, _ = a_visit(world, photos=[PhotoUpload(data=JPEG)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT living_conditions FROM casework_visit WHERE id = %s", [visit.pk])
        (raw,) = cursor.fetchone()
        cursor.execute("SELECT data_enc FROM casework_visitphoto WHERE visit_id = %s", [visit.pk])
        (photo,) = cursor.fetchone()
    assert raw.startswith("sm4gcm:") and "煤炉" not in raw
    assert photo.startswith("sm4gcm:") and "JFIF" not in photo


def test_the_same_draft_synced_twice_makes_one_visit(world):
    client_id = uuid.uuid4()
    first, created = a_visit(world, client_id=client_id)
    again, created_again = a_visit(world, client_id=client_id)
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.filter(client_id=client_id).count() == 1


def test_visits_and_people_keep_no_index_a_wider_one_serves():
    """Every index is one more write per visit saved and per visit a 区划调整 recodes: the
    region and person columns are reached through (region, visited_at), (person,
    visited_at), (region, name) and the search keys' unique (person, key); nothing reads
    visits by author."""
    tables = ["casework_visit", "people_person", "people_personsearchkey"]
    with connection.cursor() as cursor:
        found = {
            table: sorted(
                tuple(c["columns"])
                for c in connection.introspection.get_constraints(cursor, table).values()
                if c["index"] and not c["primary_key"]
            )
            for table in tables
        }
    assert ("region_code",) not in found["casework_visit"]
    assert ("person_id",) not in found["casework_visit"]
    assert ("created_by_id",) not in found["casework_visit"]
    assert {("region_code", "visited_at"), ("person_id", "visited_at")} <= set(
        found["casework_visit"]
    )
    # The household index holds only visits to a whole household (a partial index).
    assert found["casework_visit"].count(("household_id",)) == 1
    assert ("region_code",) not in found["people_person"]
    assert found["people_person"].count(("phone_index",)) == 1  # no pattern-ops twin
    assert ("person_id",) not in found["people_personsearchkey"]


def test_another_account_cannot_reuse_a_draft_id(world):
    client_id = uuid.uuid4()
    a_visit(world, client_id=client_id)
    with pytest.raises(ValidationError) as exc:
        a_visit(world, by="station_head", client_id=client_id)
    assert "client_id" in exc.value.message_dict


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"visited_at": timezone.now() + timedelta(days=1)}, "visited_at"),
        ({"follow_up_on": date(2000, 1, 1)}, "follow_up_on"),
        ({"photos": [PhotoUpload(data=b"GIF89a not a photo")]}, "photos"),
        ({"photos": [PhotoUpload(data=JPEG)] * 10}, "photos"),
    ],
)
def test_a_visit_refuses_bad_input_and_writes_nothing(world, change, field):
    with pytest.raises(ValidationError) as exc:
        a_visit(world, **change)
    assert field in exc.value.message_dict
    assert not Visit.objects.exists()


def test_a_local_item_of_another_county_is_refused(world):
    from wushe.catalog.services import item_create

    far = item_create(
        by=None, region=world.region("152202000000"), name="阿尔山林区巡访",
        domain=ServiceDomain.objects.get(code="elderly"),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        a_visit(world, items=[far])
    assert "不适用" in exc.value.message_dict["items"][0]


def test_visits_are_scoped_and_childrens_visits_hidden_from_volunteers(world):
    a_visit(world)
    child_visit, _ = a_visit(world, person="xiaobao", items=[item("children.home_visit")])
    assert Visit.objects.visible_to(world.users["other_station_worker"]).count() == 0
    seen = set(Visit.objects.visible_to(world.users["volunteer_coordinator"]))
    assert child_visit not in seen and len(seen) == 1
    with pytest.raises(PermissionDenied):
        a_visit(world, by="other_station_worker")
    with pytest.raises(PermissionDenied):
        a_visit(world, by="county_admin")  # oversight reads, it does not visit


def test_volunteer_coordinator_may_record_a_visit(world):
    visit, created = a_visit(world, by="volunteer_coordinator", volunteers="李娜、王磊")
    assert created and visit.volunteers == "李娜、王磊"


# --- needs ---------------------------------------------------------------------------------


def test_a_need_is_open_until_resolved_and_closing_needs_a_reason(world):
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=ServiceDomain.objects.get(code="elderly"), description="希望有人定期陪伴",
    )  # fmt: skip
    assert Need.objects.open().filter(pk=need.pk).exists()
    with pytest.raises(ValidationError):
        services.need_resolve(by=world.users["station_worker"], need=need, status="closed")
    services.need_resolve(
        by=world.users["station_worker"], need=need, status="closed", resolution="本人婉拒"
    )
    with pytest.raises(ValidationError):
        services.need_resolve(by=world.users["station_worker"], need=need, status="met")


def test_a_need_item_must_belong_to_its_domain(world):
    with pytest.raises(ValidationError) as exc:
        services.need_create(
            by=world.users["station_worker"], person=world.people["wuliji"],
            domain=ServiceDomain.objects.get(code="children"), description="x",
            item=item("elderly.material_aid"),
        )  # fmt: skip
    assert "item" in exc.value.message_dict


# --- cases ---------------------------------------------------------------------------------


def test_a_case_runs_every_stage_and_each_step_is_on_the_timeline(world):
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=ServiceDomain.objects.get(code="elderly"), description="取暖不安全",
    )  # fmt: skip
    case = an_open_case(world, need=need)
    assert case.status == CaseStatus.INTAKE and Need.objects.get(pk=need.pk).case == case
    case = run_to_evaluation(world, case)
    case = services.case_close(by=world.users["station_worker"], case=case, reason="goals_met")
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["open", "assess", "plan", "intervene", "service", "evaluate", "close"]
    for stamp in ("assessed_at", "planned_at", "intervention_at", "evaluated_at"):
        assert getattr(case, stamp) is not None
    case = services.case_reopen(by=world.users["station_worker"], case=case, reason="又出现困难")
    assert case.status == CaseStatus.INTAKE and case.closed_at is None
    assert case.closure_reason == "" and case.closure_requested_at is None


def test_every_transition_refuses_from_a_stage_it_does_not_leave(world):
    case = an_open_case(world)
    user = world.users["station_worker"]
    attempts = {
        "plan": lambda: services.case_plan(by=user, case=case, goals=["x"]),
        "intervene": lambda: services.case_intervene(by=user, case=case),
        "evaluate": lambda: services.case_evaluate(by=user, case=case, evaluation="x", attained={}),
        "close": lambda: services.case_close(by=user, case=case, reason="goals_met"),
        "reopen": lambda: services.case_reopen(by=user, case=case, reason="x"),
        "approve": lambda: services.case_approve_closure(
            by=world.users["supervisor"], case=case, approve=True
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "接案" in str(exc.value), name
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INTAKE
    assert list(case.events.values_list("kind", flat=True)) == ["open"]


def test_transitions_map_is_the_only_way_stages_move(world):
    """Every (source, target) pair in the map is reachable, and no stage is a dead end."""
    sources = {s for srcs, _t, _s in services.TRANSITIONS.values() for s in srcs}
    targets = {t for _srcs, t, _s in services.TRANSITIONS.values()}
    assert sources | {CaseStatus.INTAKE} == set(CaseStatus.values)
    assert targets | {CaseStatus.INTAKE} == set(CaseStatus.values)


def test_a_plan_needs_a_goal_and_an_evaluation_needs_a_service_and_every_goal(world):
    user = world.users["station_worker"]
    case = services.case_assess(by=user, case=an_open_case(world), assessment="需求评估")
    with pytest.raises(ValidationError) as exc:
        services.case_plan(by=user, case=case, goals=["", "  "])
    assert "至少要有一个目标" in str(exc.value)
    case = services.case_plan(by=user, case=case, goals=["目标一", "目标二"])
    case = services.case_intervene(by=user, case=case)
    with pytest.raises(ValidationError) as exc:
        services.case_evaluate(by=user, case=case, evaluation="x", attained={})
    assert "服务记录" in str(exc.value) and "目标一" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.service_record_add(
            by=user, case=case, served_on=timezone.localdate(), items=[], description="x"
        )
    assert "items" in exc.value.message_dict


def test_service_records_only_during_intervention(world):
    case = an_open_case(world)
    with pytest.raises(ValidationError) as exc:
        services.service_record_add(
            by=world.users["station_worker"], case=case, served_on=timezone.localdate(),
            items=[item("elderly.home_visit")], description="x",
        )  # fmt: skip
    assert "介入" in str(exc.value)


def test_closure_needs_the_supervisors_approval_where_the_region_requires_it(world):
    services.closure_policy_set(
        by=world.users["county_admin"], region=world.region("152201000000"), needs_approval=True
    )
    case = run_to_evaluation(world, an_open_case(world))
    case = services.case_close(by=world.users["station_worker"], case=case, reason="goals_met")
    assert case.status == CaseStatus.CLOSING
    with pytest.raises(PermissionDenied):
        services.case_approve_closure(by=world.users["station_worker"], case=case, approve=True)
    with pytest.raises(ValidationError):
        services.case_approve_closure(by=world.users["supervisor"], case=case, approve=False)
    case = services.case_approve_closure(
        by=world.users["supervisor"], case=case, approve=False, note="请补充评估依据"
    )
    assert case.status == CaseStatus.EVALUATION
    case = services.case_close(by=world.users["station_worker"], case=case, reason="goals_met")
    case = services.case_approve_closure(by=world.users["supervisor"], case=case, approve=True)
    assert case.status == CaseStatus.CLOSED
    assert case.closure_approved_by == world.users["supervisor"]


def test_a_lower_region_may_waive_the_approval_its_county_requires(world):
    services.closure_policy_set(by=None, region=world.region("152201000000"), needs_approval=True)
    services.closure_policy_set(by=None, region=world.region("152201001000"), needs_approval=False)
    assert services.closure_needs_approval("152201001001") is False
    assert services.closure_needs_approval("152201002001") is True
    assert services.closure_needs_approval("152202001001") is False


def test_only_the_owning_side_works_on_a_case(world):
    case = an_open_case(world)
    with pytest.raises(PermissionDenied):
        services.case_assess(by=world.users["other_station_worker"], case=case, assessment="x")
    with pytest.raises(PermissionDenied):
        services.case_assess(by=world.users["supervisor"], case=case, assessment="x")
    services.case_assess(by=world.users["station_head"], case=case, assessment="站长代为预估")


def test_case_scope_and_children_cases(world):
    case = an_open_case(world)
    child_case = an_open_case(world, person=world.people["xiaobao"], title="赵小宝照护")
    assert set(Case.objects.visible_to(world.users["county_admin"])) == {case, child_case}
    assert not Case.objects.visible_to(world.users["other_station_worker"]).exists()
    assert not Case.objects.visible_to(world.users["outsider"]).exists()
    assert not Case.objects.visible_to(world.users["volunteer_coordinator"]).exists()


# --- referrals -----------------------------------------------------------------------------


def test_a_referral_lets_the_receiver_see_the_case_without_moving_it(world):
    case = an_open_case(world)
    other = world.users["other_station_worker"]
    referral = services.referral_request(
        by=world.users["station_worker"], case=case, kind="referral",
        to_platform=world.platforms["station_b"], reason="需要和平街道的日间照料资源",
    )  # fmt: skip
    assert Case.objects.visible_to(other).filter(pk=case.pk).exists()
    services.referral_decide(by=other, referral=referral, accept=True, note="同意接收")
    case.refresh_from_db()
    assert case.platform == world.platforms["station_a"] and case.worker == world.users[
        "station_worker"]  # fmt: skip
    assert Case.objects.visible_to(other).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.case_assess(by=other, case=case, assessment="x")


def test_a_transfer_moves_the_case_to_the_receiver(world):
    case = an_open_case(world)
    other = world.users["other_station_worker"]
    referral = services.referral_request(
        by=world.users["station_worker"], case=case, kind="transfer",
        to_platform=world.platforms["station_b"], reason="服务对象搬到和平街道",
    )  # fmt: skip
    services.referral_decide(by=other, referral=referral, accept=True)
    case.refresh_from_db()
    assert case.platform == world.platforms["station_b"] and case.worker == other
    services.case_assess(by=other, case=case, assessment="新站点接手预估")


def test_a_referral_is_rejected_with_a_reason_and_revocable_only_before_an_answer(world):
    case = an_open_case(world)
    worker, other = world.users["station_worker"], world.users["other_station_worker"]
    first = services.referral_request(
        by=worker, case=case, kind="referral", to_platform=world.platforms["station_b"],
        reason="x",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.referral_decide(by=worker, referral=first, accept=True)  # not the receiver
    with pytest.raises(ValidationError):
        services.referral_decide(by=other, referral=first, accept=False)
    services.referral_decide(by=other, referral=first, accept=False, note="本站暂无此项资源")
    assert not Case.objects.visible_to(other).filter(pk=case.pk).exists()
    with pytest.raises(ValidationError):
        services.referral_revoke(by=worker, referral=first)
    second = services.referral_request(
        by=worker, case=case, kind="referral", to_platform=world.platforms["station_b"],
        reason="再次申请",
    )  # fmt: skip
    services.referral_revoke(by=worker, referral=second, note="已自行解决")
    assert Referral.objects.get(pk=second.pk).status == Referral.Status.REVOKED
    with pytest.raises(ValidationError):
        services.referral_decide(by=other, referral=second, accept=True)


def test_a_referral_to_an_organization_is_answered_by_the_case_worker(world):
    case = an_open_case(world)
    worker = world.users["station_worker"]
    with pytest.raises(ValidationError):
        services.referral_request(
            by=worker, case=case, kind="transfer", to_organization="兴安盟残联", reason="x"
        )
    referral = services.referral_request(
        by=worker, case=case, kind="referral", to_organization="兴安盟残联", reason="辅具适配"
    )
    services.referral_decide(by=worker, referral=referral, accept=True, note="残联已受理")
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED


def test_closing_the_case_ends_its_accepted_referrals_and_the_receivers_sight(world):
    """The receiver serves the case while the referral stands; once the case is closed the
    referral ends (on the timeline and in the audit), and so does the receiver's sight. A
    referral to an organization off the platform ends too; a transfer stays as it was."""
    worker, other = world.users["station_worker"], world.users["other_station_worker"]
    case = an_open_case(world)
    referral = services.referral_request(
        by=worker, case=case, kind="referral", to_platform=world.platforms["station_b"],
        reason="需要和平街道的日间照料资源",
    )  # fmt: skip
    services.referral_decide(by=other, referral=referral, accept=True)
    outside = services.referral_request(
        by=worker, case=case, kind="referral", to_organization="兴安盟残联", reason="辅具适配"
    )
    services.referral_decide(by=worker, referral=outside, accept=True)
    case = run_to_evaluation(world, case)
    assert Case.objects.visible_to(other).filter(pk=case.pk).exists()
    services.case_close(by=worker, case=case, reason="goals_met")
    assert set(case.referrals.values_list("status", flat=True)) == {Referral.Status.ENDED}
    assert not Case.objects.visible_to(other).filter(pk=case.pk).exists()
    assert case.events.filter(kind="referral_end").count() == 2
    assert AuditEvent.objects.filter(action="case.referral_end").count() == 2
    services.case_reopen(by=worker, case=case, reason="老人再次跌倒")
    assert not Case.objects.visible_to(other).filter(pk=case.pk).exists()


def test_a_case_with_an_unanswered_referral_cannot_close(world):
    case = run_to_evaluation(world, an_open_case(world))
    services.referral_request(
        by=world.users["station_worker"], case=case, kind="referral",
        to_platform=world.platforms["station_b"], reason="x",
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.case_close(by=world.users["station_worker"], case=case, reason="goals_met")
    assert "转介" in str(exc.value)


# --- case notes ----------------------------------------------------------------------------


def test_case_notes_are_for_the_team_and_granted_roles_and_outside_reads_are_audited(world):
    case = an_open_case(world)
    assert services.case_read(by=world.users["station_worker"], case=case) is True
    assert not AuditEvent.objects.filter(action="case.read").exists()
    assert services.case_read(by=world.users["supervisor"], case=case) is True
    assert services.case_read(by=world.users["county_admin"], case=case) is False
    reads = AuditEvent.objects.filter(action="case.read", object_id=str(case.pk))
    assert set(reads.values_list("actor_name", flat=True)) == {"supervisor", "county_admin"}


def test_case_text_is_encrypted_at_rest(world):
    case = an_open_case(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT intake_summary FROM casework_case WHERE id = %s", [case.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("sm4gcm:") and "一氧化碳" not in raw
    assert Case.objects.get(pk=case.pk).intake_summary.endswith("一氧化碳风险")
    assert CaseEvent.objects.filter(case=case).count() == 1


# --- the review's cases ---------------------------------------------------------------------


def test_a_worker_who_moved_station_leaves_the_old_cases_behind(world):
    from wushe.accounts import services as account_services
    from wushe.accounts.permissions import forget

    case = an_open_case(world)
    worker = world.users["station_worker"]
    worker.role_assignments.all().delete()
    account_services.role_assign(
        by=None, user=worker, role="station_worker", region=world.region("152201002000")
    )
    forget(worker)
    assert not Case.objects.visible_to(worker).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.case_assess(by=worker, case=case, assessment="x")


def test_nobody_approves_a_closure_they_asked_for(world):
    from wushe.accounts import services as account_services
    from wushe.accounts.permissions import forget

    services.closure_policy_set(by=None, region=world.region("152201000000"), needs_approval=True)
    head = world.users["station_head"]
    account_services.role_assign(
        by=None, user=head, role="supervisor", region=world.region("152201000000")
    )
    forget(head)
    case = run_to_evaluation(world, an_open_case(world))
    case = services.case_close(by=head, case=case, reason="goals_met")
    with pytest.raises(ValidationError):
        services.case_approve_closure(by=head, case=case, approve=True)
    services.case_approve_closure(by=world.users["supervisor"], case=case, approve=True)


def test_a_referral_goes_only_to_a_station_or_center_of_the_province(world):
    case = an_open_case(world)
    for platform in ("beijing_station", "room_b1"):
        with pytest.raises(ValidationError) as exc:
            services.referral_request(
                by=world.users["station_worker"], case=case, kind="referral",
                to_platform=world.platforms[platform], reason="x",
            )  # fmt: skip
        assert "to_platform" in exc.value.message_dict


def test_the_sending_side_cannot_accept_its_own_transfer(world):
    case = an_open_case(world)
    manager = world.users["center_manager"]  # a county role: covers both stations
    referral = services.referral_request(
        by=manager, case=case, kind="transfer", to_platform=world.platforms["station_b"],
        reason="x",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.referral_decide(by=manager, referral=referral, accept=True)
    services.referral_decide(by=world.users["other_station_worker"], referral=referral, accept=True)


def test_a_volunteer_records_a_visit_but_not_a_need(world):
    need = services.NeedInput(domain=item("elderly.home_visit").domain, description="需要助餐")
    with pytest.raises(ValidationError) as exc:
        a_visit(world, by="volunteer_coordinator", needs=[need])
    assert "needs" in exc.value.message_dict and not Visit.objects.exists()


def test_a_household_visit_with_a_child_at_home_is_hidden_from_volunteers(world):
    from wushe.people.models import Household

    home = Household.objects.create(region=world.region("152201001001"), address="万佳小区")
    for key in ("wuliji", "xiaobao"):
        world.people[key].household = home
        world.people[key].save(update_fields=["household"])
    visit, _ = services.visit_create(
        by=world.users["station_worker"], household=home, visited_at=timezone.now(),
        items=[item("elderly.home_visit")],
    )  # fmt: skip
    assert Visit.objects.visible_to(world.users["station_worker"]).filter(pk=visit.pk).exists()
    assert not Visit.objects.visible_to(world.users["volunteer_coordinator"]).exists()


def test_a_reopened_case_needs_a_new_service_before_its_evaluation(world):
    user = world.users["station_worker"]
    case = run_to_evaluation(world, an_open_case(world))
    case = services.case_close(by=user, case=case, reason="goals_met")
    case = services.case_reopen(by=user, case=case, reason="复发")
    case = services.case_assess(by=user, case=case, assessment="再次预估")
    case = services.case_plan(by=user, case=case, goals=["新目标"])
    case = services.case_intervene(by=user, case=case)
    with pytest.raises(ValidationError) as exc:
        services.case_evaluate(
            by=user, case=case, evaluation="x", attained={g.pk: True for g in case.goals.all()}
        )
    assert "服务记录" in str(exc.value)


def test_one_need_opens_one_case(world):
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=item("elderly.home_visit").domain, description="x",
    )  # fmt: skip
    an_open_case(world, need=need)
    stale = Need.objects.get(pk=need.pk)
    stale.case_id = None  # as a second form posted at the same moment read it
    with pytest.raises(ValidationError):
        an_open_case(world, need=stale)
    assert Case.objects.count() == 1


def test_today_is_the_platforms_day_not_utcs(monkeypatch):
    """At 01:00 in Beijing, UTC's date is still yesterday: a service recorded for today is
    not in the future."""
    from datetime import UTC, date, datetime

    from django.utils import timezone as django_timezone

    from wushe.casework.services.common import not_future

    monkeypatch.setattr(django_timezone, "now", lambda: datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
    errors: dict = {}
    not_future(date(2026, 12, 2), "served_on", errors)  # 2026-12-02 01:00 in Beijing
    assert errors == {}
    not_future(date(2026, 12, 3), "served_on", errors)
    assert "served_on" in errors
