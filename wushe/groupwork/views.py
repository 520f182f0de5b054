"""Pages for groups and activities: thin, every row fetched through `visible_to`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wushe.accounts import permissions
from wushe.core.forms import add_service_errors
from wushe.core.photos import PhotoUpload, photo_response
from wushe.core.views import ScopedListView, require, visible_or_404
from wushe.groupwork import services
from wushe.groupwork.forms import (
    ActivityFilterForm,
    ActivityForm,
    EndForm,
    GroupFilterForm,
    GroupForm,
    PersonSearchForm,
    SessionForm,
)
from wushe.groupwork.models import Activity, Group, GroupStatus
from wushe.groupwork.reads import candidates, group_view, named_beneficiaries
from wushe.people.models import Person

GROUP, ACTIVITY = "groupwork.group", "groupwork.activity"


def _form_page(request, form, *, title: str, back: str, multipart: bool = False):
    """A form on a page of its own; `back` is where 取消 leads."""
    context = {"form": form, "title": title, "back": back, "multipart": multipart}
    return render(request, "groupwork/form.html", context)


# --- groups -------------------------------------------------------------------------------


class GroupList(ScopedListView):
    model = Group
    filter_form_class = GroupFilterForm
    template_name = "groupwork/group_list.html"

    def get_queryset(self):
        # An aggregate drops Meta.ordering, so the page order is stated again.
        return (
            super().get_queryset().select_related("platform")
            .annotate(member_count=Count("members", distinct=True),
                      session_count=Count("sessions", distinct=True))
            .order_by("-created_at", "-id")
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = permissions.can(self.request.user, GROUP, "create")
        return context


@login_required
def group_create(request):
    require(request.user, GROUP, "create")
    form = GroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已创建小组“%(n)s”。") % {"n": group.name})
            return redirect("groupwork:group_detail", pk=group.pk)
    return _form_page(request, form, title=_("新建小组"), back=reverse("groupwork:group_list"))


@login_required
def group_detail(request, pk: int):
    group = visible_or_404(Group, request.user, pk=pk)
    context = group_view(request.user, group)
    context["can_change"] = group.status != GroupStatus.ENDED and permissions.can(
        request.user, GROUP, "change", group.region_id
    )
    return render(request, "groupwork/group_detail.html", context)


def _group_to_change(request, pk: int) -> Group:
    group = visible_or_404(Group, request.user, pk=pk)
    require(request.user, GROUP, "change", group.region_id)
    return group


@login_required
def group_member_add(request, pk: int):
    group = _group_to_change(request, pk)
    if request.method == "POST":
        person = visible_or_404(Person, request.user, pk=request.POST.get("person") or 0)
        try:
            services.group_member_add(by=request.user, group=group, person=person)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(n)s已加入小组。") % {"n": person.name})
        return redirect(request.get_full_path())
    title = _("%(g)s · 添加组员") % {"g": group.name}
    exclude = group.members.values("person_id")
    return _pick_page(request, group, exclude, title=title)


def _pick_page(request, obj: Group | Activity, exclude, *, title: str):
    """Find people of the platform's region by name or ID suffix, each with a button to add."""
    search = PersonSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    context = {
        "search": search,
        "q": q,
        "people": candidates(request.user, obj.platform, q=q, exclude=exclude),
        "title": title,
        "back": obj.get_absolute_url(),
    }
    return render(request, "groupwork/person_pick.html", context)


@login_required
def group_session_add(request, pk: int):
    group = _group_to_change(request, pk)
    members = Person.objects.visible_to(request.user).filter(group_memberships__group=group)
    form = SessionForm(
        request.POST or None, members=members, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.group_session_add(by=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录第 %(n)d 节。") % {"n": session.number})
            return redirect("groupwork:group_detail", pk=group.pk)
    title = _("%(g)s · 记录一节活动") % {"g": group.name}
    return _form_page(request, form, title=title, back=group.get_absolute_url())


@login_required
@require_POST
def group_start(request, pk: int):
    group = _group_to_change(request, pk)
    try:
        services.group_start(by=request.user, group=group)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("groupwork:group_detail", pk=group.pk)


@login_required
def group_end(request, pk: int):
    group = _group_to_change(request, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_end(by=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("小组已结束。"))
            return redirect("groupwork:group_detail", pk=group.pk)
    title = _("%(g)s · 结束小组") % {"g": group.name}
    return _form_page(request, form, title=title, back=group.get_absolute_url())


# --- activities ---------------------------------------------------------------------------


class ActivityList(ScopedListView):
    model = Activity
    filter_form_class = ActivityFilterForm
    template_name = "groupwork/activity_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("platform")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = self.object_list.totals()
        context["can_create"] = permissions.can(self.request.user, ACTIVITY, "create")
        return context


@login_required
def activity_create(request):
    require(request.user, ACTIVITY, "create")
    form = ActivityForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        data["photos"] = [PhotoUpload(data=f.read()) for f in data["photos"]]
        try:
            activity = services.activity_create(by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录活动“%(n)s”。") % {"n": activity.title})
            return redirect("groupwork:activity_detail", pk=activity.pk)
    back = reverse("groupwork:activity_list")
    return _form_page(request, form, title=_("记录社区活动"), back=back, multipart=True)


@login_required
def activity_detail(request, pk: int):
    activity = visible_or_404(Activity, request.user, pk=pk)
    named, hidden = named_beneficiaries(request.user, activity)
    context = {
        "activity": activity,
        "items": activity.items.select_related("domain"),
        "named": named,
        "hidden": hidden,
        "photos": activity.photos.only("pk", "taken_at"),
        "can_change": permissions.can(request.user, ACTIVITY, "change", activity.region_id),
    }
    return render(request, "groupwork/activity_detail.html", context)


@login_required
def activity_beneficiary_add(request, pk: int):
    activity = visible_or_404(Activity, request.user, pk=pk)
    require(request.user, ACTIVITY, "change", activity.region_id)
    if request.method == "POST":
        person = visible_or_404(Person, request.user, pk=request.POST.get("person") or 0)
        try:
            services.activity_beneficiaries_add(by=request.user, activity=activity, people=[person])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记受益对象%(n)s。") % {"n": person.name})
        return redirect(request.get_full_path())
    title = _("%(a)s · 登记受益对象") % {"a": activity.title}
    return _pick_page(request, activity, activity.beneficiary_people.values("pk"), title=title)


@login_required
def activity_photo(request, pk: int, photo_id: int):
    """A photo, only to those who may see its activity; never cached."""
    activity = visible_or_404(Activity, request.user, pk=pk)
    photo = activity.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    return photo_response(photo)
