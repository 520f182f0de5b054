"""Who may do what, where: roles are data (RoleAssignment), their rights are this one table.

A grant at a region covers everything below it (the code range). Anything not granted here
is refused, and a refused read is an empty queryset, so callers fail closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wushe.regions.models import code_range

if TYPE_CHECKING:
    from wushe.accounts.models import User


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("省级民政管理员")
    CITY_ADMIN = "city_admin", _("市级民政管理员")
    COUNTY_ADMIN = "county_admin", _("县级民政管理员")
    CENTER_MANAGER = "center_manager", _("社工服务中心主任")
    STATION_HEAD = "station_head", _("社工站站长")
    STATION_WORKER = "station_worker", _("驻站社工")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("志愿者协调员")
    SUPERVISOR = "supervisor", _("督导")
    AUDITOR = "auditor", _("审计员（只读）")
    SYSADMIN = "sysadmin", _("系统管理员")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CREATE = "create", _("新建")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看完整敏感信息")
    APPROVE = "approve", _("审批")


V, C, U, D, R = Action.VIEW, Action.CREATE, Action.CHANGE, Action.DELETE, Action.REVEAL
A = Action.APPROVE
READ = frozenset({V})
WRITE = frozenset({V, C, U})
ALL = frozenset({V, C, U, D})

# The registry: people.person is the record; people.child widens it to under-18s, and
# people.sensitive to health, disability and assistance categories (PIPL: need to know).
PEOPLE_CASEWORK = {
    "people.person": frozenset({V, C, U, R}),
    "people.child": READ,
    "people.sensitive": READ,
}
PEOPLE_OVERSIGHT = {
    "people.person": frozenset({V, R}),
    "people.child": READ,
    "people.sensitive": READ,
}

# A station's daily work: visits, needs, cases, groups, activities. casework.casenote is
# what a case file says (assessment, notes, evaluation): its team always reads it; outside
# the team only the roles granted it here, and each such read is audited.
CASEWORK = {
    "stats.dashboard": READ,
    "casework.visit": WRITE,
    "casework.need": WRITE,
    "casework.case": WRITE,
    "casework.casenote": READ,
    "groupwork.group": WRITE,
    "groupwork.activity": WRITE,
}
CASEWORK_OVERSIGHT = {
    "stats.dashboard": READ,
    "casework.visit": READ,
    "casework.need": READ,
    "casework.case": READ,
    "groupwork.group": READ,
    "groupwork.activity": READ,
}

# The region levels at which a role may be assigned (1 province … 5 village).
ROLE_LEVELS: dict[str, frozenset[int]] = {
    Role.PROVINCE_ADMIN: frozenset({1}),
    Role.CITY_ADMIN: frozenset({2}),
    Role.COUNTY_ADMIN: frozenset({3}),
    Role.CENTER_MANAGER: frozenset({3}),
    Role.STATION_HEAD: frozenset({4}),
    Role.STATION_WORKER: frozenset({4, 5}),
    Role.VOLUNTEER_COORDINATOR: frozenset({3, 4}),
    Role.SUPERVISOR: frozenset({2, 3, 4}),
    Role.AUDITOR: frozenset({1, 2, 3}),
    Role.SYSADMIN: frozenset({1}),
}

_ADMIN = {
    "regions.region": READ,
    # The catalogue's local items ("6+X"): set by civil affairs for its region and below.
    "catalog.serviceitem": ALL,
    "network.platform": ALL,
    "network.posting": ALL,
    "network.worker": WRITE,
    "accounts.roleassignment": ALL,
    "audit.auditevent": READ,
    **PEOPLE_OVERSIGHT,
    **CASEWORK_OVERSIGHT,
    # Whether closing a case needs a supervisor's approval, for the region and below.
    "casework.closurepolicy": ALL,
    # The figures of the region and below, and the targets set for them.
    "stats.dashboard": READ,
    "stats.target": ALL,
}

# What each role may do to each model, within the code range of the region it is assigned at.
RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    # 区划调整 (a township or village moving) is the province's to make.
    Role.PROVINCE_ADMIN: {**_ADMIN, "regions.region": frozenset({V, U})},
    Role.CITY_ADMIN: _ADMIN,
    Role.COUNTY_ADMIN: _ADMIN,
    Role.CENTER_MANAGER: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": WRITE,
        "network.posting": ALL,
        "network.worker": WRITE,
        **PEOPLE_CASEWORK,
        **CASEWORK,
        "casework.visit": ALL,  # removes a colleague's visit recorded by mistake
    },
    Role.STATION_HEAD: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": frozenset({V, U}),
        "network.posting": ALL,
        "network.worker": WRITE,
        **PEOPLE_CASEWORK,
        **CASEWORK,
        "casework.visit": ALL,  # removes a colleague's visit recorded by mistake
    },
    Role.STATION_WORKER: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": READ,
        "network.posting": READ,
        "network.worker": READ,
        **PEOPLE_CASEWORK,
        **CASEWORK,
    },
    Role.VOLUNTEER_COORDINATOR: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": READ,
        "network.worker": READ,
        # Volunteers visit adults: names and addresses, no children, no sensitive categories.
        "people.person": READ,
        "casework.visit": WRITE,
        "groupwork.group": READ,
        "groupwork.activity": WRITE,
    },
    Role.SUPERVISOR: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": READ,
        "network.posting": READ,
        "network.worker": READ,
        "people.person": READ,
        "people.child": READ,
        "people.sensitive": READ,
        # The supervisor reads the case files it supervises and approves their closure.
        **CASEWORK_OVERSIGHT,
        "casework.case": frozenset({V, A}),
        "casework.casenote": READ,
    },
    Role.AUDITOR: {
        "regions.region": READ,
        "catalog.serviceitem": READ,
        "network.platform": READ,
        "network.posting": READ,
        "network.worker": READ,
        "accounts.roleassignment": READ,
        "audit.auditevent": READ,
        "people.person": READ,
        "people.child": READ,
        "people.sensitive": READ,
        **CASEWORK_OVERSIGHT,
    },
    Role.SYSADMIN: {
        "regions.region": READ,
        "network.platform": READ,
        "accounts.roleassignment": ALL,
    },
}

_FIELD_ROLES = frozenset(
    {Role.CENTER_MANAGER, Role.STATION_HEAD, Role.STATION_WORKER, Role.VOLUNTEER_COORDINATOR,
     Role.SUPERVISOR}
)  # fmt: skip
# Which roles a holder of each role may grant (within its own region, never to itself).
# Oversight roles (auditor, system administrator) are granted only by the system
# administrator, so nobody can audit or administer themselves into more rights.
GRANTABLE: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, *_FIELD_ROLES}),
    Role.CITY_ADMIN: frozenset({Role.COUNTY_ADMIN, *_FIELD_ROLES}),
    Role.COUNTY_ADMIN: _FIELD_ROLES,
    Role.SYSADMIN: frozenset(Role.values),
}


def may_grant(user: User, role: str, code: str) -> bool:
    """Whether `user` may grant `role` at region `code` (to someone else)."""
    return any(
        role in GRANTABLE.get(held, ()) and lo <= code <= hi
        for held, held_code, held_level in _assignments(user)
        for lo, hi in [code_range(held_code, held_level)]
    )


# Rights that are not tied to a region: the system administrator keeps the accounts and
# reads the whole audit trail (logins included), but no service records.
GLOBAL_RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    Role.SYSADMIN: {"accounts.user": WRITE, "audit.auditevent": READ},
}


def _assignments(user: User) -> list[tuple[str, str, int]]:
    """(role, region code, region level) of the user's live assignments, cached on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_wushe_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("role", "region_id", "region__level"))
        user._wushe_assignments = cached
    return cached


def roles_of(user: User) -> set[str]:
    return {role for role, _code, _level in _assignments(user)}


def has_global(user: User, model_label: str, action: str) -> bool:
    return any(
        action in GLOBAL_RIGHTS.get(role, {}).get(model_label, ()) for role in roles_of(user)
    )


def ranges_for(user: User, model_label: str, action: str) -> list[tuple[str, str]]:
    """The code ranges in which `user` may take `action` on `model_label`."""
    return sorted(
        {
            code_range(code, level)
            for role, code, level in _assignments(user)
            if action in RIGHTS.get(role, {}).get(model_label, ())
        }
    )


def scope_filter(
    user: User, model_label: str, action: str, *, field: str,
    within: tuple[str, str] | None = None,
) -> Q:  # fmt: skip
    """A filter on `field` (a 12-digit code) for the rows the user may `action`; never unscoped
    unless a global right says so. No grant gives a filter that matches nothing. `within`
    narrows it to one region's range, as one range where the scope holds it (the planner
    then estimates the rows right, instead of multiplying two overlapping ranges)."""
    if has_global(user, model_label, action):
        ranges = [(None, None)]
    else:
        ranges = ranges_for(user, model_label, action)
    if within is not None:
        wlo, whi = within
        ranges = [
            (max(lo or wlo, wlo), min(hi or whi, whi))
            for lo, hi in ranges
            if (lo is None or lo <= whi) and (hi is None or wlo <= hi)
        ]
    if ranges == [(None, None)]:
        return Q()
    if not ranges:
        return Q(pk__in=[])
    q = Q()
    for lo, hi in ranges:
        q |= Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return q


def demand(by: User | None, model_label: str, action: str, code: str | None = None) -> None:
    """A service's check: `by` may `action` at `code`, or PermissionDenied. `by` None is the
    system itself (the demo loader, migrations, tasks acting for a user already checked)."""
    if by is not None and not can(by, model_label, action, code):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


def covers(user: User, outer: tuple[str, str], inner: tuple[str, str]) -> bool:
    """Whether wherever `user` may take `outer` (label, action), it may take `inner` too: a
    filter for `inner` then adds nothing to one for `outer`."""
    if has_global(user, *inner):
        return True
    inner_ranges = ranges_for(user, *inner)
    return all(
        any(ilo <= lo and hi <= ihi for ilo, ihi in inner_ranges)
        for lo, hi in ranges_for(user, *outer)
    )


def can(user: User, model_label: str, action: str, code: str | None = None) -> bool:
    """Whether `user` may `action` on `model_label` at region `code` (anywhere, if None)."""
    if has_global(user, model_label, action):
        return True
    ranges = ranges_for(user, model_label, action)
    if code is None:
        return bool(ranges)
    return any(lo <= code <= hi for lo, hi in ranges)


def scope_roots(user: User) -> list[str]:
    """The codes of the regions the user is assigned at, without one nested in another."""
    pairs = sorted({(code, level) for _role, code, level in _assignments(user)}, key=lambda p: p[1])
    roots: list[tuple[str, int]] = []
    for code, level in pairs:
        if not any(lo <= code <= hi for lo, hi in (code_range(c, lv) for c, lv in roots)):
            roots.append((code, level))
    return sorted(code for code, _level in roots)


def forget(user: User) -> None:
    """Drop the cached assignments after they change."""
    if hasattr(user, "_wushe_assignments"):
        del user._wushe_assignments
