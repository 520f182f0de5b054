"""The catalogue page: the standard's items and the local ones of the user's regions, and
the form by which civil affairs adds a local item."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.catalog import services
from wushe.catalog.forms import ItemForm
from wushe.catalog.models import ServiceItem
from wushe.core.forms import add_service_errors
from wushe.core.views import require
from wushe.regions.models import Level, Region


def _creatable_regions(user) -> list[Region]:
    """The province, city and county regions where the user may add local items."""
    roots = Region.objects.filter(code__in=permissions.scope_roots(user), level__lte=Level.COUNTY)
    return [r for r in roots if permissions.can(user, "catalog.serviceitem", "create", r.code)]


@login_required
def item_list(request):
    require(request.user, "catalog.serviceitem", "view")
    items = (
        ServiceItem.objects.visible_to(request.user)
        .select_related("domain", "region")
        .order_by("domain__order", "region_id", "order", "pk")
    )
    domains = [(domain, list(group)) for domain, group in groupby(items, key=lambda i: i.domain)]
    regions = _creatable_regions(request.user)
    form = ItemForm(request.POST or None, regions=regions) if regions else None
    if request.method == "POST":
        require(request.user, "catalog.serviceitem", "create")
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                item = services.item_create(
                    by=request.user, region=Region.objects.get(code=data["region"]),
                    domain=data["domain"], name=data["name"], description=data["description"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已添加服务事项“%(n)s”。") % {"n": item.name})
                return redirect("catalog:item_list")
    return render(request, "catalog/item_list.html", {"domains": domains, "form": form})
