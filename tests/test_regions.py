"""The vendored NBS 2023 codes load as a five-level tree, idempotently."""

import pytest

from wushe.regions.loader import load_regions
from wushe.regions.models import Region, code_range, level_of

pytestmark = pytest.mark.django_db


def test_code_range_is_the_subtree():
    assert code_range("152201000000", 3) == ("152201000000", "152201999999")
    assert code_range("152201001000", 4) == ("152201001000", "152201001999")
    assert level_of("150000000000") == 1 and level_of("152201001001") == 5


def test_loading_provinces_builds_the_tree_and_a_second_load_changes_nothing():
    first = load_regions(["15", "44"])
    assert first.written == first.read > 20_000
    xingan = Region.objects.get(code="152200000000")
    assert (xingan.name, xingan.level, xingan.parent_id) == ("兴安盟", 2, "150000000000")
    assert Region.objects.under(xingan).filter(level=3).count() == 6
    village = Region.objects.get(code="152201001001")
    assert (village.name, village.level, village.parent_id) == ("万佳社区居委会", 5, "152201001000")
    assert village.full_name == "内蒙古自治区兴安盟乌兰浩特市爱国街道万佳社区居委会"
    # 东莞 has no counties: its townships hang directly under the city.
    dongguan = Region.objects.get(code="441900000000")
    assert dongguan.level == 2
    assert Region.objects.get(code="441900003000").parent_id == "441900000000"
    # Only the provinces asked for.
    assert not Region.objects.filter(code__startswith="11").exists()

    second = load_regions(["15", "44"])
    assert second.read == first.read and second.written == 0


def test_a_renamed_region_is_updated_on_reload():
    load_regions(["15"])
    Region.objects.filter(code="152201001000").update(name="旧名")
    result = load_regions(["15"])
    assert result.written == 1
    assert Region.objects.get(code="152201001000").name == "爱国街道"
