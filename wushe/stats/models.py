"""The figures' own tables (docs/adr/0007-statistics.md).

A write appends `Delta` rows keyed by (the record's lowest region, day, series) in the same
transaction as the record: inserts only, so writers in one township never wait on a shared
counter. Compaction folds deltas into `Total`, one row per (region at every level, month,
series), so a province's year is a dozen rows per series. A dashboard reads totals plus the
deltas not yet folded, in one statement. `Mark` remembers where a distinct count (人, 户) put
its one for each person or household and period.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delta(models.Model):
    id = models.BigAutoField(primary_key=True)
    series = models.CharField(max_length=40)
    region_code = models.CharField(max_length=12)
    day = models.DateField()
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["series", "region_code", "day"])]

    def __str__(self) -> str:
        return f"{self.series} {self.region_code} {self.day} {self.value:+d}"


class Total(models.Model):
    id = models.BigAutoField(primary_key=True)
    series = models.CharField(max_length=40)
    region_code = models.CharField(max_length=12)
    month = models.DateField()  # the first day of the month
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # Region first: reads ask for a few regions' series over months, and 区划调整
            # rewrites one region's rows.
            models.UniqueConstraint(
                fields=["region_code", "series", "month"], name="stats_total_region_series_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.region_code} {self.month:%Y-%m} {self.value}"


class Mark(models.Model):
    """Where a distinct count's one sits: the person's (or household's) first visit in the
    period, say. Moving it is a −1 where it was and a +1 where it is now."""

    id = models.BigAutoField(primary_key=True)
    series = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    region_code = models.CharField(max_length=12)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "key"], name="stats_mark_unique")]
        indexes = [models.Index(fields=["region_code"])]

    def __str__(self) -> str:
        return f"{self.series} {self.key} @ {self.region_code} {self.day}"


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        from wushe.accounts.permissions import scope_filter

        return self.filter(scope_filter(user, "stats.target", action, field="region_id"))


class Target(models.Model):
    """A goal an administrator set: an indicator's value for a region by a date (for
    example township station coverage 100% by 2023-12-31)."""

    indicator = models.CharField(_("指标"), max_length=40)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+",
        db_column="region_code",
    )  # fmt: skip
    value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("完成日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["due_on", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "due_on"], name="stats_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.value} by {self.due_on}"


class Generation(models.Model):
    """A token that changes, in the writer's own transaction, whenever what a live figure
    counts changes (the network's platforms, postings and workers; the region tree). Readings
    of live figures are remembered under it (`wushe/stats/live.py`)."""

    name = models.CharField(primary_key=True, max_length=20)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.name} {self.token}"
