"""Migration operations shared by the apps."""

from __future__ import annotations

from django.db import migrations


def drop_indexes(*names: str) -> migrations.RunSQL:
    """Only the indexes go: on SQLite, AlterField(db_index=False) would copy the whole table
    to drop one. Going back leaves them out: they were only ever a second way to the same
    rows. Pair it with the AlterFields in SeparateDatabaseAndState's state_operations."""
    return migrations.RunSQL(
        [f'DROP INDEX IF EXISTS "{name}"' for name in names], reverse_sql=migrations.RunSQL.noop
    )
