"""The report pages: the forms to choose from, and each filled form as an .xlsx download."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions
from wushe.core.views import scope_region_or_404
from wushe.people.exports import xlsx_response
from wushe.regions.models import Level, Region
from wushe.stats import reports

LABEL = "stats.dashboard"


class ReportForm(forms.Form):
    region = forms.CharField(label=_("区划代码"), max_length=12, min_length=12)
    period = forms.CharField(label=_("报告期"), max_length=20, required=False)

    def __init__(self, *args, user, template: reports.ReportTemplate, **kwargs):
        # Each template's form on the one page has ids of its own.
        super().__init__(*args, auto_id=f"{template.code}_%s", **kwargs)
        self.user, self.template = user, template
        self.fields["region"].widget.attrs.update(
            {"list": "report-regions", "inputmode": "numeric"}
        )
        example = template.default_period().key
        self.fields["period"].help_text = _("%(kinds)s，如 %(example)s；不填为本期") % {
            "kinds": template.kinds_label, "example": example}  # fmt: skip
        self.fields["period"].widget.attrs["placeholder"] = example

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first()
        # The same answer whether the region is unknown or outside the scope.
        if region is None or not permissions.can(self.user, LABEL, "view", region.code):
            raise ValidationError(_("区划代码不存在或不在您的管辖范围内。"))
        try:
            reports.check_region(region)
        except reports.ReportError as exc:
            raise ValidationError(str(exc)) from exc
        return region

    def clean_period(self):
        try:
            return self.template.period_from(self.cleaned_data["period"])
        except reports.ReportError as exc:
            raise ValidationError(str(exc)) from exc


def _choices(user) -> list[Region]:
    """The regions offered in the form: each one the user is assigned at, and its children."""
    codes = [c for c in permissions.scope_roots(user) if permissions.can(user, LABEL, "view", c)]
    roots = list(Region.objects.filter(code__in=codes))
    if not roots:
        raise Http404
    below = Region.objects.filter(parent__in=roots, level__lt=Level.VILLAGE).order_by("code")
    return [r for r in [*roots, *below] if r.level < Level.VILLAGE]


def _page(request, bound: dict | None = None, status: int = 200):
    regions = _choices(request.user)
    first = regions[0].code if regions else ""
    cards = []
    for template in reports.templates().values():
        form = (bound or {}).get(template.code) or ReportForm(
            user=request.user, template=template,
            initial={"region": first, "period": template.default_period().key},
        )  # fmt: skip
        cards.append((template, form))
    context = {"cards": cards, "regions": regions}
    return render(request, "stats/report_list.html", context, status=status)


@login_required
def report_list(request):
    return _page(request)


def _template_or_404(code: str) -> reports.ReportTemplate:
    template = reports.get_template(code)
    if template is None:
        raise Http404
    return template


@login_required
def report_build(request, template: str):
    """The form's target: check the choice, then send the browser to the download URL."""
    chosen = _template_or_404(template)
    form = ReportForm(request.GET, user=request.user, template=chosen)
    if not form.is_valid():
        return _page(request, {chosen.code: form}, status=400)
    url = reverse("reports:download", args=[chosen.code, form.cleaned_data["region"].code])
    return redirect(f"{url}?{urlencode({'period': form.cleaned_data['period'].key})}")


@login_required
def report_download(request, template: str, code: str):
    chosen = _template_or_404(template)
    scope_region_or_404(request.user, code, LABEL)
    data = {"region": code, "period": request.GET.get("period", "")}
    form = ReportForm(data, user=request.user, template=chosen)
    if not form.is_valid():
        return _page(request, {chosen.code: form}, status=400)
    region, period = form.cleaned_data["region"], form.cleaned_data["period"]
    content = reports.report_export(by=request.user, template=chosen, region=region, period=period)
    return xlsx_response(content, reports.report_filename(chosen, region, period))
