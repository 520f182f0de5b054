"""Who may see which categories, and what "current" means: one place for pages and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from wushe.accounts import permissions
from wushe.accounts.permissions import scope_filter
from wushe.people.models import CATEGORY_GROUPS, Category, CategoryGroup, Person, PersonCategory

# Assistance status, disability and health are visible only to roles that need them (PIPL).
SENSITIVE_GROUPS = {CategoryGroup.HARDSHIP, CategoryGroup.DISABILITY}
HEALTH_CATEGORIES = {Category.ELDERLY_DISABLED, Category.ELDERLY_SEMI_DISABLED}


def is_sensitive(category: str) -> bool:
    return CATEGORY_GROUPS[category] in SENSITIVE_GROUPS or category in HEALTH_CATEGORIES


def current_q(prefix: str = "", on=None) -> Q:
    """Held on `on` (today): not ended, or ending on or after that day."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})


def visible_categories(user, person: Person) -> list[PersonCategory]:
    """The person's categories the user may see, current first, then the history."""
    sensitive_ok = permissions.can(user, "people.sensitive", "view", person.region_id)
    shown = [c for c in person.categories.all() if sensitive_ok or not is_sensitive(c.category)]
    return sorted(shown, key=lambda c: (not c.is_current, c.category, c.started_on))


def holding(qs: QuerySet[Person], user, category: str) -> QuerySet[Person]:
    """People who currently hold `category`; for a sensitive one only where the user may see
    sensitive categories, so a filter never tells who holds what the user cannot see."""
    held = PersonCategory.objects.filter(current_q(), category=category)
    qs = qs.filter(pk__in=held.values("person_id"))
    if is_sensitive(category):
        qs = qs.filter(scope_filter(user, "people.sensitive", "view", field="region_id"))
    return qs
