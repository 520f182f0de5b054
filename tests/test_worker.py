"""Background work runs through the database task queue and `wushe worker`."""

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus

from wushe.audit.tasks import verify_audit_trail

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_runs_an_enqueued_task_to_completion(world):
    result = verify_audit_trail.enqueue()
    assert result.status == TaskResultStatus.READY
    call_command("worker", batch=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == []


def test_a_township_move_has_the_worker_refresh_the_planners_statistics(world):
    """PostgreSQL's autovacuum waits for a tenth of a table to change: after a 区划调整 the
    new county would still look empty to the planner, and its lists sort every visit."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from tests.test_casework import a_visit
    from wushe.regions.services import region_move

    a_visit(world)
    region_move(by=world.users["province_admin"], region=world.region("152201001000"),
                new_parent=world.region("152202000000"))  # fmt: skip
    queued = DBTaskResult.objects.get(task_path__endswith="refresh_planner_statistics")
    labels = queued.args_kwargs["args"][0]
    assert {"casework.Visit", "people.Person", "stats.Mark", "stats.Total"} <= set(labels)
    call_command("worker", batch=True)
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    if connection.vendor == "postgresql":
        assert "casework_visit" in queued.return_value
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
                ["casework_visit"],
            )
            assert cursor.fetchone() == (True,)
    else:
        assert queued.return_value == []
