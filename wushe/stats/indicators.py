"""The catalogue of indicators (指标): what each figure a dashboard or report shows means,
in what unit, and which records it is computed from.

Person-time indicators (人次, 次) sum records; distinct ones (人, 户) count each person or
household once in the period, and are offered only for a month or a calendar year (a sum of
monthly distinct counts is not a distinct count). Flow indicators add up what happened in
the period; stock indicators are what stood at its end. The network's indicators are counted
live from its tables, and remembered until the network next changes (`live.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from wushe.stats.live import network_token, remembered
from wushe.stats.query import Period, Window, sums, sums_each

FLOW, STOCK, DISTINCT, LIVE = "flow", "stock", "distinct", "live"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    definition: str
    source: str  # the records it is computed from
    reading: str = FLOW
    series: tuple[str, ...] = ()  # summed; for DISTINCT, "x" means x.month / x.year
    scale: int = 1  # stored in 1/scale units (funds in 分)
    group: str = ""
    live: Callable | None = field(default=None, compare=False)

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


def _coverage(attr: str) -> Callable:
    """A live count from the network's coverage, for many regions at once; `memo` lets the
    four coverage indicators of one reading share one pass over the tables."""

    def values(regions, memo: dict) -> dict[str, Decimal | int | None]:
        from wushe.network.coverage import coverage_many

        if "coverage" not in memo:
            memo["coverage"] = coverage_many(regions)
        found = {}
        for region in regions:
            figure = getattr(memo["coverage"][region.code], attr)
            found[region.code] = (
                Decimal(str(round(figure * 100, 1))) if isinstance(figure, float) else figure
            )
        return found

    return values


def _workers(certified: bool) -> Callable:
    def values(regions, memo: dict) -> dict[str, int]:
        from django.db.models import Count
        from django.db.models.functions import Substr

        from wushe.network.models import Certificate, Posting
        from wushe.regions.models import PREFIX_LENGTHS

        found = {}
        by_level: dict[int, list] = {}
        for region in regions:
            by_level.setdefault(region.level, []).append(region)
        for level, group in by_level.items():
            spans = [r.code_range for r in group]
            postings = Posting.objects.filter(
                platform__region_id__gte=min(s[0] for s in spans),
                platform__region_id__lte=max(s[1] for s in spans), ended_on__isnull=True,
            )  # fmt: skip
            if certified:
                postings = postings.exclude(worker__certificate=Certificate.NONE)
            length = PREFIX_LENGTHS[level]
            counts = dict(
                postings.annotate(key=Substr("platform__region_id", 1, length))
                .values("key").annotate(n=Count("worker_id", distinct=True))
                .values_list("key", "n")
            )  # fmt: skip
            for region in group:
                found[region.code] = counts.get(region.prefix, 0)
        return found

    return values


NETWORK, REGISTRY, VISITS, NEEDS, CASES, GROUPS, ACTIVITIES = (
    _("服务网络"), _("建档立卡"), _("入户走访"), _("需求"), _("个案"), _("小组"), _("社区活动"),
)  # fmt: skip

INDICATORS: list[Indicator] = [
    Indicator("stations", _("社工站"), _("个"), _("运行中的乡镇（街道）社工站"),
              _("服务平台"), LIVE, group=NETWORK, live=_coverage("stations")),
    Indicator("station_coverage", _("乡镇社工站覆盖率"), "%",
              _("有运行中社工站的乡镇（街道）÷ 乡镇（街道）总数"), _("服务平台、行政区划"),
              LIVE, group=NETWORK, live=_coverage("station_rate")),
    Indicator("rooms", _("社工室"), _("个"), _("运行中的村（社区）社工室"), _("服务平台"),
              LIVE, group=NETWORK, live=_coverage("rooms")),
    Indicator("room_coverage", _("村社工室覆盖率"), "%",
              _("有运行中社工室的村（社区）÷ 村（社区）总数"), _("服务平台、行政区划"),
              LIVE, group=NETWORK, live=_coverage("room_rate")),
    Indicator("social_workers", _("在岗社工"), _("人"), _("在本辖区平台任职中的工作人员"),
              _("岗位任职"), LIVE, group=NETWORK, live=_workers(False)),
    Indicator("certified_workers", _("持证社工"), _("人"),
              _("在岗且持助理社会工作师及以上职业资格的人员"), _("岗位任职、工作人员"), LIVE,
              group=NETWORK, live=_workers(True)),
    Indicator("archives_opened", _("建立档案"), _("个"), _("期间新建的一人一档"),
              _("服务对象"), FLOW, ("people",), group=REGISTRY),
    Indicator("people_registered", _("在册服务对象"), _("人"), _("期末已建档的服务对象"),
              _("服务对象"), STOCK, ("people",), group=REGISTRY),
    Indicator("households_registered", _("在册家庭户"), _("户"), _("期末已建档的家庭户"),
              _("家庭户"), STOCK, ("households",), group=REGISTRY),
    Indicator("visits", _("入户走访"), _("次"), _("期间的走访记录"), _("入户走访"), FLOW,
              ("visits",), group=VISITS),
    Indicator("households_visited", _("走访入户"), _("户"),
              _("期间被走访的家庭户（未建户的服务对象按一户计），每户只计一次"),
              _("入户走访"), DISTINCT, ("visited_households",), group=VISITS),
    Indicator("people_visited", _("走访服务对象"), _("人"),
              _("期间被走访的服务对象，每人只计一次"), _("入户走访"), DISTINCT,
              ("visited_people",), group=VISITS),
    Indicator("needs_registered", _("登记需求"), _("项"), _("期间登记的需求"), _("需求"),
              FLOW, ("needs",), group=NEEDS),
    Indicator("needs_met", _("满足需求"), _("项"), _("期间处理为已满足的需求"), _("需求"),
              FLOW, ("needs_met",), group=NEEDS),
    Indicator("needs_open", _("待解决需求"), _("项"), _("期末尚未处理的需求"), _("需求"),
              STOCK, ("needs_open",), group=NEEDS),
    Indicator("cases_opened", _("新接个案"), _("个"), _("期间接案的个案"), _("个案"), FLOW,
              ("cases_opened",), group=CASES),
    Indicator("cases_closed", _("结案个案"), _("个"), _("期间结案（现仍为结案）的个案"),
              _("个案"), FLOW, ("cases_closed",), group=CASES),
    Indicator("cases_open", _("在办个案"), _("个"), _("期末未结案的个案"), _("个案"), STOCK,
              ("cases_open",), group=CASES),
    Indicator("case_services", _("个案服务"), _("次"), _("期间个案介入阶段的服务记录"),
              _("服务记录"), FLOW, ("case_services",), group=CASES),
    Indicator("groups_formed", _("新建小组"), _("个"), _("期间新建的小组"), _("小组"), FLOW,
              ("groups",), group=GROUPS),
    Indicator("group_sessions", _("小组活动"), _("次"), _("期间开展的小组节次"),
              _("小组节次"), FLOW, ("group_sessions",), group=GROUPS),
    Indicator("group_attendance", _("小组活动参与"), _("人次"), _("期间各节次的出席人次"),
              _("小组节次"), FLOW, ("group_attendance",), group=GROUPS),
    Indicator("activities", _("主题（社区）活动"), _("场"), _("期间开展的社区活动和主题活动"),
              _("社区活动"), FLOW, ("activities",), group=ACTIVITIES),
    Indicator("activity_social_workers", _("活动参与社工"), _("人次"),
              _("期间活动的参与社工人次"), _("社区活动"), FLOW, ("activity_social_workers",),
              group=ACTIVITIES),
    Indicator("activity_volunteers", _("活动参与志愿者"), _("人次"),
              _("期间活动的参与志愿者人次"), _("社区活动"), FLOW, ("activity_volunteers",),
              group=ACTIVITIES),
    Indicator("activity_donors", _("活动参与捐赠方"), _("人次"),
              _("期间活动的参与捐赠方人次"), _("社区活动"), FLOW, ("activity_donors",),
              group=ACTIVITIES),
    Indicator("activity_beneficiaries", _("活动受益群众"), _("人次"),
              _("期间活动的受益群众人次"), _("社区活动"), FLOW, ("activity_beneficiaries",),
              group=ACTIVITIES),
    Indicator("activity_funds", _("活动使用资金"), _("元"), _("期间活动使用的资金"),
              _("社区活动"), FLOW, ("activity_funds",), scale=100, group=ACTIVITIES),
    Indicator("served_person_times", _("累计服务群众"), _("人次"),
              _("入户走访、个案服务、小组活动出席与活动受益人次之和"),
              _("入户走访、服务记录、小组节次、社区活动"), FLOW,
              ("visits", "case_services", "group_attendance", "activity_beneficiaries"),
              group=ACTIVITIES),
]  # fmt: skip


def by_code() -> dict[str, Indicator]:
    return {i.code: i for i in INDICATORS}


def get(code: str) -> Indicator:
    return by_code()[code]


def _series_for(indicator: Indicator, period: Period) -> list[str] | None:
    if indicator.reading != DISTINCT:
        return list(indicator.series)
    if period.grain is None:
        return None
    return [f"{s}.{period.grain}" for s in indicator.series]


def evaluate(
    indicators: list[Indicator], regions: list, period: Period
) -> dict[tuple[str, str], Decimal | int | None]:
    """{(indicator code, region code): value} for each region; None where the indicator
    cannot be read for the period (a distinct count over a quarter, a live count of the
    past)."""
    return evaluate_each([(indicators, regions, period)])[0]


def evaluate_each(
    asked: list[tuple[list[Indicator], list, Period]],
) -> list[dict[tuple[str, str], Decimal | int | None]]:
    """`evaluate` for each (indicators, regions, period) asked, the record-based figures of
    all of them read in one statement (a dashboard's headline, its comparisons and its
    breakdown are one round trip)."""
    answers: list[dict[tuple[str, str], Decimal | int | None]] = []
    windows, wanted = [], []  # wanted: (answer, window, indicators with their series)
    memos: dict[tuple[str, ...], dict] = {}  # live counts, shared by the same regions
    token = None  # the network's, read once
    for indicators, regions, period in asked:
        values: dict[tuple[str, str], Decimal | int | None] = {}
        answers.append(values)
        pairs = tuple((r.code, r.level) for r in regions)
        flows, stocks = [], []
        for indicator in indicators:
            if indicator.reading == LIVE:
                live = {}
                if period.last >= _this_month():
                    token = network_token() if token is None else token
                    memo = memos.setdefault(tuple(r.code for r in regions), {})
                    live = remembered(token, indicator.code, regions, memo, indicator.live)
                for region in regions:
                    values[(indicator.code, region.code)] = live.get(region.code)
                continue
            names = _series_for(indicator, period)
            if names is None:
                for region in regions:
                    values[(indicator.code, region.code)] = None
                continue
            (stocks if indicator.reading == STOCK else flows).append((indicator, names))
        for group, first in ((flows, period.first), (stocks, None)):
            if group:
                series = tuple(sorted({n for _i, names in group for n in names}))
                wanted.append((values, len(windows), group, pairs))
                windows.append(Window(series, pairs, first, period.end))
    found = sums_each(windows)
    for values, n, group, pairs in wanted:
        for indicator, names in group:
            for code, _level in pairs:
                raw = sum(found[n].get((name, code), 0) for name in names)
                values[(indicator.code, code)] = (
                    Decimal(raw) / indicator.scale if indicator.scale != 1 else raw
                )
    return answers


def _this_month():
    from django.utils import timezone

    return timezone.localdate().replace(day=1)


def children_of(region) -> list:
    return list(region.children.order_by("code"))


def by_child(
    indicators: list[Indicator], region, period: Period
) -> list[tuple[object, dict[str, Decimal | int | None]]]:
    """Each child region of `region` with {indicator code: value}, in code order."""
    return by_child_and_total(indicators, region, period)[0]


def by_child_and_total(
    indicators: list[Indicator], region, period: Period
) -> tuple[list[tuple[object, dict[str, Decimal | int | None]]], dict[str, Decimal | int | None]]:
    """`by_child`, and the region's own figures (the total row), in one reading."""
    children = children_of(region)
    found = evaluate(indicators, [*children, region], period)
    return child_rows(indicators, region, children, found)


def child_rows(indicators: list[Indicator], region, children: list, found: dict):
    """`by_child_and_total`'s answer from an evaluation of the children and the region."""
    rows = [
        (child, {i.code: found[(i.code, child.code)] for i in indicators}) for child in children
    ]
    return rows, {i.code: found[(i.code, region.code)] for i in indicators}


def trend(indicator: Indicator, region, first, last) -> list[tuple[object, Decimal | int | None]]:
    """(month, value) for each month from `first` to `last`: what happened in the month for a
    flow, what stood at its end for a stock, the month's distinct count for 人/户."""
    from wushe.stats.query import month_add, monthly

    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    if indicator.reading == LIVE:
        return [(m, None) for m in months]
    names = list(indicator.series)
    if indicator.reading == DISTINCT:
        names = [f"{n}.month" for n in names]
    start = None if indicator.reading == STOCK else first
    found = monthly(names, region.code, region.level, start or first, last)
    if indicator.reading == STOCK:
        base = sums(names, [(region.code, region.level)], None, first - timedelta(days=1))
        running = sum(base.get((n, region.code), 0) for n in names)
    rows = []
    for month in months:
        value = sum(found.get((n, month), 0) for n in names)
        if indicator.reading == STOCK:
            running += value
            value = running
        rows.append((month, Decimal(value) / indicator.scale if indicator.scale != 1 else value))
    return rows
