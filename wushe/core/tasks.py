"""Queueing background work from a service, once its transaction has committed."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    """Queue `task(*args)` for `wushe worker` when the current transaction commits (at once
    outside one). Only for work that may be missed: a queue that is down is logged, and the
    write that asked stays done."""

    def enqueue() -> None:
        try:
            task.enqueue(*args)
        except Exception:  # noqa: BLE001 - the write stands; the work is an optimisation
            log.warning("could not queue %s", getattr(task, "name", task), exc_info=True)

    transaction.on_commit(enqueue)
