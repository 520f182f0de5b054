"""The roster import in a real browser: 赵小红 uploads her roster, reads what is wrong with
it row by row, imports the good rows and finds the people in the list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.test_people_import import row, xlsx
from wushe.people import imports

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run_worker() -> None:
    """What `wushe worker` does beside the web server, while the page polls its status."""
    call_command("worker", batch=True)


def roster_file(rows: list[dict], name: str = "爱国街道花名册.xlsx") -> dict:
    return {"name": name, "mimeType": XLSX, "buffer": xlsx(rows)}


def test_worker_uploads_sees_the_bad_row_and_imports_the_good_ones(
    browser_world, page, base_url, log_in, page_errors
):
    good = [row(1, name="巴特尔"), row(2, name="其其格")]
    log_in("station_worker")
    page.goto(f"{base_url}/people/")
    page.locator("main").get_by_role("link", name="导入", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入花名册")

    page.get_by_label("花名册文件").set_input_files(roster_file([*good, row(3, name="")]))
    page.get_by_role("button", name="上传并检查").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("第 4 行")
    expect(problems).to_contain_text("姓名")
    expect(problems).to_contain_text("请填写姓名")
    expect(page.locator("main")).not_to_contain_text(good[0]["id_number"])

    page.get_by_role("button", name="确认导入 2 人").click()
    expect(page.locator(".messages")).to_contain_text("已导入 2 人")
    page.get_by_role("link", name="查看服务对象").click()
    table = page.locator("main table")
    expect(table).to_contain_text("巴特尔")
    expect(table).to_contain_text("其其格")
    assert page_errors == []


def test_a_large_roster_shows_progress_and_the_page_follows_the_worker(
    browser_world, page, base_url, log_in, page_errors, monkeypatch
):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 5)
    log_in("station_worker")
    page.goto(f"{base_url}/people/imports/")
    page.get_by_label("花名册文件").set_input_files(roster_file([row(i) for i in range(12)]))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#import-status")).to_contain_text("排队中")

    run_worker()
    expect(page.get_by_role("button", name="确认导入 12 人")).to_be_visible()
    page.get_by_role("button", name="确认导入 12 人").click()
    expect(page.locator("#import-status")).to_contain_text("排队中")
    run_worker()
    expect(page.get_by_role("button", name="撤销本批导入")).to_be_visible()
    expect(page.locator(".tiles")).to_contain_text("12")
    assert page_errors == []
