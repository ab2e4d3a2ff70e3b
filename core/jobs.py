"""Background jobs with progress: exports, imports, reports.

A module registers a handler for a job kind; ``job_start`` records the job and queues it on
commit (Celery in production, in-process in the embedded default). The handler reports
progress through ``JobContext.progress`` and returns the result file (or a summary dict).
Re-running a finished job does nothing, so a retried Celery task is harmless.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.models import BackgroundJob

logger = logging.getLogger(__name__)


@dataclass
class JobOutput:
    filename: str = ""
    content: bytes = b""
    summary: dict | None = None


class JobContext:
    def __init__(self, job: BackgroundJob) -> None:
        self.job = job
        self._last = 0.0

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Record progress (throttled to a write every ~0.5 s or at the end)."""
        import time

        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last < 0.5:
            return
        self._last = now
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if message:
            fields["message"] = message[:500]
        BackgroundJob.objects.filter(pk=self.job.pk).update(**fields)


Handler = Callable[[JobContext], JobOutput]
_HANDLERS: dict[str, Handler] = {}


def register_job(kind: str) -> Callable[[Handler], Handler]:
    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def job_start(*, kind: str, title: str, owner, params: dict | None = None) -> BackgroundJob:
    if kind not in _HANDLERS:
        raise KeyError(f"no handler registered for job kind {kind!r}")
    job = BackgroundJob.objects.create(
        public_id=uuid.uuid4(), kind=kind, title=title[:200], owner=owner, params=params or {}
    )
    job_id = job.pk
    transaction.on_commit(lambda: _queue(job_id))
    return job


def _queue(job_id: int) -> None:
    from core.tasks import run_background_job

    run_background_job.delay(job_id)


def job_run(job_id: int) -> BackgroundJob:
    """Run a queued job once; safe to call twice (a finished or running job is left alone)."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now()
    )
    job = BackgroundJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        output = _HANDLERS[job.kind](JobContext(job))
    except Exception as exc:
        logger.exception("background job %s failed", job.public_id)
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=BackgroundJob.Status.FAILED, finished_at=timezone.now(), message=f"失败：{exc}"[:500]
        )
        return BackgroundJob.objects.get(pk=job.pk)
    job.refresh_from_db()
    if output.content:
        job.result_file.save(f"{job.public_id.hex}", ContentFile(output.content), save=False)
        job.result_name = output.filename
    job.result = output.summary or {}
    job.status = BackgroundJob.Status.DONE
    job.finished_at = timezone.now()
    if job.total:
        job.done = job.total
    job.save()
    return job
