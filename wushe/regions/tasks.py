"""Background work after a 区划调整, run by `wushe worker`."""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from django.tasks import task


@task
def refresh_planner_statistics(labels: list[str]) -> list[str]:
    """ANALYZE the tables a move rewrote. PostgreSQL's autovacuum waits for a tenth of a
    table to change, so after moving a township its new county still looks empty to the
    planner, which then sorts the county's every visit for each page of a list instead of
    walking the key. SQLite's planner keeps no statistics of code ranges: nothing to do."""
    if connection.vendor != "postgresql":
        return []
    tables = [apps.get_model(label)._meta.db_table for label in labels]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables
