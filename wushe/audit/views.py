from django import forms
from django.utils.translation import gettext_lazy as _

from wushe.audit.models import AuditEvent
from wushe.core.forms import FilterForm
from wushe.core.views import ScopedListView
from wushe.network.forms import DateInput


class EventFilterForm(FilterForm):
    action = forms.CharField(label=_("操作"), required=False)
    actor = forms.CharField(label=_("操作人"), required=False)
    date_from = forms.DateField(label=_("起"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("止"), required=False, widget=DateInput)

    def filter(self, qs):
        data = self.cleaned_data
        if data.get("action"):
            qs = qs.filter(action__startswith=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_name__icontains=data["actor"])
        if data.get("date_from"):
            qs = qs.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(at__date__lte=data["date_to"])
        return qs


class EventList(ScopedListView):
    """Read-only: there is no view, admin action or API operation that edits an event."""

    model = AuditEvent
    filter_form_class = EventFilterForm
    region_lookup = "region_code"
    template_name = "audit/event_list.html"
