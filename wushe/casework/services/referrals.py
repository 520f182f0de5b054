"""Referrals and transfers (转介/转移) of a case."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.casework.models import (
    Case,
    CaseStatus,
    Referral,
)
from wushe.casework.services.cases import lock, referral_event, work, works_on
from wushe.casework.services.common import text
from wushe.network.models import Platform, Status, Tier

# --- referrals -----------------------------------------------------------------------------


@transaction.atomic
def referral_request(
    *,
    by: User | None,
    case: Case,
    kind: str,
    reason: str,
    to_platform: Platform | None = None,
    to_organization: str = "",
) -> Referral:
    """转介 or 转移 a case to another platform, or 转介 it to a department or organization."""
    work(by, case)
    lock(case)
    case.refresh_from_db(fields=["status", "platform"])
    errors: dict[str, str] = {}
    reason = text(reason, "reason", 300, errors, required=_("请填写转介理由。"))
    to_organization = text(to_organization, "to_organization", 100, errors)
    if kind not in Referral.Kind.values:
        errors["kind"] = _("类型“%(v)s”无效。") % {"v": kind}
    if (to_platform is None) == (not to_organization):
        errors["to_platform"] = _("请选择接收的平台，或填写接收的部门或社会组织（二选一）。")
    elif to_platform is not None and to_platform.pk == case.platform_id:
        errors["to_platform"] = _("不能转介给本平台。")
    elif to_platform is not None and not can_receive(to_platform, case):
        errors["to_platform"] = _("只能转介给本省运行中的社工站或社工服务中心。")
    elif kind == Referral.Kind.TRANSFER and to_platform is None:
        errors["kind"] = _("个案只能转移到平台上的社工站或中心；部门或社会组织请选“转介”。")
    if case.status in (CaseStatus.CLOSED, CaseStatus.CLOSING):
        errors["status"] = _("个案已结案或待审批结案，不能转介。")
    pending = case.referrals.filter(status=Referral.Status.REQUESTED)
    if to_platform is not None and pending.filter(to_platform=to_platform).exists():
        errors["to_platform"] = _("已向%(p)s提出转介，正在等待处理。") % {"p": to_platform.name}
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        case=case, kind=kind, to_platform=to_platform, to_organization=to_organization,
        from_platform=case.platform, reason=reason, requested_by=by or case.worker,
    )  # fmt: skip
    label = referral.get_kind_display()
    referral_event(
        referral, by, "referral_request",
        _("%(k)s申请：%(to)s") % {"k": label, "to": referral.receiver}, reason,
    )  # fmt: skip
    return referral


def can_receive(platform: Platform, case: Case) -> bool:
    """Who may receive a case: a running station or center of the case's province (referrals
    cross county lines, not provinces; a village room works under its station)."""
    return (
        platform.status == Status.ACTIVE
        and platform.tier in (Tier.CENTER, Tier.STATION)
        and platform.region_id[:2] == case.region_id[:2]
    )


def receivers(case: Case):
    """The platforms `can_receive` allows, for the referral form's choices."""
    province = case.region_id[:2]
    return (
        Platform.objects.filter(status=Status.ACTIVE, tier__in=[Tier.CENTER, Tier.STATION])
        .filter(region_id__gte=province.ljust(12, "0"), region_id__lte=province.ljust(12, "9"))
        .exclude(pk=case.platform_id)
        .select_related("region")
    )


def receives(user: User | None, referral: Referral) -> bool:
    """Who answers a referral: the receiving platform's people, or, for a receiver off the
    platform, the case's own workers recording its answer."""
    if user is None:
        return True
    if referral.to_platform_id is None:
        return works_on(user, referral.case)
    return permissions.can(user, "casework.case", "change", referral.to_platform.region_id)


@transaction.atomic
def referral_decide(
    *, by: User | None, referral: Referral, accept: bool, note: str = ""
) -> Referral:
    """The receiver accepts or rejects (with a reason). An accepted 转移 moves the case to the
    receiving platform, with the person who accepted it as its lead worker."""
    if not receives(by, referral):
        raise PermissionDenied
    if (
        referral.to_platform_id
        and by is not None
        and (by.pk == referral.requested_by_id or referral.case.on_team(by))
    ):
        # The sending side cannot answer for the receiver, even where it could act on both.
        raise ValidationError({"status": _("转介须由接收方处理，不能由转出方自己接收。")})
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"decision_note": _("拒绝须说明原因。")})
    if len(note) > 300:
        raise ValidationError({"decision_note": _("不能超过 %(n)d 个字。") % {"n": 300}})
    status = Referral.Status.ACCEPTED if accept else Referral.Status.REJECTED
    decided = Referral.objects.filter(pk=referral.pk, status=Referral.Status.REQUESTED).update(
        status=status, decided_by=by, decided_at=timezone.now(), decision_note=note
    )
    if not decided:
        raise ValidationError({"status": _("这项转介已处理或已撤回。")})
    referral.refresh_from_db()
    case = referral.case
    if accept and referral.kind == Referral.Kind.TRANSFER:
        case.platform = referral.to_platform
        if by is not None:
            case.worker = by
        case.updated_at = timezone.now()
        case.save(update_fields=["platform", "worker", "updated_at"])
        case.team.clear()
    verb = _("已接收") if accept else _("已拒绝")
    referral_event(
        referral, by, "referral_accept" if accept else "referral_reject",
        _("%(to)s%(v)s%(k)s") % {"to": referral.receiver, "v": verb,
                                 "k": referral.get_kind_display()}, note,
    )  # fmt: skip
    return referral


@transaction.atomic
def referral_revoke(*, by: User | None, referral: Referral, note: str = "") -> Referral:
    """Withdraw a referral the receiver has not answered yet."""
    work(by, referral.case)
    revoked = Referral.objects.filter(pk=referral.pk, status=Referral.Status.REQUESTED).update(
        status=Referral.Status.REVOKED, decided_by=by, decided_at=timezone.now(),
        decision_note=(note or "").strip()[:300],
    )  # fmt: skip
    if not revoked:
        raise ValidationError({"status": _("对方已处理，不能撤回。")})
    referral.refresh_from_db()
    referral_event(
        referral, by, "referral_revoke", _("撤回转介：%(to)s") % {"to": referral.receiver}, note
    )
    return referral
