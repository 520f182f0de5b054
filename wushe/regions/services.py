"""区划调整: a township moving to another county, or a village to another township.

The statistical code is the hierarchy (DESIGN.md), so a move gives the region and everything
under it new codes: the move creates the new region rows, rewrites every column that holds a
code in the moved range (people, households, platforms, visits, cases, role assignments …),
moves the figures (the region's totals leave its old ancestors and join the new ones; the
marks of distinct counts follow), and removes the old rows, all in one transaction, with
writers of figures held until it commits. The audit trail keeps the codes events were
written with: it is history, and its hash chains forbid rewriting it.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.core.tasks import enqueue_after_commit
from wushe.regions.models import CODE_LENGTH, Level, Region, prefix_of
from wushe.regions.tasks import refresh_planner_statistics

# Columns that hold a region code without being a foreign key to it, and the foreign key
# through which their rows are found (their own code column has no index of its own).
CODE_COLUMNS = [("people.PersonSearchKey", "region_code", "person", "people.Person")]
STATS_TABLES = ["stats.Total", "stats.Mark"]


def _next_code(parent: Region, level: int) -> str:
    """The first free code for a new child of `parent` (001, 002 …)."""
    width = {Level.TOWNSHIP: 3, Level.VILLAGE: 3}[level]
    base = prefix_of(parent.code, parent.level)
    taken = set(parent.children.values_list("code", flat=True))
    for n in range(1, 10**width):
        code = (base + f"{n:0{width}d}").ljust(CODE_LENGTH, "0")
        if code not in taken:
            return code
    raise ValidationError({"new_parent": _("%(p)s已没有可用的区划代码。") % {"p": parent.name}})


def _rewrite(qs: models.QuerySet, column: str, old: str, new: str) -> int:
    lo, hi = old.ljust(CODE_LENGTH, "0"), old.ljust(CODE_LENGTH, "9")
    return qs.filter(**{f"{column}__gte": lo, f"{column}__lte": hi}).update(
        **{column: Concat(Value(new), Substr(F(column), len(old) + 1))}
    )


def _region_columns() -> list[tuple[type[models.Model], str]]:
    """(model, attname) of every foreign key to a region, except the tree's own parent."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is Region
                and model is not Region
            ):
                found.append((model, field.attname))
    return found


def _move_figures(region: Region, old_prefix: str, new_prefix: str, new_parent: Region) -> None:
    """The region's own monthly totals leave its old ancestors and join its new ones; its
    subtree's totals and marks take the new codes."""
    from wushe.stats.compact import add_to_totals, ancestors, compact
    from wushe.stats.models import Total

    compact()  # every delta folded: the totals are the whole story
    own = Total.objects.filter(region_code=region.code).values_list("series", "month", "value")
    new_code = (new_prefix).ljust(CODE_LENGTH, "0")
    change: dict = defaultdict(int)
    for series, month, value in own:
        for at in ancestors(region.code):
            if at != region.code:
                change[(series, at, month)] -= value
        for at in ancestors(new_code):
            if at != new_code:
                change[(series, at, month)] += value
    for label in STATS_TABLES:
        _rewrite(apps.get_model(label).objects.all(), "region_code", old_prefix, new_prefix)
    add_to_totals(dict(change))
    touched = {code for _series, code, _month in change}
    Total.objects.filter(value=0, region_code__in=touched).delete()


@transaction.atomic
def region_move(*, by: User | None, region: Region, new_parent: Region) -> Region:
    """Move a township to another county, or a village to another township, with everything
    recorded under it; returns the region under its new code."""
    if region.level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError({"region": _("只能调整乡镇（街道）或村（社区）的隶属关系。")})
    if new_parent.level != region.level - 1:
        raise ValidationError(
            {
                "new_parent": _("%(r)s的上级应为%(l)s。")
                % {"r": region.name, "l": Level(region.level - 1).label}
            }  # fmt: skip
        )
    if new_parent.code == region.parent_id:
        raise ValidationError({"new_parent": _("%(r)s已属于%(p)s。") % {
            "r": region.name, "p": new_parent.name}})  # fmt: skip
    if by is not None and not (
        permissions.can(by, "regions.region", "change", region.code)
        and permissions.can(by, "regions.region", "change", new_parent.code)
    ):
        raise PermissionDenied
    from wushe.stats.live import network_changed

    if connection.vendor == "postgresql":
        from wushe.stats.compact import LOCK_ID
        from wushe.stats.models import Delta

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            cursor.execute(f"LOCK TABLE {Delta._meta.db_table} IN EXCLUSIVE MODE")
    old_code = region.code
    new_code = _next_code(new_parent, region.level)
    old_prefix, new_prefix = prefix_of(old_code, region.level), prefix_of(new_code, region.level)
    subtree = list(Region.objects.under(region).order_by("level", "code"))
    renamed = {r.code: new_prefix + r.code[len(old_prefix) :] for r in subtree}
    # The new rows first (parents before children), so every rewritten column points at one.
    Region.objects.bulk_create([
        Region(code=renamed[r.code], name=r.name, level=r.level,
               parent_id=new_parent.code if r.code == old_code else renamed[r.parent_id])
        for r in subtree
    ])  # fmt: skip
    moved_rows, rewritten = 0, set()
    for model, column in _region_columns():
        count = _rewrite(model._base_manager.all(), column, old_prefix, new_prefix)
        moved_rows += count
        if count:
            rewritten.add(model._meta.label)
    new_lo, new_hi = new_prefix.ljust(CODE_LENGTH, "0"), new_prefix.ljust(CODE_LENGTH, "9")
    for label, column, through, owner in CODE_COLUMNS:
        owners = apps.get_model(owner).objects.filter(region_id__gte=new_lo, region_id__lte=new_hi)
        rows = apps.get_model(label).objects.filter(**{f"{through}__in": owners.values("pk")})
        if count := _rewrite(rows, column, old_prefix, new_prefix):
            moved_rows += count
            rewritten.add(label)
    _move_figures(region, old_prefix, new_prefix, new_parent)
    # The planner's statistics still put these rows under their old codes (tasks.py).
    enqueue_after_commit(refresh_planner_statistics, sorted(rewritten | set(STATS_TABLES)))
    network_changed()
    # Nothing points at the old rows now (every column holding their codes was rewritten
    # above): one statement removes them, where the ORM would look for dependants of each
    # in every table that refers to a region. The foreign keys still check it at commit.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Region._meta.db_table)} "  # noqa: S608
            f"WHERE code IN ({', '.join(['%s'] * len(subtree))})",
            [r.code for r in subtree],
        )
    moved = Region.objects.get(code=new_code)
    audit_record(
        actor=by, action="region.move", obj=moved, region_code=new_code,
        changes={"from": old_code, "to": new_code, "parent": new_parent.code,
                 "regions": len(subtree), "rows": moved_rows},
    )  # fmt: skip
    return moved
