"""Writes to the service catalogue: a region's own items ("X" of "6+X")."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.regions.models import Level, Region


@transaction.atomic
def item_create(
    *, by: User | None, region: Region, domain: ServiceDomain, name: str, description: str = ""
) -> ServiceItem:
    """Add a local item to a domain, for `region` and every region below it."""
    if by is not None and not permissions.can(by, "catalog.serviceitem", "create", region.code):
        raise PermissionDenied
    name, description = name.strip(), description.strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写事项名称。")
    elif len(name) > 50:
        errors["name"] = _("事项名称不能超过 50 个字。")
    if len(description) > 200:
        errors["description"] = _("说明不能超过 200 个字。")
    if region.level > Level.COUNTY:
        errors["region"] = _("地方服务事项由省、市、县三级设立；“%(r)s”是%(l)s。") % {
            "r": region.name, "l": Level(region.level).label}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    clash = ServiceItem.objects.for_region(region.code).filter(domain=domain, name=name).first()
    if clash is not None:
        where = clash.region.name if clash.region else _("省级标准")
        raise ValidationError(
            {"name": _("“%(d)s”已有事项“%(n)s”（%(w)s）。") % {"d": domain, "n": name, "w": where}}
        )
    item = ServiceItem.objects.create(
        domain=domain, region=region, name=name, description=description,
        code=f"{domain.code}.{region.code}.{uuid.uuid4().hex[:8]}",
        order=100 + ServiceItem.objects.filter(domain=domain, region=region).count(),
    )  # fmt: skip
    audit_record(
        actor=by, action="catalog.item_create", obj=item, region_code=region.code,
        changes={"domain": domain.code, "name": name, "description": description},
    )  # fmt: skip
    return item
