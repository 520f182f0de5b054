"""Visits and needs over the API. The phone's offline sync uses `POST /visits` with the
draft's own `client_id`: sending it again answers 200 with the visit already recorded."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Literal

from django.db import connection
from django.db.models import Prefetch, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.responses import Response
from pydantic import Field

from wushe.accounts.permissions import scope_roots
from wushe.casework import services
from wushe.casework.api.refs import items, ref, refs
from wushe.casework.models import Need, Urgency, Visit, VisitPhoto
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.api import (
    MAX_LIMIT,
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
from wushe.core.photos import MAX_PHOTOS, PhotoUpload
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.network.models import Worker
from wushe.people.models import Household, Person
from wushe.regions.models import Level, level_of

router = Router(tags=["走访与个案"])

# --- visits --------------------------------------------------------------------------------


class PhotoIn(Input):
    data: str = Field(
        description="照片（JPEG/PNG/WebP）的 base64，可带 data: 前缀；压缩后不超过 3 MB"
    )
    taken_at: datetime | None = Field(None, description="拍摄时间")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class NeedFoundIn(Input):
    domain_code: Text = Field(max_length=32, description="服务领域代码，如 elderly")
    item_id: Id | None = None
    urgency: Urgency = Urgency.NORMAL
    description: Text = Field(max_length=2000)


class VisitIn(Input):
    client_id: uuid.UUID = Field(description="草稿在手机上生成的编号：重复提交只记一次")
    person_id: Id | None = Field(None, description="走访对象（与 household_id 至少填一个）")
    household_id: Id | None = None
    visited_at: datetime
    place: Text = Field("", max_length=200)
    living_conditions: Text = Field("", max_length=5000)
    risks: Text = Field("", max_length=5000)
    needs_found: Text = Field("", max_length=5000)
    item_ids: list[Id] = Field(description="提供的服务事项（至少一项）")
    worker_ids: list[Id] = []
    volunteers: Text = Field("", max_length=200)
    follow_up_on: date | None = None
    photos: list[PhotoIn] = Field([], max_length=MAX_PHOTOS)
    needs: list[NeedFoundIn] = Field([], max_length=20)


class ItemOut(Schema):
    id: int
    code: str
    name: str


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
    taken_at: datetime | None
    has_location: bool

    @staticmethod
    def resolve_has_location(obj) -> bool:
        return bool(obj.location_enc)


class VisitOut(Schema):
    id: int
    client_id: uuid.UUID
    person_id: int | None
    household_id: int | None
    region_code: str
    visited_at: datetime
    place: str
    living_conditions: str
    risks: str
    needs_found: str
    items: list[ItemOut]
    worker_ids: list[int]
    volunteers: str
    follow_up_on: date | None
    photos: list[PhotoOut]
    need_ids: list[int]
    created_by: str
    created_at: datetime

    @staticmethod
    def resolve_region_code(obj: Visit) -> str:
        return obj.region_id

    @staticmethod
    def resolve_items(obj: Visit) -> list:
        return _linked(obj, "items")

    @staticmethod
    def resolve_worker_ids(obj: Visit) -> list[int]:
        return [w.pk for w in _linked(obj, "workers")]

    @staticmethod
    def resolve_photos(obj: Visit) -> list:
        return _linked(obj, "photos")

    @staticmethod
    def resolve_need_ids(obj: Visit) -> list[int]:
        return [need.pk for need in _linked(obj, "needs")]

    @staticmethod
    def resolve_created_by(obj: Visit) -> str:
        return str(obj.created_by)


LINKS = {
    "items": ServiceItem.objects.only("pk", "code", "name"),
    "workers": Worker.objects.only("pk"),
    "photos": VisitPhoto.objects.defer("data_enc"),  # not the encrypted images
    "needs": Need.objects.only("pk", "visit"),
}


def with_links(visits):
    """What `VisitOut` shows of a visit's links, one query per link, as plain lists on the
    visits (`to_attr`: no queryset made per visit and link)."""
    return visits.select_related("created_by").prefetch_related(
        *(Prefetch(name, queryset=qs, to_attr=f"shown_{name}") for name, qs in LINKS.items())
    )


def _linked(visit: Visit, name: str) -> list:
    found = getattr(visit, f"shown_{name}", None)
    return found if found is not None else list(getattr(visit, name).all())


def _by_visit(rows) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for visit_id, *rest in rows:
        found[visit_id].append(rest)
    return found


# The links a page shows as plain numbers and text, each in its own model's order.
LINK_ROWS = {
    "items": lambda ids: (
        Visit.items.through.objects.filter(visit_id__in=ids)
        .order_by(*(f"serviceitem__{f}" for f in ServiceItem._meta.ordering))
        .values_list("visit_id", "serviceitem_id", "serviceitem__code", "serviceitem__name")
    ),
    "workers": lambda ids: (
        Visit.workers.through.objects.filter(visit_id__in=ids)
        .order_by(*(f"worker__{f}" for f in Worker._meta.ordering))
        .values_list("visit_id", "worker_id")
    ),
    "needs": lambda ids: Need.objects.filter(visit_id__in=ids).values_list("visit_id", "pk"),
}


@functools.lru_cache(maxsize=4 * (MAX_LIMIT + 1))
def _link_sql(name: str, size: int) -> str:
    """The SQL the ORM writes for LINK_ROWS[name] over `size` visits, written once per size:
    building it took longer than running it. Its only parameters are the visit ids."""
    stand_in = list(range(1, size + 1))
    sql, params = LINK_ROWS[name](stand_in).query.sql_with_params()
    if list(params) != stand_in:
        raise RuntimeError(f"the {name} query has parameters besides the visit ids")
    return sql


def _link_rows(name: str, ids: list[int]) -> dict[int, list]:
    """LINK_ROWS[name] for `ids`, by visit: integers and text, which need no conversion."""
    with connection.cursor() as cursor:
        cursor.execute(_link_sql(name, len(ids)), ids)
        return _by_visit(cursor.fetchall())


def page_rows(visits: list[Visit]) -> list[dict]:  # visits annotated with `creator`
    """What `VisitOut` says of each visit, built from the rows and one query per link in
    each link's own order: a page of 50 is not validated field by field through the schema
    (a test holds the two equal)."""
    ids = [v.pk for v in visits]
    if not ids:
        return []
    items, workers, needs = (_link_rows(name, ids) for name in ("items", "workers", "needs"))
    photos = _by_visit(
        VisitPhoto.objects.filter(visit_id__in=ids)
        .values_list("visit_id", "pk", "content_type", "size", "taken_at", "location_enc")
    )  # fmt: skip
    return [
        {
            "id": v.pk, "client_id": v.client_id, "person_id": v.person_id,
            "household_id": v.household_id, "region_code": v.region_id,
            "visited_at": v.visited_at, "place": v.place,
            "living_conditions": v.living_conditions, "risks": v.risks,
            "needs_found": v.needs_found,
            "items": [{"id": i, "code": c, "name": n} for i, c, n in items[v.pk]],
            "worker_ids": [w for (w,) in workers[v.pk]], "volunteers": v.volunteers,
            "follow_up_on": v.follow_up_on,
            "photos": [
                {"id": p, "content_type": t, "size": n, "taken_at": at,
                 "has_location": bool(where)}
                for p, t, n, at, where in photos[v.pk]
            ],
            "need_ids": [n for (n,) in needs[v.pk]], "created_by": v.creator,
            "created_at": v.created_at,
        }
        for v in visits
    ]  # fmt: skip


class VisitPage(Schema):
    items: list[VisitOut]
    next_after: int | None


class VisitQuery(KeysetQuery):
    person_id: Id | None = None
    region: RegionCode | None = Field(None, description="只看此区划及其下级")


@router.post("/visits", response={**answers(VisitOut, 201), 200: VisitOut})
def create_visit(request: HttpRequest, payload: VisitIn) -> Status:
    """Record a visit (the phone's sync). 201 when recorded now; 200 with the visit already
    recorded when this `client_id` was sent before."""
    user = user_of(request)
    people = Person.objects.visible_to(user)
    person = ref(people, payload.person_id, "person_id")
    household = ref(Household.objects.visible_to(user), payload.household_id, "household_id")
    domains = {d.code: d for d in ServiceDomain.objects.all()}
    needs = []
    for n, need in enumerate(payload.needs):
        if need.domain_code not in domains:
            raise invalid("needs", _("第 %(n)d 项需求的服务领域无效。") % {"n": n + 1})
        needs.append(
            services.NeedInput(
                domain=domains[need.domain_code],
                description=need.description,
                item=ref(ServiceItem.objects.visible_to(user), need.item_id, "needs"),
                urgency=need.urgency,
            )  # fmt: skip
        )
    photos = [
        PhotoUpload.from_base64(
            p.data, taken_at=p.taken_at, latitude=p.latitude, longitude=p.longitude
        )
        for p in payload.photos
    ]
    visit, made = services.visit_create(
        by=user, client_id=payload.client_id, person=person, household=household,
        visited_at=payload.visited_at, place=payload.place,
        living_conditions=payload.living_conditions, risks=payload.risks,
        needs_found=payload.needs_found, items=items(user, payload.item_ids),
        workers=refs(Worker.objects.visible_to(user), payload.worker_ids, "worker_ids"),
        volunteers=payload.volunteers, follow_up_on=payload.follow_up_on, photos=photos,
        needs=needs,
    )  # fmt: skip
    return created(visit) if made else Status(200, visit)


@router.get("/visits", response=answers(VisitPage))
def list_visits(request: HttpRequest, filters: Query[VisitQuery]) -> Response:
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "casework.visit")
    # A county or more is paged by walking the key; a township or village, and one
    # person's visits, through their own indexes.
    roots = [region.code] if region else scope_roots(user)
    wide = not filters.person_id and all(level_of(code) <= Level.COUNTY for code in roots)
    qs = Visit.objects.visible_to(user, within=region.code_range if region else None, by_key=wide)
    if filters.person_id:
        qs = qs.filter(person_id=filters.person_id)
    # Who recorded it as `str(user)` says it (name, else username), without a user per row.
    creator = Coalesce(NullIf("created_by__name", Value("")), "created_by__username")
    rows, cursor = keyset_page(
        qs.annotate(creator=creator), limit=filters.limit, cursor=filters.after, descending=True
    )
    # Rendered as the API renders every answer (ninja's JSON encoder).
    return Response({"items": page_rows(rows), "next_after": cursor})


@router.get("/visits/{int:visit_id}", response=answers(VisitOut))
def get_visit(request: HttpRequest, visit_id: int) -> Visit:
    return visible_or_404(with_links(Visit.objects.all()), user_of(request), pk=visit_id)


# --- needs ---------------------------------------------------------------------------------


class NeedIn(Input):
    person_id: Id
    domain_code: Text = Field(max_length=32)
    item_id: Id | None = None
    urgency: Urgency = Urgency.NORMAL
    description: Text = Field(max_length=2000)


class NeedOut(Schema):
    id: int
    person_id: int
    region_code: str
    domain_code: str
    item_id: int | None
    urgency: Urgency
    description: str
    status: Need.Status
    resolution: str
    visit_id: int | None
    case_id: int | None
    created_at: datetime
    resolved_at: datetime | None

    @staticmethod
    def resolve_region_code(obj: Need) -> str:
        return obj.region_id

    @staticmethod
    def resolve_domain_code(obj: Need) -> str:
        return obj.domain.code


class NeedPage(Schema):
    items: list[NeedOut]
    next_after: int | None


class NeedQuery(KeysetQuery):
    person_id: Id | None = None
    status: Need.Status | None = None
    region: RegionCode | None = None


class NeedResolveIn(Input):
    status: Literal["met", "referred", "closed"]
    resolution: Text = Field("", max_length=200, description="转介、关闭须说明原因")


@router.post("/needs", response=answers(NeedOut, 201), tags=["需求"])
def create_need(request: HttpRequest, payload: NeedIn) -> Status:
    user = user_of(request)
    person = ref(Person.objects.visible_to(user), payload.person_id, "person_id")
    domain = ServiceDomain.objects.filter(code=payload.domain_code).first()
    if domain is None:
        raise invalid("domain_code", _("服务领域“%(c)s”不存在。") % {"c": payload.domain_code})
    need = services.need_create(
        by=user, person=person, domain=domain, urgency=payload.urgency,
        item=ref(ServiceItem.objects.visible_to(user), payload.item_id, "item_id"),
        description=payload.description,
    )  # fmt: skip
    return created(need)


@router.get("/needs", response=answers(NeedPage), tags=["需求"])
def list_needs(request: HttpRequest, filters: Query[NeedQuery]) -> dict:
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "casework.need")
    qs = in_region(Need.objects.visible_to(user), region).select_related("domain")
    if filters.person_id:
        qs = qs.filter(person_id=filters.person_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.get("/needs/{int:need_id}", response=answers(NeedOut), tags=["需求"])
def get_need(request: HttpRequest, need_id: int) -> Need:
    return visible_or_404(Need, user_of(request), pk=need_id)


@router.post("/needs/{int:need_id}/resolve", response=answers(NeedOut), tags=["需求"])
def resolve_need(request: HttpRequest, need_id: int, payload: NeedResolveIn) -> Need:
    user = user_of(request)
    need = visible_or_404(Need, user, pk=need_id)
    require(user, "casework.need", "change", need.region_id)
    return services.need_resolve(by=user, need=need, **payload.model_dump())
