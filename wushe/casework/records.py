"""What a person's file shows of the station's work with them: reads for the people pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.casework.models import Case, CaseEvent, Need, Visit
from wushe.people.models import Person

RECENT = 20


@dataclass
class PersonWork:
    visits: list[Visit] = field(default_factory=list)
    open_needs: list[Need] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    can_visit: bool = False
    can_add_need: bool = False
    can_open_case: bool = False
    timeline: list = field(default_factory=list)


def for_person(user, person: Person) -> PersonWork:
    code = person.region_id
    return PersonWork(
        visits=list(
            Visit.objects.visible_to(user).filter(person=person).prefetch_related("items")[:RECENT]
        ),
        open_needs=list(
            Need.objects.visible_to(user)
            .open()
            .filter(person=person)
            .select_related("domain", "item")
        ),
        cases=list(Case.objects.visible_to(user).filter(person=person).select_related("platform")),
        can_visit=permissions.can(user, "casework.visit", "create", code),
        can_add_need=permissions.can(user, "casework.need", "create", code),
        can_open_case=permissions.can(user, "casework.case", "create", code),
        timeline=timeline(user, person),
    )


def open_needs_in(user, region_code_range: tuple[str, str]) -> list[Need]:
    lo, hi = region_code_range
    return list(
        Need.objects.visible_to(user).open()
        .filter(region_id__gte=lo, region_id__lte=hi)
        .select_related("person", "domain", "item")[:100]
    )  # fmt: skip


@dataclass(frozen=True)
class Moment:
    """One line of a person's timeline (一人一档): when, what, and where to read more."""

    on: date
    kind: str
    text: str
    url: str = ""


def timeline(user, person: Person, limit: int = 60) -> list[Moment]:
    """The station's work with `person`, newest first: visits, needs, each step of their
    cases, services, group sessions attended and activities that name them; only what the
    user may see, and never a case's notes."""
    from django.urls import reverse

    from wushe.groupwork.models import Activity, Group, GroupSession

    moments: list[Moment] = []
    for visit in Visit.objects.visible_to(user).filter(person=person).prefetch_related("items"):
        items = "、".join(i.name for i in visit.items.all())
        moments.append(Moment(timezone.localtime(visit.visited_at).date(), _("入户走访"), items,
                              reverse("casework:visit_detail", args=[visit.pk])))  # fmt: skip
    for need in Need.objects.visible_to(user).filter(person=person).select_related("domain"):
        text = _("%(d)s（%(s)s）") % {"d": need.item or need.domain, "s": need.get_status_display()}
        moments.append(Moment(timezone.localtime(need.created_at).date(), _("登记需求"), text))
    cases = Case.objects.visible_to(user).filter(person=person)
    for event in CaseEvent.objects.filter(case__in=cases).select_related("case"):
        moments.append(Moment(timezone.localtime(event.at).date(), _("个案"),
                              f"{event.case.title}：{event.summary}",
                              reverse("casework:case_detail", args=[event.case_id])))  # fmt: skip
    groups = Group.objects.visible_to(user)
    sessions = GroupSession.objects.filter(group__in=groups, attendees=person).select_related(
        "group"
    )
    for session in sessions:
        text = _("%(g)s 第 %(n)d 节：%(t)s") % {
            "g": session.group.name, "n": session.number, "t": session.topic}  # fmt: skip
        url = reverse("groupwork:group_detail", args=[session.group_id])
        moments.append(Moment(session.held_on, _("小组活动"), text, url))
    for activity in Activity.objects.visible_to(user).filter(beneficiary_people=person):
        url = reverse("groupwork:activity_detail", args=[activity.pk])
        moments.append(Moment(activity.held_on, _("社区活动"), activity.title, url))
    moments.sort(key=lambda m: m.on, reverse=True)
    return moments[:limit]
