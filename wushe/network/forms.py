from django import forms
from django.utils.translation import gettext_lazy as _

from wushe.catalog.models import ServiceDomain
from wushe.core.forms import FilterForm
from wushe.network.models import Certificate, Platform, Post, ServiceMode, Status, Tier, Worker
from wushe.regions.models import Region


class DateInput(forms.DateInput):
    """A native date picker; it only understands ISO dates, whatever the interface language."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class PlatformFilterForm(FilterForm):
    q = forms.CharField(label=_("名称"), required=False)
    tier = forms.TypedChoiceField(
        label=_("层级"), choices=[("", _("全部"))] + Tier.choices, required=False, coerce=int,
        empty_value=None,
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + Status.choices, required=False
    )

    def filter(self, qs):
        data = self.cleaned_data
        return qs.matching(q=data["q"], tier=data["tier"], status=data["status"])


class WorkerFilterForm(FilterForm):
    q = forms.CharField(label=_("姓名"), required=False)
    certificate = forms.ChoiceField(
        label=_("职业资格"), choices=[("", _("全部"))] + Certificate.choices, required=False
    )

    def filter(self, qs):
        return qs.matching(q=self.cleaned_data["q"], certificate=self.cleaned_data["certificate"])


class RegionCodeField(forms.CharField):
    """A 12-digit region code, resolved to a Region the user may act in (checked by services)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            raise forms.ValidationError(_("区划代码“%(c)s”不存在。"), params={"c": value})
        return region


class PlatformForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("层级"), choices=Tier.choices, coerce=int)
    region = RegionCodeField(
        label=_("所在区划代码"), max_length=12,
        help_text=_("12 位统计用区划代码：中心填县级、社工站填乡级、社工室填村级。"),
    )  # fmt: skip
    name = forms.CharField(label=_("名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("办公电话"), max_length=30, required=False)
    opened_on = forms.DateField(label=_("建成日期"), required=False, widget=DateInput)
    status = forms.ChoiceField(label=_("状态"), choices=Status.choices, initial=Status.ACTIVE)
    service_mode = forms.ChoiceField(
        label=_("服务模式"), choices=[("", "—")] + ServiceMode.choices, required=False
    )
    domains = forms.ModelMultipleChoiceField(
        label=_("服务领域"), queryset=ServiceDomain.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    @classmethod
    def for_edit(cls, platform: Platform, data=None) -> "PlatformForm":
        initial = {
            "tier": platform.tier, "region": platform.region_id, "name": platform.name,
            "address": platform.address, "phone": platform.phone,
            "opened_on": platform.opened_on, "status": platform.status,
            "service_mode": platform.service_mode, "domains": list(platform.domains.all()),
        }  # fmt: skip
        form = cls(data, initial=initial)
        # Tier and region are fixed once created: moving a platform is a 区划调整, not an edit.
        for name in ("tier", "region"):
            form.fields[name].disabled = True
        return form


class PostingForm(forms.Form):
    worker = forms.ModelChoiceField(
        label=_("已有工作人员"), queryset=Worker.objects.none(), required=False
    )
    new_worker_name = forms.CharField(label=_("或新增人员姓名"), max_length=50, required=False)
    new_worker_certificate = forms.ChoiceField(
        label=_("新增人员职业资格"), choices=Certificate.choices, required=False
    )
    post = forms.ChoiceField(label=_("岗位"), choices=Post.choices)
    started_on = forms.DateField(label=_("任职日期"), widget=DateInput)

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if workers is not None:
            self.fields["worker"].queryset = workers

    def clean(self):
        data = super().clean()
        if not data.get("worker") and not (data.get("new_worker_name") or "").strip():
            raise forms.ValidationError(_("请选择已有工作人员，或填写新增人员姓名。"))
        return data


class PostingEndForm(forms.Form):
    ended_on = forms.DateField(label=_("离任日期"), widget=DateInput)
