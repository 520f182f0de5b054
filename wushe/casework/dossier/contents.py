"""What a person's or a household's file holds, read as one user may see it.

Everything is read through the same scoping the pages use: categories through
`visible_categories`, relatives through `Person.objects.visible_to`, visits, needs, cases and
groups through their own `visible_to`, and a case's notes only where `case_read` allows (a read
from outside the case's team is an audit event). ID numbers and phones are always masked.
Dates are formatted here, so the PDF and the Word file print the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts.models import User
from wushe.casework.models import Case, CaseEvent, Need, Referral, ServiceRecord, Visit
from wushe.casework.services import STAGE_EVENTS, case_read
from wushe.groupwork.models import Activity, Group, GroupMember, GroupSession
from wushe.people.models import Household, Person, PersonCategory, Relation
from wushe.people.rules import visible_categories
from wushe.people.services import masked

# A case's stage stamps, in the order a case normally passes them.
STAGE_STAMPS = (
    "opened_at", "assessed_at", "planned_at", "intervention_at", "evaluated_at",
    "closure_requested_at", "closed_at", "reopened_at",
)  # fmt: skip

Rows = list[tuple[str, str]]


def format_datetime(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@dataclass
class VisitEntry:
    visited_at: str
    place: str
    items: str
    workers: str
    volunteers: str
    living_conditions: str
    risks: str
    needs_found: str
    follow_up_on: str
    photos: int

    @property
    def rows(self) -> Rows:
        """The visit as label–value pairs, leaving out what was not recorded."""
        rows = [
            (_("走访时间"), self.visited_at), (_("走访地点"), self.place),
            (_("提供的服务事项"), self.items), (_("走访社工"), self.workers),
            (_("参与志愿者"), self.volunteers), (_("生活状况"), self.living_conditions),
            (_("风险隐患"), self.risks), (_("发现的需求"), self.needs_found),
            (_("下次跟进日期"), self.follow_up_on),
            (_("照片"), _("%(n)d 张") % {"n": self.photos} if self.photos else ""),
        ]  # fmt: skip
        return [(k, v) for k, v in rows if v]


@dataclass
class NeedEntry:
    created_at: str
    what: str
    urgency: str
    status: str
    description: str
    resolution: str


@dataclass
class ServiceEntry:
    served_on: str
    items: str
    minutes: str
    description: str  # blank where the reader may not see the case's notes


@dataclass
class EventEntry:
    at: str
    summary: str
    actor: str
    note: str


@dataclass
class CaseEntry:
    title: str
    facts: Rows
    notes_shown: bool
    # What the case file says, only where `notes_shown`: intake and assessment come before
    # the plan and the services, evaluation and closure after them.
    opening: Rows
    closing: Rows
    stages: Rows
    goals: Rows
    services: list[ServiceEntry]
    events: list[EventEntry]
    referrals: list[Rows]


@dataclass
class PersonFile:
    pk: int
    name: str
    summary: Rows  # the person's row in a household's member list
    facts: Rows
    categories: list[Rows]
    members: list[Rows]
    visits: list[VisitEntry]
    needs: list[NeedEntry]
    cases: list[CaseEntry]
    groups: Rows = field(default_factory=list)
    activities: Rows = field(default_factory=list)


@dataclass
class Dossier:
    """What one export prints: a person's file, or a household's with each member's."""

    kind: str  # "person" or "household"
    subject: str
    generated_at: datetime
    generated_by: str
    household: Rows
    household_visits: list[VisitEntry]
    people: list[PersonFile]

    @property
    def subtitle(self) -> str:
        if self.kind == "household":
            return _("一户一档：%(s)s") % {"s": self.subject}
        return _("一人一档：%(s)s") % {"s": self.subject}

    def filename(self, extension: str) -> str:
        return _("%(s)s-服务对象档案-%(d)s.%(e)s") % {
            "s": self.subject, "d": timezone.localdate(self.generated_at).isoformat(),
            "e": extension,
        }  # fmt: skip


def _visits(user: User, **lookup) -> list[VisitEntry]:
    visits = (
        Visit.objects.visible_to(user).filter(**lookup)
        .annotate(photo_count=Count("photos")).prefetch_related("items", "workers")
        .order_by("visited_at", "id")
    )  # fmt: skip
    return [
        VisitEntry(
            visited_at=format_datetime(v.visited_at),
            place=v.place,
            items="、".join(i.name for i in v.items.all()),
            workers="、".join(w.name for w in v.workers.all()),
            volunteers=v.volunteers,
            living_conditions=v.living_conditions,
            risks=v.risks,
            needs_found=v.needs_found,
            follow_up_on=_d(v.follow_up_on),
            photos=v.photo_count,
        )
        for v in visits
    ]


def _needs(user: User, person: Person) -> list[NeedEntry]:
    needs = (
        Need.objects.visible_to(user).filter(person=person)
        .select_related("domain", "item").order_by("created_at", "id")
    )  # fmt: skip
    return [
        NeedEntry(
            created_at=format_datetime(n.created_at),
            what=str(n.item or n.domain),
            urgency=n.get_urgency_display(),
            status=n.get_status_display(),
            description=n.description,
            resolution=n.resolution,
        )  # fmt: skip
        for n in needs
    ]


def _case(user: User, case: Case) -> CaseEntry:
    shown = case_read(by=user, case=case)
    facts = [
        (_label(Case, "platform"), case.platform.name),
        (_label(Case, "worker"), str(case.worker)),
        (_label(Case, "supervisor"), str(case.supervisor or "")),
        (_label(Case, "status"), case.get_status_display()),
        (_label(Case, "source"), case.source),
        (_label(Case, "closure_reason"), case.get_closure_reason_display()),
    ]

    def notes(*names: str) -> Rows:
        rows = [(_label(Case, name), getattr(case, name)) for name in names]
        return [(k, v) for k, v in rows if v] if shown else []

    stamps = sorted(
        (getattr(case, name), _label(Case, name)) for name in STAGE_STAMPS if getattr(case, name)
    )
    stages = [(label, format_datetime(at)) for at, label in stamps]
    attained = {True: _("已达成"), False: _("未达成"), None: _("进行中")}
    return CaseEntry(
        title=case.title,
        facts=[(k, v) for k, v in facts if v],
        notes_shown=shown,
        opening=notes("intake_summary", "assessment"),
        closing=notes("evaluation", "closure_note"),
        stages=stages,
        goals=[(g.text, str(attained[g.attained])) for g in case.goals.all()] if shown else [],
        services=[
            ServiceEntry(
                served_on=_d(s.served_on),
                items="、".join(i.name for i in s.items.all()),
                minutes=str(s.minutes or ""),
                description=s.description if shown else "",
            )
            for s in (case.services.all() if shown else [])
        ],
        events=[
            EventEntry(
                format_datetime(e.at), e.summary, str(e.actor or ""), e.note if shown else ""
            )
            for e in case.events.all()
            if shown or e.kind in STAGE_EVENTS  # without the notes: where the case stands
        ],
        referrals=[
            [
                (_("时间"), format_datetime(r.requested_at)),
                (_label(type(r), "kind"), r.get_kind_display()),
                (_("接收方"), r.receiver),
                (_label(type(r), "status"), r.get_status_display()),
                *([(_label(type(r), "reason"), r.reason)] if shown else []),
            ]
            for r in case.referrals.all()
        ],
    )


def _cases(user: User, person: Person) -> list[CaseEntry]:
    cases = (
        Case.objects.visible_to(user).filter(person=person)
        .select_related("platform", "worker", "supervisor").order_by("opened_at", "id")
        .prefetch_related(
            "goals",
            Prefetch("events", CaseEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("services", ServiceRecord.objects.prefetch_related("items")),
            Prefetch(
                "referrals",
                Referral.objects.select_related("to_platform").order_by("requested_at", "id"),
            ),
        )
    )  # fmt: skip
    return [_case(user, case) for case in cases]


def _groupwork(user: User, person: Person) -> tuple[Rows, Rows]:
    """The groups the person is a member of and the activities that name them."""
    memberships = (
        GroupMember.objects.filter(person=person, group__in=Group.objects.visible_to(user))
        .select_related("group").order_by("joined_on", "id")
    )  # fmt: skip
    groups = []
    for m in memberships:
        attended = GroupSession.objects.filter(group=m.group, attendees=person).count()
        groups.append(
            (
                _d(m.joined_on),
                _("%(g)s（%(s)s，出席 %(n)d 节）")
                % {"g": m.group.name, "s": m.group.get_status_display(), "n": attended},
            )
        )
    activities = (
        Activity.objects.visible_to(user).filter(beneficiary_people=person).order_by("held_on")
    )
    return groups, [(_d(a.held_on), f"{a.title}（{a.get_kind_display()}）") for a in activities]


def _by_relation(people) -> list[Person]:
    """A household's members as its register lists them: the head, spouse, children …"""
    rank = {value: n for n, value in enumerate(Relation.values)}
    return sorted(
        people, key=lambda p: (rank.get(p.relation, len(rank)), p.birth_date or date.max, p.pk)
    )


def _category_row(entry: PersonCategory) -> Rows:
    disability = [entry.get_disability_type_display(), entry.get_disability_grade_display()]
    return [
        (_("类别"), str(entry)),
        (_("残疾类别及等级"), " ".join(str(d) for d in disability if d)),
        (_("开始日期"), _d(entry.started_on)),
        (_("结束日期"), _d(entry.ended_on)),
    ]


def _member_row(person: Person) -> Rows:
    return [
        (_label(Person, "name"), person.name),
        (_label(Person, "relation"), person.get_relation_display()),
        (_label(Person, "gender"), person.get_gender_display()),
        (_label(Person, "birth_date"), _d(person.birth_date)),
        (_("身份证号"), masked(person)["id_number"]),
    ]


def _person_file(user: User, person: Person, *, with_members: bool) -> PersonFile:
    shown = masked(person)
    facts = [
        (_label(Person, "name"), person.name),
        (_label(Person, "gender"), person.get_gender_display()),
        (_label(Person, "birth_date"), _d(person.birth_date)),
        (_label(Person, "ethnicity"), person.ethnicity),
        (_("身份证号"), shown["id_number"]),
        (_("联系电话"), shown["phone"]),
        (_label(Person, "region"), person.region.full_name),
        (_label(Person, "address"), person.address),
        (_label(Person, "household"), str(person.household or "")),
        (_label(Person, "relation"), person.get_relation_display()),
        (_label(Person, "legal_basis"), person.get_legal_basis_display()),
        (_label(Person, "consent_withdrawn_at"), format_datetime(person.consent_withdrawn_at)),
    ]
    categories = [_category_row(c) for c in visible_categories(user, person)]
    members = []
    if with_members and person.household_id:
        relatives = (
            Person.objects.visible_to(user).filter(household_id=person.household_id)
            .exclude(pk=person.pk)
        )  # fmt: skip
        members = [_member_row(p) for p in _by_relation(relatives)]
    groups, activities = _groupwork(user, person)
    return PersonFile(
        pk=person.pk,
        name=person.name,
        summary=_member_row(person),
        facts=[(k, v) for k, v in facts if v],
        categories=categories,
        members=members,
        visits=_visits(user, person=person),
        needs=_needs(user, person),
        cases=_cases(user, person),
        groups=groups,
        activities=activities,
    )


def collect(user: User, person: Person) -> Dossier:
    """The person's file as `user` may see it; each case read is audited as `case_read` says."""
    return Dossier(
        kind="person", subject=person.name, generated_at=timezone.now(),
        generated_by=str(user), household=[], household_visits=[],
        people=[_person_file(user, person, with_members=True)],
    )  # fmt: skip


def collect_household(user: User, household: Household) -> Dossier:
    """The household's file: its visits, its members as `user` may see them, and each
    member's own file."""
    members = _by_relation(
        Person.objects.visible_to(user).filter(household=household)
        .select_related("region", "household")
    )  # fmt: skip
    facts = [
        (_label(Household, "region"), household.region.full_name),
        (_label(Household, "address"), household.address),
        (_("成员人数"), str(len(members))),
    ]
    return Dossier(
        kind="household", subject=str(household), generated_at=timezone.now(),
        generated_by=str(user), household=[(k, v) for k, v in facts if v],
        household_visits=_visits(user, household=household, person__isnull=True),
        people=[_person_file(user, p, with_members=False) for p in members],
    )  # fmt: skip
