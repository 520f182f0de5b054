"""The registry in a real browser: find by pinyin initials, masked until revealed (audited),
and the ID number read aloud as it is typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import id_number_for
from wushe.audit.models import AuditEvent
from wushe.people.services import id_number_of

pytestmark = pytest.mark.browser


def test_worker_finds_by_initials_and_reveals_with_a_reason(browser_world, page, base_url, log_in):
    wuliji = browser_world.people["wuliji"]
    number = id_number_of(wuliji)
    log_in("station_worker")
    page.goto(f"{base_url}/people/")
    page.get_by_label("姓名 / 拼音 / 首字母 / 证件或电话尾号").fill("wlj")
    page.get_by_role("button", name="查询").click()
    table = page.locator("table")
    expect(table).to_contain_text("乌力吉")
    expect(table).not_to_contain_text("赵小宝")
    expect(table).to_contain_text(number[:6] + "********" + number[-4:])
    expect(page.locator("main")).to_contain_text("共 1 条")

    page.get_by_role("link", name="乌力吉").click()
    expect(page.locator("[data-field=id_number]")).not_to_contain_text(number)
    page.get_by_label("查看理由").fill("入户核实低保材料")
    page.get_by_role("button", name="查看完整信息").click()
    expect(page.locator("[data-field=id_number]")).to_have_text(number)
    expect(page.locator("[data-field=phone]")).to_have_text("13847123456")
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor_name == "station_worker" and event.changes["reason"] == "入户核实低保材料"

    page.goto(f"{base_url}/people/{wuliji.pk}/")  # a reveal is for that one answer only
    expect(page.locator("[data-field=id_number]")).not_to_contain_text(number)


def test_typing_an_id_number_tells_birth_date_age_gender_and_birthplace(
    browser_world, page, base_url, log_in
):
    log_in("station_worker")
    page.goto(f"{base_url}/people/new/")
    field = page.get_by_label("身份证号")
    field.fill("１５２２０１" + id_number_for("152201", "19500101", "046")[6:])  # full-width start
    info = page.locator("[data-id-info]")
    expect(info).to_contain_text("1950年1月1日")
    expect(info).to_contain_text("女")  # the 17th digit, 6, is even
    expect(info).to_contain_text("乌兰浩特市")
    field.fill(id_number_for("152201", "19500101", "046")[:-1] + "0")
    expect(page.locator("#id-info")).to_contain_text("校验位不符")
