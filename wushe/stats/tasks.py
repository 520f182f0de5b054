"""Background work of the figures, run by `wushe worker`."""

from django.tasks import task


@task
def compact_stats() -> int:
    """Fold the deltas written so far into the monthly totals."""
    from wushe.stats.compact import compact

    return compact()
