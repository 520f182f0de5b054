"""Loading every region (NBS 2023, five levels) against a raw executemany of the same rows.

Usage: .venv/bin/python bench/regions_load.py   (add WUSHE_DATABASE_URL=… for PostgreSQL)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django, timed, write_results  # noqa: E402


def main() -> None:
    backend = setup_django()
    from django.db import connection, transaction

    from wushe.regions.loader import load_regions, read_rows

    rows = list(read_rows())
    table = connection.ops.quote_name("regions_region")

    def raw_insert() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (code, name, level, parent_id) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )

    def wipe() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    anchor, _ = timed(raw_insert)
    wipe()
    first, result = timed(load_regions)
    again, second = timed(load_regions)
    cases = [
        ("raw executemany INSERT (anchor; rows already in memory)", anchor, len(rows)),
        ("wushe regions load, empty table (read xz + parse + upsert)", first, result.written),
        ("wushe regions load again (idempotent, nothing changes)", again, second.written),
    ]
    results = [
        {"case": case, "seconds": round(seconds, 2), "rows": n,
         "ratio_to_anchor": round(anchor / seconds, 3)}
        for case, seconds, n in cases
    ]  # fmt: skip
    stem = write_results(
        "regions_load", backend, f"{len(rows):,} regions (all provinces)", results,
        notes="ratio_to_anchor = anchor seconds ÷ case seconds (1.0 = as fast as the raw insert).",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
