"""Pages of the roster import (upload, check, commit, undo) and of the list's export."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.people import exports, imports
from wushe.people.models import ImportBatch

PROBLEMS_SHOWN = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy(".xlsx、.xls，或 .csv（UTF-8 或 GBK 编码）；不超过 20 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )


@login_required
def import_index(request):
    require(request.user, "people.person", "create")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.import_upload(by=request.user, file=form.cleaned_data["file"])
            imports.import_start_check(by=request.user, batch=batch)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("people_imports:detail", pk=batch.pk)
    batches = ImportBatch.objects.visible_to(request.user)[:20]
    return render(request, "people/import_index.html", {"form": form, "batches": batches})


@login_required
def import_template(request):
    require(request.user, "people.person", "create")
    return exports.xlsx_response(
        exports.roster_workbook(by=request.user), "服务对象花名册模板.xlsx"
    )


def _context(batch: ImportBatch, user) -> dict:
    earlier = (
        ImportBatch.objects.filter(
            created_by=batch.created_by_id, sha256=batch.sha256, status=ImportBatch.Status.DONE
        )
        .exclude(pk=batch.pk)
        .first()
    )
    problems = [] if batch.is_running else imports.import_problems(by=user, batch=batch)
    return {
        "batch": batch,
        "problems": problems[:PROBLEMS_SHOWN],
        "more_problems": max(len(problems) - PROBLEMS_SHOWN, 0),
        "earlier": earlier,
        "progress": min(batch.rows_done, batch.rows_total),
        "failed_kept": imports.FAILED_KEPT,
    }


@login_required
def batch_detail(request, pk: int):
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    return render(request, "people/import_detail.html", _context(batch, request.user))


@login_required
def batch_status(request, pk: int):
    """The progress bar, polled every second; once the step is over, the whole page reloads."""
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    response = render(request, "people/import_detail.html#status", _context(batch, request.user))
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def batch_check(request, pk: int):
    """Check again a batch whose worker stopped half-way."""
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    try:
        imports.import_start_check(by=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people_imports:detail", pk=batch.pk)


@login_required
@require_POST
def batch_commit(request, pk: int):
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    try:
        batch = imports.import_start_commit(by=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DatabaseError:  # rolled back whole; the batch says so and may be run again
        messages.error(request, _("导入未能完成，没有写入任何数据：数据库正忙，请稍后重新执行。"))
    else:
        if batch.status == ImportBatch.Status.DONE:
            messages.success(request, _("已导入 %(n)s 人。") % {"n": batch.rows_created})
    return redirect("people_imports:detail", pk=batch.pk)


@login_required
@require_POST
def batch_undo(request, pk: int):
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    try:
        imports.import_undo(by=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已撤销本批导入，删除了 %(n)s 人。") % {"n": batch.rows_created}
        )
    return redirect("people_imports:detail", pk=batch.pk)


@login_required
def batch_failed(request, pk: int):
    """The rows that were not imported, with their reasons, to fix and upload again."""
    batch = visible_or_404(ImportBatch, request.user, pk=pk)
    rows = imports.failed_rows(by=request.user, batch=batch)
    return exports.xlsx_response(
        exports.roster_workbook(by=request.user, failed=rows), f"导入错误行-{pk}.xlsx"
    )


@login_required
def people_export(request):
    """The people list as filtered on the page, masked; POST a reason for the full values."""
    data = request.POST if request.method == "POST" else request.GET
    region = scope_region_or_404(request.user, data.get("region"), "people.person")
    try:
        content, _count = exports.people_export(
            by=request.user, q=data.get("q", ""), category=data.get("category", ""),
            region=region, reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:person_list")
    return exports.xlsx_response(content, f"服务对象名单-{timezone.localdate():%Y%m%d}.xlsx")
