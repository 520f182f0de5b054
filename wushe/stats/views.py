"""Dashboards for every region level and platform, the data wall, exports and targets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wushe.accounts import permissions
from wushe.core.forms import add_service_errors
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.network.models import Platform
from wushe.people.exports import xlsx_response
from wushe.stats import charts, dashboard, exports, maps, services, tables, targets
from wushe.stats.forms import TargetForm, next_period, period_choices
from wushe.stats.models import Target
from wushe.stats.query import Period

DASHBOARD = "stats.dashboard"


def _region(user, code: str):
    region = scope_region_or_404(user, code, DASHBOARD)
    if region is None:
        raise Http404
    return region


def _ancestors(user, region) -> list:
    return [a for a in region.ancestors() if permissions.can(user, DASHBOARD, "view", a.code)]


@login_required
def home(request):
    """The dashboard of the first region the user is assigned at."""
    roots = [
        code
        for code in permissions.scope_roots(request.user)
        if permissions.can(request.user, DASHBOARD, "view", code)
    ]
    if not roots:
        raise Http404
    return redirect("stats:dashboard", code=roots[0])


def _render_dashboard(request, region, platform=None):
    user = request.user
    period = Period.parse(request.GET.get("period"))
    board = dashboard.build(user, region, period)
    by_key = tables.tables(board)
    context = {
        "region": region,
        "platform": platform,
        "period": period,
        "board": board,
        "breakdown": by_key[tables.BREAKDOWN],
        "trend": by_key[tables.TREND],
        "charts": charts.dashboard_data(board),
        "progress": targets.for_dashboard(region),
        "ancestors": _ancestors(user, region),
        "periods": period_choices(period),
        "previous": period.previous(),
        "next": next_period(period),
        "can_set_targets": permissions.can(user, "stats.target", "change", region.code),
    }
    return render(request, "stats/dashboard.html", context)


@login_required
@require_GET
def region_dashboard(request, code: str):
    return _render_dashboard(request, _region(request.user, code))


@login_required
@require_GET
def platform_dashboard(request, pk: int):
    """A platform's dashboard is its region's: a station's is its township's."""
    platform = visible_or_404(Platform.objects.select_related("region"), request.user, pk=pk)
    return _render_dashboard(request, _region(request.user, platform.region_id), platform)


@login_required
@require_GET
def export(request, code: str, table: str):
    region = _region(request.user, code)
    if table not in (tables.BREAKDOWN, tables.TREND):
        raise Http404
    period = Period.parse(request.GET.get("period"))
    content, filename = exports.stats_export(
        by=request.user, region=region, period=period, table=table
    )
    return xlsx_response(content, filename)


@login_required
@require_GET
def wall(request, code: str):
    """The 数据大屏: server-drawn once, then refreshed from the API every 30 seconds."""
    region = _region(request.user, code)
    period = Period.parse(request.GET.get("period"))
    data = charts.wall_data(request.user, region, period)
    data["mapUrl"] = (
        reverse("stats:wall_map", args=[region.code]) if maps.map_file(region) else None
    )
    figures = data.pop("figures")  # drawn by the template; the rest goes to stats.js
    context = {"region": region, "period": period, "wall": data, "headline": figures}
    return render(request, "stats/wall.html", context)


@login_required
@require_GET
def wall_map(request, code: str):
    region = _region(request.user, code)
    found = maps.boundary_map(region)
    if found is None:
        raise Http404
    return JsonResponse(found)


@login_required
@require_POST
def target_delete(request, code: str, pk: int):
    user = request.user
    region = _region(user, code)
    lo, hi = region.code_range
    target = visible_or_404(
        Target.objects.filter(region_id__gte=lo, region_id__lte=hi), user, "delete", pk=pk
    )
    services.target_delete(by=user, target=target)
    messages.success(request, _("已删除目标。"))
    return redirect("stats:targets", code=region.code)


@login_required
def target_list(request, code: str):
    """The targets set in the region and below, and a form to set one."""
    user = request.user
    region = _region(user, code)
    require(user, "stats.target", "change", region.code)
    form = TargetForm(request.POST or None, user=user, initial={"region": region.code})
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(by=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("region", _("您不能为这个区划设定目标。"))
        else:
            messages.success(request, _("已保存目标。"))
            return redirect("stats:targets", code=region.code)
    lo, hi = region.code_range
    found = (
        Target.objects.visible_to(user, "view")
        .filter(region_id__gte=lo, region_id__lte=hi)
        .select_related("region", "set_by")
    )
    context = {
        "region": region,
        "form": form,
        "progress": [p for t in found if (p := targets.progress(t)) is not None],
    }
    return render(request, "stats/targets.html", context)
