"""The figures: deltas written with the records, folded into totals, read for any region and
period, and always equal to what the records say (`stats verify`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.test_casework import an_open_case, item, run_to_evaluation
from wushe.casework import services
from wushe.casework.models import Visit
from wushe.stats import indicators
from wushe.stats.compact import compact
from wushe.stats.models import Delta, Total
from wushe.stats.query import Period
from wushe.stats.verify import stats_rebuild, stats_verify

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def visit(world, person="wuliji", when=None, by="station_worker", **kw):
    when = when or timezone.now() - timedelta(hours=1)
    return services.visit_create(
        by=world.users[by], person=world.people[person], visited_at=when,
        items=[item("elderly.home_visit" if person != "xiaobao" else "children.home_visit")], **kw,
    )[0]  # fmt: skip


def figure(world, code: str, region: str, period: Period):
    found = indicators.evaluate([indicators.get(code)], [world.region(region)], period)
    return found[(code, region)]


def test_records_move_the_figures_and_verify_finds_nothing_to_correct(world):
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    visit(world)
    visit(world)  # the same person twice: 2 visits, 1 person
    visit(world, person="hongyun", by="other_station_worker")
    assert figure(world, "visits", "152201000000", this) == 3
    assert figure(world, "people_visited", "152201000000", this) == 2
    assert figure(world, "visits", "152201001000", this) == 2
    assert figure(world, "visits", "152202000000", this) == 0
    assert figure(world, "people_registered", "152201000000", this) == 3
    assert stats_verify() == []
    folded = compact()
    assert folded > 0 and not Delta.objects.exists() and Total.objects.exists()
    assert figure(world, "visits", "150000000000", this) == 3  # read from totals now
    assert figure(world, "people_visited", "152201000000", this) == 2
    assert stats_verify() == []


def test_a_later_visit_leaves_the_distinct_counts_marks_as_they_were(world):
    """The person was already counted this month: the second visit locks the marks but
    writes no new row version of them (PostgreSQL), and an earlier one moves them."""
    from django.db import connection

    from wushe.stats.models import Mark

    def versions():
        if connection.vendor != "postgresql":
            return {m.pk: (m.region_code, m.day) for m in Mark.objects.all()}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, xmin::text, region_code, day FROM {Mark._meta.db_table}")
            return {pk: (xmin, code, day) for pk, xmin, code, day in cursor.fetchall()}

    now = timezone.now()
    visit(world, when=now - timedelta(minutes=30))
    before = versions()
    visit(world, when=now - timedelta(minutes=10))
    assert versions() == before
    earliest = now - timedelta(minutes=50)
    visit(world, when=earliest)  # the same day: the marks stay where they are
    assert stats_verify() == []
    yesterday = at(timezone.localdate() - timedelta(days=1))
    if yesterday.month == timezone.localdate().month:
        visit(world, when=yesterday)
        days = set(Mark.objects.filter(key__contains=":" + f"{yesterday:%Y-%m}")
                   .values_list("day", flat=True))  # fmt: skip
        assert yesterday.date() in days
    assert stats_verify() == []


def test_deleting_and_editing_a_visit_keep_the_figures_exact(world):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    # Two moments of today, both past, whatever the hour the test runs at.
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first = visit(world, when=midnight + (now - midnight) / 3)
    second = visit(world, when=midnight + (now - midnight) * 2 / 3)
    compact()
    services.visit_delete(by=world.users["station_worker"], visit=first, reason="重复录入")
    this = Period.month(today.year, today.month)
    assert figure(world, "visits", "152201000000", this) == 1
    assert figure(world, "people_visited", "152201000000", this) == 1  # the one moved
    services.visit_update(by=world.users["station_worker"], visit=second,
                          visited_at=at(last_month))  # fmt: skip
    assert figure(world, "visits", "152201000000", this) == 0
    assert figure(world, "people_visited", "152201000000", this) == 0
    before = Period.month(last_month.year, last_month.month)
    assert figure(world, "people_visited", "152201000000", before) == 1
    assert stats_verify() == []
    compact()
    assert stats_verify() == []
    assert not Visit.objects.filter(pk=first.pk).exists()


def test_a_correction_made_through_a_stale_copy_counts_from_what_is_stored(world):
    """Two people open the same visit; each moves it to last month. The second's copy still
    says this month, but the figures move from where the visit stood when it was saved:
    one visit, counted once, in last month."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    this = Period.month(today.year, today.month)
    before = Period.month(last_month.year, last_month.month)
    first = visit(world)
    stale = Visit.objects.get(pk=first.pk)
    worker = world.users["station_worker"]
    services.visit_update(by=worker, visit=first, visited_at=at(last_month))
    services.visit_update(by=worker, visit=stale, visited_at=at(last_month, 11))
    assert figure(world, "visits", "152201000000", this) == 0
    assert figure(world, "visits", "152201000000", before) == 1
    assert stats_verify() == []
    services.visit_delete(by=worker, visit=first, reason="重复录入")  # stale as well by now
    assert figure(world, "visits", "152201000000", before) == 0
    with pytest.raises(ValidationError, match="已被其他人删除"):  # not saved back to life
        services.visit_update(by=worker, visit=stale, visited_at=at(last_month, 12))
    assert not Visit.objects.filter(pk=first.pk).exists()
    assert stats_verify() == []


def test_a_correction_through_a_copy_read_before_a_move_keeps_the_new_village(world):
    """A visit opened before its township moved county (区划调整) and before a colleague's
    correction: saving it must neither put it back under the old village code (which no
    longer exists) nor undo the colleague's words."""
    from wushe.regions.services import region_move

    first = visit(world)
    stale = Visit.objects.get(pk=first.pk)
    worker = world.users["station_worker"]
    services.visit_update(by=worker, visit=first, risks="独居，行动不便")
    moved = region_move(
        by=world.users["province_admin"], region=world.region("152201001000"),
        new_parent=world.region("152202000000"),
    )  # fmt: skip
    worker = type(worker).objects.get(pk=worker.pk)  # its assignment moved with the township
    services.visit_update(by=worker, visit=stale, follow_up_on=timezone.localdate())
    stored = Visit.objects.get(pk=first.pk)
    assert stored.region_id.startswith(moved.code[:9]) and stored.risks == "独居，行动不便"
    assert stored.follow_up_on == timezone.localdate() and stale.region_id == stored.region_id
    assert stats_verify() == []


def test_cases_needs_and_their_stages_are_counted(world):
    case = run_to_evaluation(world, an_open_case(world))
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    assert figure(world, "cases_open", "152201000000", this) == 1
    assert figure(world, "case_services", "152201000000", this) == 1
    services.case_close(by=world.users["station_worker"], case=case, reason="goals_met")
    assert figure(world, "cases_open", "152201000000", this) == 0
    assert figure(world, "cases_closed", "152201000000", this) == 1
    need = services.need_create(
        by=world.users["station_worker"], person=world.people["wuliji"],
        domain=item("elderly.home_visit").domain, description="x",
    )  # fmt: skip
    assert figure(world, "needs_open", "152201000000", this) == 1
    services.need_resolve(by=world.users["station_worker"], need=need, status="met")
    assert figure(world, "needs_open", "152201000000", this) == 0
    assert figure(world, "needs_met", "152201000000", this) == 1
    assert stats_verify() == []


def test_a_stock_is_what_stood_at_the_end_and_a_flow_what_happened_in_the_period(world):
    today = timezone.localdate()
    next_year = Period.year(today.year + 1)
    assert figure(world, "people_registered", "152201000000", next_year) == 3
    assert figure(world, "archives_opened", "152201000000", next_year) == 0
    quarter = Period(date(2026, 1, 1), date(2026, 3, 1))
    assert figure(world, "people_visited", "152201000000", quarter) is None


def test_activity_funds_are_exact_in_yuan(world):
    from wushe.groupwork.services import activity_create

    activity_create(
        by=world.users["station_worker"], platform=world.platforms["station_a"], kind="community",
        title="重阳节敬老活动", held_on=timezone.localdate(), place="社区广场",
        social_workers=3, volunteers=12, donors=2, beneficiaries=80,
        items=[item("elderly.emotional_comfort")], funds_used=Decimal("1234.56"),
    )  # fmt: skip
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    assert figure(world, "activity_funds", "152201000000", this) == Decimal("1234.56")
    assert figure(world, "served_person_times", "152201000000", this) == 80
    assert stats_verify() == []


def test_rebuild_recovers_from_damage(world):
    visit(world)
    visit(world, person="hongyun", by="other_station_worker")
    compact()
    Total.objects.filter(region_code="152201000000").update(value=999)
    Delta.objects.create(series="visits", region_code="152201001001", day=timezone.localdate(),
                         value=5)  # fmt: skip
    damage = stats_verify()
    assert damage and any(d.region_code == "152201000000" for d in damage)
    stats_rebuild()
    assert stats_verify() == []
    Total.objects.filter(region_code="152201001001", series="visits").update(value=7)
    assert stats_verify(world.region("152201001000"))
    stats_rebuild(world.region("152201001000"))
    assert stats_verify() == []


def test_every_indicator_reads_series_that_exist():
    from wushe.stats.series import by_code

    known = set(by_code())
    for indicator in indicators.INDICATORS:
        for name in indicator.series:
            wanted = [f"{name}.month", f"{name}.year"] if indicator.reading == "distinct" else [
                name]  # fmt: skip
            assert set(wanted) <= known, (indicator.code, name)
        assert indicator.live is not None or indicator.series, indicator.code


def test_trend_and_breakdown_add_up_to_the_region(world):
    today = timezone.localdate()
    visit(world)
    visit(world, person="hongyun", by="other_station_worker")
    county = world.region("152201000000")
    this = Period.month(today.year, today.month)
    rows = indicators.by_child([indicators.get("visits")], county, this)
    assert sum(values["visits"] for _child, values in rows) == figure(
        world, "visits", "152201000000", this)  # fmt: skip
    months = indicators.trend(indicators.get("people_registered"), county,
                              this.first.replace(year=this.first.year - 1), this.first)  # fmt: skip
    assert months[-1][1] == 3 and months[0][1] == 0 and len(months) == 13


def test_the_api_gives_the_dashboards_figures_within_scope(world, login):
    visit(world)
    client = login(world.users["county_admin"])
    today = timezone.localdate()
    period = f"{today:%Y-%m}"
    body = client.get(f"/api/v1/stats/regions/152201000000/figures?period={period}"
                      "&indicators=visits,people_visited").json()  # fmt: skip
    assert [(f["indicator"], f["value"]) for f in body["figures"]] == [
        ("visits", "1"), ("people_visited", "1")]  # fmt: skip
    rows = client.get(f"/api/v1/stats/regions/152201000000/breakdown?period={period}"
                      "&indicators=visits").json()  # fmt: skip
    assert sum(int(r["values"]["visits"]) for r in rows["rows"]) == int(rows["total"]["visits"])
    assert client.get("/api/v1/stats/regions/152202000000/figures").status_code == 404
    bad = client.get("/api/v1/stats/regions/152201000000/figures?indicators=nope")
    assert bad.status_code == 422


def test_a_township_moving_county_keeps_every_figure_exact(world):
    from django.core.management import call_command

    from wushe.people.models import Person
    from wushe.regions.models import Region
    from wushe.regions.services import region_move

    visit(world)
    an_open_case(world)
    visit(world, person="hongyun", by="other_station_worker")
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    assert figure(world, "visits", "152201000000", this) == 2
    moved = region_move(
        by=world.users["province_admin"], region=world.region("152201001000"),
        new_parent=world.region("152202000000"),
    )  # fmt: skip
    assert moved.code.startswith("152202") and moved.parent_id == "152202000000"
    assert not Region.objects.filter(code__startswith="152201001").exists()
    wuliji = Person.objects.get(pk=world.people["wuliji"].pk)
    assert wuliji.region_id.startswith(moved.code[:9])
    regions = {r.code: r for r in Region.objects.all()}
    read = lambda code: indicators.evaluate(  # noqa: E731
        [indicators.get("visits")], [regions[code]], this
    )[("visits", code)]
    assert read("152201000000") == 1 and read("152202000000") == 1
    assert read("152200000000") == 2 and read(moved.code) == 1
    assert stats_verify() == []
    call_command("stats", "verify")  # raises on any difference
    # The station worker's assignment moved with the township.
    assert world.users["station_worker"].role_assignments.get().region_id == moved.code


def test_only_the_province_moves_regions(world):
    from django.core.exceptions import PermissionDenied

    from wushe.regions.services import region_move

    with pytest.raises(PermissionDenied):
        region_move(by=world.users["county_admin"], region=world.region("152201001000"),
                    new_parent=world.region("152202000000"))  # fmt: skip


def test_an_import_and_its_undo_and_a_transfer_keep_the_figures_exact(world):
    from tests.test_people_import import row, upload, xlsx
    from wushe.people import duplicates, imports
    from wushe.people.services import id_number_of

    worker = world.users["station_worker"]
    rows = [row(i, category="独居老人" if i % 2 else "") for i in range(1, 13)]
    batch = imports.import_preview(by=worker, file=upload(xlsx(rows)))
    batch = imports.import_commit(by=worker, batch=batch)
    assert batch.rows_created == 12
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    assert figure(world, "archives_opened", "152201001000", this) == 14  # 2 of the world's
    assert stats_verify() == []
    imports.import_undo(by=worker, batch=batch)
    assert figure(world, "archives_opened", "152201001000", this) == 2
    assert stats_verify() == []
    request = duplicates.transfer_request(
        by=world.users["other_station_worker"], id_number=id_number_of(world.people["wuliji"]),
        to_region=world.region("152201002001"), reason="搬家",
    )  # fmt: skip
    duplicates.transfer_decide(by=worker, request=request, accept=True)
    assert figure(world, "people_registered", "152201002000", this) == 2
    assert stats_verify() == []


def test_copies_read_before_a_transfer_neither_count_nor_save_the_old_village(world):
    from wushe.people import duplicates
    from wushe.people import services as people
    from wushe.people.models import Person
    from wushe.people.services import id_number_of

    stale = Person.objects.get(pk=world.people["wuliji"].pk)  # pages opened before
    other = Person.objects.get(pk=stale.pk)
    request = duplicates.transfer_request(
        by=world.users["other_station_worker"], id_number=id_number_of(stale),
        to_region=world.region("152201002001"), reason="搬家",
    )  # fmt: skip
    duplicates.transfer_decide(by=world.users["station_worker"], request=request, accept=True)
    entry = people.category_add(by=None, person=stale, category="dibao",
                                started_on=timezone.localdate())  # fmt: skip
    assert entry.person.region_id == "152201002001"
    people.person_update(by=None, person=other, address="新住址 1 号")  # saved whole
    assert Person.objects.get(pk=other.pk).region_id == "152201002001"
    assert stats_verify() == []


def test_marks_taken_in_many_statements_count_once_each(world, monkeypatch):
    """On PostgreSQL the statement that takes a write's marks also appends its deltas and a
    count for each new mark: with more marks than one statement takes, the deltas go with
    the first statement only, and every new mark is counted by the one that inserted it."""
    from wushe.core import sql
    from wushe.stats import record

    monkeypatch.setattr(sql, "PG_BATCH", 1)
    monkeypatch.setattr(record, "PG_BATCH", 1)
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        visit(world, "wuliji")
    visit(world, "wuliji", when=at(today - timedelta(days=40)))  # an earlier day: marks move
    visit(world, "xiaobao")
    if connection.vendor == "postgresql":
        assert sum(q["sql"].startswith("WITH marks") for q in queries) >= 2
    this = Period.month(today.year, today.month)
    assert figure(world, "visits", "152201001000", this) == 2
    assert stats_verify() == []


def _live(codes: list[str], period: Period) -> dict:
    from wushe.regions.models import Region

    regions = list(Region.objects.filter(code__in=codes).order_by("code"))
    chosen = [indicators.get(c) for c in ("stations", "station_coverage", "social_workers")]
    found = indicators.evaluate(chosen, regions, period)
    return {(i, c): v for (i, c), v in found.items()}


def test_live_figures_are_remembered_until_the_network_changes(transactional_db):
    """Outside a transaction a live reading is kept; the next service write to the network
    makes it stale at once, and a rolled-back write leaves the old figures standing."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import build_world
    from wushe.network import services as network_services
    from wushe.network.models import Tier
    from wushe.regions.models import Region

    world = build_world()
    today = timezone.localdate()
    period = Period.month(today.year, today.month)
    county = "152202000000"
    first = _live([county], period)
    assert first[("stations", county)] == 1
    assert first[("station_coverage", county)] == Decimal("50.0")  # 1 of 2 townships
    with CaptureQueriesContext(connection) as queries:
        assert _live([county], period) == first
    assert len(queries) == 2  # the regions and the network's token; no counting

    township = Region.objects.get(code="152202002000")
    network_services.platform_create(by=None, tier=Tier.STATION, region=township, name="新社工站")
    second = _live([county], period)
    assert second[("stations", county)] == 2
    assert second[("station_coverage", county)] == Decimal("100.0")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        station = world.platforms["station_c"]
        network_services.platform_update(by=None, platform=station, status="suspended")
        assert _live([county], period)[("stations", county)] == 1  # counted, not kept
        raise Undo
    assert _live([county], period) == second

    worker = network_services.worker_create(by=None, name="新社工", region=township)
    network_services.posting_create(
        by=None, platform=world.platforms["station_c"], worker=worker, post="resident_worker",
        started_on=today,
    )  # fmt: skip
    assert _live([county], period)[("social_workers", county)] == (
        second[("social_workers", county)] + 1
    )


def test_a_dashboard_reads_its_periods_and_child_regions_in_one_statement(world):
    """The headline's period, previous period and last year, or the children and the total
    row, are one round trip, with the same figures as reading them one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wushe.stats import dashboard

    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    visit(world)
    visit(world, when=at(this.previous().first.replace(day=15)))
    visit(world, person="hongyun", by="other_station_worker")
    compact()
    visit(world)  # a fresh delta next to the totals
    county = world.region("152201000000")
    chosen = [indicators.get(c) for c in ("visits", "people_visited", "people_registered")]
    periods = [this, this.previous(), this.last_year()]
    one_by_one = [indicators.evaluate(chosen, [county], p) for p in periods]
    with CaptureQueriesContext(connection) as queries:
        together = indicators.evaluate_each([(chosen, [county], p) for p in periods])
    reads = [q for q in queries if "stats_total" in q["sql"]]  # (PostgreSQL adds a SET LOCAL)
    assert together == one_by_one and len(reads) == 1
    assert together[0][("visits", county.code)] == 3

    with CaptureQueriesContext(connection) as queries:
        figures = dashboard.headline(county, this, ["visits", "people_visited"])
    assert len([q for q in queries if "stats_total" in q["sql"]]) == 1
    assert [(f.value, f.previous) for f in figures] == [(3, 1), (2, 1)]

    rows, total = indicators.by_child_and_total(chosen, county, this)
    assert total == {i.code: one_by_one[0][(i.code, county.code)] for i in chosen}
    assert sum(values["visits"] for _child, values in rows) == total["visits"]


@pytest.mark.django_db(transaction=True)
def test_writers_sharing_a_household_never_deadlock_and_the_figures_stay_exact():
    """Visits to the members of one household (they share its distinct-count marks) and
    corrections moving such visits earlier, all at once: every write goes through, and
    the figures still equal the records."""
    import threading

    from django.db import connection, connections

    from tests.conftest import build_world, run_together
    from wushe.people import services as people

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections; SQLite serialises writers anyway")
    world = build_world()
    village = world.region("152201001001")
    home = people.household_create(by=None, region=village)
    members = [
        people.person_create(by=None, name=f"成员{n}", region=village, household=home)
        for n in range(4)
    ]
    worker = world.users["station_worker"]
    now = timezone.now()
    # The visits corrected start half an hour into a month, so that the first correction of
    # each (an hour earlier) moves it into the month before, whatever the day the test runs.
    month = timezone.localtime(now - timedelta(days=1)).replace(
        day=1, hour=0, minute=30, second=0, microsecond=0
    )
    earlier = [
        services.visit_create(by=worker, person=m, items=[item("elderly.home_visit")],
                              visited_at=month)[0]
        for m in members
    ]  # fmt: skip
    barrier, failures = threading.Barrier(6), []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for k in range(12):
                if n < 4:
                    services.visit_create(
                        by=worker, person=members[(n + k) % 4],
                        items=[item("elderly.home_visit")],
                        visited_at=now - timedelta(hours=k + 1),
                    )  # fmt: skip
                else:
                    visit = earlier[(n + k) % 4]
                    visit.refresh_from_db()
                    services.visit_update(
                        by=worker, visit=visit, visited_at=visit.visited_at - timedelta(hours=1)
                    )
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    run_together(write, 6)
    assert failures == []
    assert Visit.objects.count() == 4 + 4 * 12
    assert stats_verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_change_held_back_by_anothers_lock_places_the_mark_seeing_it():
    """One transaction deletes a person's first visit of a month and holds its marks; another
    deletes the person's other visit meanwhile and waits for them. When it gets them, it must
    look at the visits again: placed from a look taken before the wait, the person's one for
    the month would go back to the first visit, deleted, and the person still be counted."""
    import threading

    from django.db import connections, transaction

    from tests.conftest import build_world
    from wushe.people import services as people

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections; SQLite serialises writers anyway")
    world = build_world()
    person = people.person_create(by=None, name="走访对象", region=world.region("152201001001"))
    worker = world.users["station_worker"]
    today = timezone.localtime()
    month = (today.replace(day=1) - timedelta(days=1)).replace(
        day=1, hour=9, minute=0, second=0, microsecond=0
    )  # the month before this one: every day below is in the past
    first, _ = services.visit_create(by=worker, person=person, visited_at=month,
                                     items=[item("elderly.home_visit")])  # fmt: skip
    second, _ = services.visit_create(by=worker, person=person,
                                      visited_at=month + timedelta(days=5),
                                      items=[item("elderly.home_visit")])  # fmt: skip
    holding, release, failures = threading.Event(), threading.Event(), []

    def delete_first() -> None:
        try:
            with transaction.atomic():
                services.visit_delete(by=worker, visit=Visit.objects.get(pk=first.pk),
                                      reason="重复登记")  # fmt: skip
                holding.set()
                release.wait(20)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(f"first: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    def delete_second() -> None:
        try:
            holding.wait(20)
            services.visit_delete(by=worker, visit=Visit.objects.get(pk=second.pk),
                                  reason="走错了人")  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(f"second: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=delete_first), threading.Thread(target=delete_second)]
    for thread in threads:
        thread.start()
    assert holding.wait(20)
    with connection.cursor() as cursor:  # until the second waits for the marks' lock
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the second change never waited for the first")
    release.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert not Visit.objects.filter(person=person).exists()
    assert stats_verify() == []
