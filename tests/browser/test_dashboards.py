"""张明, the county administrator, in a real browser: his county's dashboard, a drill down to
a township and a village by clicking, the figures equal to what the records say, a visit a
station worker has just saved showing on reload, and the data wall drawing and refreshing."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.test_stats import visit
from wushe.stats import charts, dashboard
from wushe.stats import indicators as catalogue
from wushe.stats.query import Period
from wushe.stats.verify import stats_verify

pytestmark = pytest.mark.browser

COUNTY, TOWNSHIP, VILLAGE = "152201000000", "152201001000", "152201001001"


def this_month() -> Period:
    from django.utils import timezone

    today = timezone.localdate()
    return Period.month(today.year, today.month)


def shown_tiles(page: Page) -> dict[str, str]:
    return page.eval_on_selector_all(
        ".stat-tile",
        "els => Object.fromEntries(els.map(e => [e.dataset.indicator, e.dataset.value]))",
    )


def expected_tiles(world, code: str) -> dict[str, str]:
    found = catalogue.evaluate(
        [catalogue.get(c) for c in dashboard.HEADLINE], [world.region(code)], this_month()
    )
    return {
        c: "" if found[(c, code)] is None else str(found[(c, code)]) for c in dashboard.HEADLINE
    }


def expect_charts_drawn(page: Page, count: int) -> None:
    """Every chart box holds an ECharts canvas with a size."""
    canvases = page.locator("[data-chart] canvas")
    expect(canvases).to_have_count(count)
    sizes = canvases.evaluate_all("cs => cs.map(c => c.width * c.height)")
    assert all(size > 0 for size in sizes)


def test_county_admin_drills_from_county_to_village_and_the_figures_match(
    browser_world, page, log_in, base_url, page_errors
):
    world = browser_world
    visit(world)
    visit(world)
    visit(world, person="hongyun", by="other_station_worker")
    log_in("county_admin")
    page.get_by_role("navigation").get_by_role("link", name="统计", exact=True).click()
    expect(page.locator("h1")).to_contain_text("乌兰浩特市")
    assert page.url.endswith(f"/stats/{COUNTY}/")
    assert shown_tiles(page) == expected_tiles(world, COUNTY)
    expect(page.locator(".stat-tile[data-indicator='visits'] .tile-value")).to_have_text("3次")
    expect_charts_drawn(page, len(dashboard.TRENDS) + 1)
    page.screenshot(path=str(SCREENSHOTS / "dashboard_county.png"), full_page=True)

    page.locator("#table-breakdown").get_by_role("link", name="爱国街道").click()
    expect(page.locator("h1")).to_contain_text("爱国街道")
    assert shown_tiles(page) == expected_tiles(world, TOWNSHIP)
    expect(page.locator(f"#table-breakdown tr[data-code='{VILLAGE}'] td[data-indicator='visits']"))\
        .to_have_text("2")  # fmt: skip

    page.locator("#table-breakdown").get_by_role("link", name="万佳社区居委会").click()
    expect(page.locator("h1")).to_contain_text("万佳社区居委会")
    assert shown_tiles(page) == expected_tiles(world, VILLAGE)
    expect_charts_drawn(page, len(dashboard.TRENDS) + 1)
    assert stats_verify() == []

    # Back up through the breadcrumb, choosing last year in the period picker.
    page.locator(".breadcrumb").get_by_role("link", name="乌兰浩特市").click()
    last_year = str(this_month().first.year - 1)
    page.get_by_label("统计期间").select_option(last_year)
    expect(page.locator("h1")).to_contain_text(f"{last_year}年")
    assert "period=" + last_year in page.url
    assert page_errors == []


def test_a_visit_saved_by_a_station_worker_shows_on_the_county_dashboard_on_reload(
    browser_world, page, log_in, base_url, page_errors
):
    world = browser_world
    visit(world)
    log_in("county_admin")
    page.goto(f"{base_url}/stats/{COUNTY}/")
    tile = page.locator(".stat-tile[data-indicator='visits']")
    expect(tile).to_have_attribute("data-value", "1")
    visit(world, person="hongyun", by="other_station_worker")  # committed by the service
    page.reload()
    expect(tile).to_have_attribute("data-value", "2")
    other = "#table-breakdown tr[data-code='152201002000'] td[data-indicator='visits']"
    expect(page.locator(other)).to_have_text("1")
    assert page_errors == []


def test_the_data_wall_draws_and_refreshes_itself(
    browser_world, page, log_in, base_url, page_errors
):
    world = browser_world
    visit(world)
    log_in("county_admin")
    page.goto(f"{base_url}/stats/{COUNTY}/")
    page.clock.install()
    page.get_by_role("link", name="数据大屏").click()
    expect(page.locator(".wall-head h1")).to_contain_text("乌兰浩特市")
    expect(page.locator("[data-wall] canvas")).to_have_count(4)  # 2 trends, ranking, categories
    stage = page.locator("#wall").evaluate("el => el.style.transform")
    assert "scale(" in stage  # fitted to the 1280×800 window
    served = page.locator(".wall-tile[data-indicator='served_person_times']")
    expect(served).to_have_attribute("data-value", "1")

    visit(world, person="hongyun", by="other_station_worker")
    page.clock.run_for(charts.REFRESH_SECONDS * 1000 + 1000)
    expect(served).to_have_attribute("data-value", "2")
    expect(served.locator(".wall-tile-value")).to_have_text("2人次")
    page.clock.run_for(5000)  # let the charts' animations end before the picture
    page.screenshot(path=str(SCREENSHOTS / "dashboard_wall.png"))
    page.get_by_role("button", name="全屏").click()
    assert page_errors == []


def square(x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_the_data_wall_draws_the_map_the_deployment_supplied(
    browser_world, page, log_in, base_url, page_errors, settings, tmp_path
):
    settings.GEOJSON_DIR = tmp_path
    townships = [("152201001", 122.0), ("152201002", 122.1)]
    (tmp_path / f"{COUNTY}.json").write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"adcode": code},
                      "geometry": square(x, 46.0)} for code, x in townships],
    }), encoding="utf-8")  # fmt: skip
    visit(browser_world)
    log_in("county_admin")
    page.goto(f"{base_url}/stats/{COUNTY}/wall/")
    expect(page.locator("#wall-map canvas")).to_have_count(1)
    expect(page.locator("#wall-ranking canvas")).to_have_count(1)
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('wall-map'))"
        ".getOption().series[0].data.map(d => [d.name, d.value])"
    )
    assert drawn == [["爱国街道", 1], ["和平街道", 0]]
    page.wait_for_timeout(1500)  # the animation, for the picture only
    page.screenshot(path=str(SCREENSHOTS / "dashboard_wall_map.png"))
    assert page_errors == []
