from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wushe.accounts import permissions
from wushe.catalog.forms import PlatformItemsForm
from wushe.core.forms import add_service_errors
from wushe.core.views import ScopedDetailView, ScopedListView, require, visible_or_404
from wushe.network import services
from wushe.network.forms import (
    PlatformFilterForm,
    PlatformForm,
    PostingEndForm,
    PostingForm,
    WorkerFilterForm,
)
from wushe.network.models import Platform, Posting, Worker
from wushe.regions.models import Region


class PlatformList(ScopedListView):
    model = Platform
    filter_form_class = PlatformFilterForm
    template_name = "network/platform_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = permissions.can(self.request.user, "network.platform", "create")
        return context


class PlatformDetail(ScopedDetailView):
    model = Platform
    template_name = "network/platform_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        platform = self.object
        user = self.request.user
        postings = (
            Posting.objects.visible_to(user).filter(platform=platform).select_related("worker")
        )
        today = timezone.localdate()
        context.update(
            current=[p for p in postings if p.is_current],
            history=[p for p in postings if not p.is_current and p.started_on <= today],
            can_change=permissions.can(user, "network.platform", "change", platform.region_id),
            can_staff=permissions.can(user, "network.posting", "create", platform.region_id),
            items=platform.items.select_related("domain", "region").order_by(
                "domain__order", "region_id", "order"
            ),
        )
        return context


class WorkerList(ScopedListView):
    model = Worker
    filter_form_class = WorkerFilterForm
    template_name = "network/worker_list.html"

    def get_queryset(self):
        # A worker may also be posted where the viewer has no sight: show only visible posts.
        visible = Posting.objects.visible_to(self.request.user).current().select_related("platform")
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("postings", queryset=visible, to_attr="visible_postings"))
        )


@login_required
def platform_create(request):
    require(request.user, "network.platform", "create")
    form = PlatformForm(request.POST or None, initial={"region": request.GET.get("region", "")})
    if request.method == "POST" and form.is_valid():
        try:
            platform = services.platform_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新建“%(n)s”。") % {"n": platform.name})
            return redirect("network:platform_detail", pk=platform.pk)
    return render(request, "network/platform_form.html", {"form": form, "creating": True})


@login_required
def platform_edit(request, pk: int):
    platform = visible_or_404(Platform, request.user, pk=pk)
    require(request.user, "network.platform", "change", platform.region_id)
    form = PlatformForm.for_edit(platform, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("tier", "region")}
        domains = list(data.pop("domains"))
        try:
            services.platform_update(by=request.user, platform=platform, domains=domains, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("network:platform_detail", pk=platform.pk)
    return render(request, "network/platform_form.html", {"form": form, "platform": platform})


@login_required
def platform_items(request, pk: int):
    """Publish the platform's 服务事项清单."""
    platform = visible_or_404(Platform, request.user, pk=pk)
    require(request.user, "network.platform", "change", platform.region_id)
    initial = {"items": list(platform.items.all())}
    form = PlatformItemsForm(request.POST or None, platform=platform, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.platform_items_set(
                by=request.user, platform=platform, items=list(form.cleaned_data["items"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存服务事项清单。"))
            return redirect("network:platform_detail", pk=platform.pk)
    return render(request, "network/platform_items.html", {"form": form, "platform": platform})


@login_required
def posting_create(request, pk: int):
    platform = visible_or_404(Platform, request.user, pk=pk)
    require(request.user, "network.posting", "create", platform.region_id)
    workers = Worker.objects.visible_to(request.user).order_by("name")
    form = PostingForm(
        request.POST or None, workers=workers, initial={"started_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            worker = data["worker"] or services.worker_create(
                by=request.user,
                name=data["new_worker_name"],
                certificate=data["new_worker_certificate"] or "none",
                region=_worker_home(platform),
            )
            services.posting_create(
                by=request.user, platform=platform, worker=worker, post=data["post"],
                started_on=data["started_on"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加任职。"))
            return redirect("network:platform_detail", pk=platform.pk)
    return render(request, "network/posting_form.html", {"form": form, "platform": platform})


def _worker_home(platform: Platform) -> Region:
    """A new worker's record is kept where they are first posted, so the station that
    staffs them can see them and the county above sees everyone."""
    return platform.region


@login_required
@require_POST
def posting_end(request, pk: int):
    posting = visible_or_404(Posting, request.user, pk=pk)
    require(request.user, "network.posting", "change", posting.platform.region_id)
    form = PostingEndForm(request.POST)
    if form.is_valid():
        try:
            services.posting_end(
                by=request.user, posting=posting, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已登记离任。"))
    else:
        messages.error(request, _("请填写有效的离任日期。"))
    return redirect("network:platform_detail", pk=posting.platform_id)
