"""References in request bodies: a row the caller may not see is a 422 on its field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from wushe.accounts.models import User
from wushe.catalog.models import ServiceItem
from wushe.core.api import (
    invalid,
)


def ref(qs: models.QuerySet, pk: int | None, field: str):
    """The row a body names, if the caller may see it; else a 422 on that field."""
    if pk is None:
        return None
    row = qs.filter(pk=pk).first()
    if row is None:
        raise invalid(field, _("编号 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk})
    return row


def refs(qs: models.QuerySet, pks: list[int], field: str) -> list:
    rows = {row.pk: row for row in qs.filter(pk__in=pks)}
    for pk in pks:
        if pk not in rows:
            raise invalid(field, _("编号 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk})
    return [rows[pk] for pk in dict.fromkeys(pks)]


def items(user: User, pks: list[int]) -> list[ServiceItem]:
    return refs(ServiceItem.objects.visible_to(user), pks, "item_ids")
