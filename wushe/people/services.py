"""Writes to the registry. Pages, the API and imports all call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.accounts.permissions import Action
from wushe.audit.services import audit_record, field_changes
from wushe.core.crypto import blind_index, decrypt_text, encrypt_text
from wushe.core.identity import (
    InvalidIdNumber,
    mask_id_number,
    mask_phone,
    normalise,
    parse_id_number,
)
from wushe.core.locks import lock_fresh
from wushe.people import search
from wushe.people.models import (
    VALUES,
    Category,
    DisabilityType,
    Gender,
    Household,
    LegalBasis,
    Person,
    PersonCategory,
    PersonSearchKey,
    Relation,
)
from wushe.people.rules import current_q
from wushe.regions.models import Level, Region
from wushe.stats import record as stats

ID_CONTEXT = "people.person.id_number"
PHONE_CONTEXT = "people.person.phone"
PLAIN_FIELDS = ("name", "gender", "birth_date", "ethnicity", "address", "relation", "legal_basis")


class DuplicatePerson(ValidationError):
    """The ID number is already registered: the existing person, not a copy, is the answer."""

    def __init__(self, existing: Person) -> None:
        self.existing = existing
        message = _("此身份证号已登记：%(name)s（%(id)s，%(region)s）。请勿重复建档，可申请转移。")
        details = {
            "name": existing.name,
            "id": mask_id_number(id_number_of(existing)),
            "region": existing.region.name,
        }
        super().__init__({"id_number": message % details})


def lock_person(person: Person) -> None:
    """Bring the caller's copy up to date from the row, locked until the transaction ends
    (FOR NO KEY UPDATE: records referring to the person are still written meanwhile). A
    service that saves the person, or counts something where they live, starts with it."""
    lock_fresh(person)


def _check(by: User | None, action: str, code: str, label: str = "people.person") -> None:
    permissions.demand(by, label, action, code)


def id_number_of(person: Person) -> str:
    return decrypt_text(person.id_number_enc, context=ID_CONTEXT) if person.id_number_enc else ""


def phone_of(person: Person) -> str:
    return decrypt_text(person.phone_enc, context=PHONE_CONTEXT) if person.phone_enc else ""


def masked(person: Person) -> dict[str, str]:
    """What lists, pages, exports and logs show by default."""
    return {
        "id_number": mask_id_number(id_number_of(person)),
        "phone": mask_phone(phone_of(person)),
    }


def find_by_id_number(raw: str) -> Person | None:
    try:
        number = parse_id_number(raw).number
    except InvalidIdNumber:
        return None
    return Person.objects.filter(id_number_index=blind_index(number, context=ID_CONTEXT)).first()


@dataclass(frozen=True)
class Identity:
    """The personal data of a person as validated for storage."""

    id_number: str = ""
    phone: str = ""
    birth_date: date | None = None
    gender: str = ""

    @cached_property
    def id_index(self) -> str | None:
        """The ID number's blind index (one person a number), worked out once."""
        return blind_index(self.id_number, context=ID_CONTEXT) if self.id_number else None

    @cached_property
    def phone_index(self) -> str:
        return blind_index(self.phone, context=PHONE_CONTEXT) if self.phone else ""


def _identity(id_number: str, phone: str, birth_date: date | None, gender: str) -> Identity:
    errors: dict[str, str] = {}
    number = ""
    if id_number.strip():
        try:
            parsed = parse_id_number(id_number)
        except InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
        else:
            number = parsed.number
            # The number is the authority on birth date and gender; a form's guess yields.
            birth_date, gender = parsed.birth_date, parsed.gender
    phone = normalise(phone)
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
        errors["phone"] = _("电话号码“%(p)s”格式不对：应为 7–12 位数字。") % {"p": phone}
    if gender and gender not in VALUES[Gender]:
        errors["gender"] = _("性别“%(v)s”无效。") % {"v": gender}
    if errors:
        raise ValidationError(errors)
    return Identity(number, phone, birth_date, gender)


def _write_keys(person: Person, identity: Identity) -> None:
    PersonSearchKey.objects.filter(person=person).delete()
    PersonSearchKey.objects.bulk_create(
        PersonSearchKey(person=person, region_code=person.region_id, name=person.name, key=key)
        for key in sorted(search.all_keys(person.name, identity.id_number, identity.phone))
    )


def _apply_identity(person: Person, identity: Identity) -> None:
    person.id_number_enc = (
        encrypt_text(identity.id_number, context=ID_CONTEXT) if identity.id_number else ""
    )
    person.id_number_index = identity.id_index
    person.phone_enc = encrypt_text(identity.phone, context=PHONE_CONTEXT) if identity.phone else ""
    person.phone_index = identity.phone_index
    person.birth_date = identity.birth_date
    person.gender = identity.gender


def _validate_fields(
    *, name: str, legal_basis: str, relation: str, region: Region | None = None
) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("请填写姓名。")
    if region is not None and region.level != Level.VILLAGE:
        errors["region"] = _("服务对象应登记到村（社区），“%(r)s”不是村级区划。") % {
            "r": region.name
        }
    if legal_basis not in VALUES[LegalBasis]:
        errors["legal_basis"] = _("处理依据“%(v)s”无效。") % {"v": legal_basis}
    if relation and relation not in VALUES[Relation]:
        errors["relation"] = _("与户主关系“%(v)s”无效。") % {"v": relation}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def household_create(*, by: User | None, region: Region, address: str = "") -> Household:
    """A household (户) in a village; its members join it as they are registered."""
    _check(by, Action.CREATE, region.code)
    if region.level != Level.VILLAGE:
        raise ValidationError({"region": _("家庭户应登记在村（社区）。")})
    household = Household.objects.create(region=region, address=address.strip()[:200])
    stats.created(household)
    audit_record(
        actor=by, action="household.create", obj=household, region_code=region.code,
        changes={"address": household.address},
    )  # fmt: skip
    return household


@transaction.atomic
def person_create(
    *,
    by: User | None,
    name: str,
    region: Region,
    id_number: str = "",
    phone: str = "",
    gender: str = "",
    birth_date: date | None = None,
    ethnicity: str = "",
    address: str = "",
    legal_basis: str = LegalBasis.STATUTORY,
    household: Household | None = None,
    relation: str = "",
) -> Person:
    """Open a person's file (建档). The same ID number exists once in the whole platform."""
    _check(by, Action.CREATE, region.code)
    _validate_fields(name=name, legal_basis=legal_basis, relation=relation, region=region)
    identity = _identity(id_number, phone, birth_date, gender)
    if identity.id_number:
        existing = (
            Person.objects.select_related("region")
            .filter(id_number_index=identity.id_index)
            .first()
        )
        if existing is not None:
            raise DuplicatePerson(existing)
    person = Person(
        name=name.strip(), region=region, ethnicity=ethnicity.strip(), address=address.strip(),
        legal_basis=legal_basis, household=household, relation=relation,
    )  # fmt: skip
    _apply_identity(person, identity)
    person.save()
    _write_keys(person, identity)
    stats.created(person)
    audit_record(
        actor=by, action="person.create", obj=person, region_code=region.code,
        changes={"name": person.name, **masked(person)},
    )  # fmt: skip
    return person


@transaction.atomic
def person_update(*, by: User | None, person: Person, **fields: Any) -> Person:
    """Change plain fields, and the ID number or phone when given (re-encrypted, re-indexed)."""
    lock_person(person)  # saved whole: a stale copy would undo a transfer made meanwhile
    _check(by, Action.CHANGE, person.region_id)
    if person.consent_withdrawn_at is not None and ({"id_number", "phone"} & set(fields)):
        raise ValidationError({"legal_basis": _("此人已撤回同意，不能再采集其身份证号或电话。")})
    allowed = {*PLAIN_FIELDS, "id_number", "phone"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("此字段不可修改。") for name in unknown})
    before = {name: getattr(person, name) for name in PLAIN_FIELDS} | masked(person)
    identity = _identity(
        fields.pop("id_number", id_number_of(person)),
        fields.pop("phone", phone_of(person)),
        fields.get("birth_date", person.birth_date),
        fields.get("gender", person.gender),
    )
    if identity.id_number and identity.id_number != id_number_of(person):
        existing = (
            Person.objects.filter(id_number_index=identity.id_index)
            .exclude(pk=person.pk)
            .select_related("region")
            .first()
        )
        if existing is not None:
            raise DuplicatePerson(existing)
    _validate_fields(
        name=fields.get("name", person.name),
        legal_basis=fields.get("legal_basis", person.legal_basis),
        relation=fields.get("relation", person.relation),
    )
    for name, value in fields.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    _apply_identity(person, identity)
    person.updated_at = timezone.now()
    person.save()
    _write_keys(person, identity)
    after = {name: getattr(person, name) for name in PLAIN_FIELDS} | masked(person)
    changes = field_changes(before, after)
    if changes:
        audit_record(
            actor=by, action="person.update", obj=person, region_code=person.region_id,
            changes=changes,
        )  # fmt: skip
    return person


def person_reveal(*, by: User, person: Person, reason: str) -> dict[str, str]:
    """The full ID number and phone, for a stated reason; the reveal is an audit event."""
    _check(by, Action.REVEAL, person.region_id)
    if len(reason.strip()) < 2:
        raise ValidationError({"reason": _("请说明查看完整信息的理由。")})
    with transaction.atomic():
        audit_record(
            actor=by, action="person.reveal", obj=person, region_code=person.region_id,
            changes={"reason": reason.strip(), "fields": ["id_number", "phone"]},
        )  # fmt: skip
    return {"id_number": id_number_of(person), "phone": phone_of(person)}


@transaction.atomic
def category_add(
    *,
    by: User | None,
    person: Person,
    category: str,
    started_on: date,
    ended_on: date | None = None,
    local_name: str = "",
    disability_type: str = "",
    disability_grade: int | None = None,
) -> PersonCategory:
    lock_person(person)  # a copy read before a transfer would count it in the old village
    _check(by, Action.CHANGE, person.region_id)
    errors: dict[str, str] = {}
    if category not in VALUES[Category]:
        errors["category"] = _("类别“%(v)s”无效。") % {"v": category}
    if category == Category.DISABILITY:
        if disability_type not in VALUES[DisabilityType]:
            errors["disability_type"] = _("残疾人须填写残疾类别。")
        if disability_grade not in (1, 2, 3, 4):
            errors["disability_grade"] = _("残疾等级应为一至四级。")
    if category == Category.LOCAL and not local_name.strip():
        errors["local_name"] = _("地方类别须填写名称。")
    if ended_on and ended_on < started_on:
        errors["ended_on"] = _("结束日期不能早于开始日期。")
    if errors:
        raise ValidationError(errors)
    # Two periods of one category overlap unless one ends before the other starts.
    held = PersonCategory.objects.filter(person=person, category=category).filter(
        current_q(on=started_on)
    )
    if ended_on is not None:
        held = held.filter(started_on__lte=ended_on)
    if category != Category.LOCAL and held.exists():
        raise ValidationError(
            {
                "category": _("%(n)s已是“%(c)s”。")
                % {"n": person.name, "c": Category(category).label}
            }
        )
    entry = PersonCategory.objects.create(
        person=person, category=category, started_on=started_on, ended_on=ended_on,
        local_name=local_name.strip(), disability_type=disability_type,
        disability_grade=disability_grade,
    )  # fmt: skip
    stats.created(entry)
    audit_record(
        actor=by, action="person.category_add", obj=person, region_code=person.region_id,
        changes={"category": category, "started_on": started_on},
    )  # fmt: skip
    return entry


@transaction.atomic
def category_end(*, by: User | None, entry: PersonCategory, ended_on: date) -> PersonCategory:
    _check(by, Action.CHANGE, entry.person.region_id)
    if entry.ended_on is not None and entry.ended_on <= timezone.localdate():
        raise ValidationError({"ended_on": _("此类别已于 %(d)s 结束。") % {"d": entry.ended_on}})
    if ended_on < entry.started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期。")})
    with stats.tracking(entry):
        entry.ended_on = ended_on
        entry.save(update_fields=["ended_on"])
    audit_record(
        actor=by, action="person.category_end", obj=entry.person,
        region_code=entry.person.region_id,
        changes={"category": entry.category, "ended_on": ended_on},
    )  # fmt: skip
    return entry


@transaction.atomic
def consent_withdraw(*, by: User | None, person: Person, note: str = "") -> Person:
    """The person (or guardian) withdraws the consent their file rests on: the personal data
    collected under it is erased and no longer processed; the name and the history stay for
    the record of what was done."""
    lock_person(person)
    _check(by, Action.CHANGE, person.region_id)
    if person.legal_basis == LegalBasis.STATUTORY:
        raise ValidationError(
            {"legal_basis": _("此档案依据履行法定职责建立，不以同意为前提，无法撤回同意。")}
        )
    if person.consent_withdrawn_at is not None:
        raise ValidationError(
            {"legal_basis": _("已于 %(t)s 撤回同意。") % {"t": person.consent_withdrawn_at}}
        )
    _apply_identity(person, Identity(birth_date=person.birth_date, gender=person.gender))
    person.consent_withdrawn_at = timezone.now()
    person.updated_at = person.consent_withdrawn_at
    person.save()
    _write_keys(person, Identity())
    audit_record(
        actor=by, action="person.consent_withdraw", obj=person, region_code=person.region_id,
        changes={"note": note.strip(), "erased": ["id_number", "phone"]},
    )  # fmt: skip
    return person
