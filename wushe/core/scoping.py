"""The one door to scoped rows: `Model.objects.visible_to(user, action)`.

Every scoped model stores the 12-digit code of its lowest region (or reaches one through
`region_field`), so scoping is a range predicate on an indexed column (DESIGN.md).
"""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    region_field = "region_id"
    # The rights-table entry that governs these rows (default: the model's own label).
    rights_label: str | None = None

    def visible_to(self, user, action: str = "view", *, within: tuple[str, str] | None = None):
        """Rows the user may `action`; `within` (a region's code range) narrows them to it."""
        from wushe.accounts.permissions import scope_filter

        label = self.rights_label or self.model._meta.label_lower
        return self.filter(
            scope_filter(user, label, action, field=self.region_field, within=within)
        )


def scoped_models() -> list[type[models.Model]]:
    """Every installed model whose default manager is scoped."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]
