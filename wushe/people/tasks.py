"""Background work of the registry: large roster imports, run by `wushe worker`."""

from django.tasks import task

from wushe.people import imports
from wushe.people.models import ImportBatch


def _counts(batch: ImportBatch) -> dict:
    return {
        "status": batch.status, "rows": batch.rows_total, "new": batch.rows_new,
        "created": batch.rows_created, "unchanged": batch.rows_unchanged,
        "conflict": batch.rows_conflict, "failed": batch.rows_failed,
    }  # fmt: skip


@task
def check_import(batch_id: int) -> dict:
    """The dry run of a large roster; the import page follows its progress."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    return _counts(imports.import_check(by=batch.created_by, batch=batch))


@task
def commit_import(batch_id: int) -> dict:
    """Write a checked roster's new people, all in one transaction."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    return _counts(imports.import_commit(by=batch.created_by, batch=batch))
