"""The three-level network: platforms at the right level, staffing history, coverage."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wushe.network import services
from wushe.network.coverage import coverage_by_child, coverage_for
from wushe.network.models import Platform, Posting, Status, Tier

pytestmark = pytest.mark.django_db


def test_station_must_sit_at_a_township(world):
    with pytest.raises(ValidationError) as exc:
        services.platform_create(
            by=world.users["county_admin"], tier=Tier.STATION,
            region=world.region("152201001001"), name="错位社工站",
        )  # fmt: skip
    assert "社工站应设在乡级区划" in exc.value.message_dict["region"][0]
    assert not Platform.objects.filter(name="错位社工站").exists()


def test_station_head_cannot_create_platforms(world):
    with pytest.raises(PermissionDenied):
        services.platform_create(
            by=world.users["station_head"], tier=Tier.ROOM,
            region=world.region("152201001002"), name="春阳社区社工室",
        )  # fmt: skip


def test_coverage_counts_townships_with_an_active_station(world):
    county = coverage_for(world.region("152201000000"))
    assert (county.covered_townships, county.townships) == (2, 2)
    assert (county.covered_villages, county.villages) == (2, 4)
    assert county.station_rate == 1.0 and county.room_rate == 0.5
    league = coverage_for(world.region("152200000000"))
    assert (league.covered_townships, league.townships) == (3, 4)
    assert league.centers == 1 and league.stations == 3 and league.rooms == 2


def test_suspending_a_station_lowers_coverage(world):
    services.platform_update(
        by=world.users["county_admin"], platform=world.platforms["station_b"],
        status=Status.SUSPENDED,
    )  # fmt: skip
    assert coverage_for(world.region("152201000000")).covered_townships == 1


def test_coverage_by_child_adds_up_to_the_parent(world):
    league = world.region("152200000000")
    rows = coverage_by_child(league)
    assert [child.name for child, _ in rows] == ["乌兰浩特市", "阿尔山市"]
    total = coverage_for(league)
    assert sum(c.covered_townships for _, c in rows) == total.covered_townships
    assert sum(c.townships for _, c in rows) == total.townships
    assert sum(c.rooms for _, c in rows) == total.rooms


def test_no_townships_means_no_rate_rather_than_zero(world):
    village = coverage_for(world.region("152201001001"))
    assert village.townships == 0 and village.station_rate is None


def test_team_history_keeps_ended_postings(world):
    posting = Posting.objects.get(worker=world.workers["worker_a"])
    services.posting_end(
        by=world.users["station_head"], posting=posting, ended_on=date(2024, 3, 31)
    )
    successor = services.worker_create(
        by=world.users["station_head"], name="白雪", region=world.region("152201001000")
    )
    services.posting_create(
        by=world.users["station_head"], platform=world.platforms["station_a"], worker=successor,
        post="resident_worker", started_on=date(2024, 4, 1),
    )  # fmt: skip
    current = {
        p.worker.name
        for p in Posting.objects.filter(platform=world.platforms["station_a"]).current()
    }
    assert current == {"陈志强", "白雪"}


def test_posting_cannot_end_before_it_started(world):
    posting = Posting.objects.get(worker=world.workers["worker_a"])
    with pytest.raises(ValidationError, match="离任日期不能早于任职日期"):
        services.posting_end(by=None, posting=posting, ended_on=date(2022, 1, 1))


def test_region_page_shows_coverage_and_children(world, client):
    client.force_login(world.users["city_admin"])
    body = client.get("/regions/152200000000/").content.decode()
    assert "75.0%" in body  # 3 of 4 townships in 兴安盟 of the test world
    assert "乌兰浩特市" in body and "阿尔山市" in body


def test_county_admin_creates_a_room_through_the_form(world, client):
    client.force_login(world.users["county_admin"])
    response = client.post(
        "/network/platforms/new/",
        {"tier": Tier.ROOM, "region": "152201001002", "name": "春阳社区社工室", "status": "active"},
    )
    room = Platform.objects.get(name="春阳社区社工室")
    assert response.status_code == 302 and response["Location"] == f"/network/platforms/{room.pk}/"


def test_form_error_names_the_field_and_reason(world, client):
    client.force_login(world.users["county_admin"])
    body = client.post(
        "/network/platforms/new/",
        {"tier": Tier.STATION, "region": "152201001002", "name": "错位社工站", "status": "active"},
    ).content.decode()
    assert "社工站应设在乡级区划" in body


def test_station_worker_cannot_open_the_edit_form(world, client):
    client.force_login(world.users["station_worker"])
    station = world.platforms["station_a"]
    assert client.get(f"/network/platforms/{station.pk}/").status_code == 200
    assert client.get(f"/network/platforms/{station.pk}/edit/").status_code == 403


def test_region_tree_lists_roots_then_children(world, client):
    client.force_login(world.users["county_admin"])
    roots = client.get("/regions/tree/?base=/network/platforms/").content.decode()
    assert "乌兰浩特市" in roots and "兴安盟" not in roots
    children = client.get(
        "/regions/tree/?parent=152201000000&base=/network/platforms/"
    ).content.decode()
    assert "爱国街道" in children and "和平街道" in children
    assert "/network/platforms/?region=152201001000" in children


def test_the_same_platform_cannot_be_registered_twice(world):
    with pytest.raises(ValidationError, match="爱国街道已有名为“爱国街道社工站”的社工站"):
        services.platform_create(
            by=world.users["county_admin"], tier=Tier.STATION,
            region=world.region("152201001000"), name="爱国街道社工站 ",
        )  # fmt: skip


def test_terms_in_the_same_post_cannot_overlap(world):
    head = world.users["station_head"]
    station = world.platforms["station_a"]
    deputy = services.worker_create(by=head, name="包乌云", region=world.region("152201001000"))
    services.posting_create(
        by=head, platform=station, worker=deputy, post="deputy",
        started_on=date(2023, 1, 1), ended_on=date(2025, 12, 31),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="在这段时间已在本平台担任此岗位"):
        services.posting_create(
            by=head, platform=station, worker=deputy, post="deputy", started_on=date(2025, 6, 1)
        )
    later = services.posting_create(
        by=head, platform=station, worker=deputy, post="deputy", started_on=date(2026, 1, 1)
    )
    assert later.started_on == date(2026, 1, 1)


def test_cannot_post_a_worker_from_outside_ones_scope(world):
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.posting_create(
            by=world.users["station_head"], platform=world.platforms["station_a"],
            worker=world.workers["worker_b"], post="resident_worker", started_on=date(2024, 1, 1),
        )  # fmt: skip


def test_bad_tier_and_gender_are_plain_validation_errors(world):
    with pytest.raises(ValidationError, match="层级“9”无效"):
        services.platform_create(by=None, tier=9, region=world.region("152201001000"), name="x")
    with pytest.raises(ValidationError, match="性别“X”无效"):
        services.worker_create(
            by=None, name="某人", region=world.region("152201001000"), gender="X"
        )


def test_renaming_onto_an_existing_name_is_refused(world):
    room = services.platform_create(
        by=None, tier=Tier.ROOM, region=world.region("152201001001"), name="万佳社区第二社工室"
    )
    with pytest.raises(ValidationError, match="已有名为“万佳社区社工室”"):
        services.platform_update(by=None, platform=room, name="万佳社区社工室")
