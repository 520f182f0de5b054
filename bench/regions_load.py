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
        """The anchor: COPY on PostgreSQL, executemany on SQLite, rows already parsed."""
        columns = "(code, name, level, parent_id)"
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s)"  # noqa: S608
                cursor.executemany(sql, rows)

    def wipe() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    # The anchor runs before and after the first load (each into an empty table): its mean.
    anchor_before, _ = timed(raw_insert)
    wipe()
    first, result = timed(load_regions)
    wipe()
    anchor_after, _ = timed(raw_insert)
    anchor = (anchor_before + anchor_after) / 2
    wipe()
    load_regions()
    again, second = timed(load_regions)
    cases = [
        ("raw COPY (PostgreSQL) / executemany (SQLite), rows in memory: anchor", anchor, len(rows)),
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
