"""The registry over the API: people masked by default, revealed for a stated reason, and
their categories, children and sensitive categories shown only to those who need them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wushe.accounts.models import User
from wushe.core.api import (
    Input,
    KeysetQuery,
    RegionCode,
    Text,
    answers,
    created,
    in_region,
    keyset_page,
    user_of,
    visible_region,
)
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.people import services
from wushe.people.models import (
    Category,
    DisabilityType,
    Gender,
    LegalBasis,
    Person,
    PersonCategory,
)
from wushe.people.rules import holding, visible_categories
from wushe.people.search import search

router = Router(tags=["服务对象"])

Blank = Literal[""]


# --- schemas ------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    category: Category
    category_label: str
    group: str
    local_name: str
    disability_type: DisabilityType | Blank
    disability_grade: int | None
    started_on: date
    ended_on: date | None
    is_current: bool

    @staticmethod
    def resolve_category_label(obj: PersonCategory) -> str:
        return str(obj)


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="脱敏的身份证号，如 110105********002X")
    phone: str = Field(description="脱敏的联系电话，如 138****5678")
    gender: Gender | Blank
    birth_date: date | None
    region_code: str
    region_name: str
    household_id: int | None
    legal_basis: LegalBasis
    categories: list[CategoryOut] = Field(description="当前类别（敏感类别仅对有权限者显示）")

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.masked_numbers["id_number"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return obj.masked_numbers["phone"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_region_name(obj: Person) -> str:
        return obj.region.name

    @staticmethod
    def resolve_categories(obj: Person) -> list[PersonCategory]:
        # Set by the view from the caller's rights; never the unfiltered reverse relation.
        return obj.shown_categories  # type: ignore[attr-defined]


class PersonDetailOut(PersonOut):
    categories: list[CategoryOut] = Field(
        description="类别，含已结束的（敏感类别仅对有权限者显示）"
    )
    ethnicity: str
    address: str
    relation: str
    consent_withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PersonPage(Schema):
    items: list[PersonOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class PersonQuery(KeysetQuery):
    q: Text | None = Field(
        None, max_length=50, description="姓名片段、拼音、首字母，或身份证/电话尾号"
    )
    category: Category | None = Field(None, description="只看当前持有此类别的人")
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")


class PersonIn(Input):
    name: Text = Field(max_length=50)
    region_code: RegionCode = Field(description="所在村（社区）的 12 位区划代码")
    id_number: Text = Field("", max_length=30, description="填写后由号码确定出生日期和性别")
    phone: Text = Field("", max_length=20)
    gender: Gender | Blank = ""
    birth_date: date | None = None
    ethnicity: Text = Field("", max_length=20)
    address: Text = Field("", max_length=200)
    legal_basis: LegalBasis = LegalBasis.STATUTORY


class PersonPatch(Input):
    """Only the fields sent are changed; a person moves village by a transfer, not here."""

    name: Text = Field(None, max_length=50)
    id_number: Text = Field(None, max_length=30)
    phone: Text = Field(None, max_length=20)
    gender: Gender | Blank = None
    birth_date: date | None = None
    ethnicity: Text = Field(None, max_length=20)
    address: Text = Field(None, max_length=200)
    legal_basis: LegalBasis = None


class ExistingPersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="脱敏的身份证号")
    region_code: str
    region_name: str


class DuplicateOut(Schema):
    detail: str
    existing: ExistingPersonOut = Field(description="已登记的人：应申请转移，而不是重复建档")


class RevealIn(Input):
    reason: Text = Field(max_length=200, description="查看完整信息的理由，记入审计")


class RevealOut(Schema):
    id_number: str
    phone: str


class CategoryIn(Input):
    category: Category
    started_on: date
    ended_on: date | None = None
    local_name: Text = Field("", max_length=50, description="地方类别须填写名称")
    disability_type: DisabilityType | Blank = ""
    disability_grade: int | None = Field(None, ge=1, le=4, description="残疾等级（一至四级）")


class CategoryEndIn(Input):
    ended_on: date


# --- helpers ------------------------------------------------------------------------------


def _shown(user: User, person: Person, *, current_only: bool = False) -> Person:
    """`person` with what the caller may see of it: masked numbers, permitted categories."""
    categories = [c for c in visible_categories(user, person) if c.is_current or not current_only]
    person.masked_numbers = services.masked(person)  # type: ignore[attr-defined]
    person.shown_categories = sorted(  # type: ignore[attr-defined]
        categories, key=lambda c: (not c.is_current, c.started_on, c.pk)
    )
    return person


def _duplicate(exc: services.DuplicatePerson) -> Status[dict]:
    """A 409 naming the person already registered, masked, so a client offers a transfer."""
    existing = exc.existing
    return Status(
        409,
        {
            "detail": exc.message_dict["id_number"][0],
            "existing": {
                "id": existing.pk,
                "name": existing.name,
                "id_number": services.masked(existing)["id_number"],
                "region_code": existing.region_id,
                "region_name": existing.region.name,
            },
        },
    )


# --- people -------------------------------------------------------------------------------


@router.get("/people", response=answers(PersonPage))
def list_people(request: HttpRequest, filters: Query[PersonQuery]) -> dict:
    """People in the caller's scope, found the way the registry page finds them, in pages
    by id; ID numbers and phones masked."""
    user = user_of(request)
    region = scope_region_or_404(user, filters.region, "people.person")
    qs = in_region(Person.objects.visible_to(user), region)
    qs = search(qs, filters.q or "", user=user)
    if filters.category:
        qs = holding(qs, user, filters.category)
    qs = qs.select_related("region").prefetch_related("categories")
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.after)
    return {"items": [_shown(user, p, current_only=True) for p in rows], "next_after": cursor}


@router.get("/people/{int:person_id}", response=answers(PersonDetailOut))
def get_person(request: HttpRequest, person_id: int) -> Person:
    """One person's file, masked; out of scope (or a child, for roles without the right to
    see children) is not found."""
    user = user_of(request)
    return _shown(user, visible_or_404(Person, user, pk=person_id))


@router.post("/people", response={**answers(PersonDetailOut, 201), 409: DuplicateOut})
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    """Open a person's file in a village of the caller's scope. An ID number already
    registered anywhere is a 409 naming that person (masked), never a second file."""
    user = user_of(request)
    data = payload.model_dump(exclude={"region_code"})
    try:
        person = services.person_create(
            by=user, region=visible_region(user, payload.region_code), **data
        )
    except services.DuplicatePerson as exc:
        return _duplicate(exc)
    return created(_shown(user, person))


@router.patch("/people/{int:person_id}", response={**answers(PersonDetailOut), 409: DuplicateOut})
def update_person(
    request: HttpRequest, person_id: int, payload: PersonPatch
) -> Person | Status[dict]:
    """Change the fields sent; the ID number, when given, decides birth date and gender."""
    user = user_of(request)
    person = visible_or_404(Person, user, pk=person_id)
    require(user, "people.person", "change", person.region_id)
    try:
        services.person_update(by=user, person=person, **payload.model_dump(exclude_unset=True))
    except services.DuplicatePerson as exc:
        return _duplicate(exc)
    return _shown(user, person)


@router.post("/people/{int:person_id}/reveal", response=answers(RevealOut))
def reveal_person(
    request: HttpRequest, person_id: int, payload: RevealIn, response: HttpResponse
) -> dict[str, str]:
    """The full ID number and phone, for a stated reason that goes into the audit trail."""
    user = user_of(request)
    person = visible_or_404(Person, user, pk=person_id)
    require(user, "people.person", "reveal", person.region_id)
    revealed = services.person_reveal(by=user, person=person, reason=payload.reason)
    response["Cache-Control"] = "no-store"  # plaintext personal data: no cache keeps it
    return revealed


# --- categories ---------------------------------------------------------------------------


@router.post(
    "/people/{int:person_id}/categories", response=answers(CategoryOut, 201), tags=["对象类别"]
)
def add_person_category(
    request: HttpRequest, person_id: int, payload: CategoryIn
) -> Status[PersonCategory]:
    """Record a category a person holds from a date; earlier periods stay in the history."""
    user = user_of(request)
    person = visible_or_404(Person, user, pk=person_id)
    require(user, "people.person", "change", person.region_id)
    return created(services.category_add(by=user, person=person, **payload.model_dump()))


@router.post(
    "/people/{int:person_id}/categories/{int:category_id}/end",
    response=answers(CategoryOut),
    tags=["对象类别"],
)
def end_person_category(
    request: HttpRequest, person_id: int, category_id: int, payload: CategoryEndIn
) -> PersonCategory:
    """Record that a person stopped holding a category; the period stays in the history."""
    user = user_of(request)
    person = visible_or_404(Person, user, pk=person_id)
    entry = next((c for c in visible_categories(user, person) if c.pk == category_id), None)
    if entry is None:
        raise Http404
    require(user, "people.person", "change", person.region_id)
    return services.category_end(by=user, entry=entry, ended_on=payload.ended_on)
