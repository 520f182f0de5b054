"""Roster imports and list exports over the API: the same services as the import pages.

An import is a job: upload (the file is checked at once when small, in the background when
large), read its counts and problems, commit it, undo it. Every job belongs to the person who
uploaded it, since it holds that file's personal data; anyone else gets a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from wushe.core.api import Input, KeysetQuery, RegionCode, Text, answers, keyset_page, user_of
from wushe.core.views import require, scope_region_or_404, visible_or_404
from wushe.people import exports, imports
from wushe.people.models import Category, ImportBatch

router = Router(tags=["花名册导入与导出"])

XLSX_RESPONSE = {
    "description": "Excel 工作簿（.xlsx）",
    "content": {exports.XLSX: {"schema": {"type": "string", "format": "binary"}}},
}


class ImportOut(Schema):
    id: int
    file_name: str
    status: ImportBatch.Status = Field(
        description="uploaded/checking 检查中，checked 待确认导入，queued/writing 导入中，"
        "done 已导入，failed 未能完成（可重新执行），invalid 文件无法导入，undone 已撤销"
    )
    status_label: str
    message: str = Field(description="文件无法导入或导入失败时的原因")
    running: bool = Field(description="仍在后台执行：稍后再查询")
    rows_total: int = Field(description="行数（检查完成前为估计值）")
    rows_done: int = Field(description="已检查的行数（进度）")
    rows_new: int = Field(description="可新建的行数")
    rows_unchanged: int = Field(description="已登记且信息相同的行数")
    rows_conflict: int = Field(description="已登记但信息不同的行数（不会覆盖）")
    rows_failed: int = Field(description="有错误的行数")
    rows_created: int = Field(description="已新建的人数")
    created_at: datetime
    committed_at: datetime | None
    undone_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: ImportBatch) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_running(obj: ImportBatch) -> bool:
        return obj.is_running


class ImportPage(Schema):
    items: list[ImportOut]
    next_after: int | None = Field(description="下一页请求的 after；已到最后一页时为 null")


class ProblemOut(Schema):
    row: int = Field(description="电子表格中的行号（表头为第 1 行）")
    column: str = Field(description="列名；整行的问题为空")
    message: str
    kind: str = Field(description="error 有错误，不导入；conflict 已登记但信息不同，不覆盖")


class ExportIn(Input):
    reason: Text = Field(min_length=2, max_length=200, description="导出完整信息的理由，记入审计")
    q: Text = Field("", max_length=50)
    category: Category | None = None
    region: RegionCode | None = None


class ExportQuery(Schema):
    q: Text = Field("", max_length=50, description="与名单页相同的查找")
    category: Category | None = Field(None, description="只导出当前持有此类别的人")
    region: RegionCode | None = Field(None, description="只导出此区划及其下级")


def _batch(request: HttpRequest, import_id: int) -> ImportBatch:
    return visible_or_404(ImportBatch, user_of(request), pk=import_id)


@router.get("/people/imports", response=answers(ImportPage))
def list_imports(request: HttpRequest, page: Query[KeysetQuery]) -> dict:
    """The caller's own roster imports, newest first."""
    qs = ImportBatch.objects.visible_to(user_of(request))
    rows, cursor = keyset_page(qs, limit=page.limit, cursor=page.after, descending=True)
    return {"items": rows, "next_after": cursor}


@router.post("/people/imports", response=answers(ImportOut, 201))
def create_import(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Upload a roster (.xlsx, .xls or .csv, multipart field `file`). A small file is checked
    at once (status checked, or invalid with the reason); a large one is checked by the
    background worker: poll the job until `running` is false. Nothing is written yet."""
    user = user_of(request)
    batch = imports.import_upload(by=user, file=file)
    return Status(201, imports.import_start_check(by=user, batch=batch))


@router.get("/people/imports/{int:import_id}", response=answers(ImportOut))
def get_import(request: HttpRequest, import_id: int) -> ImportBatch:
    """One import job: its status, progress and counts."""
    return _batch(request, import_id)


@router.get("/people/imports/{int:import_id}/problems", response=answers(list[ProblemOut]))
def list_import_problems(request: HttpRequest, import_id: int) -> list[dict]:
    """Every problem the check found (the first thousand), by row and column, in Chinese."""
    batch = _batch(request, import_id)
    return imports.import_problems(by=user_of(request), batch=batch)


@router.get(
    "/people/imports/{int:import_id}/failed.xlsx",
    response={200: None, **answers(None)},
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def download_failed_rows(request: HttpRequest, import_id: int) -> HttpResponse:
    """The rows that were not imported, each with its 错误原因, in the template's layout:
    fix them and upload the workbook again."""
    user = user_of(request)
    rows = imports.failed_rows(by=user, batch=_batch(request, import_id))
    return exports.xlsx_response(
        exports.roster_workbook(by=user, failed=rows), f"导入错误行-{import_id}.xlsx"
    )


@router.post("/people/imports/{int:import_id}/commit", response=answers(ImportOut))
def commit_import(request: HttpRequest, import_id: int) -> ImportBatch:
    """Create the checked file's new people, all in one transaction (a large file in the
    background: poll the job). Registered people are never overwritten; running it again
    after a failure is safe."""
    user = user_of(request)
    return imports.import_start_commit(by=user, batch=_batch(request, import_id))


@router.post("/people/imports/{int:import_id}/undo", response=answers(ImportOut))
def undo_import(request: HttpRequest, import_id: int) -> ImportBatch:
    """Delete the people the import created, while nobody has worked on any of them."""
    user = user_of(request)
    return imports.import_undo(by=user, batch=_batch(request, import_id))


@router.get(
    "/people/template.xlsx",
    response={200: None, **answers(None)},
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def download_template(request: HttpRequest) -> HttpResponse:
    """The roster template: the ID column formatted as text, dropdowns for choices, and the
    caller's villages to pick from."""
    user = user_of(request)
    require(user, "people.person", "create")
    return exports.xlsx_response(exports.roster_workbook(by=user), "服务对象花名册模板.xlsx")


def _export(request: HttpRequest, q: str, category: str, region: str | None, reason: str):
    user = user_of(request)
    scope = scope_region_or_404(user, region, "people.person")
    content, _count = exports.people_export(
        by=user, q=q, category=category, region=scope, reason=reason
    )
    return exports.xlsx_response(content, f"服务对象名单-{timezone.localdate():%Y%m%d}.xlsx")


@router.get(
    "/people/export.xlsx",
    response={200: None, **answers(None)},
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_people(request: HttpRequest, filters: Query[ExportQuery]) -> HttpResponse:
    """The people list as filtered, as .xlsx, ID numbers and phones masked; audited."""
    return _export(request, filters.q, filters.category or "", filters.region, "")


@router.post(
    "/people/export.xlsx",
    response={200: None, **answers(None)},
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_people_revealed(request: HttpRequest, payload: ExportIn) -> HttpResponse:
    """The same list with full ID numbers and phones, for a stated reason (audited), for
    roles that may reveal them."""
    return _export(request, payload.q, payload.category or "", payload.region, payload.reason)
