"""Fixed-template reports: the forms civil affairs files, filled from the same figures as the
dashboard, shaped as government reporting expects, and opening in LibreOffice with the same
totals."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import wushe.urls
from tests.test_casework import item
from tests.test_stats import visit
from wushe.audit.models import AuditEvent
from wushe.core.api import AUTH, install_error_handlers
from wushe.groupwork.services import activity_create
from wushe.network.models import Worker
from wushe.stats import dashboard, report_api, reports
from wushe.stats import indicators as catalogue
from wushe.stats.query import Period

pytestmark = pytest.mark.django_db

# The report router on an API of its own, so these tests run whether or not wushe/api.py
# mounts it yet (`@pytest.mark.urls(__name__)` puts it in front of the project's URLs).
_api = NinjaAPI(urls_namespace="reports-api-test", auth=AUTH, docs_url=None)
install_error_handlers(_api)
_api.add_router("", report_api.router)
urlpatterns = [path("api/v1/", _api.urls), *wushe.urls.urlpatterns]

COUNTY, TOWNSHIP, VILLAGE = "152201000000", "152201001000", "152201001001"
MONTHLY, YEARLY = "wushe_ssgz_01", "wushe_ssgz_02"


def this_month() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month)


@pytest.fixture
def work(world):
    """乌兰浩特市 this month: 乌力吉 visited twice and 单田芳 once, and 爱国街道社工站 held
    a large activity (at the township itself, not in a village)."""
    visit(world)
    visit(world)
    visit(world, person="hongyun", by="other_station_worker")
    activity_create(
        by=world.users["station_worker"], platform=world.platforms["station_a"],
        title="重阳节敬老活动", held_on=timezone.localdate(), place="社区广场",
        items=[item("elderly.emotional_comfort")], social_workers=3, volunteers=12,
        beneficiaries=1234, funds_used=Decimal("12345.60"),
    )  # fmt: skip
    return world


def workbook(world, template=MONTHLY, code=COUNTY, period=None, by="county_admin"):
    content = reports.report_workbook(
        by=world.users[by], template=reports.get_template(template),
        region=world.region(code), period=period or this_month(),
    )  # fmt: skip
    return load_workbook(io.BytesIO(content)).active


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def row_of(ws, label: str) -> int:
    (found,) = [c.row for c in ws["A"] if c.value == label]
    return found


def header_top(ws) -> int:
    return row_of(ws, "地区")


def same(cell_value, figure) -> bool:
    """A cell (openpyxl reads decimals back as floats) shows exactly the figure."""
    if figure is None:
        return cell_value == "—"
    return Decimal(str(cell_value)) == Decimal(figure)


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


# --- the templates -------------------------------------------------------------------------


def test_the_shipped_templates_load_and_name_indicators_of_the_catalogue():
    shipped = reports.templates()
    assert {MONTHLY, YEARLY} <= set(shipped)
    known = catalogue.by_code()
    for template in shipped.values():
        assert template.form_number and template.authority and template.valid_until
        assert all(c.indicator.code in known for c in template.columns)
    assert shipped[MONTHLY].periods == ("month",) and shipped[YEARLY].periods == ("year",)
    assert shipped[MONTHLY].approval == "本平台自定"  # never a real-looking approval number


def broken(tmp_path: Path, **changes) -> Path:
    data = json.loads((reports.TEMPLATE_DIR / f"{MONTHLY}.json").read_text(encoding="utf-8"))
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    target = tmp_path / f"{data.get('code', MONTHLY)}.json"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"columns": [{"group": "入户走访", "columns": [{"indicator": "visit"}]},
                      {"indicator": "cases_opened"}]},
         "columns[0].columns[0].indicator: unknown indicator 'visit'; did you mean visits"),
        ({"title": None}, "missing title"),
        ({"valid_until": "2027年12月"}, "valid_until: '2027年12月' must be a month, YYYY-MM"),
        ({"periods": ["week"]}, "periods: must list some of month, quarter, year"),
        ({"periods": ["quarter"]}, "'households_visited' counts distinct people"),
        ({"columns": [{"indicator": "visits"}, {"indicator": "visits"}]},
         "indicator 'visits' appears twice"),
        ({"columns": [{"group": "个案", "columns": []}, {"indicator": "visits"}]},
         "columns[0].columns: a group needs a non-empty list of columns"),
        ({"columns": [{"indicator": "visits"}]}, "at least two indicator columns"),
        ({"colums": []}, "unknown keys ['colums']"),
        ({"form_number": "五社统/01表"}, "form_number: names the sheet"),
    ],
)  # fmt: skip
def test_a_malformed_template_is_refused_with_file_and_field_named(tmp_path, changes, message):
    target = broken(tmp_path, **changes)
    with pytest.raises(reports.TemplateError) as caught:
        reports.load_templates(tmp_path)
    assert str(caught.value).startswith(target.name)
    assert message in str(caught.value)


def test_a_template_whose_code_differs_from_its_file_name_is_refused(tmp_path):
    (tmp_path / "other.json").write_text(
        (reports.TEMPLATE_DIR / f"{MONTHLY}.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(reports.TemplateError, match="other.json: code: 'wushe_ssgz_01' must"):
        reports.load_templates(tmp_path)


def test_a_template_that_is_not_json_is_refused_with_its_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"code": "bad",\n  title: 1}', encoding="utf-8")
    with pytest.raises(reports.TemplateError, match=r"bad.json: not valid JSON \(line 2"):
        reports.load_templates(tmp_path)


# --- the workbook ---------------------------------------------------------------------------


def test_the_report_has_the_government_form_layout(work):
    ws = workbook(work)
    template = reports.get_template(MONTHLY)
    n = 2 + len(template.columns)
    last = get_column_letter(n)
    assert ws["A1"].value == "乡镇（街道）社工站服务情况统计表"
    assert f"A1:{last}1" in merged(ws)
    cells = texts(ws)
    assert "表　　号：五社统01表" in cells
    assert "制定机关：民政部门" in cells
    assert "批准文号：本平台自定" in cells
    assert "有效期至：2027年12月" in cells
    # The 表号 block sits top right, over the last columns.
    block = [c for row in ws.iter_rows(max_row=6) for c in row if c.value == "表　　号：五社统01表"]
    assert block[0].column > n // 2 and f"{block[0].coordinate}:{last}{block[0].row}" in merged(ws)
    assert "填报单位：内蒙古自治区兴安盟乌兰浩特市" in cells
    assert f"报告期：{this_month().label}" in cells
    assert "填报人：张明" in cells
    today = timezone.localdate()
    assert f"填报日期：{today.year}年{today.month}月{today.day}日" in cells


def test_each_group_header_is_merged_over_its_columns(work):
    ws = workbook(work)
    top = header_top(ws)
    assert f"A{top}:A{top + 1}" in merged(ws) and f"B{top}:B{top + 1}" in merged(ws)
    heads: dict[str, list[str]] = {}
    group = None
    for c in range(3, ws.max_column + 1):
        group = ws.cell(top, c).value or group  # a merged group's other cells are empty
        heads.setdefault(group, []).append(ws.cell(top + 1, c).value)
    assert heads["服务网络"] == ["社工站（个）", "覆盖率（%）"]
    assert heads["入户走访"] == ["走访（次）", "走访入户（户）"]
    assert heads["社区活动"] == ["场次（场）", "受益（人次）"]
    for group, first, last in reports.get_template(MONTHLY).spans():
        a, b = f"{get_column_letter(first + 3)}{top}", f"{get_column_letter(last + 3)}{top}"
        assert ws[a].value == group
        assert a == b or f"{a}:{b}" in merged(ws)
    # Column numbers under the header (甲 乙 1 2 …), and the header stays in view.
    assert [ws.cell(top + 2, c).value for c in range(1, 5)] == ["甲", "乙", 1, 2]
    assert ws.freeze_panes == f"C{top + 3}"
    assert ws.cell(top, 3).border.left.style == "thin"


def test_one_row_per_child_region_and_a_total_first(work):
    ws = workbook(work)
    first = header_top(ws) + 3
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(first, first + 3)]
    assert rows == [("合计", COUNTY), ("爱国街道", "152201001000"), ("和平街道", "152201002000")]
    assert ws.cell(first + 3, 1).value is None  # nothing after the children


def test_every_number_equals_the_dashboard(work):
    template = reports.get_template(MONTHLY)
    region, period = work.region(COUNTY), this_month()
    ws = workbook(work)
    first = header_top(ws) + 3
    own = catalogue.evaluate(template.indicators, [region], period)
    children = catalogue.by_child(template.indicators, region, period)
    for k, column in enumerate(template.columns, start=3):
        code = column.indicator.code
        assert same(ws.cell(first, k).value, own[(code, COUNTY)]), code
        for offset, (_child, values) in enumerate(children, start=1):
            assert same(ws.cell(first + offset, k).value, values[code]), code
    headline = {f.indicator.code: f.value for f in dashboard.headline(region, period)}
    by_code = {c.indicator.code: ws.cell(first, k).value for k, c in
               enumerate(template.columns, start=3)}  # fmt: skip
    assert by_code["visits"] == headline["visits"] == 3
    assert by_code["households_visited"] == headline["households_visited"] == 2
    assert same(by_code["activity_funds"], headline["activity_funds"])
    assert headline["activity_funds"] == Decimal("12345.60")
    assert same(by_code["station_coverage"], headline["station_coverage"])
    assert headline["station_coverage"] == Decimal("100.0")


def test_numbers_carry_thousands_separators_and_decimals_by_unit(work):
    ws = workbook(work)
    top = header_top(ws)
    formats = {ws.cell(top + 1, c).value: ws.cell(top + 3, c).number_format
               for c in range(3, ws.max_column + 1)}  # fmt: skip
    assert formats["活动使用资金（元）"] == "#,##0.00"
    assert formats["覆盖率（%）"] == "0.0"
    assert formats["走访（次）"] == "#,##0"


def test_records_at_the_township_itself_are_a_row_of_their_own(work):
    ws = workbook(work, code=TOWNSHIP, by="station_worker")
    template = reports.get_template(MONTHLY)
    first = header_top(ws) + 3
    labels = [ws.cell(r, 1).value for r in range(first, first + 4)]
    assert labels == ["合计", "爱国街道本级", "万佳社区居委会", "春阳社区居委会"]
    for k, column in enumerate(template.columns, start=3):
        values = [ws.cell(r, k).value for r in range(first, first + 4)]
        if column.additive:  # the rows add up to the total
            assert values[0] == sum(v or 0 for v in values[1:]), column.indicator.code
        else:
            assert values[1] is None  # a rate or a distinct count is not split
    activities = [c.indicator.code for c in template.columns].index("activities") + 3
    assert ws.cell(first + 1, activities).value == 1
    assert any("“本级”为直接登记在爱国街道" in t for t in texts(ws))


def test_a_station_worker_files_as_their_station(work):
    Worker.objects.filter(pk=work.workers["worker_a"].pk).update(user=work.users["station_worker"])
    ws = workbook(work, code=TOWNSHIP, by="station_worker")
    assert "填报单位：爱国街道社工站" in texts(ws)
    assert "填报人：赵小红" in texts(ws)


def test_live_figures_of_a_past_year_read_as_not_available(work):
    last_year = Period.year(timezone.localdate().year - 1)
    ws = workbook(work, template=YEARLY, period=last_year)
    first = header_top(ws) + 3
    assert ws.cell(first, 3).value == "—"  # 社工站 now is not 社工站 then
    assert any("“—”表示该指标不适用于该区划或本报告期" in t for t in texts(ws))


def test_a_narrow_form_still_carries_every_label(work, tmp_path):
    data = {"code": "narrow", "title": "走访情况表", "form_number": "五社统99表",
            "authority": "民政部门", "valid_until": "2027-12", "periods": ["month"],
            "columns": [{"indicator": "visits"}, {"indicator": "households_visited"}]}  # fmt: skip
    (tmp_path / "narrow.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    template = reports.load_templates(tmp_path)["narrow"]
    assert [c.label for c in template.columns] == ["入户走访（次）", "走访入户（户）"]
    content = reports.report_workbook(by=work.users["county_admin"], template=template,
                                      region=work.region(COUNTY), period=this_month())  # fmt: skip
    ws = load_workbook(io.BytesIO(content)).active
    cells = texts(ws)
    assert {"表　　号：五社统99表", "填报人：张明", "单位负责人："} <= set(cells)
    top = header_top(ws)
    assert f"A{top}:A{top + 1}" not in merged(ws)  # nothing grouped: a one-row header
    assert ws.cell(top + 2, 1).value == "合计" and ws.cell(top + 2, 3).value == 3


def test_a_village_has_no_children_to_report():
    with pytest.raises(reports.ReportError, match="村（社区）没有下级区划"):
        reports.check_region(type("R", (), {"level": 5})())


# --- the pages --------------------------------------------------------------------------------


def test_county_admin_picks_a_report_and_downloads_it(work, login):
    client = login(work.users["county_admin"])
    page = client.get("/stats/reports/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "乡镇（街道）社工站服务情况统计表" in body and "五社联动服务情况年度汇总表" in body
    key = this_month().key
    chosen = client.get(f"/stats/reports/{MONTHLY}/", {"region": COUNTY, "period": key})
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/stats/reports/{MONTHLY}/{COUNTY}.xlsx?period={key}"
    response = client.get(chosen["Location"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(header_top(ws) + 3, 1).value == "合计"


def test_each_download_is_an_audit_event(work, login):
    client = login(work.users["county_admin"])
    before = AuditEvent.objects.count()
    client.get(f"/stats/reports/{YEARLY}/{COUNTY}.xlsx", {"period": timezone.localdate().year})
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="report.export")
    assert event.actor == work.users["county_admin"]
    assert event.region_code == COUNTY
    assert event.changes["template"] == YEARLY and event.changes["region"] == COUNTY


@pytest.mark.parametrize(
    ("persona", "code"),
    [("outsider", COUNTY), ("other_station_worker", TOWNSHIP), ("station_worker", COUNTY),
     ("volunteer_coordinator", TOWNSHIP)],
)  # fmt: skip
def test_a_region_outside_the_scope_is_not_found(work, login, persona, code):
    client = login(work.users[persona])
    before = AuditEvent.objects.filter(action="report.export").count()
    assert client.get(f"/stats/reports/{MONTHLY}/{code}.xlsx").status_code == 404
    chosen = client.get(f"/stats/reports/{MONTHLY}/", {"region": code})
    assert "爱国街道" not in chosen.content.decode() or persona == "station_worker"
    assert AuditEvent.objects.filter(action="report.export").count() == before


def test_an_unknown_template_is_not_found(work, login):
    client = login(work.users["county_admin"])
    assert client.get(f"/stats/reports/nope/{COUNTY}.xlsx").status_code == 404
    assert client.get("/stats/reports/nope/").status_code == 404


def test_a_period_the_form_is_not_filed_for_is_explained(work, login):
    client = login(work.users["county_admin"])
    response = client.get(f"/stats/reports/{MONTHLY}/{COUNTY}.xlsx", {"period": "2026"})
    assert response.status_code == 400
    assert "五社统01表是月报，不能按“2026”填报。" in response.content.decode()
    response = client.get(f"/stats/reports/{MONTHLY}/{COUNTY}.xlsx", {"period": "soon"})
    assert response.status_code == 400 and "无法识别" in response.content.decode()
    response = client.get(f"/stats/reports/{MONTHLY}/{VILLAGE}.xlsx")
    assert response.status_code == 400 and "没有下级区划" in response.content.decode()


def test_a_persona_without_the_figures_has_no_report_page(work, login):
    assert login(work.users["sysadmin"]).get("/stats/reports/").status_code == 404


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_the_api_lists_the_forms(work, login):
    response = login(work.users["county_admin"]).get("/api/v1/stats/reports")
    assert response.status_code == 200
    forms = {f["code"]: f for f in response.json()}
    assert forms[MONTHLY]["form_number"] == "五社统01表"
    assert forms[MONTHLY]["valid_until"] == "2027-12" and forms[MONTHLY]["periods"] == ["month"]
    assert forms[MONTHLY]["columns"][0] == {
        "indicator": "stations",
        "group": "服务网络",
        "header": "社工站（个）",
    }


@pytest.mark.urls(__name__)
def test_the_api_download_is_the_same_audited_report(work, login):
    client = login(work.users["county_admin"])
    response = client.get(f"/api/v1/stats/reports/{MONTHLY}/{COUNTY}.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(header_top(ws) + 3, 2).value == COUNTY
    assert AuditEvent.objects.filter(action="report.export", region_code=COUNTY).count() == 1
    bad = client.get(f"/api/v1/stats/reports/{MONTHLY}/{COUNTY}.xlsx", {"period": "2026"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"field": "period", "message": "五社统01表是月报，不能按“2026”填报。"}
    ]
    assert client.get(f"/api/v1/stats/reports/nope/{COUNTY}.xlsx").status_code == 404


@pytest.mark.urls(__name__)
def test_the_api_hides_a_region_outside_the_scope(work, login):
    client = login(work.users["outsider"])
    assert client.get(f"/api/v1/stats/reports/{MONTHLY}/{COUNTY}.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="report.export").exists()


# --- LibreOffice --------------------------------------------------------------------------------


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_the_report_opens_in_libreoffice_with_the_same_totals(work, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    template = reports.get_template(MONTHLY)
    region, period = work.region(COUNTY), this_month()
    source = tmp_path / "report.xlsx"
    source.write_bytes(
        reports.report_workbook(
            by=work.users["county_admin"], template=template, region=region, period=period
        )
    )
    subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
         str(tmp_path / "out"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    rows = list(csv.reader((tmp_path / "out" / "report.csv").open(encoding="utf-8")))
    (total,) = [r for r in rows if r and r[0] == "合计"]
    own = catalogue.evaluate(template.indicators, [region], period)
    shown = {c.indicator.code: total[k] for k, c in enumerate(template.columns, start=2)}
    for column in template.columns:
        code = column.indicator.code
        assert _number(shown[code]) == Decimal(own[(code, COUNTY)]), code
    assert shown["activity_funds"] == "12,345.60"  # as the dashboard shows it, in 元
    assert shown["activity_beneficiaries"] == "1,234"
