"""What the casework services share: rights, text limits, items, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.catalog.models import ServiceItem

CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead


check = permissions.demand


def text(value: str, field: str, limit: int, errors: dict, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = required
    elif len(value) > limit:
        errors[field] = _("不能超过 %(n)d 个字。") % {"n": limit}
    return value


def items_for(region_code: str, items: Iterable[ServiceItem], errors: dict) -> list[ServiceItem]:
    """The catalogue items a record delivered: at least one, each applicable where it was."""
    items = list(items)
    foreign = [item.name for item in ServiceItem.objects.outside(region_code, items)]
    if not items:
        errors["items"] = _("请至少选择一项提供的服务事项。")
    elif foreign:
        errors["items"] = _("“%(n)s”不适用于本地区。") % {"n": "、".join(foreign)}
    return items


def not_future(moment: datetime | date, field: str, errors: dict) -> None:
    now = timezone.now()
    # A day is today's where the platform keeps time (TIME_ZONE), not in UTC: from midnight
    # to 08:00 in China, UTC's date is still yesterday.
    late = (
        moment > now + CLOCK_SKEW
        if isinstance(moment, datetime)
        else moment > timezone.localdate(now)
    )
    if late:
        errors[field] = _("不能晚于现在。")
