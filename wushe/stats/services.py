"""Writes of the statistics app: setting a target (目标). The figures themselves are never
written here; they come from the records (DESIGN.md, "Figures are computed, never typed")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.regions.models import Region
from wushe.stats import indicators as catalogue
from wushe.stats.models import Target

MAX_VALUE = Decimal("999999999999.99")  # what the column holds


def target_set(
    *,
    by: User,
    indicator: str,
    region: Region,
    value: Decimal | int | str,
    due_on: date,
    note: str = "",
) -> Target:
    """Set the target for an indicator, region and date: a new one, or a new value for the
    one already set for that indicator, region and date."""
    found = catalogue.by_code().get(indicator)
    if found is None:
        raise ValidationError({"indicator": _("指标目录中没有这个指标。")})
    existing = Target.objects.filter(indicator=indicator, region=region, due_on=due_on).first()
    action = "change" if existing else "create"
    if not permissions.can(by, "stats.target", action, region.code):
        raise PermissionDenied
    try:
        value = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError({"value": _("目标值必须是数字。")}) from exc
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise ValidationError({"value": _("目标值必须是不小于 0 的数字。")})
    if found.is_rate and value > 100:
        raise ValidationError({"value": _("比率的目标值不能超过 100%。")})
    if found.scale == 1 and not found.is_rate and value != value.to_integral_value():
        raise ValidationError({"value": _("这个指标按整数计，目标值必须是整数。")})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("目标值最多保留两位小数。")})
    if not isinstance(due_on, date) or due_on.year < 2000:
        raise ValidationError({"due_on": _("请填写完成日期。")})
    value = value.quantize(Decimal("0.01"))
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("说明不能超过 200 字。")})
    with transaction.atomic():
        previous = str(existing.value) if existing else None
        target = existing or Target(indicator=indicator, region=region, due_on=due_on)
        target.value, target.note = value, note
        target.set_by, target.set_at = by, timezone.now()
        target.save()
        audit_record(
            actor=by, action="target.set", obj=target, region_code=region.code,
            changes={"indicator": indicator, "value": str(value), "previous": previous,
                     "due_on": due_on.isoformat(), "note": note},
        )  # fmt: skip
    return target


def target_delete(*, by: User, target: Target) -> None:
    """Remove a target set by mistake or no longer wanted; the audit trail keeps what it
    was."""
    if not permissions.can(by, "stats.target", "delete", target.region_id):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=by, action="target.delete", obj=target, region_code=target.region_id,
            changes={"indicator": target.indicator, "value": str(target.value),
                     "due_on": target.due_on.isoformat(), "note": target.note},
        )  # fmt: skip
        target.delete()
