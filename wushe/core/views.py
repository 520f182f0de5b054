"""Base views that apply scoping for you, and the home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from wushe.accounts import permissions
from wushe.network.coverage import coverage_for
from wushe.regions.models import Region

PAGE_SIZE = 20


def visible_or_404(
    model: type[models.Model] | models.QuerySet, user, action: str = "view", **lookup
) -> Any:
    """The one row matching `lookup` that `user` may `action`; anything else is a 404.
    `model` may be a queryset of the model (with its select_related, say)."""
    qs = model if isinstance(model, models.QuerySet) else model._default_manager.all()
    try:
        return qs.visible_to(user, action).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def scope_region_or_404(user, code: str | None, model_label: str) -> Region | None:
    """The region named by `code` if it lies in the user's scope for `model_label`."""
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or not permissions.can(user, model_label, "view", region.code):
        raise Http404
    return region


class ScopedMixin(LoginRequiredMixin):
    """Fetch rows only through `visible_to`, so a view cannot forget the user's scope."""

    model: type[models.Model]
    action = "view"

    def get_queryset(self):
        return self.model._default_manager.all().visible_to(self.request.user, self.action)

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower


class ScopedListView(ScopedMixin, ListView):
    """A search form over a paginated table, filtered to the region chosen in the tree."""

    paginate_by = PAGE_SIZE
    filter_form_class: type | None = None
    region_lookup = "region_id"

    def get_queryset(self):
        qs = super().get_queryset()
        self.region = scope_region_or_404(
            self.request.user, self.request.GET.get("region"), self.model_label
        )
        if self.region is not None:
            lo, hi = self.region.code_range
            qs = qs.filter(**{f"{self.region_lookup}__gte": lo, f"{self.region_lookup}__lte": hi})
        self.filter_form = None
        if self.filter_form_class is not None:
            self.filter_form = self.filter_form_class(
                self.request.GET or None, user=self.request.user
            )
            if self.filter_form.is_valid():
                qs = self.filter_form.filter(qs)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            region=self.region,
            querystring=query.urlencode(),
            tree_base=self.request.path,
            total=context["paginator"].count
            if context.get("paginator")
            else len(context["object_list"]),
        )
        return context


class ScopedDetailView(ScopedMixin, DetailView):
    pass


def require(user, model_label: str, action: str, code: str | None = None) -> None:
    """Refuse with 403 an action the user's role lacks where the row itself is visible."""
    if not permissions.can(user, model_label, action, code):
        raise PermissionDenied


@login_required
def home(request):
    """The user's own scope at a glance: coverage of each region they are assigned at."""
    roots = Region.objects.filter(code__in=permissions.scope_roots(request.user))
    cards = [(region, coverage_for(region)) for region in roots]
    return render(request, "core/home.html", {"cards": cards})
