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


def load_regions(
    provinces: Iterable[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Insert or update regions in one transaction; rows already equal are left untouched,
    so a second run writes nothing."""
    table = connection.ops.quote_name("regions_region")
    sql = (
        f"INSERT INTO {table} (code, name, level, parent_id) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, "
        "parent_id = excluded.parent_id "
        f"WHERE {table}.name <> excluded.name OR {table}.level <> excluded.level "
        f"OR {table}.parent_id IS DISTINCT FROM excluded.parent_id"
    )
    if connection.vendor == "sqlite":
        sql = sql.replace("IS DISTINCT FROM", "IS NOT")
    result = LoadResult()
    batch: list[tuple[str, str, int, str | None]] = []
    with transaction.atomic(), connection.cursor() as cursor:

        def flush() -> None:
            cursor.executemany(sql, batch)
            # Both drivers sum the rows each statement changed; unchanged rows count zero.
            result.written += max(cursor.rowcount, 0)
            batch.clear()
            if progress:
                progress(result.read)

        for row in read_rows(provinces):
            batch.append(row)
            result.read += 1
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    return result
