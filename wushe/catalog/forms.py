from django import forms
from django.utils.translation import gettext_lazy as _

from wushe.catalog.models import ServiceDomain, ServiceItem


class ItemForm(forms.Form):
    """A local item ("X"), added by civil affairs for one of its regions."""

    region = forms.ChoiceField(label=_("设立区划"))
    domain = forms.ModelChoiceField(label=_("服务领域"), queryset=ServiceDomain.objects.all())
    name = forms.CharField(label=_("事项名称"), max_length=50)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.full_name}（{r.code}）") for r in regions]


class PlatformItemsForm(forms.Form):
    """The items a platform offers (its 服务事项清单), among those that apply to it."""

    items = forms.ModelMultipleChoiceField(
        label=_("服务事项"), queryset=ServiceItem.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        items = ServiceItem.objects.for_region(platform.region_id).select_related("domain")
        field = self.fields["items"]
        field.queryset = items
        field.label_from_instance = lambda item: (
            f"{item.domain.name} · {item.name}" + (f"（{item.region.name}）" if item.region else "")
        )
