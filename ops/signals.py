"""Every task attempt on a worker leaves a TaskRun row (the admin page of runs and failures).

Eager runs (the embedded default, no broker) are not recorded unless OPS_RECORD_EAGER_TASKS:
they happen inside the request that caused them and leave their trace in its log.
"""

from __future__ import annotations

import logging
import time
import traceback

from celery import signals
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
_started: dict[str, float] = {}


def _recorded(task) -> bool:
    if task is None or task.name.startswith("celery."):
        return False
    return not task.request.is_eager or getattr(settings, "OPS_RECORD_EAGER_TASKS", False)


def _safely(fn):
    """A broken record must never break the task it describes (the database may be restarting)."""

    def wrapper(*args, **kwargs):
        try:
            fn(*args, **kwargs)
        except DatabaseError as exc:
            logger.warning("task run not recorded: %s", exc)
            close_old_connections()

    return wrapper


@signals.task_prerun.connect
@_safely
def _prerun(sender=None, task_id=None, task=None, **kwargs):
    if not _recorded(task):
        return
    from ops.models import TaskRun

    _started[task_id] = time.monotonic()
    TaskRun.objects.update_or_create(
        task_id=task_id, attempt=task.request.retries or 0,
        defaults={"name": task.name[:200], "status": TaskRun.Status.STARTED, "started_at": timezone.now(),
                  "hostname": (task.request.hostname or "")[:200]},
    )


@signals.task_postrun.connect
@_safely
def _postrun(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs):
    if not _recorded(task):
        return
    from ops.models import TaskRun

    status = {"SUCCESS": TaskRun.Status.SUCCEEDED, "RETRY": TaskRun.Status.RETRYING}.get(state, TaskRun.Status.FAILED)
    started = _started.pop(task_id, None)
    fields = {"status": status, "finished_at": timezone.now()}
    if started is not None:
        fields["duration_ms"] = int((time.monotonic() - started) * 1000)
    if status == TaskRun.Status.SUCCEEDED:
        fields["result"] = repr(retval)[:500]
    elif isinstance(retval, BaseException):
        fields["error"] = "".join(traceback.format_exception(retval))[-4000:]
    TaskRun.objects.filter(task_id=task_id, attempt=task.request.retries or 0).update(**fields)
