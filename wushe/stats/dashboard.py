"""What a dashboard shows for a region and a period, assembled once for the pages, the data
wall, the API and the reports: headline figures with the previous period and the same
period last year, the breakdown by child region, monthly trends and category counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from wushe.accounts import permissions
from wushe.people.models import CATEGORY_GROUPS, Category
from wushe.people.rules import is_sensitive
from wushe.stats import indicators as catalogue
from wushe.stats.indicators import Indicator
from wushe.stats.query import Period, month_add

# The headline figures, in the order the seeds report them (DOMAIN.md, "What is counted").
HEADLINE = [
    "station_coverage", "stations", "rooms", "certified_workers", "archives_opened",
    "people_registered", "visits", "households_visited", "people_visited", "needs_open",
    "cases_opened", "cases_open", "case_services", "group_sessions", "activities",
    "activity_beneficiaries", "activity_funds", "served_person_times",
]  # fmt: skip
BREAKDOWN = [
    "station_coverage", "people_registered", "visits", "households_visited", "case_services",
    "group_sessions", "activities", "served_person_times",
]  # fmt: skip
TRENDS = ["visits", "case_services", "group_sessions", "activities", "served_person_times"]


@dataclass
class Figure:
    indicator: Indicator
    value: Decimal | int | None
    previous: Decimal | int | None = None
    last_year: Decimal | int | None = None

    @staticmethod
    def _change(now, then) -> Decimal | None:
        if now is None or then is None or then == 0:
            return None
        return (Decimal(now) - Decimal(then)) / Decimal(then) * 100

    @property
    def vs_previous(self) -> Decimal | None:
        """Percentage change on the previous period (环比)."""
        return self._change(self.value, self.previous)

    @property
    def vs_last_year(self) -> Decimal | None:
        """Percentage change on the same period last year (同比)."""
        return self._change(self.value, self.last_year)


@dataclass
class Dashboard:
    region: object
    period: Period
    headline: list[Figure] = field(default_factory=list)
    columns: list[Indicator] = field(default_factory=list)
    children: list[tuple[object, dict]] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    trends: list[tuple[Indicator, list]] = field(default_factory=list)
    categories: list[tuple[str, str, int]] = field(default_factory=list)  # (group, name, n)


def headline(region, period: Period, codes: list[str] | None = None) -> list[Figure]:
    return headline_and_breakdown(region, period, codes)[0]


def headline_and_breakdown(
    region, period: Period, codes: list[str] | None = None, columns: list[str] | None = None
) -> tuple[list[Figure], list[tuple[object, dict]], dict]:
    """The headline figures with the previous period and last year, and (given `columns`)
    each child region's figures with the region's own: one reading, one statement."""
    chosen = [catalogue.get(c) for c in (codes or HEADLINE)]
    periods = (period, period.previous(), period.last_year())
    asked = [(chosen, [region], p) for p in periods]
    children = catalogue.children_of(region) if columns is not None else []
    wide = [catalogue.get(c) for c in columns or []]
    if columns is not None:
        asked.append((wide, [*children, region], period))
    now, before, year_ago, *breakdown = catalogue.evaluate_each(asked)
    key = region.code
    figures = [
        Figure(i, now[(i.code, key)], before[(i.code, key)], year_ago[(i.code, key)])
        for i in chosen
    ]
    if columns is None:
        return figures, [], {}
    return figures, *catalogue.child_rows(wide, region, children, breakdown[0])


def categories(user, region, period: Period) -> list[tuple[str, str, int]]:
    """People holding each category at the end of the period; the sensitive ones (assistance
    status, disability, health) only for roles that may see them."""
    sensitive_ok = permissions.can(user, "people.sensitive", "view", region.code)
    shown = [c for c in Category if sensitive_ok or not is_sensitive(c)]
    names = [f"category.{c.value}" for c in shown]
    from wushe.stats.query import sums

    found = sums(names, [(region.code, region.level)], None, period.end)
    return [
        (str(CATEGORY_GROUPS[c]), str(c.label), found.get((f"category.{c.value}", region.code), 0))
        for c in shown
    ]


def build(user, region, period: Period, *, trend_months: int = 12) -> Dashboard:
    board = Dashboard(region=region, period=period)
    board.headline, board.children, _total = headline_and_breakdown(
        region, period, columns=BREAKDOWN
    )
    board.columns = [catalogue.get(c) for c in BREAKDOWN]
    board.totals = {f.indicator.code: f.value for f in board.headline}
    first = month_add(period.last, -(trend_months - 1))
    board.trends = [
        (catalogue.get(c), catalogue.trend(catalogue.get(c), region, first, period.last))
        for c in TRENDS
    ]
    board.categories = categories(user, region, period)
    return board
