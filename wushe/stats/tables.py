"""The tables of a dashboard, built once for the page, the charts and the .xlsx export, so
what a user downloads is exactly what the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from wushe.stats.dashboard import Dashboard
from wushe.stats.indicators import Indicator

BREAKDOWN, TREND = "breakdown", "trend"


@dataclass
class Row:
    label: str
    values: list[Decimal | int | None]
    code: str = ""  # a child region's code: the row drills down to its dashboard


@dataclass
class Table:
    key: str
    title: str
    first_header: str
    indicators: list[Indicator]
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None

    @property
    def headers(self) -> list[str]:
        return [self.first_header, *(heading(i) for i in self.indicators)]

    def cells(self, row: Row) -> list[tuple[Decimal | int | None, Indicator]]:
        return list(zip(row.values, self.indicators, strict=True))


def heading(indicator: Indicator) -> str:
    return f"{indicator.name}（{indicator.unit}）"


def breakdown(board: Dashboard) -> Table:
    """One row per child region; the total row is the region's own figure (equal to the
    headline), since a rate is not the sum of its children's rates."""
    columns = board.columns
    return Table(
        key=BREAKDOWN,
        title=_("下级区划分布"),
        first_header=_("区划"),
        indicators=columns,
        rows=[
            Row(child.name, [values[i.code] for i in columns], code=child.code)
            for child, values in board.children
        ],
        total=Row(_("合计"), [board.totals[i.code] for i in columns]),
    )


def trend(board: Dashboard) -> Table:
    """One row per month, one column per trend indicator."""
    indicators = [indicator for indicator, _points in board.trends]
    months = [month for month, _value in board.trends[0][1]] if board.trends else []
    by_month = [[points[n][1] for _i, points in board.trends] for n in range(len(months))]
    return Table(
        key=TREND,
        title=_("月度趋势"),
        first_header=_("月份"),
        indicators=indicators,
        rows=[Row(f"{m:%Y-%m}", values) for m, values in zip(months, by_month, strict=True)],
    )


def tables(board: Dashboard) -> dict[str, Table]:
    return {BREAKDOWN: breakdown(board), TREND: trend(board)}
