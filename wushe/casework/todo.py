"""The worker's 待办: visits due, people not visited for too long, open needs, referrals to
answer, closures to approve, and the worker's own open cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from wushe.accounts import permissions
from wushe.casework.models import Case, CaseStatus, Need, Referral, Urgency, Visit
from wushe.people.models import Category, Person
from wushe.people.rules import holding

# How often someone holding a category should be visited, in days. The defaults follow the
# usual local practice for 探访关爱 (monthly for those living alone, left behind or without
# care; quarterly for the other assistance categories); a deployment sets its own in
# settings.WUSHE_VISIT_INTERVAL_DAYS.
DEFAULT_INTERVALS = {
    Category.ELDERLY_ALONE: 30,
    Category.ELDERLY_EMPTY_NEST: 30,
    Category.ELDERLY_LEFT_BEHIND: 30,
    Category.ELDERLY_DISABLED: 30,
    Category.ELDERLY_SEMI_DISABLED: 30,
    Category.CHILD_LEFT_BEHIND: 30,
    Category.CHILD_IN_DIFFICULTY: 30,
    Category.CHILD_ORPHAN: 30,
    Category.CHILD_UNCARED: 30,
    Category.TEKUN: 30,
    Category.DIBAO: 90,
    Category.DIBAO_MARGINAL: 90,
    Category.POVERTY_MONITORING: 90,
    Category.DISABILITY: 90,
}
DUE_SOON_DAYS = 3
LIMIT = 100
URGENCY_ORDER = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.NORMAL: 2}


def intervals() -> dict[str, int]:
    return {**DEFAULT_INTERVALS, **getattr(settings, "WUSHE_VISIT_INTERVAL_DAYS", {})}


@dataclass
class Overdue:
    person: Person
    category: str
    days: int
    last_visit: object  # datetime or None

    @property
    def category_label(self) -> str:
        return Category(self.category).label


@dataclass
class Todo:
    follow_ups: list[Visit] = field(default_factory=list)
    overdue: list[Overdue] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    approvals: list[Case] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.follow_ups, self.overdue, self.needs, self.referrals, self.approvals,
                self.cases,
            )
        )  # fmt: skip


def follow_ups(user, today: date) -> list[Visit]:
    """Visits whose follow-up date is past or near, with no later visit to the same subject."""
    later = Visit.objects.filter(visited_at__gt=OuterRef("visited_at")).filter(
        Q(person__isnull=False, person=OuterRef("person"))
        | Q(person__isnull=True, household=OuterRef("household"))
    )
    due = (
        Visit.objects.visible_to(user, "create")
        .filter(follow_up_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .exclude(Exists(later))
        .select_related("person", "household", "region")
        .order_by("follow_up_on", "id")
    )
    return list(due[:LIMIT])


def overdue(user, today: date) -> list[Overdue]:
    """People holding a category with a visiting interval whose last visit is older than it
    (or who were never visited), the most overdue first. A sensitive category counts only
    where the user may see it."""
    people = Person.objects.visible_to(user).filter(
        permissions.scope_filter(user, "casework.visit", "create", field="region_id")
    )
    now = timezone.now()
    found: dict[int, Overdue] = {}
    for category, days in sorted(intervals().items(), key=lambda kv: kv[1]):
        since = now - timedelta(days=days)
        # A visit to the person's household counts as a visit to them.
        stale = (
            holding(people, user, category)
            .annotate(own=Max("visits__visited_at"), home=Max("household__visits__visited_at"))
            .filter(Q(own__isnull=True) | Q(own__lt=since))
            .filter(Q(home__isnull=True) | Q(home__lt=since))
            .select_related("region")
        )
        for person in stale[:LIMIT]:
            last = max((t for t in (person.own, person.home) if t is not None), default=None)
            found.setdefault(person.pk, Overdue(person, category, days, last))
    rows = sorted(found.values(), key=lambda o: (o.last_visit is not None, o.last_visit or now))
    return rows[:LIMIT]


def for_user(user, today: date | None = None) -> Todo:
    today = today or timezone.localdate()
    todo = Todo()
    if permissions.can(user, "casework.visit", "create"):
        todo.follow_ups = follow_ups(user, today)
        todo.overdue = overdue(user, today)
    if permissions.can(user, "casework.need", "change"):
        needs = (
            Need.objects.visible_to(user, "change")
            .open()
            .select_related("person", "domain", "item")
        )
        todo.needs = sorted(
            needs[: LIMIT * 2], key=lambda n: (URGENCY_ORDER[n.urgency], n.created_at)
        )[:LIMIT]
    if permissions.can(user, "casework.case", "change"):
        from wushe.casework.services import receives

        pending = Referral.objects.filter(
            status=Referral.Status.REQUESTED, to_platform__isnull=False,
            case__in=Case.objects.visible_to(user),
        ).select_related("case", "case__person", "to_platform", "from_platform")  # fmt: skip
        todo.referrals = [r for r in pending[:LIMIT] if receives(user, r)]
        todo.cases = list(
            Case.objects.visible_to(user)
            .open()
            .filter(Q(worker=user) | Q(team=user))
            .distinct()
            .select_related("person", "platform")[:LIMIT]
        )
    if permissions.can(user, "casework.case", "approve"):
        from wushe.casework.services import may_not_approve

        waiting = (
            Case.objects.visible_to(user)
            .filter(status=CaseStatus.CLOSING)
            .filter(permissions.scope_filter(user, "casework.case", "approve", field="region_id"))
            .select_related("person", "platform", "worker")
        )
        todo.approvals = [c for c in waiting[:LIMIT] if not may_not_approve(user, c)]
    return todo
