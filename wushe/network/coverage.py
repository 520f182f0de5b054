"""Coverage (覆盖率): townships with a working station, villages with a working room.

Computed from records every time, as every figure is (DESIGN.md); a township counts as
covered when at least one active station sits in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Substr

from wushe.network.models import Platform, Status, Tier
from wushe.regions.models import PREFIX_LENGTHS, Level, Region

FIGURES = (
    "townships", "covered_townships", "villages", "covered_villages", "centers", "stations",
    "rooms",
)  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    townships: int = 0
    covered_townships: int = 0
    villages: int = 0
    covered_villages: int = 0
    centers: int = 0
    stations: int = 0
    rooms: int = 0

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def station_rate(self) -> float | None:
        return self.rate(self.covered_townships, self.townships)

    @property
    def room_rate(self) -> float | None:
        return self.rate(self.covered_villages, self.villages)


def _figures(lo: str, hi: str, length: int) -> dict[str, dict[str, int]]:
    """All coverage counts in [lo, hi], grouped by `length`-digit prefix: one pass over the
    regions and one over the platforms."""
    regions = (
        Region.objects.filter(code__gte=lo, code__lte=hi, level__gte=Level.TOWNSHIP)
        .annotate(key=Substr("code", 1, length))
        .values("key")
        .annotate(
            townships=Count("pk", filter=Q(level=Level.TOWNSHIP)),
            villages=Count("pk", filter=Q(level=Level.VILLAGE)),
        )
    )
    station, room = Q(tier=Tier.STATION), Q(tier=Tier.ROOM)
    platforms = (
        Platform.objects.filter(region_id__gte=lo, region_id__lte=hi, status=Status.ACTIVE)
        .annotate(key=Substr("region_id", 1, length))
        .values("key")
        .annotate(
            covered_townships=Count("region_id", distinct=True, filter=station),
            covered_villages=Count("region_id", distinct=True, filter=room),
            centers=Count("pk", filter=Q(tier=Tier.CENTER)),
            stations=Count("pk", filter=station),
            rooms=Count("pk", filter=room),
        )
    )
    figures: dict[str, dict[str, int]] = {name: {} for name in FIGURES}
    for row in [*regions, *platforms]:
        for name, value in row.items():
            if name != "key":
                figures[name][row["key"]] = value
    return figures


def _pick(figures: dict[str, dict[str, int]], key: str) -> Coverage:
    return Coverage(**{name: counts.get(key, 0) for name, counts in figures.items()})


def coverage_for(region: Region) -> Coverage:
    lo, hi = region.code_range
    length = PREFIX_LENGTHS[region.level]
    return _pick(_figures(lo, hi, length), region.prefix)


def coverage_many(regions: list[Region]) -> dict[str, Coverage]:
    """{code: coverage} for many regions, one grouped pass per level they sit at."""
    found: dict[str, Coverage] = {}
    by_level: dict[int, list[Region]] = {}
    for region in regions:
        by_level.setdefault(region.level, []).append(region)
    for level, group in by_level.items():
        length = PREFIX_LENGTHS[level]
        spans = [r.code_range for r in group]
        figures = _figures(min(s[0] for s in spans), max(s[1] for s in spans), length)
        for region in group:
            found[region.code] = _pick(figures, region.prefix)
    return found


def coverage_by_child(region: Region) -> list[tuple[Region, Coverage]]:
    """Each direct child of `region` with its coverage, in a fixed number of queries."""
    children = list(region.children.order_by("code"))
    if not children:
        return []
    length = PREFIX_LENGTHS[children[0].level]
    lo, hi = region.code_range
    figures = _figures(lo, hi, length)
    return [(child, _pick(figures, child.code[:length])) for child in children]
