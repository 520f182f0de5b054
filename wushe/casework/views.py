"""Pages of a station's daily work: the visit form (phone first), 待办, needs, cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wushe.accounts import permissions
from wushe.casework import forms, services, todo
from wushe.casework.models import (
    Case,
    CaseStatus,
    ClosurePolicy,
    Need,
    Referral,
    Visit,
    VisitPhoto,
)
from wushe.core.forms import add_service_errors
from wushe.core.photos import PhotoUpload, photo_response
from wushe.core.views import ScopedListView, require, visible_or_404
from wushe.people.models import Household, Person
from wushe.regions.models import Region

# --- visits --------------------------------------------------------------------------------


class VisitList(ScopedListView):
    model = Visit
    template_name = "casework/visit_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("person", "household", "region", "created_by")


def _subject(request) -> tuple[Person | None, Household | None]:
    user = request.user
    person = household = None
    if request.GET.get("person"):
        person = visible_or_404(Person, user, pk=request.GET["person"])
    elif request.GET.get("household"):
        household = visible_or_404(Household, user, pk=request.GET["household"])
    else:
        raise Http404
    return person, household


@login_required
def visit_create(request):
    """The visit form for one person or household (reached from their page or 待办)."""
    person, household = _subject(request)
    region_code = person.region_id if person else household.region_id
    require(request.user, "casework.visit", "create", region_code)
    form = forms.VisitForm(request.POST or None, region_code=region_code, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        need = None
        if data.get("need_description") and data.get("need_domain"):
            need = services.NeedInput(
                domain=data["need_domain"], description=data["need_description"],
                urgency=data.get("need_urgency") or "normal",
            )  # fmt: skip
        photos = [PhotoUpload(data=f.read()) for f in request.FILES.getlist("photos")]
        try:
            visit, _created = services.visit_create(
                by=request.user, client_id=data["client_id"], person=person,
                household=household, visited_at=data["visited_at"], place=data["place"],
                living_conditions=data["living_conditions"], risks=data["risks"],
                needs_found=data["needs_found"], items=list(data["items"]),
                workers=list(data["workers"]), volunteers=data["volunteers"],
                follow_up_on=data["follow_up_on"], photos=photos,
                needs=[need] if need else [],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("走访记录已保存。"))
            return redirect("casework:visit_detail", pk=visit.pk)
    context = {
        "form": form,
        "person": person,
        "household": household,
        "api_url": reverse("api:create_visit"),
    }
    return render(request, "casework/visit_form.html", context)


@login_required
def visit_detail(request, pk: int):
    user = request.user
    visit = visit_or_404(user, pk)
    can_delete = permissions.can(user, "casework.visit", "change", visit.region_id) and (
        visit.created_by_id == user.pk
        or permissions.can(user, "casework.visit", "delete", visit.region_id)
    )
    return render(request, "casework/visit_detail.html", {"visit": visit, "can_delete": can_delete})


def visit_or_404(user, pk) -> Visit:
    return visible_or_404(
        Visit.objects.select_related("person", "household", "region", "created_by"), user, pk=pk
    )


@login_required
@require_POST
def visit_delete(request, pk: int):
    """Remove a visit recorded by mistake, with the reason (its recorder, or a station head)."""
    visit = visit_or_404(request.user, pk)
    try:
        services.visit_delete(by=request.user, visit=visit, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("casework:visit_detail", pk=pk)
    messages.success(request, _("已删除走访记录。"))
    return redirect("casework:visit_list")


@login_required
def visit_photo(request, pk: int, photo: int):
    visit = visit_or_404(request.user, pk)
    found = VisitPhoto.objects.filter(visit=visit, pk=photo).first()
    if found is None:
        raise Http404
    return photo_response(found)


# --- 待办 ----------------------------------------------------------------------------------


@login_required
def todo_list(request):
    return render(request, "casework/todo.html", {"todo": todo.for_user(request.user)})


# --- needs ---------------------------------------------------------------------------------


class NeedList(ScopedListView):
    model = Need
    filter_form_class = forms.NeedFilterForm
    template_name = "casework/need_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("person", "region", "domain", "item")


@login_required
def need_create(request):
    person = visible_or_404(Person, request.user, pk=request.GET.get("person"))
    require(request.user, "casework.need", "create", person.region_id)
    form = forms.NeedForm(request.POST or None, region_code=person.region_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_create(by=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记需求。"))
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "casework/need_form.html", {"form": form, "person": person})


@login_required
@require_POST
def need_resolve(request, pk: int):
    need = visible_or_404(Need, request.user, "change", pk=pk)
    form = forms.NeedResolveForm(request.POST)
    if form.is_valid():
        try:
            services.need_resolve(by=request.user, need=need, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已处理需求。"))
    else:
        messages.error(request, _("请选择处理结果。"))
    return _back(request, reverse("casework:need_list"))


# --- cases ---------------------------------------------------------------------------------


class CaseList(ScopedListView):
    model = Case
    filter_form_class = forms.CaseFilterForm
    template_name = "casework/case_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("person", "platform", "worker")


@login_required
def case_open(request):
    """接案, for a person, or from one of their open needs."""
    user = request.user
    need = None
    if request.GET.get("need"):
        need = visible_or_404(Need, user, pk=request.GET["need"])
        person = need.person
    else:
        person = visible_or_404(Person, user, pk=request.GET.get("person"))
    require(user, "casework.case", "create", person.region_id)
    initial = {"title": person.name}
    if need is not None:
        initial = {
            "title": _("%(p)s：%(n)s") % {"p": person.name, "n": need.item or need.domain},
            "intake_summary": need.description,
            "source": _("需求转个案"),
        }
    form = forms.CaseOpenForm(
        request.POST or None, user=user, region_code=person.region_id, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(by=user, person=person, need=need, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已接案。"))
            return redirect("casework:case_detail", pk=case.pk)
    return render(
        request, "casework/case_open.html", {"form": form, "person": person, "need": need}
    )


def case_or_404(user, pk) -> Case:
    return visible_or_404(
        Case.objects.select_related("person", "platform", "worker", "supervisor", "region"),
        user, pk=pk,
    )  # fmt: skip


def _case_page(request, case: Case, status: int = 200, **forms_):
    user = request.user
    show_notes = services.case_read(by=user, case=case)
    works = services.works_on(user, case)
    allowed = services.allowed_transitions(case) if works else []
    referrals = list(case.referrals.select_related("to_platform", "from_platform"))
    events = list(case.events.select_related("actor"))
    if not show_notes:  # a receiver deciding sees the stages and its own referral only
        events = [e for e in events if e.kind in services.STAGE_EVENTS]
        referrals = [r for r in referrals if services.receives(user, r)]
    context = {
        "case": case,
        "stages": CaseStatus.choices,
        "show_notes": show_notes,
        "works": works,
        "allowed": allowed,
        "can_approve": case.status == "closing"
        and permissions.can(user, "casework.case", "approve", case.region_id)
        and not services.may_not_approve(user, case),
        "goals": list(case.goals.all()),
        "services_": list(case.services.prefetch_related("items")),
        "events": events,
        "referrals": [(r, services.receives(user, r)) for r in referrals],
        "needs": list(case.needs.all()),
        "assess_form": forms_.get("assess_form") or forms.TextForm(),
        "plan_form": forms_.get("plan_form") or forms.PlanForm(),
        "service_form": forms_.get("service_form")
        or forms.ServiceRecordForm(region_code=case.region_id),
        "evaluate_form": forms_.get("evaluate_form") or forms.TextForm(),
        "close_form": forms_.get("close_form") or forms.CloseForm(),
        "referral_form": forms_.get("referral_form") or forms.ReferralForm(case=case),
        "error": forms_.get("error"),
    }
    return render(request, "casework/case_detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    return _case_page(request, case_or_404(request.user, pk))


STEP_FORMS = {
    "assess": "assess_form",
    "plan": "plan_form",
    "service": "service_form",
    "evaluate": "evaluate_form",
    "close": "close_form",
    "referral": "referral_form",
}


@login_required
@require_POST
def case_step(request, pk: int, step: str):
    """One step of the case's lifecycle, posted from its page; each calls its service."""
    user = request.user
    case = case_or_404(user, pk)
    post = request.POST
    form = None
    try:
        if step == "assess":
            form = forms.TextForm(post)
            if form.is_valid():
                services.case_assess(by=user, case=case, assessment=form.cleaned_data["text"])
        elif step == "plan":
            form = forms.PlanForm(post)
            if form.is_valid():
                goals = form.cleaned_data["goals"].splitlines()
                services.case_plan(by=user, case=case, goals=goals)
        elif step == "intervene":
            services.case_intervene(by=user, case=case)
        elif step == "service":
            form = forms.ServiceRecordForm(post, region_code=case.region_id)
            if form.is_valid():
                services.service_record_add(by=user, case=case, **form.cleaned_data)
        elif step == "evaluate":
            form = forms.TextForm(post)
            if form.is_valid():
                attained = {
                    goal.pk: post.get(f"goal_{goal.pk}") == "yes"
                    for goal in case.goals.filter(attained__isnull=True)
                    if post.get(f"goal_{goal.pk}") in ("yes", "no")
                }
                services.case_evaluate(
                    by=user, case=case, evaluation=form.cleaned_data["text"], attained=attained
                )
        elif step == "close":
            form = forms.CloseForm(post)
            if form.is_valid():
                services.case_close(by=user, case=case, **form.cleaned_data)
        elif step == "approve":
            services.case_approve_closure(
                by=user, case=case, approve=post.get("decision") == "approve",
                note=post.get("note", ""),
            )  # fmt: skip
        elif step == "reopen":
            services.case_reopen(by=user, case=case, reason=post.get("reason", ""))
        elif step == "referral":
            form = forms.ReferralForm(post, case=case)
            if form.is_valid():
                services.referral_request(by=user, case=case, **form.cleaned_data)
        else:
            raise Http404
    except ValidationError as exc:
        if form is not None:
            add_service_errors(form, exc)
        forms_ = {STEP_FORMS[step]: form} if form is not None else {}
        case.refresh_from_db()
        return _case_page(request, case, status=422, error=" ".join(exc.messages), **forms_)
    if form is not None and not form.is_valid():
        return _case_page(request, case, status=422, **{STEP_FORMS[step]: form})
    messages.success(request, _("已保存。"))
    return redirect("casework:case_detail", pk=case.pk)


# --- closure policy -----------------------------------------------------------------------


@login_required
def closure_policy(request):
    """Where closing a case needs a supervisor's approval: the rules set in the user's scope,
    what applies at each region the user is assigned at, and a form to set one."""
    user = request.user
    require(user, "casework.closurepolicy", "view")
    form = forms.ClosurePolicyForm(request.POST or None, user=user)
    if request.method == "POST":
        require(user, "casework.closurepolicy", "change")
        if form.is_valid():
            services.closure_policy_set(by=user, **form.cleaned_data)
            messages.success(request, _("已保存结案审批规则。"))
            return redirect("casework:closure_policy")
    policies = (
        ClosurePolicy.objects.filter(
            permissions.scope_filter(user, "casework.closurepolicy", "view", field="region_id")
        )
        .select_related("region", "set_by")
        .order_by("region_id")
    )
    roots = [
        (region, services.closure_needs_approval(region.code))
        for region in Region.objects.filter(code__in=permissions.scope_roots(user))
    ]
    context = {"form": form, "policies": policies, "roots": roots}
    return render(request, "casework/closure_policy.html", context)


# --- referrals -----------------------------------------------------------------------------


@login_required
def referral_list(request):
    """Referred to us (to answer, and standing ones we serve) and referred by us."""
    user = request.user
    cases = Case.objects.visible_to(user)
    mine = Referral.objects.filter(case__in=cases).select_related(
        "case", "case__person", "to_platform", "from_platform"
    )
    incoming = [r for r in mine if r.to_platform_id and services.receives(user, r)]
    outgoing = [r for r in mine if services.works_on(user, r.case)]
    return render(
        request, "casework/referral_list.html", {"incoming": incoming, "outgoing": outgoing}
    )


@login_required
@require_POST
def referral_decide(request, pk: int):
    referral = Referral.objects.filter(
        pk=pk, case__in=Case.objects.visible_to(request.user)
    ).first()
    if referral is None:
        raise Http404
    action = request.POST.get("decision")
    try:
        if action == "revoke":
            services.referral_revoke(
                by=request.user, referral=referral, note=request.POST.get("note", "")
            )
        else:
            services.referral_decide(
                by=request.user, referral=referral, accept=action == "accept",
                note=request.POST.get("note", ""),
            )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已处理转介。"))
    return _back(request, reverse("casework:referral_list"))


def _back(request, default: str):
    """Where a small form posted from another page returns: that page, if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)
