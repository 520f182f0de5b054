"""Loading the vendored NBS 2023 statistical division codes (data/regions/, see SOURCE.md)."""

from __future__ import annotations

import csv
import lzma
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

DATA_DIR = Path(settings.BASE_DIR) / "data" / "regions"
# File, level, column holding the parent's code.
FILES = (
    ("provinces.csv.xz", 1, None),
    ("cities.csv.xz", 2, "provinceCode"),
    ("areas.csv.xz", 3, "cityCode"),
    ("streets.csv.xz", 4, "areaCode"),
    ("villages.csv.xz", 5, "streetCode"),
)
BATCH = 20_000


def pad(code: str) -> str:
    return code.ljust(12, "0")


@dataclass
class LoadResult:
    read: int = 0
    written: int = 0


def read_rows(provinces: Iterable[str] | None = None) -> Iterator[tuple[str, str, int, str | None]]:
    """(code, name, level, parent code) in level order, parents before children."""
    wanted = tuple(provinces) if provinces else None
    # Cities without counties (东莞, 中山, 儋州) and 金门 appear again one level down with
    # the same padded code: the first, higher-level row is kept.
    seen: set[str] = set()
    for filename, level, parent_column in FILES:
        with lzma.open(DATA_DIR / filename, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code = row["code"]
                if wanted and not code.startswith(wanted):
                    continue
                padded = pad(code)
                if padded in seen:
                    continue
                seen.add(padded)
                parent = pad(row[parent_column]) if parent_column else None
                yield padded, row["name"].strip(), level, parent


UPSERT = (
    "INSERT INTO regions_region (code, name, level, parent_id) {source} "
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, "
    "parent_id = excluded.parent_id "
    "WHERE regions_region.name <> excluded.name OR regions_region.level <> excluded.level "
    "OR regions_region.parent_id IS DISTINCT FROM excluded.parent_id"
)


def load_regions(
    provinces: Iterable[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Insert or update regions in one transaction; rows already equal are left untouched,
    so a second run writes nothing."""
    result = LoadResult()
    rows = read_rows(provinces)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _load_postgresql(cursor, rows, result, progress)
        else:
            _load_executemany(cursor, rows, result, progress)
        if result.written:
            from wushe.stats.live import network_changed

            network_changed()
    return result


def _load_executemany(cursor, rows, result: LoadResult, progress) -> None:
    sql = UPSERT.format(source="VALUES (%s, %s, %s, %s)")
    if connection.vendor == "sqlite":
        sql = sql.replace("IS DISTINCT FROM", "IS NOT")
    batch: list[tuple[str, str, int, str | None]] = []

    def flush() -> None:
        cursor.executemany(sql, batch)
        # The driver sums the rows each statement changed; unchanged rows count zero.
        result.written += max(cursor.rowcount, 0)
        batch.clear()
        if progress:
            progress(result.read)

    for row in rows:
        batch.append(row)
        result.read += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()


def _load_postgresql(cursor, rows, result: LoadResult, progress) -> None:
    """COPY into a temporary table, then one upsert: far faster than row-by-row inserts.
    (Foreign keys are deferred to commit, so the order of rows does not matter.)"""
    # Dropped explicitly too: inside an outer transaction (tests) ON COMMIT comes late.
    cursor.execute("DROP TABLE IF EXISTS region_load")
    cursor.execute(
        "CREATE TEMPORARY TABLE region_load (LIKE regions_region INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY region_load (code, name, level, parent_id) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            result.read += 1
            if progress and result.read % BATCH == 0:
                progress(result.read)
    cursor.execute(UPSERT.format(source="SELECT code, name, level, parent_id FROM region_load"))
    result.written = max(cursor.rowcount, 0)
    cursor.execute("DROP TABLE region_load")
    if progress:
        progress(result.read)
