import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.casework.models import Case, Need, Referral, Urgency
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.forms import FilterForm
from wushe.network.models import Platform, Tier, Worker

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ItemChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: ServiceItem) -> str:
        return f"{obj.domain.name} · {obj.name}"


def items_for(region_code: str):
    return ServiceItem.objects.for_region(region_code).select_related("domain")


def offered_items(region_code: str):
    """What the platforms serving this village publish (their 服务事项清单), so a phone shows
    a short list; every applicable item where none has published one."""
    above = [region_code[:n].ljust(12, "0") for n in (6, 9, 12)]
    published = items_for(region_code).filter(
        platforms__region_id__in=above, platforms__status="active"
    )
    return published.distinct() if published.exists() else items_for(region_code)


def township_range(code: str) -> tuple[str, str]:
    return code[:9] + "000", code[:9] + "999"


class VisitForm(forms.Form):
    """The phone's visit form. Without JavaScript it posts here; with it, static/wushe/visit.js
    keeps the draft in the browser and sends it to the API, which calls the same service."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    visited_at = forms.DateTimeField(
        label=_("走访时间"), input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )  # fmt: skip
    place = forms.CharField(label=_("走访地点"), max_length=200, required=False)
    living_conditions = forms.CharField(
        label=_("生活状况"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("居住、饮食、健康、照料情况")}),
    )  # fmt: skip
    risks = forms.CharField(
        label=_("风险隐患"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：取暖、用电、独处、欠照料")}),
    )  # fmt: skip
    needs_found = forms.CharField(
        label=_("发现的需求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    items = ItemChoiceField(label=_("提供的服务事项"), queryset=ServiceItem.objects.none())
    workers = forms.ModelMultipleChoiceField(
        label=_("走访社工"), queryset=Worker.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    volunteers = forms.CharField(
        label=_("参与志愿者"), max_length=200, required=False,
        help_text=_("姓名，用顿号隔开"),
    )  # fmt: skip
    follow_up_on = forms.DateField(
        label=_("下次跟进日期"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip
    need_domain = forms.ModelChoiceField(
        label=_("登记需求：服务领域"),
        queryset=ServiceDomain.objects.all(),
        required=False,
        to_field_name="code",
    )
    need_urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, required=False
    )
    need_description = forms.CharField(
        label=_("需求描述"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, region_code: str, user, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {"client_id": uuid.uuid4(), "visited_at": timezone.localtime().replace(second=0)},
        )
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = offered_items(region_code)
        lo, hi = township_range(region_code)
        self.fields["workers"].queryset = Worker.objects.visible_to(user).filter(
            region_id__gte=lo, region_id__lte=hi
        )
        from wushe.accounts import permissions

        if not permissions.can(user, "casework.need", "create", region_code):
            for name in ("need_domain", "need_urgency", "need_description"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if (
            "need_domain" in self.fields
            and data.get("need_description")
            and not data.get("need_domain")
        ):
            self.add_error("need_domain", _("登记需求请选择服务领域。"))
        return data


class NeedForm(forms.Form):
    domain = forms.ModelChoiceField(label=_("服务领域"), queryset=ServiceDomain.objects.all())
    item = forms.ModelChoiceField(
        label=_("服务事项"), queryset=ServiceItem.objects.none(), required=False
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    description = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, region_code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items_for(region_code)


class NeedResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理结果"),
        choices=[(s, label) for s, label in Need.Status.choices if s != Need.Status.OPEN],
    )
    resolution = forms.CharField(label=_("处理说明"), max_length=200, required=False)


class NeedFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Need.Status.choices]
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=[("", _("全部")), *Urgency.choices]
    )

    def filter(self, qs):
        for name in ("status", "urgency"):
            if self.cleaned_data.get(name):
                qs = qs.filter(**{name: self.cleaned_data[name]})
        return qs


class CaseFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("阶段"), required=False,
        choices=[("", _("全部")), ("open", _("未结案")), *Case._meta.get_field("status").choices],
    )  # fmt: skip

    def filter(self, qs):
        status = self.cleaned_data.get("status")
        if status == "open":
            return qs.open()
        if status:
            return qs.filter(status=status)
        return qs


class CaseOpenForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("承办平台"), queryset=Platform.objects.none())
    title = forms.CharField(label=_("个案名称"), max_length=100)
    source = forms.CharField(
        label=_("个案来源"), max_length=50, required=False,
        help_text=_("如：入户走访发现、本人求助、村（居）委会转介"),
    )  # fmt: skip
    intake_summary = forms.CharField(label=_("接案情况"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, region_code: str, **kwargs) -> None:
        from wushe.accounts.permissions import scope_filter

        super().__init__(*args, **kwargs)
        # Platforms whose area holds the person, where the user may open cases.
        above = [region_code[:n].ljust(12, "0") for n in (6, 9, 12)]
        self.fields["platform"].queryset = (
            Platform.objects.active()
            .filter(region_id__in=above, tier__in=[Tier.CENTER, Tier.STATION, Tier.ROOM])
            .filter(scope_filter(user, "casework.case", "create", field="region_id"))
        )


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class PlanForm(forms.Form):
    goals = forms.CharField(
        label=_("服务目标"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个目标"),
    )  # fmt: skip


class ServiceRecordForm(forms.Form):
    served_on = forms.DateField(
        label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    items = ItemChoiceField(label=_("服务事项"), queryset=ServiceItem.objects.none())
    description = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.IntegerField(label=_("服务时长（分钟）"), required=False, min_value=1)

    def __init__(self, *args, region_code: str, **kwargs) -> None:
        kwargs.setdefault("initial", {"served_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items_for(region_code)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("结案原因"), choices=Case.Closure.choices)
    note = forms.CharField(
        label=_("结案说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Referral.Kind.choices)
    to_platform = forms.ModelChoiceField(
        label=_("接收平台"), queryset=Platform.objects.none(), required=False
    )
    to_organization = forms.CharField(
        label=_("或：接收部门 / 社会组织"), max_length=100, required=False
    )
    reason = forms.CharField(label=_("转介理由"), max_length=300)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from wushe.casework.services import receivers

        self.fields["to_platform"].queryset = receivers(case)


class ClosurePolicyForm(forms.Form):
    region = forms.CharField(
        label=_("区划代码"), max_length=12, min_length=12,
        help_text=_("12 位统计用区划代码，如县级 152201000000；对该区划及其下级生效，下级可另设"),
    )  # fmt: skip
    needs_approval = forms.TypedChoiceField(
        label=_("结案是否须督导审批"), coerce=lambda v: v == "yes",
        choices=[("yes", _("须督导审批")), ("no", _("社工可直接结案"))],
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self):
        from wushe.accounts import permissions
        from wushe.regions.models import Region

        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None or not permissions.can(
            self.user, "casework.closurepolicy", "change", code
        ):
            raise forms.ValidationError(
                _("区划代码“%(c)s”不存在或不在您的管辖范围内。") % {"c": code}
            )
        return region
