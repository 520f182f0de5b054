from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from wushe.core.forms import FilterForm
from wushe.network.forms import DateInput, RegionCodeField
from wushe.people.models import Category, DisabilityType, Gender, LegalBasis
from wushe.people.rules import holding
from wushe.people.search import search


class PersonFilterForm(FilterForm):
    q = forms.CharField(
        label=_("姓名 / 拼音 / 首字母 / 证件或电话尾号"), required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：张、zhangsan、zs、002X")}),
    )  # fmt: skip
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部"))] + Category.choices, required=False
    )

    def filter(self, qs):
        qs = search(qs, self.cleaned_data["q"], user=self.user)
        if self.cleaned_data["category"]:
            qs = holding(qs, self.user, self.cleaned_data["category"])
        return qs


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, required=False,
        help_text=_("填写后自动识别出生日期、性别和籍贯；支持全角数字和 15 位旧号。"),
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "hx-get": reverse_lazy("people:id_info"),
            "hx-trigger": "input changed delay:300ms", "hx-target": "#id-info",
        }),
    )  # fmt: skip
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", "—")] + Gender.choices, required=False
    )
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DateInput)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    region = RegionCodeField(label=_("所在村（社区）区划代码"), max_length=12)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    legal_basis = forms.ChoiceField(
        label=_("处理依据"), choices=LegalBasis.choices, initial=LegalBasis.STATUTORY,
        help_text=_(
            "民政职责内的对象为“履行法定职责”；为其他服务采集的需本人同意，"
            "14 岁以下儿童需监护人同意。"
        ),
    )  # fmt: skip


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看理由"), max_length=200)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    local_name = forms.CharField(label=_("地方类别名称"), max_length=50, required=False)
    disability_type = forms.ChoiceField(
        label=_("残疾类别"), choices=[("", "—")] + DisabilityType.choices, required=False
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"), choices=[("", "—")] + [(g, f"{g}级") for g in range(1, 5)],
        required=False, coerce=int, empty_value=None,
    )  # fmt: skip
    started_on = forms.DateField(label=_("开始日期"), widget=DateInput)


class TransferForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    to_region = RegionCodeField(label=_("转入村（社区）区划代码"), max_length=12)
    reason = forms.CharField(label=_("申请理由"), max_length=200)
