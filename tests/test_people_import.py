"""Roster import and export: 赵小红 (station worker, 爱国街道) imports her township's
roster, fixes the rows it refused, imports again, and nothing is ever doubled or overwritten;
exports are masked, formula-safe, audited and confined to what she may see."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
import xlwt
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.conftest import id_number_for
from wushe.audit.models import AuditEvent
from wushe.people import exports, imports, services
from wushe.people.models import Category, ImportBatch, Person, PersonSearchKey

pytestmark = pytest.mark.django_db

HEADERS = [c.title for c in exports.COLUMNS]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "淑华", "明", "芳", "志强", "小红", "丽", "磊", "敏", "洁", "涛", "平", "巴特尔"]
VILLAGES = ["152201001001", "152201001002"]


def row(i: int, **overrides) -> dict:
    """A good roster row for the i-th generated person."""
    birth = f"19{40 + i % 50:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
    values = {
        "name": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
        "id_number": id_number_for("152201", birth, f"{i % 1000:03d}"),
        "phone": f"139{i:08d}",
        "region": VILLAGES[i % 2],
        "address": f"爱国街道{i % 40}号楼",
        "category": "独居老人" if i % 7 == 0 else "",
    }
    return values | overrides


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = exports.SHEET
    ws.append(headers)
    keys = [c.key for c in exports.COLUMNS]
    for values in rows:
        ws.append([values.get(key, "") for key in keys])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def problems(batch: ImportBatch) -> list[dict]:
    return imports.import_problems(by=batch.created_by, batch=batch)


def preview(world, content: bytes, name: str = "花名册.xlsx", persona: str = "station_worker"):
    return imports.import_preview(by=world.users[persona], file=upload(content, name))


BAD_KINDS = {
    # kind: (column, words of the reason, how the row is spoilt)
    "check_digit": ("身份证号", "校验位不符", lambda r, i: r | {
        "id_number": r["id_number"][:-1] + ("0" if r["id_number"][-1] != "0" else "1")}),
    "date": ("身份证号", "不是有效日期", lambda r, i: r | {
        "id_number": id_number_for("152201", "19800230", f"{i % 1000:03d}")}),
    "outside": ("所在村（社区）区划代码", "不在您的管辖范围内", lambda r, i: r | {
        "region": "152201002001"}),
    "no_name": ("姓名", "请填写姓名", lambda r, i: r | {"name": ""}),
    "duplicate": ("身份证号", "与第", lambda r, i: r | {"id_number": row(i - 1)["id_number"]}),
    "phone": ("联系电话", "格式不对", lambda r, i: r | {"phone": "12-34"}),
}  # fmt: skip


def big_roster(size: int = 5000, every: int = 139) -> tuple[list[dict], dict[int, str]]:
    """`size` rows, a bad one of each kind in turn every `every` rows, and a few old
    15-digit numbers (good ones) among them. Returns the rows and {index: bad kind}."""
    rows, bad = [], {}
    kinds = list(BAD_KINDS)
    for i in range(size):
        values = row(i)
        if i % every == every - 1:
            bad[i] = kinds[len(bad) % len(kinds)]
            values = BAD_KINDS[bad[i]][2](values, i)
        elif i % 997 == 500:
            number = values["id_number"]
            values["id_number"] = number[:6] + number[8:17]  # 15 digits, no century
        rows.append(values)
    return rows, bad


def test_station_worker_imports_a_5000_row_roster_fixes_it_and_undoes_it(world):
    worker = world.users["station_worker"]
    rows, bad = big_roster()
    good = [r for i, r in enumerate(rows) if i not in bad]
    before = Person.objects.count()

    batch = preview(world, xlsx(rows))
    assert batch.status == ImportBatch.Status.CHECKED
    assert (batch.rows_total, batch.rows_new, batch.rows_failed) == (5000, len(good), len(bad))
    assert Person.objects.count() == before, "a preview writes nothing"
    found = {(p["row"], p["column"]) for p in problems(batch)}
    for i, kind in bad.items():
        column, words, _spoil = BAD_KINDS[kind]
        assert (i + 2, column) in found, (i, kind)
        reasons = [p["message"] for p in problems(batch) if p["row"] == i + 2]
        assert any(words in r for r in reasons), (i, kind, reasons)
    assert len({p["row"] for p in problems(batch)}) == len(bad)

    batch = imports.import_commit(by=worker, batch=batch)
    assert batch.status == ImportBatch.Status.DONE and batch.rows_created == len(good)
    assert Person.objects.count() == before + len(good)
    created = {services.id_number_of(p) for p in batch.people.all()}
    expected = {services.find_by_id_number(r["id_number"]) for r in good}
    assert None not in expected and {services.id_number_of(p) for p in expected} == created
    old = next(r for r in good if len(r["id_number"]) == 15)
    assert len(services.id_number_of(services.find_by_id_number(old["id_number"]))) == 18
    event = AuditEvent.objects.get(action="person.import")
    assert event.changes["created"] == len(good)
    named = {pk for a, b in event.changes["person_id_ranges"] for pk in range(a, b + 1)}
    assert named == {p.pk for p in expected}
    assert event.region_code == "152201001000"

    failed = load_workbook(io.BytesIO(exports.roster_workbook(
        by=worker, failed=imports.failed_rows(by=worker, batch=batch))))[exports.SHEET]  # fmt: skip
    header, *failed_rows = list(failed.iter_rows(values_only=True))
    assert list(header) == [*HEADERS, exports.REASON_HEADER]
    assert [r[1] for r in failed_rows] == [rows[i]["id_number"] for i in sorted(bad)]
    assert all(r[-1] for r in failed_rows)

    for cells, i in zip(failed.iter_rows(min_row=2), sorted(bad), strict=True):
        fixed = row(i)  # what the worker types after reading the reason
        for cell, column in zip(cells, exports.COLUMNS, strict=False):
            cell.value = fixed.get(column.key, cell.value)
    buffer = io.BytesIO()
    failed.parent.save(buffer)
    again = preview(world, buffer.getvalue(), "错误行-改.xlsx")
    assert (again.rows_new, again.rows_failed) == (len(bad), 0), problems(again)[:5]
    again = imports.import_commit(by=worker, batch=again)
    assert Person.objects.count() == before + len(rows)

    same = preview(world, xlsx(rows))
    assert (same.rows_new, same.rows_unchanged, same.rows_failed) == (0, len(good), len(bad))
    imports.import_commit(by=worker, batch=same)
    assert Person.objects.count() == before + len(rows), "importing a file twice changes nothing"

    undone = list(batch.people.values_list("pk", flat=True))
    assert PersonSearchKey.objects.filter(person_id__in=undone).exists()
    imports.import_undo(by=worker, batch=batch)
    assert Person.objects.count() == before + len(bad)
    assert AuditEvent.objects.get(action="person.import_undo").changes["deleted"] == len(good)
    # The keys have no foreign key in the database (ADR 0012): the ORM takes them along.
    assert not PersonSearchKey.objects.filter(person_id__in=undone).exists()


def test_a_crash_mid_commit_writes_nothing_and_a_rerun_writes_each_row_once(world, monkeypatch):
    worker = world.users["station_worker"]
    rows = [row(i) for i in range(1200)]
    batch = preview(world, xlsx(rows))
    before, events = Person.objects.count(), AuditEvent.objects.count()
    real = imports._write_chunk
    written = []

    def crash_after_600(writer, chunk, ledger):
        real(writer, chunk, ledger)
        written.extend(chunk)
        if len(written) >= 600:
            raise RuntimeError("power cut")

    monkeypatch.setattr(imports, "_write_chunk", crash_after_600)
    with pytest.raises(RuntimeError):
        imports.import_commit(by=worker, batch=batch)
    assert len(written) >= 600
    assert (Person.objects.count(), AuditEvent.objects.count()) == (before, events)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "没有写入任何数据" in batch.message
    assert not batch.people.exists()

    monkeypatch.setattr(imports, "_write_chunk", real)
    batch = imports.import_commit(by=worker, batch=batch)
    assert batch.rows_created == 1200 and Person.objects.count() == before + 1200
    with pytest.raises(ValidationError):
        imports.import_commit(by=worker, batch=batch)


def test_a_worker_killed_mid_import_left_nothing_and_the_page_offers_a_rerun(world, client):
    batch = preview(world, xlsx([row(i) for i in range(20)]))
    # What a killed worker leaves behind: a batch that says "importing", and no rows, since
    # its transaction died with it.
    long_ago = timezone.now() - timedelta(minutes=20)
    ImportBatch.objects.filter(pk=batch.pk).update(status="writing", updated_at=long_ago)
    client.force_login(world.users["station_worker"])
    assert "重新执行" in client.get(f"/people/imports/{batch.pk}/status/").content.decode()
    client.post(f"/people/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert (batch.status, batch.rows_created, Person.objects.count()) == ("done", 20, 23)


def test_registered_people_are_never_overwritten(world):
    wuliji, xiaobao, hongyun = (world.people[k] for k in ("wuliji", "xiaobao", "hongyun"))
    rows = [
        row(1, name="乌力吉", id_number=services.id_number_of(wuliji), phone="13847123456",
            region="152201001001", address="", category=""),
        row(2, name="赵小宝", id_number=services.id_number_of(xiaobao), phone="",
            region="152201001001", address="新地址", category=""),
        row(3, name="单田芳", id_number=services.id_number_of(hongyun), region="152201001001"),
    ]  # fmt: skip
    batch = preview(world, xlsx(rows))
    assert (batch.rows_unchanged, batch.rows_conflict, batch.rows_new) == (1, 2, 0)
    messages = {p["row"]: p["message"] for p in problems(batch)}
    assert messages[3].startswith("已存在，未更新") and "住址" in messages[3]
    assert messages[4].startswith("已存在，未更新") and "申请转移" in messages[4]
    imports.import_commit(by=world.users["station_worker"], batch=batch)
    xiaobao.refresh_from_db()
    assert xiaobao.address == "" and Person.objects.count() == 3


def test_households_arrive_together_or_wait_together(world):
    worker = world.users["station_worker"]
    village = VILLAGES[0]
    head, spouse, head2, child2, child = (
        row(1, household="1", relation="户主", region=village),
        row(2, household="1", relation="配偶", region=village),
        row(3, household="2", relation="户主", region=village),
        row(4, household="2", relation="子女", region=village, phone="1"),
        row(5, household="1", relation="子女", region=village),
    )
    batch = preview(world, xlsx([head, spouse, head2, child2]))
    assert (batch.rows_new, batch.rows_failed) == (2, 2)
    held = [p["message"] for p in problems(batch) if p["row"] == 4]
    assert held and "整户暂缓导入" in held[0], "the head waits for the child with the bad phone"
    imports.import_commit(by=worker, batch=batch)
    first, second = (services.find_by_id_number(r["id_number"]) for r in (head, spouse))
    assert first.household_id == second.household_id and first.relation == "head"

    fixed = [head, head2, child2 | {"phone": "13900001111"}, child]
    again = imports.import_commit(by=worker, batch=preview(world, xlsx(fixed)))
    assert (again.rows_created, again.rows_unchanged) == (3, 1)
    joined = services.find_by_id_number(child["id_number"])
    assert joined.household_id == first.household_id, "a new member joins the registered family"
    third, fourth = (services.find_by_id_number(r["id_number"]) for r in (head2, child2))
    assert third.household_id == fourth.household_id != first.household_id


def test_categories_come_in_with_the_people(world):
    worker = world.users["station_worker"]
    rows = [row(7, category="低保", category_start=date(2024, 3, 1)), row(8, category="残疾人")]
    batch = imports.import_commit(by=worker, batch=preview(world, xlsx(rows)))
    person = services.find_by_id_number(rows[0]["id_number"])
    assert [(c.category, c.started_on) for c in person.categories.all()] == [
        (Category.DIBAO, date(2024, 3, 1))
    ]
    assert batch.rows_failed == 1 and "请导入后在服务对象页面添加" in problems(batch)[0]["message"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_in_utf8_or_gbk(world, encoding):
    lines = [",".join(HEADERS)] + [
        ",".join(r.get(c.key, "") for c in exports.COLUMNS) for r in (row(1), row(2))
    ]
    batch = preview(world, "\r\n".join(lines).encode(encoding), "名单.csv")
    assert (batch.rows_new, batch.rows_failed) == (2, 0), problems(batch)


def xls(rows: list[dict], *, numeric_id: bool = False) -> bytes:
    """An Excel 97-2003 workbook as township offices still save them: birth dates as real
    date cells, and (when `numeric_id`) ID numbers typed as numbers."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(exports.SHEET)
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for r, values in enumerate(rows, start=1):
        for col, column in enumerate(exports.COLUMNS):
            value = values.get(column.key, "")
            if column.key == "birth_date" and value:
                sheet.write(r, col, date.fromisoformat(value), dated)
            elif column.key == "id_number" and numeric_id:
                sheet.write(r, col, int(value[:17]))
            else:
                sheet.write(r, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_old_excel_files_import_like_new_ones(world):
    first = row(1)
    born = f"{first['id_number'][6:10]}-{first['id_number'][10:12]}-{first['id_number'][12:14]}"
    batch = preview(world, xls([first | {"birth_date": born}, row(2)]), "名单.xls")
    assert (batch.status, batch.rows_total, batch.rows_new) == (ImportBatch.Status.CHECKED, 2, 2)
    batch = imports.import_commit(by=world.users["station_worker"], batch=batch)
    person = Person.objects.get(pk__in=batch.people.values("pk"), name=first["name"])
    assert services.id_number_of(person) == first["id_number"]
    assert person.birth_date.isoformat() == born

    numeric = preview(world, xls([row(3)], numeric_id=True), "名单.xls")
    assert numeric.rows_failed == 1 and problems(numeric)[0]["column"] == "身份证号"


def test_files_that_cannot_be_read_say_why_in_plain_chinese(world):
    worker = world.users["station_worker"]
    with pytest.raises(ValidationError, match="无法读取此 .xls 文件"):
        imports.import_upload(by=worker, file=upload(b"\xd0\xcf\x11\xe0", "旧名单.xls"))
    with pytest.raises(ValidationError, match="只能导入 .xlsx、.xls 或 .csv"):
        imports.import_upload(by=worker, file=upload(b"a,b", "名单.numbers"))
    with pytest.raises(ValidationError, match="缺少必填列：所在村"):
        imports.import_upload(by=worker, file=upload(xlsx([row(1)], HEADERS[:2])))
    with pytest.raises(ValidationError, match="无法读取"):
        imports.import_upload(by=worker, file=upload(b"not a zip"))
    numeric = xlsx([row(1, id_number=int(row(1)["id_number"][:17] + "0"))])
    batch = preview(world, numeric)
    assert "文本" in problems(batch)[0]["message"] and problems(batch)[0]["column"] == "身份证号"


def test_no_id_number_or_phone_of_the_file_is_kept_in_plaintext(world):
    rows = [row(1), row(2, phone="1384712345678"), row(3, name="")]
    batch = imports.import_commit(
        by=world.users["station_worker"], batch=preview(world, xlsx(rows))
    )
    assert batch.rows_failed == 2 and "1384712345678" in problems(batch)[0]["message"]
    secrets = [r["id_number"] for r in rows] + [r["phone"] for r in rows]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump = repr(cursor.fetchall())
            assert [s for s in secrets if s in dump] == [], table


def test_only_the_uploader_sees_a_batch_and_volunteers_cannot_import(world, client):
    batch = preview(world, xlsx([row(1)]))
    client.force_login(world.users["other_station_worker"])
    assert client.get(f"/people/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/people/imports/{batch.pk}/commit/").status_code == 404
    client.force_login(world.users["volunteer_coordinator"])
    assert client.get("/people/imports/").status_code == 403
    with pytest.raises(PermissionDenied):
        imports.import_commit(by=world.users["station_head"], batch=batch)


def test_undo_is_refused_once_someone_has_worked_on_an_imported_person(world):
    worker = world.users["station_worker"]
    batch = imports.import_commit(by=worker, batch=preview(world, xlsx([row(1), row(2)])))
    person = services.find_by_id_number(row(1)["id_number"])
    services.category_add(by=worker, person=person, category="tekun", started_on=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="不能整批撤销"):
        imports.import_undo(by=worker, batch=batch)
    assert batch.people.count() == 2


def test_template_keeps_id_numbers_as_text_and_offers_dropdowns(world, client):
    client.force_login(world.users["station_worker"])
    response = client.get("/people/imports/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[exports.SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.column_dimensions["B"].number_format == "@"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["C2"] == '"男,女"' and "选项" in lists["L2"] and "选项" in lists["E2"]
    options = [c.value for c in wb["选项"]["C"] if c.value]
    assert "152201001001 万佳社区居委会" in options and not any("152201002" in o for o in options)


def test_upload_preview_commit_and_undo_through_the_pages(world, client):
    client.force_login(world.users["station_worker"])
    rows = [row(1), row(2), row(3, name="")]
    response = client.post("/people/imports/", {"file": upload(xlsx(rows))})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/imports/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "第 4 行" in page and "请填写姓名" in page and "确认导入 2 人" in page
    assert rows[0]["id_number"] not in page
    status = client.get(f"/people/imports/{batch.pk}/status/")
    assert status["HX-Refresh"] == "true"
    client.post(f"/people/imports/{batch.pk}/commit/")
    assert Person.objects.filter(name=rows[0]["name"]).exists()
    assert "撤销本批导入" in client.get(f"/people/imports/{batch.pk}/").content.decode()
    client.post(f"/people/imports/{batch.pk}/undo/")
    assert not Person.objects.filter(name=rows[0]["name"]).exists()


@pytest.mark.django_db(transaction=True)
def test_large_files_are_checked_and_committed_by_the_worker(world, client, monkeypatch):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 10)
    worker = world.users["station_worker"]
    client.force_login(worker)
    client.post("/people/imports/", {"file": upload(xlsx([row(i) for i in range(30)]))})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.UPLOADED and batch.rows_total == 30
    polling = client.get(f"/people/imports/{batch.pk}/status/")
    assert 'hx-trigger="every 1s"' in polling.content.decode() and "HX-Refresh" not in polling
    call_command("worker", batch=True)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_new, batch.rows_done) == ("checked", 30, 30)

    client.post(f"/people/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED
    assert "排队中" in client.get(f"/people/imports/{batch.pk}/status/").content.decode()
    call_command("worker", batch=True)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_created) == ("done", 30)
    assert client.get(f"/people/imports/{batch.pk}/status/")["HX-Refresh"] == "true"


def export_sheet(response) -> tuple[list[tuple], bytes]:
    content = response.content
    ws = load_workbook(io.BytesIO(content))[exports.SHEET]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    return list(ws.iter_rows(values_only=True)), xml


def test_export_is_masked_formula_safe_audited_and_scoped(world, client):
    worker = world.users["station_worker"]
    trick = services.person_create(
        by=worker, name='=HYPERLINK("http://evil.example","点我")', address="+1",
        region=world.region("152201001002"), id_number=id_number_for("152201", "19700101", "057"),
    )  # fmt: skip
    client.force_login(worker)
    rows, xml = export_sheet(client.get("/people/imports/export.xlsx"))
    header, *people = rows
    assert header[0] == "姓名" and {p[0] for p in people} == {"乌力吉", "赵小宝", trick.name}
    wuliji = next(p for p in people if p[0] == "乌力吉")
    number = services.id_number_of(world.people["wuliji"])
    assert wuliji[1] == number[:6] + "********" + number[-4:] and wuliji[5] == "138****3456"
    assert number.encode() not in xml and b"13847123456" not in xml
    assert b"<f>" not in xml and b"HYPERLINK" in xml, "the trick name is text, not a formula"
    trick_row = next(p for p in people if p[0] == trick.name)
    assert trick_row[8] == "+1"
    event = AuditEvent.objects.get(action="person.export")
    assert event.changes["rows"] == 3 and event.changes["masked"] is True
    assert event.region_code == "152201001000"

    rows, _xml = export_sheet(client.get("/people/imports/export.xlsx?q=wlj"))
    assert [r[0] for r in rows[1:]] == ["乌力吉"]
    latest = AuditEvent.objects.filter(action="person.export").order_by("-id").first()
    assert latest.changes["filters"]["q"] == "wlj" and latest.changes["rows"] == 1

    client.force_login(world.users["volunteer_coordinator"])
    rows, _xml = export_sheet(client.get("/people/imports/export.xlsx"))
    assert {r[0] for r in rows[1:]} == {"乌力吉", trick.name}, "no children for volunteers"
    assert client.post("/people/imports/export.xlsx", {"reason": "核对"}).status_code == 403
    client.force_login(world.users["other_station_worker"])
    assert client.get("/people/imports/export.xlsx?region=152201001000").status_code == 404


def test_full_export_needs_a_reason_and_the_right_to_reveal(world, client):
    client.force_login(world.users["station_worker"])
    rows, _xml = export_sheet(
        client.post("/people/imports/export.xlsx", {"reason": "民政局年度核查"})
    )
    number = services.id_number_of(world.people["wuliji"])
    assert number in {r[1] for r in rows}
    event = AuditEvent.objects.get(action="person.export")
    assert event.changes["masked"] is False and event.changes["reason"] == "民政局年度核查"
    with pytest.raises(ValidationError):
        exports.people_export(by=world.users["station_worker"], reason="x")
