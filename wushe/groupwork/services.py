"""Writes to group work and community activities. Pages, the API and the demo call these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.accounts.permissions import Action
from wushe.audit.services import audit_record
from wushe.catalog.models import ServiceItem
from wushe.core.photos import PhotoUpload, check_photo_count, photo_fields
from wushe.groupwork.models import (
    TRANSITIONS,
    Activity,
    ActivityKind,
    ActivityPhoto,
    Group,
    GroupMember,
    GroupSession,
    GroupStatus,
)
from wushe.network.models import Platform, Status
from wushe.people.models import Person
from wushe.stats import record as stats

MAX_PERSON_TIMES = 100_000  # more at one activity is a typo, not a festival
MAX_FUNDS = Decimal("9999999999.99")
# The stamp each status sets when a group enters it.
STAMPS = {GroupStatus.ACTIVE: "started_at", GroupStatus.ENDED: "ended_at"}


_check = permissions.demand


def _platform_errors(platform: Platform) -> dict[str, str]:
    if platform.status != Status.ACTIVE:
        return {"platform": _("“%(p)s”不在运行中，不能开展服务。") % {"p": platform.name}}
    return {}


def _item_errors(platform: Platform, items: Sequence[ServiceItem]) -> dict[str, str]:
    """Every service record names at least one catalogue item its platform may offer."""
    if not items:
        return {"items": _("请至少选择一项服务事项。")}
    foreign = [item.name for item in ServiceItem.objects.outside(platform.region_id, items)]
    if foreign:
        return {"items": _("“%(n)s”不适用于%(r)s。") % {
            "n": "、".join(foreign), "r": platform.region.name}}  # fmt: skip
    return {}


def _people_errors(
    by: User | None, platform: Platform, people: Iterable[Person], *, field: str
) -> dict[str, str]:
    """People named in a record must be ones `by` may see, served by the platform's region."""
    people = list(people)
    visible = (
        set(Person.objects.visible_to(by).filter(pk__in=[p.pk for p in people]).values_list(
            "pk", flat=True))
        if by is not None else {p.pk for p in people}
    )  # fmt: skip
    lo, hi = platform.region.code_range
    if any(p.pk not in visible for p in people):
        return {field: _("服务对象不存在或不在您的管辖范围内。")}
    outside = [p.name for p in people if not lo <= p.region_id <= hi]
    if outside:
        return {field: _("%(n)s不在%(r)s的服务范围内。") % {
            "n": "、".join(outside), "r": platform.region.name}}  # fmt: skip
    return {}


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _not_future(day: date, field: str) -> dict[str, str]:
    if day > timezone.localdate():
        return {field: _("日期不能晚于今天。")}
    return {}


# --- groups -------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    by: User | None,
    platform: Platform,
    name: str,
    theme: str,
    goals: str,
    items: Sequence[ServiceItem],
    planned_sessions: int | None = None,
) -> Group:
    """Plan a group at a platform; it starts with its first session."""
    _check(by, "groupwork.group", Action.CREATE, platform.region_id)
    name, theme, goals = name.strip(), theme.strip(), goals.strip()
    errors = _platform_errors(platform) | _item_errors(platform, items)
    if not name:
        errors["name"] = _("请填写小组名称。")
    elif len(name) > 100:
        errors["name"] = _("小组名称不能超过 100 个字。")
    if not theme:
        errors["theme"] = _("请填写小组主题。")
    elif len(theme) > 200:
        errors["theme"] = _("小组主题不能超过 200 个字。")
    if not goals:
        errors["goals"] = _("请填写小组目标。")
    if planned_sessions is not None and not 1 <= planned_sessions <= 100:
        errors["planned_sessions"] = _("计划节数应在 1 至 100 之间。")
    _raise(errors)
    group = Group.objects.create(
        platform=platform, region_id=platform.region_id, name=name, theme=theme, goals=goals,
        planned_sessions=planned_sessions, created_by=by,
    )  # fmt: skip
    group.items.set(items)
    stats.created(group)
    audit_record(
        actor=by, action="group.create", obj=group, region_code=platform.region_id,
        changes={"platform": platform.pk, "name": name, "theme": theme,
                 "items": sorted(item.code for item in items)},
    )  # fmt: skip
    return group


def _locked(group: Group) -> Group:
    """The group's row, locked for this transaction, so two writers number sessions apart."""
    return Group.objects.select_for_update().select_related("platform__region").get(pk=group.pk)


def _move(group: Group, to: str) -> str:
    """Move `group` to status `to` if the transitions map allows it; returns the old one."""
    before = group.status
    if to not in TRANSITIONS[before]:
        raise ValidationError({"status": _("小组当前为“%(s)s”，不能改为“%(t)s”。") % {
            "s": GroupStatus(before).label, "t": GroupStatus(to).label}})  # fmt: skip
    group.status = to
    setattr(group, STAMPS[to], timezone.now())
    group.save(update_fields=["status", STAMPS[to]])
    return before


def _refuse_ended(group: Group) -> None:
    if group.status == GroupStatus.ENDED:
        raise ValidationError({"status": _("小组已结束，不能再修改。")})


@transaction.atomic
def group_member_add(
    *, by: User | None, group: Group, person: Person, joined_on: date | None = None
) -> GroupMember:
    _check(by, "groupwork.group", Action.CHANGE, group.region_id)
    group = _locked(group)
    _refuse_ended(group)
    joined_on = joined_on or timezone.localdate()
    errors = _people_errors(by, group.platform, [person], field="person")
    if not errors and group.members.filter(person=person).exists():
        errors["person"] = _("%(n)s已是本小组组员。") % {"n": person.name}
    _raise(errors | _not_future(joined_on, "joined_on"))
    member = GroupMember.objects.create(group=group, person=person, joined_on=joined_on)
    audit_record(
        actor=by, action="group.member_add", obj=group, region_code=group.region_id,
        changes={"person": person.pk, "joined_on": joined_on},
    )  # fmt: skip
    return member


@transaction.atomic
def group_start(*, by: User | None, group: Group) -> Group:
    """筹备 → 进行中; the first session does this by itself."""
    _check(by, "groupwork.group", Action.CHANGE, group.region_id)
    group = _locked(group)
    before = _move(group, GroupStatus.ACTIVE)
    audit_record(
        actor=by, action="group.start", obj=group, region_code=group.region_id,
        changes={"status": [before, group.status]},
    )  # fmt: skip
    return group


@transaction.atomic
def group_session_add(
    *,
    by: User | None,
    group: Group,
    held_on: date,
    topic: str,
    attendees: Sequence[Person] = (),
    notes: str = "",
) -> GroupSession:
    """Record a session with who came (members only) and the notes; a group still being
    planned starts with it."""
    _check(by, "groupwork.group", Action.CHANGE, group.region_id)
    group = _locked(group)
    _refuse_ended(group)
    topic = topic.strip()
    errors = _not_future(held_on, "held_on")
    if not topic:
        errors["topic"] = _("请填写本节主题。")
    elif len(topic) > 200:
        errors["topic"] = _("本节主题不能超过 200 个字。")
    members = set(group.members.values_list("person_id", flat=True))
    strangers = [p.name for p in attendees if p.pk not in members]
    if strangers:
        errors["attendees"] = _("%(n)s不是本小组组员。") % {"n": "、".join(strangers)}
    else:
        errors |= _people_errors(by, group.platform, attendees, field="attendees")
    _raise(errors)
    if group.status == GroupStatus.PLANNING:
        _move(group, GroupStatus.ACTIVE)
    number = (group.sessions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    session = GroupSession.objects.create(
        group=group, number=number, held_on=held_on, topic=topic, notes=notes.strip(),
        created_by=by,
    )  # fmt: skip
    session.attendees.set(attendees)
    stats.created(session)
    audit_record(
        actor=by, action="group.session_add", obj=group, region_code=group.region_id,
        changes={"session": number, "held_on": held_on, "attendees": len(set(attendees))},
    )  # fmt: skip
    return session


@transaction.atomic
def group_end(*, by: User | None, group: Group, evaluation: str) -> Group:
    """进行中 → 已结束, with the worker's evaluation of the group (required)."""
    _check(by, "groupwork.group", Action.CHANGE, group.region_id)
    group = _locked(group)
    evaluation = evaluation.strip()
    if not evaluation:
        raise ValidationError({"evaluation": _("结束小组前请填写小组评估。")})
    group.evaluation = evaluation
    group.save(update_fields=["evaluation"])
    before = _move(group, GroupStatus.ENDED)
    audit_record(
        actor=by, action="group.end", obj=group, region_code=group.region_id,
        changes={"status": [before, group.status], "sessions": group.sessions.count()},
    )  # fmt: skip
    return group


# --- activities ---------------------------------------------------------------------------


def _count_errors(counts: dict[str, int]) -> dict[str, str]:
    return {
        name: _("人次应在 0 至 %(max)d 之间。") % {"max": MAX_PERSON_TIMES}
        for name, value in counts.items()
        if not 0 <= value <= MAX_PERSON_TIMES
    }


def _funds_errors(funds: Decimal) -> dict[str, str]:
    try:
        funds = Decimal(funds)
        exponent = funds.as_tuple().exponent
    except (InvalidOperation, TypeError, ValueError):
        return {"funds_used": _("金额无效。")}
    if not funds.is_finite() or funds < 0 or funds > MAX_FUNDS:
        return {"funds_used": _("金额应为 0 至 99.99 亿元之间。")}
    if isinstance(exponent, int) and exponent < -2:
        return {"funds_used": _("金额最多保留两位小数（分）。")}
    return {}


@transaction.atomic
def activity_create(
    *,
    by: User | None,
    platform: Platform,
    title: str,
    held_on: date,
    place: str,
    items: Sequence[ServiceItem],
    kind: str = ActivityKind.COMMUNITY,
    description: str = "",
    social_workers: int = 0,
    volunteers: int = 0,
    donors: int = 0,
    beneficiaries: int = 0,
    beneficiary_people: Sequence[Person] = (),
    funds_used: Decimal = Decimal(0),
    materials_used: str = "",
    photos: Sequence[PhotoUpload] = (),
) -> Activity:
    """Record an activity held: who took part and who benefited (人次), what it delivered
    and what it used, with its photos."""
    _check(by, "groupwork.activity", Action.CREATE, platform.region_id)
    title, place = title.strip(), place.strip()
    counts = {"social_workers": social_workers, "volunteers": volunteers, "donors": donors,
              "beneficiaries": beneficiaries}  # fmt: skip
    errors = _platform_errors(platform) | _item_errors(platform, items)
    errors |= _not_future(held_on, "held_on") | _count_errors(counts) | _funds_errors(funds_used)
    if kind not in ActivityKind.values:
        errors["kind"] = _("活动类型“%(v)s”无效。") % {"v": kind}
    if not title:
        errors["title"] = _("请填写活动名称。")
    elif len(title) > 100:
        errors["title"] = _("活动名称不能超过 100 个字。")
    if not place:
        errors["place"] = _("请填写活动地点。")
    elif len(place) > 200:
        errors["place"] = _("活动地点不能超过 200 个字。")
    named = list({p.pk: p for p in beneficiary_people}.values())
    errors |= _people_errors(by, platform, named, field="beneficiary_people")
    if "beneficiaries" not in errors and len(named) > beneficiaries:
        errors["beneficiary_people"] = _(
            "登记的受益对象（%(n)d 人）不能多于受益人次（%(total)d）。"
        ) % {"n": len(named), "total": beneficiaries}
    stored: list[dict] = []
    try:
        check_photo_count(list(photos))
        stored = [
            photo_fields(upload, context=ActivityPhoto.CONTEXT, number=n)
            for n, upload in enumerate(photos, start=1)
        ]
    except ValidationError as exc:
        errors |= {name: messages[0] for name, messages in exc.message_dict.items()}
    _raise(errors)
    activity = Activity.objects.create(
        platform=platform, region_id=platform.region_id, kind=kind, title=title,
        held_on=held_on, place=place, description=description.strip(), **counts,
        funds_used=Decimal(funds_used), materials_used=materials_used.strip(), created_by=by,
    )  # fmt: skip
    activity.items.set(items)
    activity.beneficiary_people.set(named)
    ActivityPhoto.objects.bulk_create([ActivityPhoto(activity=activity, **f) for f in stored])
    stats.created(activity)
    audit_record(
        actor=by, action="activity.create", obj=activity, region_code=platform.region_id,
        changes={"platform": platform.pk, "title": title, "held_on": held_on, **counts,
                 "named": len(named), "funds_used": str(activity.funds_used),
                 "items": sorted(item.code for item in items), "photos": len(stored)},
    )  # fmt: skip
    return activity


@transaction.atomic
def activity_beneficiaries_add(
    *, by: User | None, activity: Activity, people: Sequence[Person]
) -> Activity:
    """Name more of an activity's beneficiaries from the registry, within its count."""
    _check(by, "groupwork.activity", Action.CHANGE, activity.region_id)
    activity = (
        Activity.objects.select_for_update().select_related("platform__region").get(pk=activity.pk)
    )
    already = set(activity.beneficiary_people.values_list("pk", flat=True))
    new = [p for p in {p.pk: p for p in people}.values() if p.pk not in already]
    errors = {} if people else {"beneficiary_people": _("请选择受益对象。")}
    errors |= _people_errors(by, activity.platform, new, field="beneficiary_people")
    if not errors and len(already) + len(new) > activity.beneficiaries:
        errors["beneficiary_people"] = _(
            "登记的受益对象（%(n)d 人）不能多于受益人次（%(total)d）。"
        ) % {"n": len(already) + len(new), "total": activity.beneficiaries}
    _raise(errors)
    activity.beneficiary_people.add(*new)
    if new:
        audit_record(
            actor=by, action="activity.beneficiaries_add", obj=activity,
            region_code=activity.region_id, changes={"people": sorted(p.pk for p in new)},
        )  # fmt: skip
    return activity
