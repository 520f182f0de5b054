"""Scope fails closed: a grant at a region covers what lies below it, and nothing else."""

import pytest

from wushe.network.models import Platform, Posting, Worker
from wushe.regions.models import Region

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {str(o) for o in qs}


def test_county_admin_sees_every_station_in_the_county(world):
    seen = names(Platform.objects.visible_to(world.users["county_admin"]))
    assert seen == {
        "乌兰浩特市社会工作服务中心",
        "爱国街道社工站",
        "和平街道社工站",
        "万佳社区社工室",
        "红云社区社工室",
    }


def test_station_worker_sees_only_their_township(world):
    seen = names(Platform.objects.visible_to(world.users["station_worker"]))
    assert seen == {"爱国街道社工站", "万佳社区社工室"}


def test_city_admin_sees_both_counties_but_not_beijing(world):
    seen = names(Platform.objects.visible_to(world.users["city_admin"]))
    assert "林海街道社工站" in seen and "爱国街道社工站" in seen
    assert "东华门街道社工站" not in seen


def test_outsider_sees_nothing_of_xingan(world):
    outsider = world.users["outsider"]
    assert names(Platform.objects.visible_to(outsider)) == {"东华门街道社工站"}
    assert not Region.objects.visible_to(outsider).filter(code__startswith="15").exists()


def test_user_without_role_sees_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    for model in (Platform, Posting, Worker, Region):
        assert not model.objects.visible_to(nobody).exists()


def test_inactive_user_sees_nothing(world):
    admin = world.users["county_admin"]
    admin.is_active = False
    admin.save()
    assert not Platform.objects.visible_to(admin).exists()


def test_station_worker_may_view_but_not_change(world):
    worker = world.users["station_worker"]
    assert Platform.objects.visible_to(worker, "view").exists()
    assert not Platform.objects.visible_to(worker, "change").exists()


def test_postings_are_scoped_through_their_platform(world):
    seen = {p.worker.name for p in Posting.objects.visible_to(world.users["other_station_worker"])}
    assert seen == {"孙丽"}
