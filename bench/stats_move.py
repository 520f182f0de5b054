"""区划调整: a township (~15 villages) moving to a county of another city (another county of
the same city where there is one city) with `region_move`, timed, and the figures exact
afterwards (`stats_verify` of the township, both counties, and everywhere below L).

Usage: .venv/bin/python bench/stats_move.py --size S|M|L [--reuse]
(add WUSHE_DATABASE_URL=… for PostgreSQL).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402


def target_county(township):
    """A county of another city, else another county of the same city."""
    from wushe.regions.models import Level, Region

    counties = Region.objects.filter(level=Level.COUNTY, code__startswith="44").order_by("-code")
    other_city = counties.exclude(code__startswith=township.code[:4]).first()
    return other_city or counties.exclude(code=township.parent_id).first()


def measure(*, full_verify: bool) -> list[dict]:
    import stats_data
    from stats_dashboard import user_with_role

    from wushe.casework.models import Visit
    from wushe.people.models import Person
    from wushe.regions.models import Region
    from wushe.regions.services import region_move
    from wushe.stats.verify import stats_verify

    township = stats_data.busiest_township()
    old_county = township.parent
    new_county = target_county(township)
    lo, hi = township.code_range
    villages = Region.objects.filter(parent=township).count()
    people = Person.objects.filter(region_id__gte=lo, region_id__lte=hi).count()
    visits = Visit.objects.filter(region_id__gte=lo, region_id__lte=hi).count()
    admin = user_with_role("bench_province", "province_admin", stats_data.province())
    before = {"township": len(stats_verify(township))}
    started = time.perf_counter()
    moved = region_move(by=admin, region=township, new_parent=new_county)
    seconds = time.perf_counter() - started
    if full_verify:  # the township, both counties and everything else at once
        checks = {"everywhere": stats_verify()}
    else:
        checks = {
            "township (new code)": stats_verify(moved),
            "old county": stats_verify(Region.objects.get(code=old_county.code)),
            "new county": stats_verify(Region.objects.get(code=new_county.code)),
        }
    # What `wushe worker` does next: the planner's statistics refreshed for the moved rows.
    from django.core.management import call_command

    worker_started = time.perf_counter()
    call_command("worker", batch=True)
    worker_seconds = time.perf_counter() - worker_started
    wrong = sum(len(d) for d in checks.values())
    mlo, mhi = moved.code_range
    assert Person.objects.filter(region_id__gte=mlo, region_id__lte=mhi).count() == people
    return [{
        "case": f"region_move {township.code} → under {new_county.code} (now {moved.code})",
        "villages": villages, "people": people, "visits": visits, "seconds": round(seconds, 2),
        "target": "≤ 2 s", "differences_before": before["township"], "differences_after": wrong,
        "checked": ", ".join(checks),
        "worker_afterwards_seconds": round(worker_seconds, 1),
    }]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="S")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    from serve import prepare

    backend, size = prepare(args.size, args.reuse)
    rows = measure(full_verify=size.name != "L")
    stem = write_results(
        "stats_move", backend,
        size.describe() + ("; data of an earlier run (--reuse)" if args.reuse else ""), rows,
        notes="One region_move: new region rows, every region-code column rewritten (people, "
        "households, search keys, visits, platforms …), the figures moved (a compaction "
        "first, then the township's totals leave its old ancestors and join the new ones, "
        "totals and marks recoded), the old rows removed, in one transaction. "
        "differences_after: stats_verify() differences summed over the regions checked "
        "(target 0). worker_afterwards_seconds: `wushe worker` then runs what the move "
        "queued (ANALYZE of the rewritten tables on PostgreSQL), not part of the move.",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
