"""The scoped list API (`GET /api/v1/visits?region=…&limit=50&after=…`) against a hand-written
raw-SQL endpoint returning the same JSON on the same server (`/bench/visits`,
bench/urls_bench.py), at pages 1, 100 and 1000 (keyset: `after` the last id seen).

Usage: .venv/bin/python bench/stats_list.py --size S|M|L [--reuse] [--requests N]
(add WUSHE_DATABASE_URL=… for PostgreSQL). The caller is the administrator of the county
with the most visits (at S, of the city: a county there has fewer than 50,000), one request
at a time; req/s is requests ÷ the time they took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402
from serve import Client, gunicorn, ok, p50, p95, prepare, sample  # noqa: E402

PAGES = (1, 100, 1000)
LIMIT = 50


def scope_region():
    """The county with the most visits, or the city when no county has 1000 pages."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from wushe.casework.models import Visit
    from wushe.regions.models import Region

    counts = (
        Visit.objects.annotate(county=Substr("region_id", 1, 6)).values("county")
        .annotate(n=Count("pk")).order_by("-n", "county")
    )  # fmt: skip
    top = counts.first()
    if top["n"] >= PAGES[-1] * LIMIT:
        return Region.objects.get(code=top["county"].ljust(12, "0"))
    return Region.objects.get(code=top["county"][:4].ljust(12, "0"))


def cursors(region) -> dict[int, int | None]:
    """`after` for each page: the id of the last row of the page before."""
    from wushe.casework.models import Visit

    lo, hi = region.code_range
    ids = Visit.objects.filter(region_id__gte=lo, region_id__lte=hi).order_by("-pk")
    return {
        page: None if page == 1 else ids.values_list("pk", flat=True)[(page - 1) * LIMIT - 1]
        for page in PAGES
    }


def measure(base: str, token: str, region, *, requests: int) -> list[dict]:
    client = Client(base, token)
    after = cursors(region)
    paths = {}
    for page in PAGES:
        query = f"?region={region.code}&limit={LIMIT}" + (
            f"&after={after[page]}" if after[page] else ""
        )
        paths[page] = (f"/api/v1/visits{query}", f"/bench/visits{query}")
        api, raw = (client.json(p) for p in paths[page])
        if api != raw:
            diff = next((a, r) for a, r in zip(api["items"], raw["items"], strict=False) if a != r)
            raise AssertionError(f"page {page}: the raw endpoint's JSON differs: {diff}")
        assert len(api["items"]) == LIMIT, f"page {page} has {len(api['items'])} rows"
    cases = {}
    for page in PAGES:
        cases[f"API page {page}"] = ok(client, paths[page][0])
        cases[f"raw SQL page {page}"] = ok(client, paths[page][1])
    started = time.perf_counter()
    found = sample(cases, requests)
    elapsed = time.perf_counter() - started
    rows = []
    for page in PAGES:
        api, raw = found[f"API page {page}"], found[f"raw SQL page {page}"]
        api_rps, raw_rps = 1000 / (sum(api) / len(api)), 1000 / (sum(raw) / len(raw))
        first = found["API page 1"]
        rows.append({
            "page": page, "api_p50_ms": round(p50(api), 1), "api_p95_ms": round(p95(api), 1),
            "api_req_s": round(api_rps, 1), "raw_p50_ms": round(p50(raw), 1),
            "raw_p95_ms": round(p95(raw), 1), "raw_req_s": round(raw_rps, 1),
            "api_vs_raw_req_s": round(api_rps / raw_rps, 2),
            "api_p50_vs_page_1": round(p50(api) / p50(first), 2),
        })  # fmt: skip
    print(f"  {len(cases) * requests} requests in {elapsed:.1f} s", file=sys.stderr)
    return rows


def lister(region) -> str:
    """A token of the region's administrator (county admin, or city admin at S)."""
    from stats_dashboard import token_for, user_with_role

    role = "county_admin" if region.level == 3 else "city_admin"
    return token_for(user_with_role(f"bench_{role}_{region.code}", role, region))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="S")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--requests", type=int, default=200, help="per case")
    args = parser.parse_args()
    backend, size = prepare(args.size, args.reuse)
    from wushe.casework.models import Visit

    region = scope_region()
    lo, hi = region.code_range
    in_scope = Visit.objects.filter(region_id__gte=lo, region_id__lte=hi).count()
    token = lister(region)
    with gunicorn() as base:
        rows = measure(base, token, region, requests=args.requests)
    stem = write_results(
        "stats_list", backend,
        f"{size.describe()}; the list scoped to {region.name} ({region.code}, "
        f"{in_scope:,} visits)" + ("; data of an earlier run (--reuse)" if args.reuse else ""),
        rows,
        notes="GET /api/v1/visits?region=…&limit=50&after=… (django-ninja, the scoped "
        "queryset, keyset pagination) against /bench/visits, hand-written SQL returning the "
        "same JSON (checked equal on each page), both on the same gunicorn server (2 sync "
        f"workers, DEBUG off), one request at a time, {args.requests} requests a case "
        "round-robin. Targets: api_vs_raw_req_s ≥ 0.6; page 1000 api_p50_vs_page_1 ≤ 1.5.",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))
    print(json.dumps(rows[0], ensure_ascii=False))


if __name__ == "__main__":
    main()
