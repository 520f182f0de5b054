"""The three-level network over the API: platforms, their staffing, and the staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as HttpStatus  # network.models has its own Status
from pydantic import Field, StringConstraints

from wushe.accounts.models import User
from wushe.catalog.models import ServiceDomain
from wushe.core.api import (
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
    visible_region,
)
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.network import services
from wushe.network.models import (
    Certificate,
    Platform,
    Post,
    Posting,
    ServiceMode,
    Status,
    Tier,
    Worker,
)

router = Router(tags=["服务网络"])

Blank = Literal[""]
DomainCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]


# --- schemas ------------------------------------------------------------------------------


class PlatformOut(Schema):
    id: int
    tier: Tier
    tier_label: str
    name: str
    region_code: str
    region_name: str
    address: str
    phone: str
    opened_on: date | None
    status: Status
    status_label: str
    service_mode: ServiceMode | Blank
    domain_codes: list[str]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tier_label(obj: Platform) -> str:
        return str(obj.get_tier_display())

    @staticmethod
    def resolve_region_name(obj: Platform) -> str:
        return obj.region.name

    @staticmethod
    def resolve_status_label(obj: Platform) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_domain_codes(obj: Platform) -> list[str]:
        return [d.code for d in obj.domains.all()]


class PlatformPage(Schema):
    items: list[PlatformOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class PlatformQuery(KeysetQuery):
    tier: Tier | None = None
    status: Status | None = None
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")
    q: Text | None = Field(None, max_length=100, description="名称包含")


class PlatformIn(Input):
    tier: Tier
    region_code: RegionCode = Field(description="中心填县级、社工站填乡级、社工室填村级代码")
    name: Text = Field(max_length=100)
    address: Text = Field("", max_length=200)
    phone: Text = Field("", max_length=30)
    opened_on: date | None = None
    status: Status = Status.ACTIVE
    service_mode: ServiceMode | Blank = ""
    domain_codes: list[DomainCode] = Field(default_factory=list, description="服务领域代码")


class PlatformPatch(Input):
    """Only the fields sent are changed; tier and region are fixed once created."""

    name: Text = Field(None, max_length=100)
    address: Text = Field(None, max_length=200)
    phone: Text = Field(None, max_length=30)
    opened_on: date | None = None
    status: Status = None
    service_mode: ServiceMode | Blank = None
    domain_codes: list[DomainCode] = None


class PostingOut(Schema):
    id: int
    platform_id: int
    worker_id: int
    worker_name: str
    post: Post
    post_label: str
    started_on: date
    ended_on: date | None
    is_current: bool

    @staticmethod
    def resolve_worker_name(obj: Posting) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_post_label(obj: Posting) -> str:
        return str(obj.get_post_display())


class PostingIn(Input):
    worker_id: Id
    post: Post
    started_on: date


class PostingEndIn(Input):
    ended_on: date


class WorkerOut(Schema):
    id: int
    name: str
    gender: Literal["M", "F", ""]
    certificate: Certificate
    certificate_label: str
    region_code: str

    @staticmethod
    def resolve_region_code(obj: Worker) -> str:
        return obj.region_id

    @staticmethod
    def resolve_certificate_label(obj: Worker) -> str:
        return str(obj.get_certificate_display())


class WorkerDetailOut(WorkerOut):
    postings: list[PostingOut]

    @staticmethod
    def resolve_postings(obj: Worker) -> list[Posting]:
        # Set by the view from the caller's scope; never the unscoped reverse relation.
        return obj.visible_postings  # type: ignore[attr-defined]


class WorkerPage(Schema):
    items: list[WorkerOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class WorkerQuery(KeysetQuery):
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")
    q: Text | None = Field(None, max_length=50, description="姓名包含")


class WorkerIn(Input):
    name: Text = Field(max_length=50)
    region_code: RegionCode = Field(description="人员档案所在区划，通常是其任职平台所在地")
    gender: Literal["M", "F", ""] = ""
    certificate: Certificate = Certificate.NONE


# --- helpers ------------------------------------------------------------------------------


def _platforms(user: User, action: str = "view") -> QuerySet[Platform]:
    return (
        Platform.objects.visible_to(user, action)
        .select_related("region")
        .prefetch_related(Prefetch("domains", queryset=ServiceDomain.objects.order_by("code")))
    )


def _domains(codes: list[str]) -> list[ServiceDomain]:
    """The domains named by `codes`; an unknown code is a 422 on domain_codes."""
    found = {d.code: d for d in ServiceDomain.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise invalid("domain_codes", _("未知的服务领域代码：%(c)s。") % {"c": "、".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def _postings(user: User) -> QuerySet[Posting]:
    return Posting.objects.visible_to(user).select_related("worker")


# --- platforms ----------------------------------------------------------------------------


@router.get("/platforms", response=answers(PlatformPage), tags=["服务平台"])
def list_platforms(request: HttpRequest, filters: Query[PlatformQuery]) -> dict:
    """Platforms in the caller's scope, filtered, in pages by id."""
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "network.platform")
    qs = in_region(_platforms(user), region).matching(
        q=filters.q or "", tier=filters.tier, status=filters.status or ""
    )
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.get("/platforms/{int:platform_id}", response=answers(PlatformOut), tags=["服务平台"])
def get_platform(request: HttpRequest, platform_id: int) -> Platform:
    """One platform in the caller's scope; any other id is not found."""
    return visible_or_404(Platform, user_of(request), pk=platform_id)


@router.post("/platforms", response=answers(PlatformOut, 201), tags=["服务平台"])
def create_platform(request: HttpRequest, payload: PlatformIn) -> HttpStatus[Platform]:
    """Open a center, station or room; its tier must match the level of its region."""
    user = user_of(request)
    data = payload.model_dump(exclude={"region_code", "domain_codes"})
    platform = services.platform_create(
        by=user,
        region=visible_region(user, payload.region_code),
        domains=_domains(payload.domain_codes),
        **data,
    )
    return created(_platforms(user).get(pk=platform.pk))


@router.patch("/platforms/{int:platform_id}", response=answers(PlatformOut), tags=["服务平台"])
def update_platform(request: HttpRequest, platform_id: int, payload: PlatformPatch) -> Platform:
    """Change the fields sent; every change is an audit event."""
    user = user_of(request)
    platform = visible_or_404(Platform, user, pk=platform_id)
    require(user, "network.platform", "change", platform.region_id)
    data = payload.model_dump(exclude_unset=True)
    codes = data.pop("domain_codes", None)
    domains = None if codes is None else _domains(codes)
    services.platform_update(by=user, platform=platform, domains=domains, **data)
    return _platforms(user).get(pk=platform.pk)


# --- postings -----------------------------------------------------------------------------


@router.get(
    "/platforms/{int:platform_id}/postings", response=answers(list[PostingOut]), tags=["任职"]
)
def list_platform_postings(request: HttpRequest, platform_id: int) -> list[Posting]:
    """The team of a platform, current and past, current first."""
    platform = visible_or_404(Platform, user_of(request), pk=platform_id)
    rows = _postings(user_of(request)).filter(platform=platform)
    rank = {post: n for n, post in enumerate(Post.values)}  # head first, as the model lists
    return sorted(rows, key=lambda p: (not p.is_current, rank[p.post], p.started_on, p.pk))


@router.post(
    "/platforms/{int:platform_id}/postings", response=answers(PostingOut, 201), tags=["任职"]
)
def create_posting(
    request: HttpRequest, platform_id: int, payload: PostingIn
) -> HttpStatus[Posting]:
    """Put a worker the caller can see into a post at this platform."""
    user = user_of(request)
    platform = visible_or_404(Platform, user, pk=platform_id)
    require(user, "network.posting", "create", platform.region_id)
    worker = Worker.objects.visible_to(user).filter(pk=payload.worker_id).first()
    if worker is None:
        raise invalid("worker_id", _("工作人员不存在或不在您的管辖范围内。"))
    posting = services.posting_create(
        by=user, platform=platform, worker=worker, post=payload.post,
        started_on=payload.started_on,
    )  # fmt: skip
    return created(posting)


@router.post("/postings/{int:posting_id}/end", response=answers(PostingOut), tags=["任职"])
def end_posting(request: HttpRequest, posting_id: int, payload: PostingEndIn) -> Posting:
    """Record that a worker left a post; the posting stays in the team's history."""
    user = user_of(request)
    posting = visible_or_404(Posting, user, pk=posting_id)
    require(user, "network.posting", "change", posting.platform.region_id)
    return services.posting_end(by=user, posting=posting, ended_on=payload.ended_on)


# --- workers ------------------------------------------------------------------------------


@router.get("/workers", response=answers(WorkerPage), tags=["工作人员"])
def list_workers(request: HttpRequest, filters: Query[WorkerQuery]) -> dict:
    """Staff whose records lie in the caller's scope, in pages by id."""
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "network.worker")
    qs = in_region(Worker.objects.visible_to(user), region).matching(q=filters.q or "")
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after)
    return {"items": rows, "next_after": cursor}


@router.get("/workers/{int:worker_id}", response=answers(WorkerDetailOut), tags=["工作人员"])
def get_worker(request: HttpRequest, worker_id: int) -> Worker:
    """One worker and the postings the caller may see (none at platforms out of scope)."""
    user = user_of(request)
    worker = visible_or_404(Worker, user, pk=worker_id)
    postings = _postings(user).filter(worker=worker).order_by("-started_on", "-pk")
    worker.visible_postings = list(postings)  # type: ignore[attr-defined]
    return worker


@router.post("/workers", response=answers(WorkerOut, 201), tags=["工作人员"])
def create_worker(request: HttpRequest, payload: WorkerIn) -> HttpStatus[Worker]:
    """Open a worker's record in a region of the caller's scope."""
    user = user_of(request)
    worker = services.worker_create(
        by=user, name=payload.name, region=visible_region(user, payload.region_code),
        gender=payload.gender, certificate=payload.certificate,
    )  # fmt: skip
    return created(worker)
