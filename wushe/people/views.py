from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wushe.accounts import permissions
from wushe.core.forms import add_service_errors
from wushe.core.identity import InvalidIdNumber, parse_id_number
from wushe.core.views import ScopedListView, require, visible_or_404
from wushe.people import duplicates, services
from wushe.people.forms import CategoryForm, PersonFilterForm, PersonForm, RevealForm, TransferForm
from wushe.people.models import Household, Person, TransferRequest
from wushe.people.rules import visible_categories
from wushe.regions.models import Region


class PersonList(ScopedListView):
    model = Person
    filter_form_class = PersonFilterForm
    template_name = "people/person_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(p, services.masked(p)) for p in context["object_list"]]
        context["can_create"] = permissions.can(self.request.user, "people.person", "create")
        return context


def _detail(request, person: Person, revealed: dict | None = None, **forms):
    from wushe.casework.records import for_person

    user = request.user
    members = (
        Person.objects.visible_to(user).filter(household=person.household).exclude(pk=person.pk)
        if person.household_id else Person.objects.none()
    )  # fmt: skip
    context = {
        "person": person,
        "masked": services.masked(person),
        "revealed": revealed,
        "categories": visible_categories(user, person),
        "members": members,
        "can_reveal": permissions.can(user, "people.person", "reveal", person.region_id),
        "can_change": permissions.can(user, "people.person", "change", person.region_id),
        "reveal_form": forms.get("reveal_form") or RevealForm(),
        "category_form": forms.get("category_form")
        or CategoryForm(initial={"started_on": timezone.localdate()}),
        "age": _age(person),
        "linked": Person.objects.visible_to(user).filter(pk__in=duplicates.linked_to(person)),
        "work": for_person(user, person),
    }
    return render(request, "people/person_detail.html", context)


def _age(person: Person) -> int | None:
    if person.birth_date is None:
        return None
    today = timezone.localdate()
    return (
        today.year
        - person.birth_date.year
        - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
    )


@login_required
def person_detail(request, pk: int):
    return _detail(request, visible_or_404(Person, request.user, pk=pk))


@login_required
@require_POST
def person_reveal(request, pk: int):
    person = visible_or_404(Person, request.user, pk=pk)
    require(request.user, "people.person", "reveal", person.region_id)
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            revealed = services.person_reveal(
                by=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = _detail(request, person, revealed=revealed)
            response["Cache-Control"] = "no-store"  # the back button must not bring it back
            return response
    return _detail(request, person, reveal_form=form)


@login_required
@require_POST
def category_add(request, pk: int):
    person = visible_or_404(Person, request.user, pk=pk)
    require(request.user, "people.person", "change", person.region_id)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            services.category_add(by=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加类别。"))
            return redirect("people:person_detail", pk=person.pk)
    return _detail(request, person, category_form=form)


@login_required
def person_create(request):
    require(request.user, "people.person", "create")
    form = PersonForm(request.POST or None, initial={"region": request.GET.get("region", "")})
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(by=request.user, **form.cleaned_data)
        except services.DuplicatePerson as exc:
            add_service_errors(form, exc)
            duplicate = exc.existing
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已为%(n)s建档。") % {"n": person.name})
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "duplicate": duplicate})


@login_required
def id_info(request):
    """What an ID number says (birth date, age, gender, birthplace), shown as it is typed."""
    raw = request.GET.get("id_number", "")
    context: dict = {"raw": raw}
    if raw.strip():
        try:
            parsed = parse_id_number(raw)
        except InvalidIdNumber as exc:
            context["error"] = str(exc)
        else:
            county = Region.objects.filter(code=parsed.area_code.ljust(12, "0")).first()
            unknown = _("（未能识别，区划代码 %(c)s）") % {"c": parsed.area_code}
            context.update(
                parsed=parsed,
                age=parsed.age_on(timezone.localdate()),
                birthplace=county.full_name if county else unknown,
            )
    return render(request, "people/id_info.html", context)


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    person = visible_or_404(Person, request.user, pk=pk)
    require(request.user, "people.person", "change", person.region_id)
    try:
        services.consent_withdraw(by=request.user, person=person, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤回同意：身份证号与电话已删除，不再处理。"))
    return redirect("people:person_detail", pk=person.pk)


@login_required
def household_detail(request, pk: int):
    household = visible_or_404(Household, request.user, pk=pk)
    members = Person.objects.visible_to(request.user).filter(household=household)
    rows = [(p, services.masked(p)) for p in members.order_by("relation", "birth_date")]
    context = {
        "household": household,
        "rows": rows,
        "can_visit": permissions.can(request.user, "casework.visit", "create", household.region_id),
    }
    return render(request, "people/household_detail.html", context)


@login_required
def duplicate_list(request):
    """Possible duplicates among the people in the user's scope, for a person to decide."""
    require(request.user, "people.person", "change")
    people = Person.objects.visible_to(request.user, "change")
    return render(
        request, "people/duplicate_list.html", {"candidates": duplicates.candidates(people)}
    )


@login_required
@require_POST
def duplicate_decide(request):
    first = visible_or_404(Person, request.user, "change", pk=request.POST.get("first"))
    second = visible_or_404(Person, request.user, "change", pk=request.POST.get("second"))
    same = request.POST.get("verdict") == "same"
    duplicates.duplicate_decide(by=request.user, first=first, second=second, same=same)
    messages.success(
        request, _("已关联为同一人。") if same else _("已记为不同的人，今后不再提示。")
    )
    return redirect("people:duplicate_list")


@login_required
def transfer_list(request):
    """Requests to move people out of the user's scope (to decide) and those the user made."""
    user = request.user
    incoming = [
        t for t in TransferRequest.objects.filter(status=TransferRequest.Status.PENDING)
        .select_related("person", "from_region", "to_region")
        if permissions.can(user, "people.person", "change", t.from_region_id)
    ]  # fmt: skip
    mine = TransferRequest.objects.filter(requested_by=user).select_related("to_region")[:50]
    return render(request, "people/transfer_list.html", {"incoming": incoming, "mine": mine})


@login_required
@require_POST
def transfer_request(request):
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            duplicates.transfer_request(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已提交转移申请，等待对方站点处理。"))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("people:transfer_list")


@login_required
@require_POST
def transfer_decide(request, pk: int):
    transfer = TransferRequest.objects.filter(pk=pk).first()
    if transfer is None or not permissions.can(
        request.user, "people.person", "change", transfer.from_region_id
    ):
        raise Http404
    accept = request.POST.get("decision") == "accept"
    try:
        duplicates.transfer_decide(
            by=request.user, request=transfer, accept=accept, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已同意转移。") if accept else _("已拒绝转移。"))
    return redirect("people:transfer_list")
