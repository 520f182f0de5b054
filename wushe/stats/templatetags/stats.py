"""How figures read on a dashboard: 1.36万人次, 2.5亿元, 83.3%, and the arrows of 环比 / 同比."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

TEN_THOUSAND = Decimal(10_000)
HUNDRED_MILLION = Decimal(100_000_000)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def _short(number: Decimal) -> str:
    """At most two decimals, without trailing zeros: 1.70 → 1.7, 3.00 → 3."""
    text = f"{number.quantize(CENT, ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_figure(value, unit: str = "") -> str:
    """A headline figure as people write it: 万 from 10,000, 亿 from 100,000,000, rates in %,
    amounts in 元 to the fen; “—” where the figure cannot be read for the period."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if unit == "%":
        return f"{number.quantize(TENTH, ROUND_HALF_UP):f}%"
    if not (get_language() or "zh").startswith("zh"):
        # English readers group thousands; 万 and 亿 are Chinese ways of counting.
        return f"{format_exact(number)} {unit}".strip()
    size = abs(number)
    if size >= HUNDRED_MILLION or (size / TEN_THOUSAND).quantize(CENT) >= TEN_THOUSAND:
        text = _short(number / HUNDRED_MILLION) + _("亿")
    elif size >= TEN_THOUSAND:
        text = _short(number / TEN_THOUSAND) + _("万")
    else:
        text = format_exact(number)
    return f"{text}{unit}"


def format_exact(value, unit: str = "") -> str:
    """A table cell: every digit, grouped by thousands; rates in %; amounts to the fen."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if unit == "%":
        return f"{number.quantize(TENTH, ROUND_HALF_UP):f}%"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.quantize(CENT, ROUND_HALF_UP):,f}"


@register.filter
def figure(value, unit: str = "") -> str:
    return format_figure(value, str(unit))


@register.filter
def exact(value, unit: str = "") -> str:
    return format_exact(value, str(unit))


@register.filter
def amount(value, unit: str = "") -> str:
    """Every digit and the unit: 1,493户, 1,234.56元, 83.3%."""
    text = format_exact(value, str(unit))
    return text if value is None or str(unit) == "%" else f"{text}{unit}"


@register.filter
def raw(value) -> str:
    """The value itself for a data attribute: no localisation, empty for “cannot be read”."""
    return "" if value is None else str(value)


@register.simple_tag
def change(figure, against: str = "previous") -> str:
    """The arrow and size of the change on the previous period (环比) or last year (同比): a
    relative change for counts, percentage points for rates (a rate's % of a % misleads)."""
    now = figure.value
    then = figure.previous if against == "previous" else figure.last_year
    if now is None or then is None:
        return mark_safe('<span class="change none">—</span>')  # noqa: S308 (a constant)
    delta = Decimal(now) - Decimal(then)
    if figure.indicator.is_rate:
        text = _("%(n)s 个百分点") % {"n": f"{abs(delta).quantize(TENTH, ROUND_HALF_UP):f}"}
    else:
        relative = figure.vs_previous if against == "previous" else figure.vs_last_year
        # From nothing there is no percentage, only that it rose.
        if relative is None:
            text = _("新增")
        else:
            text = f"{abs(relative).quantize(TENTH, ROUND_HALF_UP):f}%"
    if delta > 0:
        return format_html('<span class="change up">↑ {}</span>', text)
    if delta < 0:
        return format_html('<span class="change down">↓ {}</span>', text)
    return format_html('<span class="change flat">{}</span>', _("持平"))


@register.filter
def cells(table, row) -> list:
    """(value, indicator) for each column of `row` of `table`."""
    return table.cells(row)
