"""The service catalogue: the five domains of the Hunan station standard (DOMAIN.md), their
content items, and the items regions add of their own ("6+X")."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceDomain(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务领域")
        verbose_name_plural = _("服务领域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


def ancestor_codes(code: str) -> list[str]:
    """The 12-digit codes of `code`'s region and every region above it."""
    return sorted({code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)})


class ServiceItemQuerySet(models.QuerySet):
    def for_region(self, code: str):
        """What a platform in region `code` may offer: the standard's items, and the local
        ones ("X") its own region or a region above it added."""
        return self.filter(Q(region__isnull=True) | Q(region_id__in=ancestor_codes(code)))

    def outside(self, code: str, items) -> list:
        """Those of `items` that do not apply in region `code` (a record or a platform's
        list may name only items that do)."""
        # for_region() told from the items themselves: no query for every record saved.
        above = set(ancestor_codes(code))
        return [
            item for item in items if item.region_id is not None and item.region_id not in above
        ]

    def visible_to(self, user, action: str = "view"):
        """The standard items for everyone signed in; a local item for those whose scope
        lies above or below the region that added it."""
        from wushe.accounts.permissions import can, scope_filter, scope_roots

        label = "catalog.serviceitem"
        if not getattr(user, "is_authenticated", False) or not can(user, label, action):
            return self.none()
        below = scope_filter(user, label, action, field="region_id")
        if action != "view":  # changing: only the local items of one's own region and below
            return self.filter(below)
        above = {a for root in scope_roots(user) for a in ancestor_codes(root)}
        return self.filter(Q(region__isnull=True) | below | Q(region_id__in=above))


class ServiceItem(models.Model):
    """A content item of a domain (入户走访, 政策宣传 …): the standard's, or a region's own."""

    domain = models.ForeignKey(
        ServiceDomain, verbose_name=_("服务领域"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    # Null for the standard's items; a local item applies to its region and everything below.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("设立区划"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_column="region_code",
    )  # fmt: skip
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["domain__order", "region_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "region", "name"], name="item_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        return self.region_id is not None
