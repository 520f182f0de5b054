"""What a page or the API shows of a group or an activity to one viewer: only the people the
viewer may see (a volunteer coordinator sees no children), and session notes and the
evaluation only where no member is hidden from the viewer, since the notes speak of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from wushe.accounts.models import User
from wushe.groupwork.models import Activity, Group, GroupMember, GroupSession
from wushe.network.models import Platform
from wushe.people.models import Person
from wushe.people.search import search

PICK_LIMIT = 20


def candidates(user: User, platform: Platform, *, q: str = "", exclude=()) -> list[Person]:
    """People the user may see in the platform's region, found by `q`, not yet added."""
    lo, hi = platform.region.code_range
    qs = Person.objects.visible_to(user).filter(region_id__gte=lo, region_id__lte=hi)
    qs = search(qs, q, user=user).exclude(pk__in=exclude).select_related("region")
    return list(qs.order_by("name", "pk")[:PICK_LIMIT])


@dataclass
class SessionView:
    session: GroupSession
    attendees: list[Person]  # those the viewer may see
    attended: int  # everyone who came


@dataclass
class GroupView:
    group: Group
    members: list[GroupMember]
    hidden_members: int
    sessions: list[SessionView] = field(default_factory=list)

    @property
    def can_read_notes(self) -> bool:
        return self.hidden_members == 0

    @property
    def attendance(self) -> int:
        """Person-times (人次) over all sessions."""
        return sum(s.attended for s in self.sessions)


def group_view(user: User, group: Group) -> dict:
    seen = set(
        Person.objects.visible_to(user)
        .filter(group_memberships__group=group)
        .values_list("pk", flat=True)
    )
    members = list(group.members.select_related("person__region"))
    sessions = []
    for session in group.sessions.prefetch_related("attendees"):
        came = list(session.attendees.all())
        sessions.append(SessionView(session, [p for p in came if p.pk in seen], len(came)))
    view = GroupView(
        group=group,
        members=[m for m in members if m.person_id in seen],
        hidden_members=sum(m.person_id not in seen for m in members),
        sessions=sessions,
    )
    return {"group": group, "view": view, "items": group.items.select_related("domain")}


def named_beneficiaries(user: User, activity: Activity) -> tuple[QuerySet, int]:
    """The named beneficiaries the viewer may see, and how many others are named."""
    named = activity.beneficiary_people.all()
    shown = Person.objects.visible_to(user).filter(pk__in=named.values("pk")).order_by("name")
    return shown, named.count() - shown.count()
