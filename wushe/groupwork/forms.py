from django import forms
from django.utils.translation import gettext_lazy as _

from wushe.accounts.permissions import scope_filter
from wushe.catalog.models import ServiceItem
from wushe.core.forms import FilterForm
from wushe.groupwork.models import ActivityKind, GroupStatus
from wushe.network.forms import DateInput
from wushe.network.models import Platform
from wushe.people.models import Person


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ServiceItem) -> str:
        return f"{obj.domain.name} · {obj.name}"


def _platforms(user, label: str):
    """The running platforms where `user` may record this kind of work."""
    return (
        Platform.objects.visible_to(user)
        .active()
        .filter(scope_filter(user, label, "create", field="region_id"))
        .select_related("region")
    )


class ServiceForm(forms.Form):
    """What a group and an activity both name: the platform and the catalogue items."""

    label = ""
    platform = forms.ModelChoiceField(label=_("承办平台"), queryset=Platform.objects.none())
    items = ItemChoiceField(
        label=_("服务事项"), queryset=ServiceItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("从本平台所在区划适用的服务事项目录中选择，至少一项。"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        platforms = _platforms(user, self.label)
        self.fields["platform"].queryset = platforms
        if len(platforms) == 1:
            self.fields["platform"].initial = platforms[0]
        self.fields["items"].queryset = (
            ServiceItem.objects.visible_to(user)
            .select_related("domain")
            .order_by("domain__order", "region_id", "order", "pk")
        )


class GroupFilterForm(FilterForm):
    q = forms.CharField(label=_("名称 / 主题"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + GroupStatus.choices, required=False
    )

    def filter(self, qs):
        return qs.matching(q=self.cleaned_data["q"], status=self.cleaned_data["status"])


class GroupForm(ServiceForm):
    label = "groupwork.group"
    field_order = ["platform", "name", "theme", "goals", "planned_sessions", "items"]

    name = forms.CharField(
        label=_("小组名称"), max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：留守儿童“快乐成长”小组")}),
    )  # fmt: skip
    theme = forms.CharField(label=_("主题"), max_length=200)
    goals = forms.CharField(label=_("小组目标"), widget=forms.Textarea(attrs={"rows": 4}))
    planned_sessions = forms.IntegerField(
        label=_("计划节数"), min_value=1, max_value=100, required=False
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("活动日期"), widget=DateInput)
    topic = forms.CharField(label=_("本节主题"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        label=_("出席组员"), queryset=Person.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    notes = forms.CharField(
        label=_("活动记录"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("过程、组员表现与下节安排；加密保存。"),
    )  # fmt: skip

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members


class EndForm(forms.Form):
    evaluation = forms.CharField(
        label=_("小组评估"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("目标达成情况、组员变化、经验与不足；加密保存。"),
    )  # fmt: skip


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查找服务对象"), max_length=50, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母或证件尾号")}),
    )  # fmt: skip


class ActivityFilterForm(FilterForm):
    q = forms.CharField(label=_("名称 / 地点"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部"))] + ActivityKind.choices, required=False
    )

    def filter(self, qs):
        return qs.matching(q=self.cleaned_data["q"], kind=self.cleaned_data["kind"])


def _count(label):
    numeric = forms.NumberInput(attrs={"inputmode": "numeric"})
    return forms.IntegerField(label=label, min_value=0, initial=0, widget=numeric)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one `<input type="file" multiple>`; photos.js shrinks them first."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "data-compress": ""})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ActivityForm(ServiceForm):
    label = "groupwork.activity"
    field_order = [
        "platform", "kind", "title", "held_on", "place", "description", "social_workers",
        "volunteers", "donors", "beneficiaries", "items", "funds_used", "materials_used",
        "photos",
    ]  # fmt: skip

    kind = forms.ChoiceField(label=_("活动类型"), choices=ActivityKind.choices)
    title = forms.CharField(
        label=_("活动名称"), max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：重阳节敬老活动")}),
    )  # fmt: skip
    held_on = forms.DateField(label=_("活动日期"), widget=DateInput)
    place = forms.CharField(label=_("活动地点"), max_length=200)
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    social_workers = _count(_("参与社工（人次）"))
    volunteers = _count(_("参与志愿者（人次）"))
    donors = _count(_("参与捐赠方（人次）"))
    beneficiaries = _count(_("受益群众（人次）"))
    funds_used = forms.DecimalField(
        label=_("使用资金（元）"), min_value=0, max_digits=12, decimal_places=2, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )  # fmt: skip
    materials_used = forms.CharField(
        label=_("使用物资"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：米面油 30 份、宣传折页 200 份"),
    )  # fmt: skip
    photos = PhotosField(
        label=_("活动照片"), required=False,
        help_text=_("最多 9 张，每张不超过 3 MB。"),
    )  # fmt: skip
