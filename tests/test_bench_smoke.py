"""The statistics benchmarks' code at size S, in the test process (CI's smoke test of
bench/): each produces its numbers, and the figures stay exact after the generator's fast
path and after concurrent writes. No timing is asserted (DESIGN.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import stats_dashboard  # noqa: E402
import stats_data  # noqa: E402
import stats_list  # noqa: E402
import stats_move  # noqa: E402
import stats_writes  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def size_s(transactional_db):
    """The S data (the catalogue first: a transactional test may follow a flush)."""
    from wushe.catalog.domains import ensure_domains
    from wushe.catalog.items import ensure_items
    from wushe.catalog.models import ServiceDomain, ServiceItem

    ensure_domains(ServiceDomain)
    ensure_items(ServiceItem, ServiceDomain)
    return stats_data.SIZES["S"]


def numbers(rows: list[dict], *keys: str) -> None:
    for row in rows:
        for key in keys:
            assert isinstance(row[key], int | float), (row["case"], key, row[key])


def test_generator_fast_path_equals_the_services_and_the_dashboard_measures(
    size_s, live_server, settings
):
    from wushe.stats.verify import stats_verify

    settings.ROOT_URLCONF = "urls_bench"  # the naive GROUP BY endpoint

    world = stats_data.generate(size_s, check=True)  # asserts stats_verify() == []
    assert world.visits == 50_000 and stats_verify() == []
    rows = stats_dashboard.measure(live_server.url, stats_dashboard.actors(), samples=3,
                                   naive_samples=1, commits=2)  # fmt: skip
    numbers(rows, "p50_ms", "p95_ms")
    dashboards = [r for r in rows if r["case"].startswith("dashboard ") and "pk" in r["target"]]
    assert len(dashboards) == 2 and all("one request" in r["case"] for r in dashboards)
    numbers(dashboards, "p95_vs_pk", "naive_p50_vs_this")
    afresh = [r for r in rows if r["case"].endswith("first read after a network change")]
    assert len(afresh) == 1
    numbers(afresh, "p95_vs_pk")
    assert stats_verify() == []  # the visits posted over the API are counted exactly


def test_list_benchmark_compares_the_api_with_raw_sql_returning_the_same_json(
    size_s, live_server, settings
):
    settings.ROOT_URLCONF = "urls_bench"
    stats_data.generate(size_s, check=False)
    region = stats_list.scope_region()
    rows = stats_list.measure(live_server.url, stats_list.lister(region), region, requests=2)
    assert [r["page"] for r in rows] == [1, 100, 1000]
    numbers(rows, "api_req_s", "raw_req_s", "api_vs_raw_req_s", "api_p50_vs_page_1")


def test_concurrent_writes_leave_the_figures_exact(size_s):
    stats_data.generate(size_s, check=False)
    rows = stats_writes.measure(4, 1.5, processes=False, full_verify=True)
    anchor, service = rows[0], rows[1]
    assert anchor["transactions"] > 0 and service["transactions"] > 0
    numbers([anchor, service], "tx_per_s", "vs_anchor", "lock_errors")
    verified = next(r for r in rows if r["case"].startswith("stats_verify"))
    assert verified["differences"] == 0


def test_region_move_benchmark_is_exact_afterwards(size_s):
    stats_data.generate(size_s, check=False)
    (row,) = stats_move.measure(full_verify=True)
    assert row["villages"] == 15 and row["people"] > 0
    assert row["differences_after"] == 0
    numbers([row], "seconds")
