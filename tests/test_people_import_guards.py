"""What an import refuses to do, whatever is clicked twice, rounded by Excel or changed
underneath it: 赵小红's roster never writes someone else's number, never runs twice, never
undoes a colleague's work, and every copy of its plaintext rows is audited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tests.conftest import id_number_for
from tests.test_people_import import HEADERS, preview, problems, row, upload, xlsx
from wushe.audit.models import AuditEvent
from wushe.people import duplicates, exports, imports, services
from wushe.people.models import ImportBatch, Person

pytestmark = pytest.mark.django_db


def rounded_but_valid() -> str:
    """An 18-digit number ending in 000 whose check digit is right: what Excel's rounding of
    someone's real number to 15 significant digits can produce."""
    for sequence in range(10):
        number = id_number_for("152201", "19490305", f"{sequence}00")
        if number.endswith("000"):
            return number
    raise AssertionError("no such number in the range tried")


def test_an_id_number_stored_as_a_number_is_refused_even_when_its_check_digit_fits(world):
    number = rounded_but_valid()
    batch = preview(world, xlsx([row(1, id_number=int(number)), row(2)]))
    assert (batch.rows_new, batch.rows_failed) == (1, 1)
    assert problems(batch)[0]["column"] == "身份证号" and "文本" in problems(batch)[0]["message"]

    lines = [",".join(HEADERS), ",".join(row(3, id_number="1.52201E+17").get(c.key, "")
                                         for c in exports.COLUMNS)]  # fmt: skip
    batch = preview(world, "\n".join(lines).encode(), "名单.csv")
    assert batch.rows_failed == 1 and "文本" in problems(batch)[0]["message"]
    fifteen = id_number_for("152201", "19490305", "123")
    legacy = fifteen[:6] + fifteen[8:17]  # an old 15-digit number is exact as a number
    assert preview(world, xlsx([row(4, id_number=int(legacy))])).rows_new == 1


def test_a_second_commit_of_the_same_batch_is_refused_and_changes_nothing(world):
    worker = world.users["station_worker"]
    batch = preview(world, xlsx([row(1), row(2)]))
    stale = ImportBatch.objects.get(pk=batch.pk)  # what a second tab still holds
    imports.import_commit(by=worker, batch=batch)
    events = AuditEvent.objects.filter(action="person.import").count()
    with pytest.raises(ValidationError, match="已导入"):
        imports.import_commit(by=worker, batch=stale)
    with pytest.raises(ValidationError, match="不能再检查"):
        imports.import_check(by=worker, batch=stale)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_created) == (ImportBatch.Status.DONE, 2)
    assert AuditEvent.objects.filter(action="person.import").count() == events


def test_a_check_that_crashed_says_so_and_can_be_run_again(world, monkeypatch, client):
    worker = world.users["station_worker"]
    batch = imports.import_upload(by=worker, file=upload(xlsx([row(1)])))
    real = imports._scan

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_scan", broken)
    with pytest.raises(RuntimeError):
        imports.import_check(by=worker, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECK_FAILED and not batch.is_running
    client.force_login(worker)
    assert "重新检查" in client.get(f"/people/imports/{batch.pk}/").content.decode()
    monkeypatch.setattr(imports, "_scan", real)
    client.post(f"/people/imports/{batch.pk}/check/")
    batch.refresh_from_db()
    assert (batch.status, batch.rows_new) == (ImportBatch.Status.CHECKED, 1)


def test_undo_is_refused_once_a_colleague_has_decided_about_an_imported_person(world):
    worker = world.users["station_worker"]
    batch = imports.import_commit(by=worker, batch=preview(world, xlsx([row(1)])))
    imported = batch.people.get()
    duplicates.duplicate_decide(
        by=world.users["station_head"], first=world.people["wuliji"], second=imported, same=False
    )
    with pytest.raises(ValidationError, match="不能整批撤销"):
        imports.import_undo(by=worker, batch=batch)
    assert Person.objects.filter(pk=imported.pk).exists()


def test_downloading_the_failed_rows_is_audited(world, client):
    batch = preview(world, xlsx([row(1), row(2, name="")]))
    client.force_login(world.users["station_worker"])
    assert client.get(f"/people/imports/{batch.pk}/failed.xlsx").status_code == 200
    event = AuditEvent.objects.get(action="person.import_failed_rows")
    assert event.changes["rows"] == 1 and event.actor_name == "station_worker"


def test_a_server_file_changed_after_its_check_is_not_imported(world, tmp_path):
    worker = world.users["station_worker"]
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([row(1)]))
    batch = imports.import_check(by=worker, batch=imports.import_from_path(by=worker, path=path))
    assert batch.rows_new == 1
    path.write_bytes(xlsx([row(1), row(2)]))
    with pytest.raises(ValidationError, match="被修改过"):
        imports.import_commit(by=worker, batch=batch)
    assert not batch.people.exists() and services.find_by_id_number(row(2)["id_number"]) is None


def test_new_members_join_a_registered_household_only_in_its_village_and_never_as_a_head(world):
    worker = world.users["station_worker"]
    village, other = "152201001001", "152201001002"
    head = row(1, household="7", relation="户主", region=village, category="")
    spouse = row(2, household="7", relation="配偶", region=village, category="")
    first = imports.import_commit(by=worker, batch=preview(world, xlsx([head, spouse])))
    household = services.find_by_id_number(head["id_number"]).household
    assert first.rows_created == 2 and household is not None

    # The spouse's row now says another village (a registered person is never moved by a
    # file), and a child is listed there: the child would join a household in village 001.
    moved = [spouse | {"region": other}, row(3, household="7", relation="子女", region=other)]
    batch = preview(world, xlsx(moved))
    assert (batch.rows_new, batch.rows_failed, batch.rows_conflict) == (0, 1, 1)
    assert "已在 152201001001 登记" in [p for p in problems(batch) if p["row"] == 3][0]["message"]

    # A second head for the registered household is held back; a child joins it.
    again = [spouse, row(4, household="7", relation="户主", region=village)]
    batch = preview(world, xlsx(again))
    assert batch.rows_failed == 1 and "已有户主" in problems(batch)[0]["message"]
    child = row(5, household="7", relation="子女", region=village)
    batch = imports.import_commit(by=worker, batch=preview(world, xlsx([spouse, child])))
    assert batch.rows_created == 1
    assert services.find_by_id_number(child["id_number"]).household_id == household.pk


def test_a_held_back_household_comes_back_whole_through_the_failed_rows(world):
    worker = world.users["station_worker"]
    village = "152201001001"
    head = row(1, household="8", relation="户主", region=village, category="")
    imports.import_commit(by=worker, batch=preview(world, xlsx([head])))
    household = services.find_by_id_number(head["id_number"]).household_id
    child, grandchild = (
        row(2, household="8", relation="子女", region=village, phone="12"),
        row(3, household="8", relation="孙子女", region=village),
    )
    batch = imports.import_commit(by=worker, batch=preview(world, xlsx([head, child, grandchild])))
    assert (batch.rows_created, batch.rows_failed) == (0, 2)
    failed = imports.failed_rows(by=worker, batch=batch)
    assert [r[0] for r in failed] == [2, 3, 4] and "已登记，无需修改" in failed[0][-1]

    workbook = exports.roster_workbook(by=worker, failed=failed)
    fixed = load_workbook(io.BytesIO(workbook))
    phone = [c.header for c in exports.COLUMNS].index("联系电话") + 1
    fixed[exports.SHEET].cell(row=3, column=phone, value="13947120002")
    buffer = io.BytesIO()
    fixed.save(buffer)
    again = imports.import_commit(by=worker, batch=preview(world, buffer.getvalue()))
    assert (again.rows_created, again.rows_unchanged, again.rows_failed) == (2, 1, 0)
    for values in (child, grandchild):
        assert services.find_by_id_number(values["id_number"]).household_id == household
