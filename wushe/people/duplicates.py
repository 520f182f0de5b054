"""Duplicates and transfers: one person, one file, even across stations.

Exact duplicates (the same ID number) are refused at the door (services.DuplicatePerson) and
answered with a transfer request. Fuzzy candidates — the same name spelled the same in pinyin
and the same birth date, or the same phone — are listed for a person to confirm: confirmed
pairs are linked, not merged; split pairs are remembered and never proposed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.people.models import DuplicateDecision, Person, PersonSearchKey, TransferRequest
from wushe.people.services import ID_CONTEXT, find_by_id_number, lock_person
from wushe.regions.models import Level, Region
from wushe.stats import record as stats

CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class Candidate:
    first: Person
    second: Person
    reason: str


def _pinyin_key(person_id: int) -> str | None:
    keys = PersonSearchKey.objects.filter(person_id=person_id, key__startswith="p:")
    return keys.order_by("key").values_list("key", flat=True).first()


def candidates(people) -> list[Candidate]:
    """Pairs inside `people` (a scoped queryset) that may be one person, minus decided pairs."""
    decided = {
        (d.first_id, d.second_id) for d in DuplicateDecision.objects.filter(
            Q(first__in=people) | Q(second__in=people)
        )
    }  # fmt: skip
    found: dict[tuple[int, int], str] = {}
    same_phone = (
        people.exclude(phone_index="").values("phone_index").annotate(n=Count("id")).filter(n__gt=1)
    )
    for row in same_phone[:CANDIDATE_LIMIT]:
        ids = sorted(people.filter(phone_index=row["phone_index"]).values_list("id", flat=True))
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found.setdefault((a, b), _("联系电话相同"))
    same_birth = (
        people.exclude(birth_date=None).values("birth_date").annotate(n=Count("id")).filter(n__gt=1)
    )
    for row in same_birth[:CANDIDATE_LIMIT]:
        group = list(people.filter(birth_date=row["birth_date"]).values_list("id", flat=True))
        by_spelling: dict[str | None, list[int]] = {}
        for pid in group:
            by_spelling.setdefault(_pinyin_key(pid), []).append(pid)
        for spelling, ids in by_spelling.items():
            ids.sort()
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if spelling:
                        found.setdefault((a, b), _("姓名拼音与出生日期相同"))
    pairs = [(pair, reason) for pair, reason in sorted(found.items()) if pair not in decided]
    by_id = Person.objects.in_bulk({pid for pair, _r in pairs for pid in pair})
    return [Candidate(by_id[a], by_id[b], reason) for (a, b), reason in pairs[:CANDIDATE_LIMIT]]


@transaction.atomic
def duplicate_decide(*, by: User, first: Person, second: Person, same: bool) -> DuplicateDecision:
    """Link two files as one person, or mark them as different people for good."""
    for person in (first, second):
        if not permissions.can(by, "people.person", "change", person.region_id):
            raise PermissionDenied
    a, b = sorted((first, second), key=lambda p: p.pk)
    if a.pk == b.pk:
        raise ValidationError({"second": _("不能与自己比较。")})
    verdict = DuplicateDecision.Verdict.SAME if same else DuplicateDecision.Verdict.DIFFERENT
    decision, _created = DuplicateDecision.objects.update_or_create(
        first=a,
        second=b,
        defaults={"verdict": verdict, "decided_by": by, "decided_at": timezone.now()},
    )
    audit_record(
        actor=by, action="person.duplicate_" + verdict, obj=a, region_code=a.region_id,
        changes={"other": b.pk},
    )  # fmt: skip
    return decision


def linked_to(person: Person) -> list[int]:
    """Ids of the files confirmed to be the same person as `person`."""
    pairs = DuplicateDecision.objects.filter(
        Q(first=person) | Q(second=person), verdict=DuplicateDecision.Verdict.SAME
    )
    return [p.second_id if p.first_id == person.pk else p.first_id for p in pairs]


@transaction.atomic
def transfer_request(
    *, by: User, id_number: str, to_region: Region, reason: str
) -> TransferRequest:
    """Ask for the person with `id_number` (registered elsewhere) to move to `to_region`.
    The requester need not see the person: the owning station decides."""
    if not permissions.can(by, "people.person", "create", to_region.code):
        raise PermissionDenied
    errors: dict[str, str] = {}
    person = find_by_id_number(id_number)
    if person is None:
        errors["id_number"] = _("平台中没有此身份证号的服务对象，可直接建档。")
    if to_region.level != Level.VILLAGE:
        errors["region"] = _("请选择要转入的村（社区）。")
    if len(reason.strip()) < 2:
        errors["reason"] = _("请说明申请转移的理由。")
    if errors:
        raise ValidationError(errors)
    if person.region_id == to_region.code:
        raise ValidationError({"region": _("此人已登记在“%(r)s”。") % {"r": to_region.name}})
    if TransferRequest.objects.filter(
        person=person, status=TransferRequest.Status.PENDING
    ).exists():
        raise ValidationError({"id_number": _("此人已有待处理的转移申请。")})
    request = TransferRequest.objects.create(
        person=person, from_region_id=person.region_id, to_region=to_region,
        reason=reason.strip(), requested_by=by,
    )  # fmt: skip
    audit_record(
        actor=by, action="person.transfer_request", obj=person, region_code=person.region_id,
        changes={"to": to_region.code, "context": ID_CONTEXT},
    )  # fmt: skip
    return request


@transaction.atomic
def transfer_decide(
    *, by: User, request: TransferRequest, accept: bool, note: str = ""
) -> TransferRequest:
    """The owning station accepts (the file moves, its history with it) or rejects."""
    if not permissions.can(by, "people.person", "change", request.from_region_id):
        raise PermissionDenied
    if request.status != TransferRequest.Status.PENDING:
        raise ValidationError({"status": _("此申请已处理。")})
    request.status = TransferRequest.Status.ACCEPTED if accept else TransferRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_note = by, timezone.now(), note.strip()
    request.save()
    person = request.person
    lock_person(person)  # before its categories are listed: none added meanwhile
    if accept:
        # The person's file and categories count in the new village from now on.
        with stats.tracking(person, *person.categories.all()):
            person.region = request.to_region
            person.household = None  # the household stays where it lives
            person.relation = ""
            person.updated_at = timezone.now()
            person.save(update_fields=["region", "household", "relation", "updated_at"])
        PersonSearchKey.objects.filter(person=person).update(region_code=request.to_region_id)
    audit_record(
        actor=by, action="person.transfer_" + request.status, obj=person,
        region_code=request.from_region_id,
        changes={"from": request.from_region_id, "to": request.to_region_id, "note": note},
    )  # fmt: skip
    return request
