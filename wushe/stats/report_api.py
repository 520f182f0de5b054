"""The fixed-template reports over the API: the same forms and the same audited download as
the report pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from wushe.core.api import Text, answers, invalid, user_of
from wushe.core.views import scope_region_or_404
from wushe.people.exports import xlsx_response
from wushe.people.import_api import XLSX_RESPONSE
from wushe.stats import reports

router = Router(tags=["统计报表"])


class ReportColumnOut(Schema):
    indicator: str
    group: str = Field(description="表头第一行的分组；空为跨两行的栏目")
    header: str = Field(description="栏目名称，含计量单位")


class ReportTemplateOut(Schema):
    code: str
    title: str
    form_number: str = Field(description="表号")
    authority: str = Field(description="制定机关")
    approval: str = Field(description="批准文号")
    valid_until: str = Field(description="有效期至（年-月）")
    periods: list[str] = Field(description="可填报的报告期：month 月报 / quarter 季报 / year 年报")
    description: str
    columns: list[ReportColumnOut]


class ReportQuery(Schema):
    period: Text | None = Field(
        None, max_length=20, description="2026-11、2026Q3 或 2026；默认本期"
    )


@router.get("/stats/reports", response=answers(list[ReportTemplateOut]))
def list_report_templates(request: HttpRequest) -> list[dict]:
    """The report forms: 表号, 制定机关, 有效期至, the periods each is filed for, its columns."""
    return [
        {"code": t.code, "title": t.title, "form_number": t.form_number,
         "authority": t.authority, "approval": t.approval,
         "valid_until": f"{t.valid_until:%Y-%m}", "periods": list(t.periods),
         "description": t.description,
         "columns": [{"indicator": c.indicator.code, "group": c.group, "header": c.label}
                     for c in t.columns]}
        for t in reports.templates().values()
    ]  # fmt: skip


@router.get(
    "/stats/reports/{template}/{code}.xlsx",
    response={200: None, **answers(None)},
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def download_report(
    request: HttpRequest, template: str, code: str, filters: Query[ReportQuery]
) -> HttpResponse:
    """The form filled for region `code` (one row per child region and a 合计 row, the
    dashboard's figures) as .xlsx; each download is recorded in the audit log."""
    user = user_of(request)
    chosen = reports.get_template(template)
    region = scope_region_or_404(user, code, "stats.dashboard")
    if chosen is None or region is None:
        raise Http404
    try:
        reports.check_region(region)
        period = chosen.period_from(filters.period)
    except reports.ReportError as exc:
        raise invalid(exc.field, str(exc)) from exc
    content = reports.report_export(by=user, template=chosen, region=region, period=period)
    return xlsx_response(content, reports.report_filename(chosen, region, period))
