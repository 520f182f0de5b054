"""Roster imports and exports over the API: 赵小红's collection app uploads a roster with
its personal token, reads the problems, commits, undoes; exports are masked unless a reason
is given, and nobody else can see her import jobs."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from tests.test_api import API, as_persona, bearer
from tests.test_people_import import row, xlsx
from wushe.accounts import services as account_services
from wushe.audit.models import AuditEvent
from wushe.people import exports, imports, services
from wushe.people.models import ImportBatch, Person

pytestmark = pytest.mark.django_db


def app_of(world, persona: str = "station_worker"):
    _token, plaintext = account_services.api_token_create(
        by=world.users[persona], name="花名册导入脚本"
    )
    return bearer(plaintext)


def send(client, content: bytes, name: str = "花名册.xlsx"):
    return client.post(f"{API}/people/imports", {"file": SimpleUploadedFile(name, content)})


def sheet_rows(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content))
    return list(wb[exports.SHEET].iter_rows(values_only=True))


def test_an_app_uploads_reads_problems_commits_and_undoes_with_its_token(world):
    app = app_of(world)
    rows = [row(1), row(2), row(3, name=""), row(4, region="152201002001")]
    answer = send(app, xlsx(rows))
    assert answer.status_code == 201, answer.content
    job = answer.json()
    assert (job["status"], job["running"]) == ("checked", False)
    assert (job["rows_total"], job["rows_new"], job["rows_failed"]) == (4, 2, 2)
    assert Person.objects.filter(name__in=[rows[0]["name"], rows[1]["name"]]).count() == 0

    problems = app.get(f"{API}/people/imports/{job['id']}/problems").json()
    assert {(p["row"], p["column"], p["kind"]) for p in problems} == {
        (4, "姓名", "error"), (5, "所在村（社区）区划代码", "error"),
    }  # fmt: skip
    assert any("不在您的管辖范围内" in p["message"] for p in problems)

    failed = app.get(f"{API}/people/imports/{job['id']}/failed.xlsx")
    assert failed.status_code == 200 and failed["Content-Type"] == exports.XLSX
    assert failed["Cache-Control"] == "no-store"
    table = sheet_rows(failed)
    assert table[0][-1] == "错误原因" and len(table) == 3
    assert "请填写姓名" in table[1][-1]

    done = app.post(f"{API}/people/imports/{job['id']}/commit").json()
    assert (done["status"], done["rows_created"]) == ("done", 2)
    created = list(ImportBatch.objects.get(pk=job["id"]).people.all())
    assert {services.id_number_of(p) for p in created} == {
        rows[0]["id_number"],
        rows[1]["id_number"],
    }

    again = send(app, xlsx(rows)).json()
    assert (again["rows_new"], again["rows_unchanged"], again["rows_failed"]) == (0, 2, 2)

    undone = app.post(f"{API}/people/imports/{job['id']}/undo").json()
    assert undone["status"] == "undone"
    assert not Person.objects.filter(pk__in=[p.pk for p in created]).exists()
    listed = app.get(f"{API}/people/imports?limit=1").json()
    assert listed["items"][0]["id"] == again["id"] and listed["next_after"] == again["id"]
    rest = app.get(f"{API}/people/imports?limit=1&after={listed['next_after']}").json()
    assert [i["id"] for i in rest["items"]] == [job["id"]] and rest["next_after"] is None


def test_a_file_that_cannot_be_read_is_a_422_in_plain_chinese(world):
    app = app_of(world)
    answer = send(app, b"not a zip")
    assert answer.status_code == 422
    assert "无法读取此 Excel 文件" in answer.json()["detail"][0]["message"]
    answer = send(app, xlsx([row(1)], ["姓名*", "民族"]))
    assert answer.status_code == 422 and "缺少必填列" in answer.json()["detail"][0]["message"]


@pytest.mark.django_db(transaction=True)  # the job is queued when the upload commits
def test_a_large_file_is_a_job_the_worker_runs_and_the_app_polls(world, monkeypatch):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 3)
    app = app_of(world)
    job = send(app, xlsx([row(i) for i in range(8)])).json()
    assert (job["status"], job["running"]) == ("uploaded", True)
    call_command("worker", batch=True)
    job = app.get(f"{API}/people/imports/{job['id']}").json()
    assert (job["status"], job["rows_new"], job["rows_done"]) == ("checked", 8, 8)
    assert app.post(f"{API}/people/imports/{job['id']}/commit").json()["status"] == "queued"
    call_command("worker", batch=True)
    job = app.get(f"{API}/people/imports/{job['id']}").json()
    assert (job["status"], job["rows_created"], job["running"]) == ("done", 8, False)


def test_nobody_else_sees_or_runs_an_import_job(world):
    job = send(app_of(world), xlsx([row(1)])).json()
    for persona in ("county_admin", "other_station_worker", "outsider"):
        other = as_persona(world, persona)
        assert other.get(f"{API}/people/imports/{job['id']}").status_code == 404
        assert other.get(f"{API}/people/imports/{job['id']}/problems").status_code == 404
        assert other.post(f"{API}/people/imports/{job['id']}/commit").status_code == 404
        assert other.get(f"{API}/people/imports").json()["items"] == []
    volunteer = as_persona(world, "volunteer_coordinator")
    assert send(volunteer, xlsx([row(2)])).status_code == 403
    assert volunteer.get(f"{API}/people/template.xlsx").status_code == 403
    assert ImportBatch.objects.count() == 1


def test_template_over_the_api_offers_the_callers_villages(world):
    answer = app_of(world).get(f"{API}/people/template.xlsx")
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    villages = [r[2] for r in wb[exports.OPTIONS_SHEET].iter_rows(values_only=True) if r[2]]
    assert villages and all(v.startswith("152201001") for v in villages)


def test_export_over_the_api_is_masked_unless_a_reason_is_given_and_is_audited(world):
    app = app_of(world)
    wuliji = world.people["wuliji"]
    number, phone = services.id_number_of(wuliji), services.phone_of(wuliji)
    masked = sheet_rows(app.get(f"{API}/people/export.xlsx?q=wlj"))
    assert [r[0] for r in masked[1:]] == ["乌力吉"]
    assert masked[1][1] == number[:6] + "********" + number[-4:] and masked[1][5] == "138****3456"

    full = app.post(
        f"{API}/people/export.xlsx", {"reason": "低保年审核对", "q": "wlj"},
        content_type="application/json",
    )  # fmt: skip
    assert full.status_code == 200
    assert sheet_rows(full)[1][1] == number and sheet_rows(full)[1][5] == phone
    events = AuditEvent.objects.filter(action="person.export").order_by("pk")
    assert [(e.changes["masked"], e.changes["rows"]) for e in events] == [(True, 1), (False, 1)]
    assert events.last().changes["reason"] == "低保年审核对"

    no_reason = app.post(
        f"{API}/people/export.xlsx", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    outside = app.get(f"{API}/people/export.xlsx?region=152201002000")
    assert outside.status_code == 404
    volunteer = as_persona(world, "volunteer_coordinator")
    refused = volunteer.post(
        f"{API}/people/export.xlsx", {"reason": "核对"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="person.export").count() == 2


def test_the_import_operations_are_in_the_openapi(world):
    schema = as_persona(world, "station_worker").get(f"{API}/openapi.json").json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "create_import", "get_import", "list_import_problems", "commit_import", "undo_import",
        "download_failed_rows", "download_template", "export_people", "export_people_revealed",
    } <= operations  # fmt: skip
    upload = schema["paths"][f"{API}/people/imports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
