"""Downloads of a person's or a household's file (一人一档 / 一户一档) as PDF or Word."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from wushe.audit.services import audit_record
from wushe.casework import dossier
from wushe.core.views import visible_or_404
from wushe.people.models import Household, Person

FORMATS: dict[str, tuple[Callable[[dossier.Dossier], bytes], str]] = {
    "pdf": (dossier.render_pdf, "application/pdf"),
    "docx": (
        dossier.render_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def _download(request, obj: models.Model, file: dossier.Dossier, fmt: str) -> HttpResponse:
    """Render `file`, record the export against `obj`, and hand it out as an attachment."""
    render, content_type = FORMATS[fmt]
    body = render(file)
    audit_record(
        actor=request.user, action=f"{obj._meta.model_name}.dossier_export", obj=obj,
        region_code=obj.region_id,
        changes={"format": fmt, "people": [p.pk for p in file.people]},
    )  # fmt: skip
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file.filename(fmt)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def person_dossier(request, pk: int, fmt: str):
    person = visible_or_404(Person, request.user, pk=pk)
    return _download(request, person, dossier.collect(request.user, person), fmt)


@login_required
def household_dossier(request, pk: int, fmt: str):
    household = visible_or_404(Household, request.user, pk=pk)
    return _download(request, household, dossier.collect_household(request.user, household), fmt)
