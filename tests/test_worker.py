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
