from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions
from wushe.regions.models import Region
from wushe.stats import indicators as catalogue
from wushe.stats.query import Period, month_add


def indicator_choices() -> list:
    """The catalogue, grouped as the dashboards group it."""
    groups: dict[str, list] = {}
    for i in catalogue.INDICATORS:
        groups.setdefault(str(i.group), []).append((i.code, f"{i.name}（{i.unit}）"))
    return list(groups.items())


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"), choices=indicator_choices)
    region = forms.CharField(
        label=_("区划代码"), max_length=12, min_length=12,
        help_text=_("12 位统计用区划代码；比率类目标同时用来判断哪些下级区划落后"),
    )  # fmt: skip
    value = forms.DecimalField(
        label=_("目标值"), min_value=0, max_digits=14, decimal_places=2,
        help_text=_("按指标的单位填写；比率填百分数，如 100 表示 100%"),
    )  # fmt: skip
    due_on = forms.DateField(
        label=_("完成日期"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("流量指标按该日期所在年度累计，当前值类指标（如覆盖率）按现状"),
    )  # fmt: skip
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None or not permissions.can(self.user, "stats.target", "change", code):
            raise forms.ValidationError(
                _("区划代码“%(c)s”不存在或不在您的管辖范围内。") % {"c": code}
            )
        return region


def period_choices(selected: Period, today: date | None = None) -> list[tuple[str, str]]:
    """What the period picker offers: the last 12 months, the quarters of this year and
    last, and the last three years, with the chosen period always among them."""
    today = today or timezone.localdate()
    this = today.replace(day=1)
    periods = [Period(month_add(this, -n), month_add(this, -n)) for n in range(12)]
    for year in (today.year, today.year - 1):
        for quarter in range(4, 0, -1):
            first = date(year, 3 * quarter - 2, 1)
            if first <= this:
                periods.append(Period(first, month_add(first, 2)))
    periods += [Period.year(today.year - n) for n in range(3)]
    if selected not in periods:
        periods.insert(0, selected)
    return [(p.key, p.label) for p in periods]


def next_period(period: Period) -> Period:
    return Period(month_add(period.first, period.months), month_add(period.last, period.months))
