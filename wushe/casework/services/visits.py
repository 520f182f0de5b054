"""Visits (入户走访) and the needs they find (需求)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.casework.models import (
    Need,
    Urgency,
    Visit,
    VisitPhoto,
)
from wushe.casework.services.common import check, items_for, not_future, text
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.locks import lock_fresh
from wushe.core.photos import PhotoUpload, check_photo_count, photo_fields
from wushe.core.sql import insert
from wushe.network.models import Worker
from wushe.people.models import Household, Person
from wushe.stats import record as stats

# --- visits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    """A need found on a visit, as the form or the phone sent it."""

    domain: ServiceDomain
    description: str
    item: ServiceItem | None = None
    urgency: str = Urgency.NORMAL


def visit_create(
    *,
    by: User | None,
    created_by: User | None = None,
    client_id: uuid.UUID | None = None,
    person: Person | None = None,
    household: Household | None = None,
    visited_at: datetime,
    place: str = "",
    living_conditions: str = "",
    risks: str = "",
    needs_found: str = "",
    items: Sequence[ServiceItem] = (),
    workers: Sequence[Worker] = (),
    volunteers: str = "",
    follow_up_on: date | None = None,
    photos: Sequence[PhotoUpload] = (),
    needs: Sequence[NeedInput] = (),
) -> tuple[Visit, bool]:
    """Record a visit, with its photos and the needs it found, in one transaction.

    `client_id` is the id the phone gave the draft: sending the same draft again returns
    the visit already recorded (and False), so a sync that is retried creates one visit."""
    author = by or created_by
    if author is None:
        raise ValueError("a visit needs an author")
    if client_id is not None:
        existing = _visit_sent_before(author, client_id)
        if existing is not None:
            return existing, False
    errors: dict[str, str] = {}
    if person is None and household is None:
        raise ValidationError({"person": _("请选择走访的对象或家庭。")})
    if person is not None and household is not None and person.household_id != household.pk:
        errors["household"] = _("%(p)s不是这个家庭的成员。") % {"p": person.name}
    region_id = person.region_id if person is not None else household.region_id
    check(by, "casework.visit", "create", region_id)
    if needs and by is not None and not permissions.can(by, "casework.need", "create", region_id):
        errors["needs"] = _("您的角色可以记录走访，但不能登记需求：请在“发现的需求”中写明。")
    not_future(visited_at, "visited_at", errors)
    if follow_up_on is not None and follow_up_on < timezone.localtime(visited_at).date():
        errors["follow_up_on"] = _("下次跟进日期不能早于走访日期。")
    place = text(place, "place", 200, errors)
    volunteers = text(volunteers, "volunteers", 200, errors)
    items = items_for(region_id, items, errors)
    for worker in workers:
        if by is not None and not permissions.can(by, "network.worker", "view", worker.region_id):
            errors["workers"] = _("社工“%(n)s”不在您的管辖范围内。") % {"n": worker.name}
    try:
        check_photo_count(list(photos))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    stored = [
        photo_fields(p, context=VisitPhoto.CONTEXT, number=n) for n, p in enumerate(photos, 1)
    ]
    try:
        with transaction.atomic():
            visit = insert(Visit(
                client_id=client_id or uuid.uuid4(), person=person, household=household,
                counted_household_id=household.pk if household else person.household_id,
                region_id=region_id, visited_at=visited_at, place=place,
                living_conditions=living_conditions.strip(), risks=risks.strip(),
                needs_found=needs_found.strip(), volunteers=volunteers,
                follow_up_on=follow_up_on, created_by=author,
            ), linked=[  # a new visit has no links yet: written with it, not by set()
                (Visit.items.through, ["visit_id", "serviceitem_id"],
                 [(i.pk,) for i in dict.fromkeys(items)]),
                (Visit.workers.through, ["visit_id", "worker_id"],
                 [(w.pk,) for w in dict.fromkeys(workers)]),
            ])  # fmt: skip
            if stored:
                VisitPhoto.objects.bulk_create([VisitPhoto(visit=visit, **f) for f in stored])
            subject = person or household.members.order_by("relation", "pk").first()
            for need in needs:
                if subject is None:
                    raise ValidationError({"needs": _("这个家庭没有登记成员，无法登记需求。")})
                need_create(by=by, created_by=author, person=subject, visit=visit, **vars(need))
            stats.created(visit)
            audit_record(
                actor=author, action="visit.create", obj=visit, region_code=region_id,
                changes={
                    "items": [i.code for i in items], "photos": len(stored),
                    "needs": len(needs), "client_id": str(visit.client_id),
                },
            )  # fmt: skip
    except IntegrityError:
        # The same draft arrived twice at once: the other request recorded it.
        existing = _visit_sent_before(author, client_id) if client_id else None
        if existing is None:
            raise
        return existing, False
    return visit, True


@transaction.atomic
def visit_update(
    *,
    by: User | None,
    visit: Visit,
    visited_at: datetime | None = None,
    items: Sequence[ServiceItem] | None = None,
    **fields: str | date | None,
) -> Visit:
    """Correct a visit: its time, the items delivered, what was found, the follow-up. The
    correction is made to the visit as stored, not to the caller's copy of it: a copy read
    before another correction, or before its village moved (区划调整), would save those
    back."""
    lock_fresh(visit)
    check(by, "casework.visit", "change", visit.region_id)
    errors: dict[str, str] = {}
    allowed = {"place", "living_conditions", "risks", "needs_found", "volunteers", "follow_up_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a visit field: {sorted(unknown)}")
    if visited_at is not None:
        not_future(visited_at, "visited_at", errors)
    if items is not None:
        items = items_for(visit.region_id, items, errors)
    if errors:
        raise ValidationError(errors)
    before = {"visited_at": visit.visited_at, **{k: getattr(visit, k) for k in fields}}
    with stats.tracking(visit):
        if visited_at is not None:
            visit.visited_at = visited_at
        for name, value in fields.items():
            setattr(visit, name, value.strip() if isinstance(value, str) else value)
        visit.save()
        if items is not None:
            visit.items.set(items)
    audit_record(
        actor=by, action="visit.update", obj=visit, region_code=visit.region_id,
        changes={k: [str(v), str(getattr(visit, k))] for k, v in before.items()
                 if k not in ("living_conditions", "risks", "needs_found")},
    )  # fmt: skip
    return visit


@transaction.atomic
def visit_delete(*, by: User | None, visit: Visit, reason: str) -> None:
    """Remove a visit recorded by mistake (a wrong person, a duplicate), with the reason;
    the needs it found stay, no longer linked to it."""
    check(by, "casework.visit", "change", visit.region_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明删除的原因。")})
    if (
        by is not None
        and by.pk != visit.created_by_id
        and not permissions.can(by, "casework.visit", "delete", visit.region_id)
    ):
        raise PermissionDenied
    pk, code = visit.pk, visit.region_id
    with stats.tracking(visit):
        visit.delete()
    audit_record(
        actor=by, action="visit.delete", object_type="casework.visit", object_id=str(pk),
        object_repr=str(visit)[:200], region_code=code, changes={"reason": reason[:200]},
    )  # fmt: skip


def _visit_sent_before(author: User, client_id: uuid.UUID) -> Visit | None:
    existing = Visit.objects.filter(client_id=client_id).first()
    if existing is not None and existing.created_by_id != author.pk:
        raise ValidationError({"client_id": _("这个草稿编号已被其他账号使用。")})
    return existing


# --- needs ---------------------------------------------------------------------------------


def need_create(
    *,
    by: User | None,
    created_by: User | None = None,
    person: Person,
    domain: ServiceDomain,
    description: str,
    item: ServiceItem | None = None,
    urgency: str = Urgency.NORMAL,
    visit: Visit | None = None,
) -> Need:
    author = by or created_by
    check(by, "casework.need", "create", person.region_id)
    errors: dict[str, str] = {}
    description = text(description, "description", 2000, errors, required=_("请描述需求。"))
    if urgency not in Urgency.values:
        errors["urgency"] = _("紧急程度“%(v)s”无效。") % {"v": urgency}
    if item is not None:
        if item.domain_id != domain.pk:
            errors["item"] = _("“%(i)s”不属于“%(d)s”。") % {"i": item.name, "d": domain.name}
        elif not ServiceItem.objects.for_region(person.region_id).filter(pk=item.pk).exists():
            errors["item"] = _("“%(n)s”不适用于本地区。") % {"n": item.name}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        need = Need.objects.create(
            person=person, region_id=person.region_id, domain=domain, item=item,
            urgency=urgency, description=description, visit=visit, created_by=author,
        )  # fmt: skip
        stats.created(need)
        audit_record(
            actor=author, action="need.create", obj=need, region_code=person.region_id,
            changes={"domain": domain.code, "item": item.code if item else "", "urgency": urgency},
        )  # fmt: skip
    return need


RESOLUTIONS = (Need.Status.MET, Need.Status.REFERRED, Need.Status.CLOSED)


@transaction.atomic
def need_resolve(*, by: User | None, need: Need, status: str, resolution: str = "") -> Need:
    """Mark an open need met, referred or closed; referred and closed need a reason."""
    check(by, "casework.need", "change", need.region_id)
    errors: dict[str, str] = {}
    if status not in RESOLUTIONS:
        errors["status"] = _("处理结果“%(v)s”无效。") % {"v": status}
    required = _("请说明原因。") if status != Need.Status.MET else ""
    resolution = text(resolution, "resolution", 200, errors, required=required)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with stats.tracking(need):
        done = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
            status=status, resolution=resolution, resolved_by=by, resolved_at=now
        )
    if not done:
        raise ValidationError({"status": _("这项需求已处理过。")})
    need.refresh_from_db()
    audit_record(
        actor=by, action="need.resolve", obj=need, region_code=need.region_id,
        changes={"status": status},
    )  # fmt: skip
    return need
