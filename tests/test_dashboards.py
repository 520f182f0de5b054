"""Dashboards, the data wall, exports and targets: 张明 (county administrator) reads his
county's figures, drills down to a township and a village, downloads the tables, and sets
targets; people outside the region get 404s."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from tests.test_stats import visit
from wushe.audit.models import AuditEvent
from wushe.stats import dashboard, targets
from wushe.stats import indicators as catalogue
from wushe.stats.exports import HEADER_ROW
from wushe.stats.forms import next_period, period_choices
from wushe.stats.models import Target
from wushe.stats.query import Period
from wushe.stats.services import target_delete, target_set
from wushe.stats.templatetags.stats import change, format_exact, format_figure
from wushe.stats.verify import stats_verify

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIP, VILLAGE = "152201000000", "152201001000", "152201001001"
OTHER_TOWNSHIP, CITY, OTHER_COUNTY = "152201002000", "152200000000", "152202000000"
TILE = re.compile(r'class="tile stat-tile" data-indicator="(\w+)" data-value="([^"]*)"')
CELL = re.compile(r'data-indicator="(\w+)" data-value="([^"]*)"')
ROW = re.compile(r'<tr data-code="(\d{12})">(.*?)</tr>', re.S)


def this_month() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month)


def as_text(value) -> str:
    return "" if value is None else str(value)


def tiles(response) -> dict[str, str]:
    return dict(TILE.findall(response.content.decode()))


def table(response, key: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({row region code: {indicator: value}}, {indicator: total}) of a table on the page."""
    body = response.content.decode()
    found = body[body.index(f'id="table-{key}"') :]
    found = found[: found.index("</table>")]
    rows = {code: dict(CELL.findall(cells)) for code, cells in ROW.findall(found)}
    foot = found[found.index("<tfoot>") :] if "<tfoot>" in found else ""
    return rows, dict(CELL.findall(foot))


@pytest.fixture
def visits(world):
    """Three visits this month: two to 乌力吉 in 万佳社区 (爱国街道), one to 单田芳 in 红云社区."""
    visit(world)
    visit(world)
    visit(world, person="hongyun", by="other_station_worker")
    return world


# --- pages ----------------------------------------------------------------------------------


def test_county_dashboard_shows_the_figures_the_records_give(visits, login):
    world = visits
    response = login(world.users["county_admin"]).get(f"/stats/{COUNTY}/")
    assert response.status_code == 200
    shown = tiles(response)
    expected = catalogue.evaluate(
        [catalogue.get(c) for c in dashboard.HEADLINE], [world.region(COUNTY)], this_month()
    )
    assert shown == {code: as_text(expected[(code, COUNTY)]) for code in dashboard.HEADLINE}
    assert shown["visits"] == "3" and shown["people_visited"] == "2"
    assert stats_verify() == []


def test_breakdown_drills_down_and_its_total_is_the_headline(visits, login):
    response = login(visits.users["county_admin"]).get(f"/stats/{COUNTY}/?period=2026-11")
    rows, total = table(response, "breakdown")
    assert set(rows) == {TOWNSHIP, OTHER_TOWNSHIP}
    body = response.content.decode()
    assert f'href="/stats/{TOWNSHIP}/?period=2026-11"' in body
    assert f'href="/stats/{OTHER_TOWNSHIP}/?period=2026-11"' in body
    assert total == {k: v for k, v in tiles(response).items() if k in dashboard.BREAKDOWN}


def test_breakdown_rows_equal_each_child_and_the_rate_total_is_not_a_sum(visits, login):
    response = login(visits.users["county_admin"]).get(f"/stats/{COUNTY}/")
    rows, total = table(response, "breakdown")
    assert rows[TOWNSHIP]["visits"] == "2" and rows[OTHER_TOWNSHIP]["visits"] == "1"
    assert total["visits"] == "3"
    # Both townships have a station: each 100%, and the county 100%, not 200%.
    assert rows[TOWNSHIP]["station_coverage"] == "100.0"
    assert total["station_coverage"] == "100.0"


def test_township_dashboard_counts_its_own_villages_only(visits, login):
    response = login(visits.users["county_admin"]).get(f"/stats/{TOWNSHIP}/")
    assert tiles(response)["visits"] == "2"
    rows, total = table(response, "breakdown")
    assert rows[VILLAGE]["visits"] == "2" and rows["152201001002"]["visits"] == "0"
    assert f'href="/stats/{VILLAGE}/?period=' in response.content.decode()
    assert f'href="/stats/{COUNTY}/?period=' in response.content.decode()  # breadcrumb up


def test_village_dashboard_has_no_breakdown(visits, login):
    response = login(visits.users["county_admin"]).get(f"/stats/{VILLAGE}/")
    assert response.status_code == 200
    assert tiles(response)["visits"] == "2"
    assert 'id="table-breakdown"' not in response.content.decode()
    assert "本区划没有下级区划" in response.content.decode()


def test_platform_dashboard_is_its_regions(visits, login):
    station = visits.platforms["station_a"]
    response = login(visits.users["county_admin"]).get(f"/stats/platform/{station.pk}/")
    assert response.status_code == 200
    assert "爱国街道社工站" in response.content.decode()
    assert tiles(response)["visits"] == "2"


def test_station_worker_sees_own_township_but_not_the_county_or_another_township(visits, login):
    client = login(visits.users["other_station_worker"])
    assert client.get(f"/stats/{OTHER_TOWNSHIP}/").status_code == 200
    for url in [
        f"/stats/{COUNTY}/", f"/stats/{TOWNSHIP}/", f"/stats/{VILLAGE}/wall/",
        f"/stats/{TOWNSHIP}/export/breakdown.xlsx", f"/stats/{TOWNSHIP}/targets/",
        f"/stats/platform/{visits.platforms['station_a'].pk}/", f"/stats/{TOWNSHIP}/wall/map.json",
    ]:  # fmt: skip
        assert client.get(url).status_code == 404, url


def test_outsider_and_unknown_regions_get_404(visits, login):
    client = login(visits.users["outsider"])
    assert client.get(f"/stats/{COUNTY}/").status_code == 404
    assert client.get("/stats/999999999999/").status_code == 404
    assert client.get("/stats/110101000000/").status_code == 200


def test_statistics_menu_goes_to_the_users_own_region(world, login):
    client = login(world.users["county_admin"])
    response = client.get("/stats/")
    assert response.status_code == 302 and response["Location"] == f"/stats/{COUNTY}/"
    assert 'href="/stats/"' in client.get("/").content.decode()
    sysadmin = login(world.users["sysadmin"])
    assert sysadmin.get("/stats/").status_code == 404
    assert 'href="/stats/"' not in sysadmin.get("/").content.decode()


def test_volunteer_coordinator_has_no_dashboard(world, login):
    client = login(world.users["volunteer_coordinator"])
    assert client.get(f"/stats/{TOWNSHIP}/").status_code == 404


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "label"),
    [
        ("2026-11", "2026-11", "2026年11月"),
        ("2026q3", "2026Q3", "2026年第3季度"),
        ("2026", "2026", "2026年"),
        ("2026-13", None, None),
        ("<script>", None, None),
    ],
)
def test_period_is_read_from_the_query(world, login, text, key, label):
    response = login(world.users["county_admin"]).get(f"/stats/{COUNTY}/", {"period": text})
    assert response.status_code == 200
    period = response.context["period"]
    assert period == (Period.parse(key) if key else this_month())
    if label:
        assert label in response.content.decode()


def test_period_picker_offers_neighbours_and_the_chosen_period():
    chosen = Period.parse("2019Q2")
    keys = [k for k, _label in period_choices(chosen, today=date(2026, 11, 20))]
    assert keys[0] == "2019Q2"
    assert {"2026-11", "2025-12", "2026Q4", "2025Q1", "2026", "2024"} <= set(keys)
    assert "2025-11" not in keys and "2027Q1" not in keys
    assert next_period(Period.parse("2026Q4")).key == "2027Q1"
    assert next_period(Period.parse("2026-12")).key == "2027-01"


def test_quarter_dashboard_shows_a_dash_for_distinct_counts(visits, login):
    today = timezone.localdate()
    quarter = f"{today.year}Q{(today.month + 2) // 3}"
    response = login(visits.users["county_admin"]).get(f"/stats/{COUNTY}/?period={quarter}")
    shown = tiles(response)
    assert shown["people_visited"] == "" and shown["visits"] == "3"


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (13600, "人次", "1.36万人次"),
        (17000, "元", "1.7万元"),
        (Decimal("17000.00"), "元", "1.7万元"),
        (10000, "户", "1万户"),
        (9999, "户", "9,999户"),
        (1493, "户", "1,493户"),
        (Decimal("1234.56"), "元", "1,234.56元"),
        (250_000_000, "元", "2.5亿元"),
        (123_456_789_012, "人次", "1234.57亿人次"),
        (99_999_999, "人次", "1亿人次"),  # not “10000万”
        (Decimal("83.33"), "%", "83.3%"),
        (100, "%", "100.0%"),
        (0, "个", "0个"),
        (None, "个", "—"),
    ],
)
def test_figures_read_in_wan_and_yi(value, unit, text):
    assert format_figure(value, unit) == text


def test_tables_keep_every_digit():
    assert format_exact(1_234_567) == "1,234,567"
    assert format_exact(Decimal("17000.50")) == "17,000.50"
    assert format_exact(Decimal("66.666"), "%") == "66.7%"
    assert format_exact(None) == "—"


def test_change_shows_arrows_and_percentage_points_for_rates():
    visits_, rate = catalogue.get("visits"), catalogue.get("station_coverage")
    assert "↑ 50.0%" in change(dashboard.Figure(visits_, 3, 2, 0), "previous")
    assert "↑ 新增" in change(dashboard.Figure(visits_, 3, 2, 0), "last_year")
    assert "↓ 25.0%" in change(dashboard.Figure(visits_, 3, 4, None), "previous")
    assert "—" in change(dashboard.Figure(visits_, 3, 4, None), "last_year")
    assert "持平" in change(dashboard.Figure(visits_, 0, 0, 0), "previous")
    shown = change(dashboard.Figure(rate, Decimal("75.0"), Decimal("50.0")), "previous")
    assert "↑ 25.0 个百分点" in shown


# --- exports --------------------------------------------------------------------------------


def sheet_rows(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content)).active
    return [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def same(a, b) -> bool:
    return (a is None and b in (None, "")) or Decimal(str(a)) == Decimal(str(b))


def test_breakdown_export_equals_the_page_and_is_audited(visits, login):
    client = login(visits.users["county_admin"])
    page = client.get(f"/stats/{COUNTY}/")
    rows, total = table(page, "breakdown")
    response = client.get(f"/stats/{COUNTY}/export/breakdown.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *body = sheet_rows(response.content)
    codes = dashboard.BREAKDOWN
    assert header[0] == "区划" and header[1] == "乡镇社工站覆盖率（%）"
    assert [r[0] for r in body] == ["爱国街道", "和平街道", "合计"]
    for line, code in zip(body[:2], [TOWNSHIP, OTHER_TOWNSHIP], strict=True):
        assert all(same(v, rows[code][c]) for v, c in zip(line[1:], codes, strict=True))
    assert all(same(v, total[c]) for v, c in zip(body[2][1:], codes, strict=True))
    event = AuditEvent.objects.get(action="stats.export")
    assert event.actor == visits.users["county_admin"] and event.region_code == COUNTY
    assert event.changes["table"] == "breakdown" and event.changes["period"] == this_month().key


def test_trend_export_equals_the_trend_table(visits, login):
    client = login(visits.users["county_admin"])
    board = dashboard.build(visits.users["county_admin"], visits.region(COUNTY), this_month())
    response = client.get(f"/stats/{COUNTY}/export/trend.xlsx")
    header, *body = sheet_rows(response.content)
    assert header[0] == "月份" and len(body) == 12
    assert body[-1][0] == f"{this_month().first:%Y-%m}"
    for n, (indicator, points) in enumerate(board.trends, start=1):
        assert [line[n] for line in body] == [v for _m, v in points], indicator.code
    assert body[-1][1] == 3  # visits this month
    assert AuditEvent.objects.filter(action="stats.export", changes__table="trend").count() == 1


def test_unknown_table_is_404_and_not_audited(visits, login):
    client = login(visits.users["county_admin"])
    assert client.get(f"/stats/{COUNTY}/export/people.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="stats.export").exists()


def test_export_writes_formula_looking_names_as_text(world, login):
    region = world.region("152201001002")
    region.name = "=HYPERLINK(1)"
    region.save()
    response = login(world.users["county_admin"]).get(f"/stats/{TOWNSHIP}/export/breakdown.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


# --- targets --------------------------------------------------------------------------------

DUE = date(timezone.localdate().year, 12, 31)


def test_county_admin_sets_a_target_and_setting_again_updates_it(world):
    admin = world.users["county_admin"]
    first = target_set(by=admin, indicator="visits", region=world.region(COUNTY),
                       value=100, due_on=DUE, note="全年走访")  # fmt: skip
    again = target_set(by=admin, indicator="visits", region=world.region(COUNTY),
                       value="120", due_on=DUE)  # fmt: skip
    assert first.pk == again.pk and Target.objects.get().value == Decimal("120")
    events = AuditEvent.objects.filter(action="target.set").order_by("at", "pk")
    assert [e.changes["previous"] for e in events] == [None, "100.00"]


@pytest.mark.parametrize(
    ("indicator", "value", "field"),
    [
        ("no_such_thing", 1, "indicator"),
        ("station_coverage", 101, "value"),
        ("visits", -1, "value"),
        ("visits", "1.5", "value"),
        ("visits", "abc", "value"),
        ("activity_funds", "10.005", "value"),
    ],
)
def test_target_values_must_make_sense(world, indicator, value, field):
    with pytest.raises(ValidationError) as caught:
        target_set(by=world.users["county_admin"], indicator=indicator,
                   region=world.region(COUNTY), value=value, due_on=DUE)  # fmt: skip
    assert field in caught.value.error_dict


def test_targets_only_within_the_setters_scope(world):
    with pytest.raises(PermissionDenied):
        target_set(by=world.users["county_admin"], indicator="visits",
                   region=world.region(OTHER_COUNTY), value=1, due_on=DUE)  # fmt: skip
    with pytest.raises(PermissionDenied):
        target_set(by=world.users["station_worker"], indicator="visits",
                   region=world.region(TOWNSHIP), value=1, due_on=DUE)  # fmt: skip
    target_set(by=world.users["city_admin"], indicator="activity_funds",
               region=world.region(OTHER_COUNTY), value="1000.50", due_on=DUE)  # fmt: skip
    assert Target.objects.get().value == Decimal("1000.50")
    assert AuditEvent.objects.filter(action="target.set").count() == 1


def test_a_target_is_deleted_from_its_page_within_scope_and_audited(world, login):
    city_target = target_set(by=world.users["city_admin"], indicator="visits",
                             region=world.region(CITY), value=500, due_on=DUE)  # fmt: skip
    mine = target_set(by=world.users["county_admin"], indicator="visits",
                      region=world.region(COUNTY), value=100, due_on=DUE)  # fmt: skip
    client = login(world.users["county_admin"])
    page = client.get(f"/stats/{COUNTY}/targets/").content.decode()
    assert f"/stats/{COUNTY}/targets/{mine.pk}/delete/" in page
    # The city's target is outside the county's range: not found from the county's page.
    assert client.post(f"/stats/{COUNTY}/targets/{city_target.pk}/delete/").status_code == 404
    assert client.get(f"/stats/{COUNTY}/targets/{mine.pk}/delete/").status_code == 405
    answer = client.post(f"/stats/{COUNTY}/targets/{mine.pk}/delete/", follow=True)
    assert "已删除目标" in answer.content.decode()
    assert list(Target.objects.all()) == [city_target]
    (event,) = AuditEvent.objects.filter(action="target.delete")
    assert event.changes["value"] == "100.00" and event.region_code == COUNTY
    with pytest.raises(PermissionDenied):
        target_delete(by=world.users["station_worker"], target=city_target)


def test_rate_target_shows_progress_and_the_lagging_counties(world, login):
    """兴安盟 wants every township covered: 乌兰浩特 has both, 阿尔山 one of two."""
    target_set(by=world.users["city_admin"], indicator="station_coverage",
               region=world.region(CITY), value=100, due_on=date(2023, 12, 31))  # fmt: skip
    (found,) = targets.for_dashboard(world.region(CITY))
    assert found.current == Decimal("75.0") and found.percent == Decimal(75)
    assert found.overdue and not found.met
    assert [(lag.region.code, lag.value, lag.gap) for lag in found.lagging] == [
        (OTHER_COUNTY, Decimal("50.0"), Decimal("50.0"))
    ]
    body = login(world.users["city_admin"]).get(f"/stats/{CITY}/").content.decode()
    assert 'id="targets"' in body and f'data-code="{OTHER_COUNTY}"' in body
    # The city's target applies to 乌兰浩特 too, where no township lags.
    county = login(world.users["county_admin"]).get(f"/stats/{COUNTY}/").content.decode()
    assert 'data-indicator="station_coverage"' in county[county.index('id="targets"') :]
    assert "落后的下级区划" not in county


def test_count_target_judges_only_children_with_their_own(visits):
    admin = visits.users["county_admin"]
    target_set(by=admin, indicator="visits", region=visits.region(COUNTY), value=10, due_on=DUE)
    target_set(by=admin, indicator="visits", region=visits.region(TOWNSHIP), value=5, due_on=DUE)
    (county,) = targets.for_dashboard(visits.region(COUNTY))
    assert county.target.region_id == COUNTY
    assert county.current == 3 and county.percent == Decimal(30)
    assert [lag.region.code for lag in county.lagging] == [TOWNSHIP]  # 2 of 5; 和平 not judged
    township = targets.for_dashboard(visits.region(TOWNSHIP))
    assert [p.target.region_id for p in township] == [COUNTY, TOWNSHIP]
    assert township[1].current == 2 and township[1].bar == 40


def test_targets_page_lists_and_sets_targets(world, login):
    client = login(world.users["county_admin"])
    assert client.get(f"/stats/{COUNTY}/targets/").status_code == 200
    response = client.post(f"/stats/{COUNTY}/targets/", {
        "indicator": "station_coverage", "region": TOWNSHIP, "value": "100",
        "due_on": "2026-12-31", "note": "乡镇全覆盖",
    })  # fmt: skip
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.region_id, target.value, target.set_by) == (
        TOWNSHIP, Decimal(100), world.users["county_admin"])  # fmt: skip
    body = client.get(f"/stats/{COUNTY}/targets/").content.decode()
    assert "乡镇全覆盖" in body and f'data-code="{TOWNSHIP}"' in body


def test_targets_page_refuses_regions_out_of_scope_and_roles_without_the_right(world, login):
    client = login(world.users["county_admin"])
    response = client.post(f"/stats/{COUNTY}/targets/", {
        "indicator": "visits", "region": OTHER_COUNTY, "value": "1", "due_on": "2026-12-31",
    })  # fmt: skip
    assert response.status_code == 200 and "不在您的管辖范围内" in response.content.decode()
    response = client.post(f"/stats/{COUNTY}/targets/", {
        "indicator": "station_coverage", "region": COUNTY, "value": "120",
        "due_on": "2026-12-31",
    })  # fmt: skip
    assert "不能超过 100%" in response.content.decode()
    assert not Target.objects.exists()
    assert login(world.users["station_head"]).get(f"/stats/{TOWNSHIP}/targets/").status_code == 403
    assert 'href="/stats/' + COUNTY + '/targets/"' not in (
        login(world.users["supervisor"]).get(f"/stats/{COUNTY}/").content.decode()
    )


# --- the data wall --------------------------------------------------------------------------


def wall_data(response) -> dict:
    body = response.content.decode()
    found = re.search(r'<script id="wall-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(found[1])


def test_wall_renders_tiles_ranking_and_where_to_refresh_from(visits, login, settings, tmp_path):
    settings.GEOJSON_DIR = tmp_path
    response = login(visits.users["county_admin"]).get(f"/stats/{COUNTY}/wall/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="wall-body"' in body and 'id="wall-ranking"' in body and "wall-map" not in body
    data = wall_data(response)
    assert data["mapUrl"] is None and data["refreshSeconds"] == 30
    assert data["api"]["dashboard"] == f"/api/v1/stats/regions/{COUNTY}/dashboard"
    ranking = {i["code"]: i["value"] for i in data["ranking"]["items"]}
    assert ranking == {TOWNSHIP: 2, OTHER_TOWNSHIP: 1}  # 累计服务群众: the visits
    assert 'data-indicator="served_person_times" data-unit="人次" data-value="3"' in body
    assert "<script>" not in body and " style=" not in body  # CSP: no inline script or style
    assert login(visits.users["county_admin"]).get(
        f"/stats/{COUNTY}/wall/map.json").status_code == 404  # fmt: skip


def test_wall_draws_a_map_from_the_deployments_geojson(world, login, settings, tmp_path):
    settings.GEOJSON_DIR = tmp_path
    square = [[[122.0, 46.0], [122.1, 46.0], [122.1, 46.1], [122.0, 46.0]]]
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": 152201001, "name": "爱国"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"name": "和平街道"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]}  # fmt: skip
    (tmp_path / f"{COUNTY}.json").write_text(json.dumps(geojson), encoding="utf-8")
    client = login(world.users["county_admin"])
    response = client.get(f"/stats/{COUNTY}/wall/")
    assert wall_data(response)["mapUrl"] == f"/stats/{COUNTY}/wall/map.json"
    assert 'id="wall-map"' in response.content.decode()
    served = client.get(f"/stats/{COUNTY}/wall/map.json").json()
    assert [f["properties"]["name"] for f in served["features"]] == ["爱国街道", "和平街道"]
    # Another region's wall has no map of its own.
    assert wall_data(client.get(f"/stats/{TOWNSHIP}/wall/"))["mapUrl"] is None


def test_a_broken_geojson_file_falls_back_to_the_ranking(world, login, settings, tmp_path):
    settings.GEOJSON_DIR = tmp_path
    (tmp_path / f"{COUNTY}.json").write_text("not json", encoding="utf-8")
    client = login(world.users["county_admin"])
    assert client.get(f"/stats/{COUNTY}/wall/map.json").status_code == 404


def test_the_api_the_wall_refreshes_from_answers_the_same_figures(visits, login):
    client = login(visits.users["county_admin"])
    figures = client.get(f"/api/v1/stats/regions/{COUNTY}/figures?indicators=visits").json()
    assert Decimal(str(figures["figures"][0]["value"])) == 3
    rows = client.get(
        f"/api/v1/stats/regions/{COUNTY}/breakdown?indicators=served_person_times"
    ).json()["rows"]
    assert [Decimal(str(r["values"]["served_person_times"])) for r in rows] == [2, 1]


def test_the_dashboard_endpoint_answers_the_headline_and_breakdown_in_one(visits, login):
    """`/dashboard` is `/figures` and `/breakdown` in one answer, read in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(visits.users["county_admin"])
    base = f"/api/v1/stats/regions/{COUNTY}"
    month = timezone.localdate().strftime("%Y-%m")
    with CaptureQueriesContext(connection) as queries:
        both = client.get(f"{base}/dashboard?period={month}")
    figure_reads = [q["sql"] for q in queries if "stats_total" in q["sql"]]
    assert both.status_code == 200, both.content
    assert both.json()["figures"] == client.get(f"{base}/figures?period={month}").json()
    assert both.json()["breakdown"] == client.get(f"{base}/breakdown?period={month}").json()
    assert len(figure_reads) == 1
    narrowed = client.get(f"{base}/dashboard?indicators=visits&columns=served_person_times")
    (figure,) = narrowed.json()["figures"]["figures"]
    assert figure["indicator"] == "visits" and Decimal(str(figure["value"])) == 3
    rows = narrowed.json()["breakdown"]["rows"]
    assert [Decimal(str(r["values"]["served_person_times"])) for r in rows] == [2, 1]
    assert client.get(f"{base}/dashboard?columns=nonsense").status_code == 422
