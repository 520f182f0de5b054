"""How far a target (目标) has come, and which child regions lag behind it.

A target is read over the calendar year it falls due in: what happened in that year for a
flow (入户走访 10,000 次 by 2026-12-31), what stood at its end for a stock, and the value now
for a live count such as station coverage. A child region lags when it is below the target
that applies to it: its own target for the same indicator and date, or, for a rate, the
target above it (every township should reach the county's 100%). A count set for a whole
county says nothing about one township, so it is judged only where the township has its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from wushe.stats import indicators as catalogue
from wushe.stats.indicators import LIVE, Indicator
from wushe.stats.models import Target
from wushe.stats.query import Period


@dataclass
class Lag:
    region: object
    value: Decimal | int | None
    goal: Decimal

    @property
    def gap(self) -> Decimal:
        return self.goal - Decimal(self.value or 0)


@dataclass
class Progress:
    target: Target
    indicator: Indicator
    current: Decimal | int | None
    lagging: list[Lag] = field(default_factory=list)

    @property
    def percent(self) -> Decimal | None:
        """Current value as a share of the target, in %."""
        if self.current is None or not self.target.value:
            return None
        return Decimal(self.current) / self.target.value * 100

    @property
    def met(self) -> bool:
        return self.current is not None and Decimal(self.current) >= self.target.value

    @property
    def overdue(self) -> bool:
        return not self.met and self.target.due_on < timezone.localdate()

    @property
    def bar(self) -> int:
        """The progress bar's width in whole percent, 0–100."""
        return int(min(max(self.percent or 0, 0), 100))


def period_for(indicator: Indicator, due_on: date, today: date | None = None) -> Period:
    if indicator.reading == LIVE:
        today = today or timezone.localdate()
        return Period.month(today.year, today.month)
    return Period.year(due_on.year)


def applying(region) -> list[Target]:
    """The targets set for the region and for every region above it.

    Not `visible_to`: the caller has checked the region itself is in the user's scope, and a
    goal the province set for it is the region's goal too, whoever may edit it."""
    codes = [a.code for a in region.ancestors()] + [region.code]
    return list(
        Target.objects.filter(region_id__in=codes)
        .select_related("region")
        .order_by("due_on", "indicator", "region__level")
    )


def current(target: Target, indicator: Indicator) -> Decimal | int | None:
    period = period_for(indicator, target.due_on)
    found = catalogue.evaluate([indicator], [target.region], period)
    return found[(indicator.code, target.region_id)]


def lagging(target: Target, indicator: Indicator, region) -> list[Lag]:
    """The children of `region` below the target that applies to them, widest gap first."""
    children = catalogue.children_of(region)
    if not children:
        return []
    own = {
        t.region_id: t.value
        for t in Target.objects.filter(
            indicator=target.indicator, due_on=target.due_on, region__in=children
        )
    }
    goals = {c.code: own.get(c.code, target.value if indicator.is_rate else None) for c in children}
    judged = [c for c in children if goals[c.code] is not None]
    if not judged:
        return []
    found = catalogue.evaluate([indicator], judged, period_for(indicator, target.due_on))
    lags = [Lag(c, found[(indicator.code, c.code)], goals[c.code]) for c in judged]
    behind = [lag for lag in lags if lag.value is not None and lag.gap > 0]
    return sorted(behind, key=lambda lag: (-lag.gap, lag.region.code))


def progress(target: Target, region=None) -> Progress | None:
    """The target's progress, with the lagging children of `region` (the dashboard's) when
    given; None for a target whose indicator has left the catalogue."""
    indicator = catalogue.by_code().get(target.indicator)
    if indicator is None:
        return None
    found = Progress(target, indicator, current(target, indicator))
    if region is not None:
        found.lagging = lagging(target, indicator, region)
    return found


def for_dashboard(region) -> list[Progress]:
    return [p for t in applying(region) if (p := progress(t, region)) is not None]
