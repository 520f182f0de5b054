"""The network pages as their users see them: scoping, the region tree, editing, phones."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from wushe.audit.models import AuditEvent

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def test_station_worker_gets_404_for_other_station(browser_world, page, base_url, log_in):
    # 孙丽 works at 和平街道; 爱国街道's station is not hers to see.
    station_a = browser_world.platforms["station_a"]
    station_b = browser_world.platforms["station_b"]
    log_in("other_station_worker")

    response = page.goto(f"{base_url}/network/platforms/{station_a.pk}/")
    assert response is not None and response.status == 404
    expect(h1(page)).to_have_text("未找到")
    expect(page.locator("main")).to_contain_text("不在您的管辖范围内")
    expect(page.locator("main")).not_to_contain_text("爱国街道社工站")

    response = page.goto(f"{base_url}/network/platforms/{station_b.pk}/")
    assert response is not None and response.status == 200
    expect(h1(page)).to_contain_text("和平街道社工站")
    team = page.locator("table").first
    expect(team).to_contain_text("孙丽")
    expect(team).not_to_contain_text("赵小红")


def test_county_admin_browses_and_edits(browser_world, page, base_url, log_in):
    # 张明 runs 乌兰浩特市: he finds 爱国街道's station through the tree and fixes its address.
    log_in("county_admin")
    page.get_by_role("navigation").get_by_role("link", name="服务平台").click()
    expect(page.locator(".pager")).to_contain_text("共 5 条")

    tree = page.locator(".region-tree")
    county = tree.locator(".tree-node", has=page.get_by_role("link", name="乌兰浩特市"))
    county.locator("[data-tree-toggle]").first.click()
    with page.expect_navigation():
        tree.get_by_role("link", name="爱国街道").click()
    expect(h1(page)).to_have_text("服务平台 · 爱国街道")
    expect(page.locator(".pager")).to_contain_text("共 2 条")
    rows = page.locator("main table tbody")
    expect(rows).to_contain_text("爱国街道社工站")
    expect(rows).to_contain_text("万佳社区社工室")
    expect(rows).not_to_contain_text("和平街道社工站")

    rows.get_by_role("link", name="爱国街道社工站").click()
    expect(h1(page)).to_contain_text("爱国街道社工站")
    page.get_by_role("link", name="编辑", exact=True).click()
    expect(h1(page)).to_have_text("编辑：爱国街道社工站")
    page.get_by_label("地址").fill("乌兰浩特市爱国街道兴安北大路 18 号")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    expect(page.locator(".messages")).to_contain_text("已保存")
    facts = page.locator("dl.facts").first  # the platform's facts, above its item list
    expect(facts).to_contain_text("乌兰浩特市爱国街道兴安北大路 18 号")
    page.screenshot(path=SCREENSHOTS / "wushe-desktop.png", full_page=True)

    station_a = browser_world.platforms["station_a"]
    event = AuditEvent.objects.get(action="platform.update", object_id=str(station_a.pk))
    assert event.actor_name == "county_admin"


def test_editing_a_platform_keeps_its_opening_date(browser_world, page, base_url, log_in):
    station_a = browser_world.platforms["station_a"]
    log_in("county_admin")
    page.goto(f"{base_url}/network/platforms/{station_a.pk}/edit/")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    station_a.refresh_from_db()
    assert station_a.opened_on == date(2022, 6, 1)


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_layout(browser_world, page, base_url, log_in):
    page.set_viewport_size(PHONE)
    page.goto(f"{base_url}/accounts/login/")
    assert page_width(page) <= PHONE["width"] + 1
    # Before login there is no menu to open, so there is no ☰ button either.
    expect(page.get_by_role("button", name="菜单")).to_have_count(0)

    log_in("county_admin")
    expect(page.get_by_role("button", name="菜单")).to_be_visible()
    station_a = browser_world.platforms["station_a"]
    page.goto(f"{base_url}/network/platforms/{station_a.pk}/")
    expect(h1(page)).to_contain_text("爱国街道社工站")
    assert page_width(page) <= PHONE["width"] + 1  # the team table scrolls inside its box

    page.goto(f"{base_url}/network/platforms/")
    expect(page.locator(".region-tree [data-tree-toggle]").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "wushe-phone.png", full_page=True)

    # The side menu stays off-screen until the ☰ button opens it.
    menu = page.get_by_role("navigation").get_by_role("link", name="服务平台")
    expect(menu).not_to_be_in_viewport()
    page.get_by_role("button", name="菜单").click()
    expect(menu).to_be_in_viewport()

    width = page_width(page)
    assert width <= PHONE["width"] + 1, f"the list is {width}px wide on a 390px phone"


def test_menu_button_on_the_login_page_does_no_harm(page, page_errors, base_url):
    page.set_viewport_size(PHONE)
    page.goto(f"{base_url}/accounts/login/")
    menu_button = page.get_by_role("button", name="菜单")
    if menu_button.is_visible():
        menu_button.click()
    page.wait_for_load_state("networkidle")
    assert page_errors == []
