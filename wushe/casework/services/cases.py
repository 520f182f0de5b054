"""Case work (个案): who works on a case, who reads its file, and its lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.casework.models import (
    Case,
    CaseEvent,
    CaseGoal,
    CaseStatus,
    ClosurePolicy,
    Need,
    Referral,
    ServiceRecord,
)
from wushe.casework.services.common import check, items_for, not_future, text
from wushe.catalog.models import ServiceItem, ancestor_codes
from wushe.network.models import Platform
from wushe.people.models import Person
from wushe.regions.models import Region
from wushe.stats import record as stats

# --- cases: who may do what ----------------------------------------------------------------


def works_on(user: User | None, case: Case) -> bool:
    """The system, or whoever may change cases where the owning platform is (its workers and
    station head). Being named on the team is not enough: a worker who has moved to another
    station no longer works on the cases of the old one."""
    if user is None:
        return True
    return permissions.can(user, "casework.case", "change", case.platform.region_id)


def work(by: User | None, case: Case) -> None:
    if not works_on(by, case):
        raise PermissionDenied


def lock(case: Case) -> None:
    """Hold the case's row until the transaction ends, so two writes that each check the
    case's referrals or stage cannot both pass on what the other is about to change."""
    Case.objects.select_for_update().filter(pk=case.pk).first()


def notes_visible(user: User, case: Case) -> bool:
    """What a case file says is read by its team, by those who work at the owning platform,
    by the receivers of a referral they accepted (before that they see the case's stage and
    the referral's reason, to decide), and by the roles granted casework.casenote where the
    case is; nobody else."""
    if works_on(user, case):
        return True
    codes = {case.region_id, case.platform.region_id}
    codes |= set(
        case.referrals.filter(status=Referral.Status.ACCEPTED, to_platform__isnull=False)
        .values_list("to_platform__region_id", flat=True)
    )  # fmt: skip
    return any(permissions.can(user, "casework.casenote", "view", code) for code in codes)


def case_read(*, by: User, case: Case) -> bool:
    """Note a read of a case file; one by someone outside the team is an audit event.
    Returns whether the case's notes may be shown to `by`."""
    if not case.on_team(by):
        audit_record(
            actor=by, action="case.read", obj=case, region_code=case.region_id,
            changes={"outside_team": True},
        )  # fmt: skip
    return notes_visible(by, case)


def closure_needs_approval(region_code: str) -> bool:
    """The rule of the nearest region at or above `region_code` that set one (default: no)."""
    policies = dict(
        ClosurePolicy.objects.filter(region_id__in=ancestor_codes(region_code)).values_list(
            "region_id", "needs_approval"
        )
    )
    for code in sorted(policies, reverse=True):  # the longest (lowest) code first
        return policies[code]
    return False


@transaction.atomic
def closure_policy_set(*, by: User | None, region: Region, needs_approval: bool) -> ClosurePolicy:
    check(by, "casework.closurepolicy", "change", region.code)
    policy, _created = ClosurePolicy.objects.update_or_create(
        region=region, defaults={"needs_approval": needs_approval, "set_by": by,
                                 "set_at": timezone.now()},
    )  # fmt: skip
    audit_record(
        actor=by, action="case.closure_policy", obj=policy, region_code=region.code,
        object_repr=region.full_name, changes={"needs_approval": needs_approval},
    )  # fmt: skip
    return policy


# --- cases: the lifecycle ------------------------------------------------------------------

S = CaseStatus
# name → (the stages it leaves from, the stage it enters, the stamp it sets, its label)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str | None]] = {
    "assess": (frozenset({S.INTAKE}), S.ASSESSMENT, "assessed_at"),
    "plan": (frozenset({S.ASSESSMENT}), S.PLAN, "planned_at"),
    "intervene": (frozenset({S.PLAN}), S.INTERVENTION, "intervention_at"),
    "evaluate": (frozenset({S.INTERVENTION}), S.EVALUATION, "evaluated_at"),
    "close": (frozenset({S.EVALUATION}), S.CLOSED, "closed_at"),
    "request_closure": (frozenset({S.EVALUATION}), S.CLOSING, "closure_requested_at"),
    "approve_closure": (frozenset({S.CLOSING}), S.CLOSED, "closed_at"),
    "reject_closure": (frozenset({S.CLOSING}), S.EVALUATION, None),
    "reopen": (frozenset({S.CLOSED}), S.INTAKE, "reopened_at"),
}
# The timeline events that tell only where the case stands (not what was done in it).
STAGE_EVENTS = frozenset({"open", *TRANSITIONS})
TRANSITION_LABELS = {
    "open": gettext_lazy("接案"),
    "assess": gettext_lazy("完成预估"),
    "plan": gettext_lazy("制定服务计划"),
    "intervene": gettext_lazy("开始介入"),
    "evaluate": gettext_lazy("完成评估"),
    "close": gettext_lazy("结案"),
    "request_closure": gettext_lazy("申请结案"),
    "approve_closure": gettext_lazy("督导批准结案"),
    "reject_closure": gettext_lazy("督导退回结案申请"),
    "reopen": gettext_lazy("重新开案"),
}


def allowed_transitions(case: Case) -> list[str]:
    """The transitions the case's stage allows (the rights are checked when one is taken)."""
    return [name for name, (sources, _to, _stamp) in TRANSITIONS.items() if case.status in sources]


def _transition(case: Case, name: str, *, by: User | None, note: str = "", **fields) -> Case:
    """Move `case` along `name` if its stage allows: one conditional update (a second click
    or a colleague's simultaneous move finds the stage gone), a timeline event, an audit
    event. `fields` are written with the move."""
    sources, target, stamp = TRANSITIONS[name]
    now = timezone.now()
    values = {"status": target, "updated_at": now, **fields}
    if stamp:
        values[stamp] = now
    with stats.tracking(case):
        moved = Case.objects.filter(pk=case.pk, status__in=sources).update(**values)
    if not moved:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise ValidationError(
            {
                "status": _("个案当前处于“%(s)s”阶段，不能%(t)s。")
                % {"s": CaseStatus(current).label, "t": TRANSITION_LABELS[name]}
            }
        )
    CaseEvent.objects.create(
        case=case, at=now, actor=by, kind=name, from_status=case.status, to_status=target,
        summary=str(TRANSITION_LABELS[name]), note=note,
    )  # fmt: skip
    audit_record(
        actor=by, action=f"case.{name}", obj=case, region_code=case.region_id,
        changes={"status": [case.status, target]},
    )  # fmt: skip
    if target == S.CLOSED:
        _end_referrals(case, by)
    case.refresh_from_db()
    return case


def _end_referrals(case: Case, by: User | None) -> None:
    """A closed case's accepted referrals have done their work: they end, and with them the
    receivers' sight of the case. A reopened case is referred afresh where it is needed."""
    standing = case.referrals.filter(kind=Referral.Kind.REFERRAL, status=Referral.Status.ACCEPTED)
    for referral in standing.select_related("to_platform"):
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.ENDED)
        referral.status = Referral.Status.ENDED
        referral_event(
            referral, by, "referral_end", _("结案，转介至%(r)s结束") % {"r": referral.receiver}
        )


def referral_event(referral: Referral, by: User | None, kind: str, summary: str, note=""):
    """A referral's step on its case's timeline and in the audit."""
    CaseEvent.objects.create(
        case=referral.case, actor=by, kind=kind, summary=summary[:200], note=note
    )
    audit_record(
        actor=by, action=f"case.{kind}", obj=referral.case, region_code=referral.case.region_id,
        changes={"referral": referral.pk, "status": referral.status, "to": referral.receiver},
    )  # fmt: skip


@transaction.atomic
def case_open(
    *,
    by: User | None,
    person: Person,
    platform: Platform,
    title: str,
    intake_summary: str,
    source: str = "",
    need: Need | None = None,
    worker: User | None = None,
    supervisor: User | None = None,
    team: Sequence[User] = (),
    opened_at: datetime | None = None,
) -> Case:
    """接案: open a case for `person` at `platform`, from a need where there is one.
    `opened_at` is when the intake happened, where it is entered afterwards."""
    check(by, "casework.case", "create", platform.region_id)
    errors: dict[str, str] = {}
    opened_at = opened_at or timezone.now()
    not_future(opened_at, "opened_at", errors)
    lo, hi = platform.region.code_range
    if not lo <= person.region_id <= hi:
        errors["person"] = _("%(p)s不在%(s)s的服务范围内。") % {
            "p": person.name, "s": platform.name}  # fmt: skip
    title = text(title, "title", 100, errors, required=_("请填写个案名称。"))
    intake_summary = text(
        intake_summary, "intake_summary", 5000, errors, required=_("请填写接案情况。")
    )
    source = text(source, "source", 50, errors)
    if need is not None:
        if need.person_id != person.pk:
            errors["need"] = _("这项需求不是%(p)s的。") % {"p": person.name}
        elif need.status != Need.Status.OPEN or need.case_id:
            errors["need"] = _("这项需求已处理或已在个案中。")
    worker = worker or by
    if worker is None:
        errors["worker"] = _("请指定主责社工。")
    elif not permissions.can(worker, "casework.case", "change", platform.region_id):
        errors["worker"] = _("%(w)s不是%(s)s的社工。") % {"w": worker, "s": platform.name}
    if supervisor is not None and not permissions.can(
        supervisor, "casework.case", "approve", person.region_id
    ):
        errors["supervisor"] = _("%(u)s不是本地区的督导。") % {"u": supervisor}
    if errors:
        raise ValidationError(errors)
    case = Case.objects.create(
        person=person, region_id=person.region_id, platform=platform, worker=worker,
        supervisor=supervisor, title=title, intake_summary=intake_summary, source=source,
        opened_at=opened_at,
    )  # fmt: skip
    stats.created(case)
    case.team.set([u for u in team if u.pk != worker.pk])
    if need is not None:
        # A conditional update: two 接案 from one need at once make one case, not two.
        linked = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN, case__isnull=True)
        if not linked.update(case=case):
            raise ValidationError({"need": _("这项需求已处理或已在个案中。")})
    CaseEvent.objects.create(
        case=case, at=case.opened_at, actor=by, kind="open", to_status=S.INTAKE,
        summary=str(TRANSITION_LABELS["open"]),
    )  # fmt: skip
    audit_record(
        actor=by, action="case.open", obj=case, region_code=case.region_id,
        changes={"platform": platform.pk, "worker": worker.pk, "need": need.pk if need else None},
    )  # fmt: skip
    return case


@transaction.atomic
def case_assess(*, by: User | None, case: Case, assessment: str) -> Case:
    """预估: what the problem and the needs are."""
    work(by, case)
    errors: dict[str, str] = {}
    assessment = text(assessment, "assessment", 5000, errors, required=_("请填写预估内容。"))
    if errors:
        raise ValidationError(errors)
    return _transition(case, "assess", by=by, assessment=assessment)


@transaction.atomic
def case_plan(*, by: User | None, case: Case, goals: Sequence[str]) -> Case:
    """计划: the service plan's goals; a plan needs at least one."""
    work(by, case)
    goals = [g.strip() for g in goals if g and g.strip()]
    long = [g for g in goals if len(g) > 200]
    if long:
        raise ValidationError({"goals": _("每个目标不能超过 200 个字。")})
    if not goals and not case.goals.filter(attained__isnull=True).exists():
        raise ValidationError({"goals": _("服务计划至少要有一个目标。")})
    start = case.goals.count()
    CaseGoal.objects.bulk_create(
        [CaseGoal(case=case, text=g, order=start + n) for n, g in enumerate(goals)]
    )
    return _transition(case, "plan", by=by, note="\n".join(goals))


@transaction.atomic
def case_intervene(*, by: User | None, case: Case) -> Case:
    """介入: the plan is carried out; service records are added from here on."""
    work(by, case)
    return _transition(case, "intervene", by=by)


@transaction.atomic
def service_record_add(
    *,
    by: User | None,
    case: Case,
    served_on: date,
    items: Sequence[ServiceItem],
    description: str,
    minutes: int | None = None,
    created_by: User | None = None,
) -> ServiceRecord:
    """A service delivered during the intervention, naming the catalogue items it delivered."""
    work(by, case)
    errors: dict[str, str] = {}
    if case.status != S.INTERVENTION:
        errors["status"] = _("只有在“介入”阶段才能添加服务记录（当前：%(s)s）。") % {
            "s": case.get_status_display()}  # fmt: skip
    description = text(description, "description", 5000, errors, required=_("请填写服务内容。"))
    not_future(served_on, "served_on", errors)
    if served_on < timezone.localtime(case.opened_at).date():
        errors["served_on"] = _("服务日期不能早于接案日期。")
    if minutes is not None and not 0 < minutes <= 24 * 60:
        errors["minutes"] = _("服务时长应在 1–1440 分钟之间。")
    items = items_for(case.region_id, items, errors)
    if errors:
        raise ValidationError(errors)
    author = by or created_by or case.worker
    record = ServiceRecord.objects.create(
        case=case, served_on=served_on, description=description, minutes=minutes,
        created_by=author,
    )  # fmt: skip
    record.items.set(items)
    stats.created(record)
    CaseEvent.objects.create(
        case=case, actor=by, kind="service",
        summary=_("服务记录：%(i)s") % {"i": "、".join(i.name for i in items)},
    )  # fmt: skip
    audit_record(
        actor=by, action="case.service", obj=case, region_code=case.region_id,
        changes={"record": record.pk, "items": [i.code for i in items]},
    )  # fmt: skip
    return record


@transaction.atomic
def case_evaluate(
    *, by: User | None, case: Case, evaluation: str, attained: dict[int, bool]
) -> Case:
    """评估: whether each goal was attained, and the effect; after at least one service."""
    work(by, case)
    errors: dict[str, str] = {}
    evaluation = text(evaluation, "evaluation", 5000, errors, required=_("请填写评估内容。"))
    open_goals = list(case.goals.filter(attained__isnull=True))
    missing = [g.text for g in open_goals if g.pk not in attained]
    if missing:
        errors["goals"] = _("请逐项说明目标是否达成：%(g)s") % {"g": "；".join(missing)}
    # The services of this intervention: a reopened case's earlier ones do not count.
    since = case.intervention_at or case.opened_at
    if case.status == S.INTERVENTION and not case.services.filter(created_at__gte=since).exists():
        errors["status"] = _("介入阶段还没有服务记录，无法评估。")
    if errors:
        raise ValidationError(errors)
    for goal in open_goals:
        CaseGoal.objects.filter(pk=goal.pk).update(attained=bool(attained[goal.pk]))
    return _transition(case, "evaluate", by=by, evaluation=evaluation)


@transaction.atomic
def case_close(*, by: User | None, case: Case, reason: str, note: str = "") -> Case:
    """结案: straight away, or as a request for the supervisor where the region requires one."""
    work(by, case)
    lock(case)  # a referral requested at the same moment waits, then is seen below
    errors: dict[str, str] = {}
    if reason not in Case.Closure.values:
        errors["closure_reason"] = _("请选择结案原因。")
    note = text(note, "closure_note", 2000, errors)
    if case.referrals.filter(status=Referral.Status.REQUESTED).exists():
        errors["status"] = _("还有待接收的转介：请等待对方处理或先撤回。")
    if errors:
        raise ValidationError(errors)
    name = "request_closure" if closure_needs_approval(case.region_id) else "close"
    return _transition(case, name, by=by, note=note, closure_reason=reason, closure_note=note)


def may_not_approve(user: User, case: Case) -> bool:
    """Nobody approves the closure of a case they work on or whose closure they asked for."""
    asked = case.events.filter(kind="request_closure").order_by("-at", "-id").first()
    return (
        user.pk == case.worker_id
        or works_on(user, case)
        or (asked is not None and asked.actor_id == user.pk)
    )


@transaction.atomic
def case_approve_closure(*, by: User | None, case: Case, approve: bool, note: str = "") -> Case:
    """The supervisor approves the closure, or sends it back to evaluation with a reason."""
    check(by, "casework.case", "approve", case.region_id)
    if by is not None and may_not_approve(by, case):
        raise ValidationError({"status": _("不能审批自己承办或申请结案的个案。")})
    note = (note or "").strip()
    if not approve:
        if not note:
            raise ValidationError({"note": _("退回结案申请须说明原因。")})
        return _transition(case, "reject_closure", by=by, note=note)
    return _transition(case, "approve_closure", by=by, note=note, closure_approved_by=by)


@transaction.atomic
def case_reopen(*, by: User | None, case: Case, reason: str) -> Case:
    """重新开案: back to intake, so the case is assessed, planned and served again; the
    reason goes on the timeline and the earlier closure is cleared (its events remain)."""
    work(by, case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明重新开案的原因。")})
    return _transition(
        case, "reopen", by=by, note=reason, closed_at=None, closure_approved_by=None,
        closure_requested_at=None, closure_reason="", closure_note="",
    )  # fmt: skip
