"""Writes to the three-level network. Pages, the API, the demo and imports all call these."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.accounts.permissions import Action
from wushe.audit.services import audit_record, field_changes
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.network.models import (
    TIER_REGION_LEVEL,
    Certificate,
    Platform,
    Post,
    Posting,
    ServiceMode,
    Status,
    Tier,
    Worker,
)
from wushe.regions.models import Level, Region
from wushe.stats.live import network_changed

GENDERS = ("M", "F")
PLATFORM_FIELDS = ("name", "address", "phone", "opened_on", "status", "service_mode")


_check = permissions.demand


def _snapshot(platform: Platform) -> dict[str, Any]:
    data = {name: getattr(platform, name) for name in PLATFORM_FIELDS}
    data["opened_on"] = data["opened_on"].isoformat() if data["opened_on"] else None
    return data


def _validate_platform(
    *, tier: int, region: Region, name: str, status: str, service_mode: str
) -> None:
    if tier not in Tier.values:
        raise ValidationError({"tier": _("层级“%(v)s”无效。") % {"v": tier}})
    errors: dict[str, str] = {}
    expected = TIER_REGION_LEVEL[Tier(tier)]
    if region.level != expected:
        errors["region"] = _("%(tier)s应设在%(level)s区划，“%(region)s”是%(actual)s。") % {
            "tier": Tier(tier).label,
            "level": Level(expected).label,
            "region": region.name,
            "actual": Level(region.level).label,
        }
    if not name.strip():
        errors["name"] = _("请填写名称。")
    if status not in Status.values:
        errors["status"] = _("状态“%(v)s”无效。") % {"v": status}
    if service_mode and service_mode not in ServiceMode.values:
        errors["service_mode"] = _("服务模式“%(v)s”无效。") % {"v": service_mode}
    if errors:
        raise ValidationError(errors)


def _refuse_duplicate(*, tier: int, region: Region, name: str, pk: int | None = None) -> None:
    same = Platform.objects.filter(tier=tier, region=region, name=name.strip()).exclude(pk=pk)
    if same.exists():
        raise ValidationError(
            {"name": _("%(region)s已有名为“%(name)s”的%(tier)s。")
             % {"region": region.name, "name": name.strip(), "tier": Tier(tier).label}}
        )  # fmt: skip


@transaction.atomic
def platform_create(
    *,
    by: User | None,
    tier: int,
    region: Region,
    name: str,
    address: str = "",
    phone: str = "",
    opened_on: date | None = None,
    status: str = Status.ACTIVE,
    service_mode: str = "",
    domains: list[ServiceDomain] | None = None,
) -> Platform:
    _check(by, "network.platform", Action.CREATE, region.code)
    _validate_platform(
        tier=tier, region=region, name=name, status=status, service_mode=service_mode
    )
    _refuse_duplicate(tier=tier, region=region, name=name)
    platform = Platform.objects.create(
        tier=tier, region=region, name=name.strip(), address=address.strip(), phone=phone.strip(),
        opened_on=opened_on, status=status, service_mode=service_mode,
    )  # fmt: skip
    if domains:
        platform.domains.set(domains)
    network_changed()
    audit_record(
        actor=by, action="platform.create", obj=platform, region_code=region.code,
        changes={**_snapshot(platform), "tier": tier, "domains": [d.code for d in domains or []]},
    )  # fmt: skip
    return platform


@transaction.atomic
def platform_update(
    *,
    by: User | None,
    platform: Platform,
    domains: list[ServiceDomain] | None = None,
    **fields: Any,
) -> Platform:
    _check(by, "network.platform", Action.CHANGE, platform.region_id)
    unknown = set(fields) - set(PLATFORM_FIELDS)
    if unknown:
        raise ValidationError({name: _("此字段不可修改。") for name in unknown})
    before = _snapshot(platform)
    before_domains = sorted(platform.domains.values_list("code", flat=True))
    for name, value in fields.items():
        setattr(platform, name, value.strip() if isinstance(value, str) else value)
    _validate_platform(
        tier=platform.tier, region=platform.region, name=platform.name,
        status=platform.status, service_mode=platform.service_mode,
    )  # fmt: skip
    _refuse_duplicate(
        tier=platform.tier, region=platform.region, name=platform.name, pk=platform.pk
    )
    platform.updated_at = timezone.now()
    platform.save()
    network_changed()
    changes = field_changes(before, _snapshot(platform))
    if domains is not None:
        platform.domains.set(domains)
        after_domains = sorted(d.code for d in domains)
        if after_domains != before_domains:
            changes["domains"] = [before_domains, after_domains]
    if changes:
        audit_record(
            actor=by, action="platform.update", obj=platform, region_code=platform.region_id,
            changes=changes,
        )  # fmt: skip
    return platform


@transaction.atomic
def platform_items_set(
    *, by: User | None, platform: Platform, items: list[ServiceItem]
) -> Platform:
    """Publish the platform's 服务事项清单: the catalogue items it offers, each one of the
    standard's or a local one of the platform's region or a region above it."""
    _check(by, "network.platform", Action.CHANGE, platform.region_id)
    foreign = [item.name for item in ServiceItem.objects.outside(platform.region_id, items)]
    if foreign:
        raise ValidationError({"items": _("“%(n)s”不适用于%(r)s。") % {
            "n": "、".join(foreign), "r": platform.region.name}})  # fmt: skip
    before = sorted(platform.items.values_list("code", flat=True))
    platform.items.set(items)
    after = sorted(item.code for item in items)
    if after != before:
        audit_record(
            actor=by, action="platform.items", obj=platform, region_code=platform.region_id,
            changes={"items": [before, after]},
        )  # fmt: skip
    return platform


@transaction.atomic
def worker_create(
    *,
    by: User | None,
    name: str,
    region: Region,
    gender: str = "",
    certificate: str = Certificate.NONE,
    user: User | None = None,
) -> Worker:
    _check(by, "network.worker", Action.CREATE, region.code)
    if not name.strip():
        raise ValidationError({"name": _("请填写姓名。")})
    if certificate not in Certificate.values:
        raise ValidationError({"certificate": _("职业资格“%(v)s”无效。") % {"v": certificate}})
    if gender not in ("", *GENDERS):
        raise ValidationError(
            {"gender": _("性别“%(v)s”无效，应为 M（男）或 F（女）。") % {"v": gender}}
        )
    worker = Worker.objects.create(
        name=name.strip(), region=region, gender=gender, certificate=certificate, user=user
    )
    network_changed()
    audit_record(
        actor=by, action="worker.create", obj=worker, region_code=region.code,
        changes={"name": worker.name, "certificate": certificate},
    )  # fmt: skip
    return worker


@transaction.atomic
def posting_create(
    *,
    by: User | None,
    platform: Platform,
    worker: Worker,
    post: str,
    started_on: date,
    ended_on: date | None = None,
) -> Posting:
    """Put `worker` in `post` at `platform`; one person cannot hold the same post twice at once."""
    _check(by, "network.posting", Action.CREATE, platform.region_id)
    errors: dict[str, str] = {}
    if post not in Post.values:
        errors["post"] = _("岗位“%(v)s”无效。") % {"v": post}
    if ended_on and ended_on < started_on:
        errors["ended_on"] = _("离任日期不能早于任职日期。")
    if by is not None and not permissions.can(by, "network.worker", Action.VIEW, worker.region_id):
        errors["worker"] = _("工作人员不存在或不在您的管辖范围内。")
    # Two terms in the same post overlap unless one ends before the other starts.
    overlapping = (
        Posting.objects.filter(platform=platform, worker=worker, post=post)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=started_on))
        .filter(started_on__lte=ended_on or date.max)
    )
    if "worker" not in errors and overlapping.exists():
        errors["worker"] = _("%(w)s在这段时间已在本平台担任此岗位。") % {"w": worker.name}
    if errors:
        raise ValidationError(errors)
    posting = Posting.objects.create(
        platform=platform, worker=worker, post=post, started_on=started_on, ended_on=ended_on
    )
    network_changed()
    audit_record(
        actor=by, action="posting.create", obj=posting, region_code=platform.region_id,
        changes={"worker": worker.name, "post": post, "started_on": started_on},
    )  # fmt: skip
    return posting


@transaction.atomic
def posting_end(*, by: User | None, posting: Posting, ended_on: date) -> Posting:
    _check(by, "network.posting", Action.CHANGE, posting.platform.region_id)
    if ended_on < posting.started_on:
        raise ValidationError({"ended_on": _("离任日期不能早于任职日期。")})
    if posting.ended_on is not None:
        raise ValidationError({"ended_on": _("此任职已于 %(d)s 结束。") % {"d": posting.ended_on}})
    posting.ended_on = ended_on
    posting.save(update_fields=["ended_on"])
    network_changed()
    audit_record(
        actor=by, action="posting.end", obj=posting, region_code=posting.platform.region_id,
        changes={"ended_on": ended_on},
    )  # fmt: skip
    return posting
