"""The figures over the API: the same numbers the dashboards and reports show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from wushe.core.api import Text, answers, invalid, user_of
from wushe.core.views import scope_region_or_404
from wushe.stats import dashboard
from wushe.stats import indicators as catalogue
from wushe.stats.query import Period, month_add

router = Router(tags=["统计"])


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    definition: str
    source: str
    reading: str = Field(
        description="flow 期间发生 / stock 期末存量 / distinct 期间去重 / live 当前"
    )
    group: str


class FigureOut(Schema):
    indicator: str
    name: str
    unit: str
    value: Decimal | None = Field(description="不能按此期间计算时为 null（如按季度去重）")
    previous: Decimal | None = Field(description="上一期（环比）")
    last_year: Decimal | None = Field(description="去年同期（同比）")


class FiguresOut(Schema):
    region_code: str
    region_name: str
    period: str
    period_label: str
    figures: list[FigureOut]


class BreakdownRow(Schema):
    region_code: str
    region_name: str
    values: dict[str, Decimal | None]


class BreakdownOut(Schema):
    region_code: str
    period: str
    indicators: list[str]
    rows: list[BreakdownRow]
    total: dict[str, Decimal | None]


class TrendPoint(Schema):
    month: date
    value: Decimal | None


class TrendOut(Schema):
    region_code: str
    indicator: str
    points: list[TrendPoint]


class FigureQuery(Schema):
    period: Text | None = Field(None, max_length=20, description="2026-11、2026Q3 或 2026")
    indicators: Text | None = Field(None, max_length=500, description="指标代码，逗号分隔")


def _region(request: HttpRequest, code: str):
    region = scope_region_or_404(user_of(request), code, "stats.dashboard")
    if region is None:
        raise Http404
    return region


def _codes(text: str | None, default: list[str]) -> list[str]:
    if not text:
        return default
    codes = [c.strip() for c in text.split(",") if c.strip()]
    known = catalogue.by_code()
    for code in codes:
        if code not in known:
            raise invalid("indicators", f"未知的指标代码：{code}")
    return codes


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(value)


@router.get("/stats/indicators", response=answers(list[IndicatorOut]))
def list_indicators(request: HttpRequest) -> list[dict]:
    """The catalogue: each indicator's code, name, unit, definition and source records."""
    return [
        {"code": i.code, "name": str(i.name), "unit": str(i.unit),
         "definition": str(i.definition), "source": str(i.source), "reading": i.reading,
         "group": str(i.group)}
        for i in catalogue.INDICATORS
    ]  # fmt: skip


def _figures_out(region, period: Period, figures) -> dict:
    return {
        "region_code": region.code, "region_name": region.name, "period": period.key,
        "period_label": period.label,
        "figures": [
            {"indicator": f.indicator.code, "name": str(f.indicator.name),
             "unit": str(f.indicator.unit), "value": _number(f.value),
             "previous": _number(f.previous), "last_year": _number(f.last_year)}
            for f in figures
        ],
    }  # fmt: skip


def _breakdown_out(region, period: Period, codes: list[str], rows, own: dict) -> dict:
    return {
        "region_code": region.code, "period": period.key, "indicators": codes,
        "rows": [
            {"region_code": child.code, "region_name": child.name,
             "values": {k: _number(v) for k, v in values.items()}}
            for child, values in rows
        ],
        "total": {code: _number(value) for code, value in own.items()},
    }  # fmt: skip


@router.get("/stats/regions/{code}/figures", response=answers(FiguresOut))
def get_figures(request: HttpRequest, code: str, filters: Query[FigureQuery]) -> dict:
    """Headline figures of a region for a period, with the previous period and last year."""
    region = _region(request, code)
    period = Period.parse(filters.period)
    figures = dashboard.headline(region, period, _codes(filters.indicators, dashboard.HEADLINE))
    return _figures_out(region, period, figures)


@router.get("/stats/regions/{code}/breakdown", response=answers(BreakdownOut))
def get_breakdown(request: HttpRequest, code: str, filters: Query[FigureQuery]) -> dict:
    """Each child region's figures, and the region's own (the total)."""
    region = _region(request, code)
    period = Period.parse(filters.period)
    codes = _codes(filters.indicators, dashboard.BREAKDOWN)
    rows, own = catalogue.by_child_and_total([catalogue.get(c) for c in codes], region, period)
    return _breakdown_out(region, period, codes, rows, own)


class DashboardQuery(Schema):
    period: Text | None = Field(None, max_length=20, description="2026-11、2026Q3 或 2026")
    indicators: Text | None = Field(None, max_length=500, description="头条指标，逗号分隔")
    columns: Text | None = Field(None, max_length=500, description="下级区划表的指标，逗号分隔")


class DashboardOut(Schema):
    figures: FiguresOut
    breakdown: BreakdownOut


@router.get("/stats/regions/{code}/dashboard", response=answers(DashboardOut))
def get_dashboard(request: HttpRequest, code: str, filters: Query[DashboardQuery]) -> dict:
    """What a dashboard shows first, in one answer: the headline figures (as `figures`) and
    the child regions' (as `breakdown`), read together."""
    region = _region(request, code)
    period = Period.parse(filters.period)
    codes = _codes(filters.columns, dashboard.BREAKDOWN)
    figures, rows, own = dashboard.headline_and_breakdown(
        region, period, _codes(filters.indicators, dashboard.HEADLINE), codes
    )
    return {
        "figures": _figures_out(region, period, figures),
        "breakdown": _breakdown_out(region, period, codes, rows, own),
    }


class TrendQuery(Schema):
    indicator: Text = Field(max_length=40)
    months: int = Field(12, ge=1, le=60)
    period: Text | None = Field(None, max_length=20, description="截至的月份，默认本月")


@router.get("/stats/regions/{code}/trend", response=answers(TrendOut))
def get_trend(request: HttpRequest, code: str, filters: Query[TrendQuery]) -> dict:
    """Month by month, up to the period's last month."""
    region = _region(request, code)
    (name,) = _codes(filters.indicator, [])
    last = Period.parse(filters.period).last
    points = catalogue.trend(
        catalogue.get(name), region, month_add(last, -(filters.months - 1)), last
    )
    return {
        "region_code": region.code, "indicator": name,
        "points": [{"month": m, "value": _number(v)} for m, v in points],
    }  # fmt: skip
