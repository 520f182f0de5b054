"""Cases over the API, each transition an explicit operation, and their referrals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wushe.accounts.models import User
from wushe.accounts.permissions import scope_filter
from wushe.casework import services
from wushe.casework.api.refs import items, ref
from wushe.casework.api.visits import ItemOut
from wushe.casework.models import Case, CaseStatus, Need, Referral
from wushe.core.api import (
    Id,
    Input,
    KeysetQuery,
    RegionCode,
    Text,
    answers,
    created,
    in_region,
    keyset_page,
    user_of,
)
from wushe.core.views import scope_region_or_404, visible_or_404
from wushe.network.models import Platform
from wushe.people.models import Person

router = Router(tags=["个案"])

# --- cases ---------------------------------------------------------------------------------


class GoalOut(Schema):
    id: int
    text: str
    attained: bool | None


class ServiceRecordOut(Schema):
    id: int
    served_on: date
    items: list[ItemOut]
    description: str
    minutes: int | None

    @staticmethod
    def resolveitems(obj) -> list:
        return list(obj.items.all())


class EventOut(Schema):
    at: datetime
    kind: str
    from_status: str
    to_status: str
    summary: str
    actor: str | None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ReferralOut(Schema):
    id: int
    case_id: int
    kind: Referral.Kind
    to_platform_id: int | None
    to_organization: str
    from_platform_id: int
    reason: str
    status: Referral.Status
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class CaseOut(Schema):
    id: int
    title: str
    person_id: int
    region_code: str
    platform_id: int
    worker_id: int
    supervisor_id: int | None
    status: CaseStatus
    allowed_transitions: list[str] = Field(description="当前阶段允许的操作（权限另行检查）")
    opened_at: datetime
    assessed_at: datetime | None
    planned_at: datetime | None
    intervention_at: datetime | None
    evaluated_at: datetime | None
    closure_requested_at: datetime | None
    closed_at: datetime | None
    closure_reason: str

    @staticmethod
    def resolve_region_code(obj: Case) -> str:
        return obj.region_id

    @staticmethod
    def resolve_allowed_transitions(obj: Case) -> list[str]:
        return services.allowed_transitions(obj)


class CaseDetailOut(CaseOut):
    notes_visible: bool = Field(description="是否可查看个案记录；为 false 时下列记录为空")
    intake_summary: str
    assessment: str
    evaluation: str
    closure_note: str
    goals: list[GoalOut]
    services: list[ServiceRecordOut]
    events: list[EventOut]
    referrals: list[ReferralOut]

    @staticmethod
    def resolve_goals(obj: Case) -> list:
        return obj.goals_  # type: ignore[attr-defined]

    @staticmethod
    def resolve_services(obj: Case) -> list:
        if not obj.notes_visible:  # type: ignore[attr-defined]
            return []
        return list(obj.services.prefetch_related("items"))

    @staticmethod
    def resolve_events(obj: Case) -> list:
        events = list(obj.events.select_related("actor"))
        if obj.notes_visible:  # type: ignore[attr-defined]
            return events
        return [e for e in events if e.kind in services.STAGE_EVENTS]

    @staticmethod
    def resolve_referrals(obj: Case) -> list:
        referrals = list(obj.referrals.select_related("to_platform"))
        if obj.notes_visible:  # type: ignore[attr-defined]
            return referrals
        viewer = obj.viewer  # type: ignore[attr-defined]
        return [r for r in referrals if services.receives(viewer, r)]


class CasePage(Schema):
    items: list[CaseOut]
    next_after: int | None


class CaseQuery(KeysetQuery):
    status: CaseStatus | None = None
    person_id: Id | None = None
    region: RegionCode | None = None


class CaseIn(Input):
    person_id: Id
    platform_id: Id
    title: Text = Field(max_length=100)
    intake_summary: Text = Field(max_length=5000)
    source: Text = Field("", max_length=50)
    need_id: Id | None = Field(None, description="由这项需求转为个案")


class AssessIn(Input):
    assessment: Text = Field(max_length=5000)


class PlanIn(Input):
    goals: list[Text] = Field(max_length=20, description="服务目标，至少一个")


class ServiceIn(Input):
    served_on: date
    item_ids: list[Id]
    description: Text = Field(max_length=5000)
    minutes: int | None = Field(None, ge=1, le=1440)


class EvaluateIn(Input):
    evaluation: Text = Field(max_length=5000)
    attained: dict[int, bool] = Field(description="每个未评估目标的 id → 是否达成")


class CloseIn(Input):
    reason: Case.Closure
    note: Text = Field("", max_length=2000)


class ApproveIn(Input):
    approve: bool
    note: Text = Field("", max_length=300, description="退回须说明原因")


class ReopenIn(Input):
    reason: Text = Field(max_length=300)


class ReferralIn(Input):
    kind: Referral.Kind
    to_platform_id: Id | None = None
    to_organization: Text = Field("", max_length=100)
    reason: Text = Field(max_length=300)


class DecisionIn(Input):
    note: Text = Field("", max_length=300)


def _detail(user: User, case: Case) -> Case:
    shown = services.case_read(by=user, case=case)
    case.notes_visible = shown  # type: ignore[attr-defined]
    case.viewer = user  # type: ignore[attr-defined]
    if not shown:
        case.intake_summary = case.assessment = case.evaluation = case.closure_note = ""
    case.goals_ = list(case.goals.all()) if shown else []  # type: ignore[attr-defined]
    return case


def _case(request: HttpRequest, case_id: int) -> Case:
    return visible_or_404(Case.objects.select_related("platform"), user_of(request), pk=case_id)


@router.post("/cases", response=answers(CaseDetailOut, 201), tags=["个案"])
def open_case(request: HttpRequest, payload: CaseIn) -> Status:
    """接案, optionally from an open need of the same person."""
    user = user_of(request)
    case = services.case_open(
        by=user,
        person=ref(Person.objects.visible_to(user), payload.person_id, "person_id"),
        platform=ref(Platform.objects.visible_to(user), payload.platform_id, "platform_id"),
        need=ref(Need.objects.visible_to(user), payload.need_id, "need_id"),
        title=payload.title, intake_summary=payload.intake_summary, source=payload.source,
    )  # fmt: skip
    return created(_detail(user, case))


@router.get("/cases", response=answers(CasePage), tags=["个案"])
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> dict:
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "casework.case")
    qs = in_region(Case.objects.visible_to(user), region)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.person_id:
        qs = qs.filter(person_id=filters.person_id)
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after, descending=True)
    return {"items": rows, "next_after": cursor}


@router.get("/cases/{int:case_id}", response=answers(CaseDetailOut), tags=["个案"])
def get_case(request: HttpRequest, case_id: int) -> Case:
    """The case file; its notes only for the team and the roles granted them. A read by
    someone outside the team is an audit event."""
    user = user_of(request)
    return _detail(user, _case(request, case_id))


def _step(request: HttpRequest, case_id: int, step, **kwargs) -> Case:
    user = user_of(request)
    case = step(by=user, case=_case(request, case_id), **kwargs)
    return _detail(user, case)


@router.post("/cases/{int:case_id}/assess", response=answers(CaseDetailOut), tags=["个案"])
def assess_case(request: HttpRequest, case_id: int, payload: AssessIn) -> Case:
    """接案 → 预估."""
    return _step(request, case_id, services.case_assess, assessment=payload.assessment)


@router.post("/cases/{int:case_id}/plan", response=answers(CaseDetailOut), tags=["个案"])
def plan_case(request: HttpRequest, case_id: int, payload: PlanIn) -> Case:
    """预估 → 计划: at least one goal."""
    return _step(request, case_id, services.case_plan, goals=payload.goals)


@router.post("/cases/{int:case_id}/intervene", response=answers(CaseDetailOut), tags=["个案"])
def intervene_case(request: HttpRequest, case_id: int) -> Case:
    """计划 → 介入."""
    return _step(request, case_id, services.case_intervene)


@router.post(
    "/cases/{int:case_id}/services", response=answers(ServiceRecordOut, 201), tags=["个案"]
)
def add_case_service(request: HttpRequest, case_id: int, payload: ServiceIn) -> Status:
    """A service record during the intervention, naming the items it delivered."""
    user = user_of(request)
    record = services.service_record_add(
        by=user, case=_case(request, case_id), served_on=payload.served_on,
        items=items(user, payload.item_ids), description=payload.description,
        minutes=payload.minutes,
    )  # fmt: skip
    return created(record)


@router.post("/cases/{int:case_id}/evaluate", response=answers(CaseDetailOut), tags=["个案"])
def evaluate_case(request: HttpRequest, case_id: int, payload: EvaluateIn) -> Case:
    """介入 → 评估: every goal marked attained or not."""
    return _step(
        request, case_id, services.case_evaluate, evaluation=payload.evaluation,
        attained=payload.attained,
    )  # fmt: skip


@router.post("/cases/{int:case_id}/close", response=answers(CaseDetailOut), tags=["个案"])
def close_case(request: HttpRequest, case_id: int, payload: CloseIn) -> Case:
    """评估 → 结案, or → 结案待审批 where the region requires a supervisor's approval."""
    return _step(request, case_id, services.case_close, reason=payload.reason, note=payload.note)


@router.post("/cases/{int:case_id}/approve-closure", response=answers(CaseDetailOut), tags=["个案"])
def approve_case_closure(request: HttpRequest, case_id: int, payload: ApproveIn) -> Case:
    """The supervisor: 结案待审批 → 结案, or back to 评估 with a reason."""
    return _step(
        request, case_id, services.case_approve_closure, approve=payload.approve,
        note=payload.note,
    )  # fmt: skip


@router.post("/cases/{int:case_id}/reopen", response=answers(CaseDetailOut), tags=["个案"])
def reopen_case(request: HttpRequest, case_id: int, payload: ReopenIn) -> Case:
    """结案 → 预估, with the reason on the timeline."""
    return _step(request, case_id, services.case_reopen, reason=payload.reason)


# --- referrals -----------------------------------------------------------------------------


class ReferralPage(Schema):
    items: list[ReferralOut]
    next_after: int | None


class ReferralQuery(KeysetQuery):
    direction: Literal["to_us", "from_us"] = Field("to_us", description="转介给我们的 / 我们转出的")
    status: Referral.Status | None = None


@router.post("/cases/{int:case_id}/referrals", response=answers(ReferralOut, 201), tags=["转介"])
def refer_case(request: HttpRequest, case_id: int, payload: ReferralIn) -> Status:
    """转介 (the receiver sees the case) or 转移 (the case moves on acceptance)."""
    user = user_of(request)
    # The service refuses a receiver it does not allow (another province, a village room).
    platforms = Platform.objects.all()
    referral = services.referral_request(
        by=user, case=_case(request, case_id), kind=payload.kind,
        to_platform=ref(platforms, payload.to_platform_id, "to_platform_id"),
        to_organization=payload.to_organization, reason=payload.reason,
    )  # fmt: skip
    return created(referral)


def _referral(request: HttpRequest, referral_id: int) -> Referral:
    user = user_of(request)
    referral = (
        Referral.objects.filter(pk=referral_id, case__in=Case.objects.visible_to(user))
        .select_related("case", "to_platform")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@router.get("/referrals", response=answers(ReferralPage), tags=["转介"])
def list_referrals(request: HttpRequest, filters: Query[ReferralQuery]) -> dict:
    """Referrals to a platform in the caller's scope, or those the caller's cases made."""
    user = user_of(request)
    qs = Referral.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
        "case", "to_platform", "case__platform"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.direction == "to_us":
        qs = qs.filter(
            scope_filter(user, "casework.case", "change", field="to_platform__region_id")
        )
    else:
        qs = qs.filter(
            scope_filter(user, "casework.case", "change", field="case__platform__region_id")
            | Q(case__worker=user)
        )
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.post("/referrals/{int:referral_id}/accept", response=answers(ReferralOut), tags=["转介"])
def accept_referral(request: HttpRequest, referral_id: int, payload: DecisionIn) -> Referral:
    referral = _referral(request, referral_id)
    return services.referral_decide(
        by=user_of(request), referral=referral, accept=True, note=payload.note
    )


@router.post("/referrals/{int:referral_id}/reject", response=answers(ReferralOut), tags=["转介"])
def reject_referral(request: HttpRequest, referral_id: int, payload: DecisionIn) -> Referral:
    referral = _referral(request, referral_id)
    return services.referral_decide(
        by=user_of(request), referral=referral, accept=False, note=payload.note
    )


@router.post("/referrals/{int:referral_id}/revoke", response=answers(ReferralOut), tags=["转介"])
def revoke_referral(request: HttpRequest, referral_id: int, payload: DecisionIn) -> Referral:
    referral = _referral(request, referral_id)
    return services.referral_revoke(by=user_of(request), referral=referral, note=payload.note)
