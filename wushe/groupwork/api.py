"""Groups and community activities over the API: the same services and the same views of
people as the pages (only the people the caller may see; notes only where none is hidden)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wushe.accounts.models import User
from wushe.catalog.models import ServiceItem
from wushe.core.api import (
    ERRORS,
    Id,
    Input,
    KeysetQuery,
    RegionCode,
    Text,
    answers,
    created,
    in_region,
    invalid,
    keyset_page,
    user_of,
)
from wushe.core.photos import MAX_PHOTOS, PhotoUpload, photo_response
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.groupwork import services
from wushe.groupwork.models import Activity, ActivityKind, Group, GroupStatus
from wushe.groupwork.reads import group_view, named_beneficiaries
from wushe.network.models import Platform
from wushe.people.models import Person

router = Router(tags=["小组与社区活动"])

GROUP, ACTIVITY = "groupwork.group", "groupwork.activity"
# Services name model fields; the API names its inputs.
ALIASES = {
    "platform": "platform_id",
    "items": "item_ids",
    "person": "person_id",
    "attendees": "attendee_ids",
    "beneficiary_people": "beneficiary_ids",
}


@contextmanager
def _inputs_named() -> Iterator[None]:
    """A service's refusal, its fields renamed to what the caller sent."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {ALIASES.get(name, name): errors for name, errors in exc.error_dict.items()}
        ) from exc


# --- schemas ------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    name: str
    theme: str
    goals: str
    status: GroupStatus
    platform_id: int
    platform_name: str
    region_code: str
    planned_sessions: int | None
    item_codes: list[str]
    member_count: int = Field(description="组员人数（含您无权查看的）")
    session_count: int
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def resolve_platform_name(obj: Group) -> str:
        return obj.platform.name

    @staticmethod
    def resolve_item_codes(obj: Group) -> list[str]:
        return sorted(item.code for item in obj.items.all())


class MemberOut(Schema):
    person_id: int
    name: str
    region_code: str
    joined_on: date


class SessionOut(Schema):
    id: int
    number: int
    held_on: date
    topic: str
    attended: int = Field(description="出席人数（含您无权查看的组员）")
    attendee_ids: list[int] = Field(description="您有权查看的出席组员")
    notes: str | None = Field(description="活动记录；有您无权查看的组员时为 null")


class GroupDetailOut(GroupOut):
    members: list[MemberOut] = Field(description="您有权查看的组员")
    hidden_members: int
    sessions: list[SessionOut]
    attendance: int = Field(description="各节出席合计（人次）")
    evaluation: str | None = Field(description="小组评估；有您无权查看的组员时为 null")

    # What the caller may see, set by `_group_detail`; never the unfiltered relations.
    @staticmethod
    def resolve_members(obj) -> list[dict]:
        return obj.members_shown

    @staticmethod
    def resolve_sessions(obj) -> list[dict]:
        return obj.sessions_shown

    @staticmethod
    def resolve_evaluation(obj) -> str | None:
        return obj.evaluation_shown


class GroupPage(Schema):
    items: list[GroupOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class GroupQuery(KeysetQuery):
    q: Text | None = Field(None, max_length=50, description="名称或主题中的文字")
    status: GroupStatus | None = None
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")


class GroupIn(Input):
    platform_id: Id
    name: Text = Field(max_length=100)
    theme: Text = Field(max_length=200)
    goals: Text = Field(max_length=5000)
    item_ids: list[Id] = Field(description="本小组提供的服务事项，至少一项")
    planned_sessions: int | None = Field(None, ge=1, le=100)


class MemberIn(Input):
    person_id: Id
    joined_on: date | None = Field(None, description="入组日期，默认今天")


class SessionIn(Input):
    held_on: date
    topic: Text = Field(max_length=200)
    attendee_ids: list[Id] = Field([], description="出席的组员")
    notes: Text = Field("", max_length=10000, description="活动记录，加密保存")


class EndIn(Input):
    evaluation: Text = Field(max_length=10000, description="小组评估，加密保存")


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
    taken_at: datetime | None


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    title: str
    held_on: date
    place: str
    platform_id: int
    platform_name: str
    region_code: str
    social_workers: int = Field(description="参与社工（人次）")
    volunteers: int = Field(description="参与志愿者（人次）")
    donors: int = Field(description="参与捐赠方（人次）")
    participants: int = Field(description="参与合计（人次）")
    beneficiaries: int = Field(description="受益群众（人次）")
    funds_used: Decimal = Field(description="使用资金（元）")
    item_codes: list[str]
    created_at: datetime

    @staticmethod
    def resolve_platform_name(obj: Activity) -> str:
        return obj.platform.name

    @staticmethod
    def resolve_item_codes(obj: Activity) -> list[str]:
        return sorted(item.code for item in obj.items.all())


class ActivityDetailOut(ActivityOut):
    description: str
    materials_used: str
    beneficiary_ids: list[int] = Field(description="您有权查看的登记受益对象")
    hidden_beneficiaries: int
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj) -> list:
        return obj.photos_shown


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class ActivityQuery(KeysetQuery):
    q: Text | None = Field(None, max_length=50, description="名称或地点中的文字")
    kind: ActivityKind | None = None
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")


class PhotoIn(Input):
    data: str = Field(description="压缩后的 JPEG/PNG/WebP，Base64（可带 data: 前缀）")
    taken_at: datetime | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ActivityIn(Input):
    platform_id: Id
    kind: ActivityKind = ActivityKind.COMMUNITY
    title: Text = Field(max_length=100)
    held_on: date
    place: Text = Field(max_length=200)
    description: Text = Field("", max_length=5000)
    social_workers: int = Field(0, ge=0, le=services.MAX_PERSON_TIMES)
    volunteers: int = Field(0, ge=0, le=services.MAX_PERSON_TIMES)
    donors: int = Field(0, ge=0, le=services.MAX_PERSON_TIMES)
    beneficiaries: int = Field(0, ge=0, le=services.MAX_PERSON_TIMES)
    beneficiary_ids: list[Id] = Field([], description="已建档的受益对象，不多于受益人次")
    item_ids: list[Id] = Field(description="提供的服务事项，至少一项")
    funds_used: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    materials_used: Text = Field("", max_length=2000)
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)


class BeneficiariesIn(Input):
    person_ids: list[Id] = Field(min_length=1)


# --- references ---------------------------------------------------------------------------


def _platform(user: User, pk: int) -> Platform:
    platform = Platform.objects.visible_to(user).select_related("region").filter(pk=pk).first()
    if platform is None:
        raise invalid("platform_id", _("服务平台 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk})
    return platform


def _items(ids: list[int]) -> list[ServiceItem]:
    items = list(ServiceItem.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {item.pk for item in items})
    if missing:
        ids_text = "、".join(map(str, missing))
        raise invalid("item_ids", _("服务事项 %(ids)s 不存在。") % {"ids": ids_text})
    return items


def _people(user: User, ids: list[int], field: str) -> list[Person]:
    people = list(Person.objects.visible_to(user).filter(pk__in=ids))
    if len(people) != len(set(ids)):
        raise invalid(field, _("服务对象不存在或不在您的管辖范围内。"))
    return people


# --- groups -------------------------------------------------------------------------------


def _groups(qs):
    return (
        qs.select_related("platform")
        .prefetch_related("items")
        .annotate(
            member_count=Count("members", distinct=True),
            session_count=Count("sessions", distinct=True),
        )
    )


def _group_detail(user: User, group: Group) -> Group:
    group = _groups(Group.objects.filter(pk=group.pk)).get()
    view = group_view(user, group)["view"]
    group.members_shown = [  # type: ignore[attr-defined]
        {"person_id": m.person_id, "name": m.person.name, "region_code": m.person.region_id,
         "joined_on": m.joined_on} for m in view.members
    ]  # fmt: skip
    group.hidden_members = view.hidden_members  # type: ignore[attr-defined]
    group.sessions_shown = [  # type: ignore[attr-defined]
        {"id": s.session.pk, "number": s.session.number, "held_on": s.session.held_on,
         "topic": s.session.topic, "attended": s.attended,
         "attendee_ids": [p.pk for p in s.attendees],
         "notes": s.session.notes if view.can_read_notes else None} for s in view.sessions
    ]  # fmt: skip
    group.attendance = view.attendance  # type: ignore[attr-defined]
    group.evaluation_shown = group.evaluation if view.can_read_notes else None  # type: ignore[attr-defined]
    return group


@router.get("/groups", response=answers(GroupPage))
def list_groups(request: HttpRequest, filters: Query[GroupQuery]) -> dict:
    """Groups in the caller's scope, in pages by id."""
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, GROUP)
    qs = in_region(Group.objects.visible_to(user), region)
    qs = qs.matching(q=filters.q or "", status=filters.status or "")
    rows, cursor = keyset_page(_groups(qs), limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.get("/groups/{int:group_id}", response=answers(GroupDetailOut))
def get_group(request: HttpRequest, group_id: int) -> Group:
    """A group with its members and sessions as far as the caller may see them."""
    user = user_of(request)
    return _group_detail(user, visible_or_404(Group, user, pk=group_id))


@router.post("/groups", response=answers(GroupDetailOut, 201))
def create_group(request: HttpRequest, payload: GroupIn) -> Status:
    """Plan a group at a platform; it starts with its first session."""
    user = user_of(request)
    require(user, GROUP, "create")
    with _inputs_named():
        group = services.group_create(
            by=user, platform=_platform(user, payload.platform_id), name=payload.name,
            theme=payload.theme, goals=payload.goals, items=_items(payload.item_ids),
            planned_sessions=payload.planned_sessions,
        )  # fmt: skip
    return created(_group_detail(user, group))


def _group_to_change(user: User, group_id: int) -> Group:
    group = visible_or_404(Group, user, pk=group_id)
    require(user, GROUP, "change", group.region_id)
    return group


@router.post("/groups/{int:group_id}/members", response=answers(GroupDetailOut, 201))
def add_group_member(request: HttpRequest, group_id: int, payload: MemberIn) -> Status:
    """Add a person of the platform's region to the group."""
    user = user_of(request)
    group = _group_to_change(user, group_id)
    (person,) = _people(user, [payload.person_id], "person_id")
    with _inputs_named():
        services.group_member_add(by=user, group=group, person=person, joined_on=payload.joined_on)
    return created(_group_detail(user, group))


@router.post("/groups/{int:group_id}/sessions", response=answers(GroupDetailOut, 201))
def add_group_session(request: HttpRequest, group_id: int, payload: SessionIn) -> Status:
    """Record a session with its attendance and notes; a planned group starts with it."""
    user = user_of(request)
    group = _group_to_change(user, group_id)
    attendees = _people(user, payload.attendee_ids, "attendee_ids")
    with _inputs_named():
        services.group_session_add(
            by=user, group=group, held_on=payload.held_on, topic=payload.topic,
            attendees=attendees, notes=payload.notes,
        )  # fmt: skip
    return created(_group_detail(user, group))


@router.post("/groups/{int:group_id}/start", response=answers(GroupDetailOut))
def start_group(request: HttpRequest, group_id: int) -> Group:
    """筹备 → 进行中."""
    user = user_of(request)
    group = services.group_start(by=user, group=_group_to_change(user, group_id))
    return _group_detail(user, group)


@router.post("/groups/{int:group_id}/end", response=answers(GroupDetailOut))
def end_group(request: HttpRequest, group_id: int, payload: EndIn) -> Group:
    """进行中 → 已结束, with the evaluation (required)."""
    user = user_of(request)
    group = _group_to_change(user, group_id)
    group = services.group_end(by=user, group=group, evaluation=payload.evaluation)
    return _group_detail(user, group)


# --- activities ---------------------------------------------------------------------------


def _activities(qs):
    return qs.select_related("platform").prefetch_related("items")


def _activity_detail(user: User, activity: Activity) -> Activity:
    activity = _activities(Activity.objects.filter(pk=activity.pk)).get()
    named, hidden = named_beneficiaries(user, activity)
    activity.beneficiary_ids = sorted(named.values_list("pk", flat=True))  # type: ignore[attr-defined]
    activity.hidden_beneficiaries = hidden  # type: ignore[attr-defined]
    activity.photos_shown = list(activity.photos.defer("data_enc"))  # type: ignore[attr-defined]
    return activity


@router.get("/activities", response=answers(ActivityPage))
def list_activities(request: HttpRequest, filters: Query[ActivityQuery]) -> dict:
    """Activities in the caller's scope, in pages by id."""
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, ACTIVITY)
    qs = in_region(Activity.objects.visible_to(user), region)
    qs = qs.matching(q=filters.q or "", kind=filters.kind or "")
    rows, cursor = keyset_page(_activities(qs), limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.get("/activities/{int:activity_id}", response=answers(ActivityDetailOut))
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    """An activity with its counts, items, named beneficiaries the caller may see, photos."""
    user = user_of(request)
    return _activity_detail(user, visible_or_404(Activity, user, pk=activity_id))


@router.post("/activities", response=answers(ActivityDetailOut, 201))
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status:
    """Record an activity held, with its person-times, items, funds, materials and photos."""
    user = user_of(request)
    require(user, ACTIVITY, "create")
    data = payload.model_dump(exclude={"platform_id", "item_ids", "beneficiary_ids", "photos"})
    photos = [
        PhotoUpload.from_base64(p.data, taken_at=p.taken_at, latitude=p.latitude,
                                longitude=p.longitude) for p in payload.photos
    ]  # fmt: skip
    with _inputs_named():
        activity = services.activity_create(
            by=user, platform=_platform(user, payload.platform_id),
            items=_items(payload.item_ids),
            beneficiary_people=_people(user, payload.beneficiary_ids, "beneficiary_ids"),
            photos=photos, **data,
        )  # fmt: skip
    return created(_activity_detail(user, activity))


@router.post("/activities/{int:activity_id}/beneficiaries", response=answers(ActivityDetailOut))
def add_activity_beneficiaries(
    request: HttpRequest, activity_id: int, payload: BeneficiariesIn
) -> Activity:
    """Name more beneficiaries from the registry (never more than the beneficiary count)."""
    user = user_of(request)
    activity = visible_or_404(Activity, user, pk=activity_id)
    require(user, ACTIVITY, "change", activity.region_id)
    people = _people(user, payload.person_ids, "person_ids")
    with _inputs_named():
        services.activity_beneficiaries_add(by=user, activity=activity, people=people)
    return _activity_detail(user, activity)


@router.get(
    "/activities/{int:activity_id}/photos/{int:photo_id}",
    response=ERRORS,
    openapi_extra={"responses": {200: {
        "description": "照片（JPEG、PNG 或 WebP），不缓存",
        "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
    }}},
)  # fmt: skip
def get_activity_photo(request: HttpRequest, activity_id: int, photo_id: int) -> HttpResponse:
    """One photo of an activity, decrypted, only to those who may see the activity."""
    activity = visible_or_404(Activity, user_of(request), pk=activity_id)
    photo = activity.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    return photo_response(photo)
