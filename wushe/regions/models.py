"""The region tree: the 12-digit statistical code is the materialised path (DESIGN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wushe.core.scoping import ScopedQuerySet

CODE_LENGTH = 12
# Significant digits of the code at each level: province, city, county, township, village.
PREFIX_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


def prefix_of(code: str, level: int) -> str:
    """The significant digits of `code` at `level`."""
    return code[: PREFIX_LENGTHS[level]]


def code_range(code: str, level: int) -> tuple[str, str]:
    """The inclusive range of 12-digit codes that lie under the region `code` at `level`."""
    prefix = prefix_of(code, level)
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def level_of(code: str) -> int:
    """The level of a 12-digit code, read from its trailing zeros."""
    for level in (1, 2, 3, 4):
        if code[PREFIX_LENGTHS[level] :].strip("0") == "":
            return level
    return 5


def county_code(code: str) -> str:
    return code[:6]


class RegionQuerySet(ScopedQuerySet):
    region_field = "code"

    def under(self, region: "Region", *, include_self: bool = True) -> "RegionQuerySet":
        lo, hi = region.code_range
        qs = self.filter(code__gte=lo, code__lte=hi)
        return qs if include_self else qs.exclude(code=region.code)


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=CODE_LENGTH, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return prefix_of(self.code, self.level)

    @property
    def code_range(self) -> tuple[str, str]:
        return code_range(self.code, self.level)

    def contains(self, code: str) -> bool:
        lo, hi = self.code_range
        return lo <= code <= hi

    def ancestors(self) -> list["Region"]:
        """From the province down to the parent, fetched by code in one query."""
        codes = [
            prefix_of(self.code, level).ljust(CODE_LENGTH, "0") for level in range(1, self.level)
        ]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self] if r.name != "市辖区")
