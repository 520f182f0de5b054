"""The one door to scoped rows: `Model.objects.visible_to(user, action)`.

Every scoped model stores the 12-digit code of its lowest region (or reaches one through
`region_field`), so scoping is a range predicate on an indexed column (DESIGN.md).
"""

from django.db import connection, models
from django.db.models import CharField, F, Func


class ScopedQuerySet(models.QuerySet):
    region_field = "region_id"
    # The rights-table entry that governs these rows (default: the model's own label).
    rights_label: str | None = None

    def visible_to(
        self,
        user,
        action: str = "view",
        *,
        within: tuple[str, str] | None = None,
        by_key: bool = False,
    ):
        """Rows the user may `action`; `within` (a region's code range) narrows them to it.

        `by_key`: the caller pages through a wide scope (a county or more) in primary-key
        order. SQLite cannot tell how many rows a code range holds, so it would read the
        whole range from the region index and sort it for every page; with the range kept
        off the index (SQLite's unary +) it walks the key and stops at the page's end.
        PostgreSQL's planner knows the range's share and needs no such help."""
        from wushe.accounts.permissions import scope_filter

        label = self.rights_label or self.model._meta.label_lower
        qs, field = self, self.region_field
        if by_key and connection.vendor == "sqlite":
            code = Func(F(field), template="+%(expressions)s", output_field=CharField())
            qs, field = qs.alias(scope_code=code), "scope_code"
        return qs.filter(scope_filter(user, label, action, field=field, within=within))


def scoped_models() -> list[type[models.Model]]:
    """Every installed model whose default manager is scoped."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]
