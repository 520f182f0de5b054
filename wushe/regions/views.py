from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from wushe.accounts import permissions
from wushe.core.views import require, visible_or_404
from wushe.network.coverage import coverage_by_child, coverage_for
from wushe.network.models import Platform
from wushe.regions.models import Level, Region


@login_required
def tree(request):
    """One level of the region tree, loaded lazily: the user's roots, or a node's children."""
    base = request.GET.get("base") or ""
    if not url_has_allowed_host_and_scheme(base, allowed_hosts=None) or not base.startswith("/"):
        base = ""
    parent_code = request.GET.get("parent")
    visible = Region.objects.visible_to(request.user)
    if parent_code:
        parent = visible_or_404(Region, request.user, code=parent_code)
        nodes = visible.filter(parent=parent)
    else:
        nodes = visible.filter(code__in=permissions.scope_roots(request.user))
    nodes = nodes.annotate(
        has_children=Exists(Region.objects.filter(parent=OuterRef("code")))
    ).order_by("code")
    return render(
        request,
        "includes/tree_nodes.html",
        {"nodes": nodes, "base": base or "/regions/", "selected": request.GET.get("selected", "")},
    )


@login_required
def detail(request, code: str):
    from wushe.casework.records import open_needs_in

    region = visible_or_404(Region, request.user, code=code)
    require(request.user, "network.platform", "view", region.code)  # coverage counts platforms
    in_scope = [
        r
        for r in region.ancestors()
        if permissions.can(request.user, "regions.region", "view", r.code)
    ]
    platforms = (
        Platform.objects.visible_to(request.user).filter(region=region).order_by("tier", "name")
    )
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "ancestors": in_scope,
            "cov": coverage_for(region),
            "children": coverage_by_child(region),
            "platforms": platforms,
            # A village's page lists the needs still open there.
            "open_needs": open_needs_in(request.user, region.code_range)
            if region.level == Level.VILLAGE
            else [],
        },
    )
