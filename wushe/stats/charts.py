"""What the charts draw, as plain JSON for `json_script` (stats.js reads it): the same
numbers as the dashboard's tables, and for the data wall where to fetch fresh ones."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from wushe.stats import dashboard
from wushe.stats import indicators as catalogue
from wushe.stats.dashboard import Dashboard
from wushe.stats.query import Period, month_add

# The data wall's tiles, and the indicator its child regions are ranked (and coloured) by.
WALL_HEADLINE = [
    "served_person_times", "households_visited", "archives_opened", "case_services",
    "group_sessions", "activities", "activity_funds", "station_coverage",
]  # fmt: skip
WALL_RANKING = "served_person_times"
REFRESH_SECONDS = 30
TREND_MONTHS = 12


def number(value) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def trend_series(trends) -> list[dict]:
    return [
        {"code": i.code, "name": str(i.name), "unit": str(i.unit),
         "months": [f"{m:%Y-%m}" for m, _v in points],
         "values": [number(v) for _m, v in points]}
        for i, points in trends
    ]  # fmt: skip


def category_series(categories) -> list[dict]:
    return [{"group": g, "name": name, "value": n} for g, name, n in categories]


def labels() -> dict:
    """The words stats.js writes itself, in the request's language."""
    return {
        "tenThousand": _("万"), "hundredMillion": _("亿"), "points": _("%(n)s 个百分点"),
        "new": _("新增"), "flat": _("持平"), "previous": _("环比"), "lastYear": _("同比"),
    }  # fmt: skip


def dashboard_data(board: Dashboard) -> dict:
    return {
        "trends": trend_series(board.trends),
        "categories": category_series(board.categories),
        "labels": labels(),
    }


def wall_data(user, region, period: Period) -> dict:
    """The wall as first drawn: its tiles (`figures`, for the template), the ranking, the
    trends and categories, and the API addresses it refreshes them from."""
    ranked = catalogue.get(WALL_RANKING)
    children = catalogue.by_child([ranked], region, period)
    first = month_add(period.last, -(TREND_MONTHS - 1))
    trends = [
        (catalogue.get(c), catalogue.trend(catalogue.get(c), region, first, period.last))
        for c in dashboard.TRENDS
    ]
    return {
        "region": {"code": region.code, "name": region.name},
        "labels": labels(),
        "period": period.key,
        "refreshSeconds": REFRESH_SECONDS,
        "headline": WALL_HEADLINE,
        "figures": dashboard.headline(region, period, WALL_HEADLINE),
        "ranking": {
            "indicator": ranked.code,
            "name": str(ranked.name),
            "unit": str(ranked.unit),
            "items": [
                {"code": c.code, "name": c.name, "value": number(v[ranked.code])}
                for c, v in children
            ],
        },  # fmt: skip
        "trends": trend_series(trends),
        "trendMonths": TREND_MONTHS,
        "categories": category_series(dashboard.categories(user, region, period)),
        "api": {
            "dashboard": reverse("api:get_dashboard", args=[region.code]),
            "trend": reverse("api:get_trend", args=[region.code]),
        },
    }
