"""The service catalogue over the API: the items a region's platforms may offer, a region's
own items, and a platform's 服务事项清单 — the same services as the pages."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from wushe.catalog import services
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.api import (
    Input,
    RegionCode,
    Text,
    answers,
    created,
    invalid,
    user_of,
    visible_region,
)
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.network.models import Platform
from wushe.network.services import platform_items_set

router = Router(tags=["服务事项"])


class ItemOut(Schema):
    id: int
    code: str
    name: str
    description: str
    domain_code: str
    domain_name: str
    region_code: str | None = Field(description="自设此事项的区划；标准事项为 null")
    region_name: str | None

    @staticmethod
    def resolve_domain_code(obj: ServiceItem) -> str:
        return obj.domain.code

    @staticmethod
    def resolve_domain_name(obj: ServiceItem) -> str:
        return obj.domain.name

    @staticmethod
    def resolve_region_code(obj: ServiceItem) -> str | None:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj: ServiceItem) -> str | None:
        return obj.region.name if obj.region else None


class ItemQuery(Schema):
    region: RegionCode | None = Field(
        None, description="只列出此区划的平台可以提供的事项（标准事项与上级区划自设的事项）"
    )


class ItemIn(Input):
    region_code: RegionCode = Field(description="设立此事项的省、市或县级区划")
    domain_code: Text = Field(max_length=32)
    name: Text = Field(max_length=50)
    description: Text = Field("", max_length=200)


class PlatformItemsIn(Input):
    item_ids: list[int] = Field(description="本平台提供的全部服务事项（整体替换）")


def _items(qs):
    return qs.select_related("domain", "region").order_by(
        "domain__order", "region_id", "order", "pk"
    )


@router.get("/catalog/items", response=answers(list[ItemOut]))
def list_items(request: HttpRequest, filters: Query[ItemQuery]) -> list[ServiceItem]:
    """The catalogue as the caller may see it, or what a region's platforms may offer."""
    user = user_of(request)
    require(user, "catalog.serviceitem", "view")
    qs = ServiceItem.objects.visible_to(user)
    region = scope_region_or_404(user, filters.region, "catalog.serviceitem")
    if region is not None:
        qs = qs.for_region(region.code)
    return list(_items(qs))


@router.post("/catalog/items", response=answers(ItemOut, 201))
def create_item(request: HttpRequest, payload: ItemIn):
    """Add a local item ("X" of "6+X") for a province, city or county and all below it."""
    user = user_of(request)
    require(user, "catalog.serviceitem", "create")
    domain = ServiceDomain.objects.filter(code=payload.domain_code).first()
    if domain is None:
        raise invalid("domain_code", _("服务领域“%(c)s”不存在。") % {"c": payload.domain_code})
    item = services.item_create(
        by=user, region=visible_region(user, payload.region_code), domain=domain,
        name=payload.name, description=payload.description,
    )  # fmt: skip
    return created(item)


@router.get("/platforms/{int:platform_id}/items", response=answers(list[ItemOut]))
def list_platform_items(request: HttpRequest, platform_id: int) -> list[ServiceItem]:
    """A platform's 服务事项清单."""
    platform = visible_or_404(Platform, user_of(request), pk=platform_id)
    return list(_items(platform.items.all()))


@router.put("/platforms/{int:platform_id}/items", response=answers(list[ItemOut]))
def set_platform_items(
    request: HttpRequest, platform_id: int, payload: PlatformItemsIn
) -> list[ServiceItem]:
    """Publish a platform's 服务事项清单: the items sent replace the list."""
    user = user_of(request)
    platform = visible_or_404(Platform, user, pk=platform_id)
    require(user, "network.platform", "change", platform.region_id)
    items = list(ServiceItem.objects.filter(pk__in=payload.item_ids))
    missing = sorted(set(payload.item_ids) - {item.pk for item in items})
    if missing:
        ids = "、".join(map(str, missing))
        raise invalid("item_ids", _("服务事项 %(ids)s 不存在。") % {"ids": ids})
    platform_items_set(by=user, platform=platform, items=items)
    return list(_items(platform.items.all()))
