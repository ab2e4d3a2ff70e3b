"""Background jobs with progress: exports, imports, reports.

A module registers a handler for a job kind; ``job_start`` records the job and queues it on
commit (Celery in production, in-process in the embedded default). The handler reports
progress through ``JobContext.progress`` and returns the result file (or a summary dict).
Re-running a finished job does nothing, so a retried Celery task is harmless.

A worker killed in the middle of a job (OOM, SIGKILL, a node lost) would leave it "running"
for ever: Celery redelivers the message, but the job is no longer queued. So the running job
keeps a heartbeat (``heartbeat_at``: its claim and every progress report), and
``reclaim_stale_jobs`` (every few minutes on beat) takes back a job silent for longer than
``JOB_STALE_SECONDS``: queued again when its kind was registered ``idempotent=True`` (at most
``JOB_MAX_ATTEMPTS`` runs), otherwise marked failed with a message the progress page shows.
Every status change is a compare-and-set on (status, attempts), so a late worker that comes
back after its job was reclaimed cannot overwrite the outcome.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import BackgroundJob

logger = logging.getLogger(__name__)

# A running job without a heartbeat for this long lost its worker. Longer than any silent
# stretch of a handler (handlers report progress at least every few seconds while they work).
DEFAULT_STALE_SECONDS = 30 * 60
DEFAULT_MAX_ATTEMPTS = 3
RECLAIMED_MESSAGE = "失败：处理该任务的后台进程已中断（{minutes}分钟没有进展），请重新发起"


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
        """Record progress and the heartbeat (throttled to a write every ~0.5 s or at the end)."""
        import time

        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last < 0.5:
            return
        self._last = now
        fields = {"done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        if message:
            fields["message"] = message[:500]
        self._mine().update(**fields)

    def heartbeat(self) -> None:
        """For a long stretch without countable progress: the worker is alive."""
        self._mine().update(heartbeat_at=timezone.now())

    def _mine(self):
        # Only while the job is still this run's (not reclaimed meanwhile).
        return BackgroundJob.objects.filter(pk=self.job.pk, status=BackgroundJob.Status.RUNNING,
                                            attempts=self.job.attempts)


Handler = Callable[[JobContext], JobOutput]
_HANDLERS: dict[str, Handler] = {}
_IDEMPOTENT: set[str] = set()


def register_job(kind: str, *, idempotent: bool = False) -> Callable[[Handler], Handler]:
    """``idempotent=True``: running the handler again from the start is harmless (an export,
    a report); a job of that kind that lost its worker is queued again instead of failed."""

    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        if idempotent:
            _IDEMPOTENT.add(kind)
        else:
            _IDEMPOTENT.discard(kind)
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
    now = timezone.now()
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    job = BackgroundJob.objects.get(pk=job_id)
    if not claimed:
        return job
    mine = BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.RUNNING, attempts=job.attempts)
    try:
        output = _HANDLERS[job.kind](JobContext(job))
    except Exception as exc:
        logger.exception("background job %s failed", job.public_id)
        mine.update(status=BackgroundJob.Status.FAILED, finished_at=timezone.now(), message=f"失败：{exc}"[:500])
        return BackgroundJob.objects.get(pk=job.pk)
    job.refresh_from_db()
    fields: dict = {"status": BackgroundJob.Status.DONE, "finished_at": timezone.now(), "result": output.summary or {}}
    stored = ""
    if output.content:
        stored = default_storage.save(f"jobs/{job.public_id.hex}", ContentFile(output.content))
        fields.update(result_file=stored, result_name=output.filename)
    if job.total:
        fields["done"] = job.total
    if not mine.update(**fields):
        # Reclaimed while this worker was silent: the recorded outcome (failed, or a new run) stands.
        logger.warning("background job %s finished after it was reclaimed; result discarded", job.public_id)
        if stored:
            default_storage.delete(stored)
    return BackgroundJob.objects.get(pk=job.pk)


def reclaim_stale_jobs(now=None) -> dict[str, int]:
    """Running jobs whose worker went silent: queue again (idempotent kinds, attempts left) or
    fail with a clear message. Safe to run twice or on two nodes: each change is a
    compare-and-set on the heartbeat seen, so a job that reports progress meanwhile is kept."""
    now = now or timezone.now()
    stale_seconds = int(getattr(settings, "JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    max_attempts = int(getattr(settings, "JOB_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    cutoff = now - timedelta(seconds=stale_seconds)
    stale = (BackgroundJob.objects.filter(status=BackgroundJob.Status.RUNNING)
             .annotate(seen=Coalesce("heartbeat_at", "started_at", "created_at"))
             .filter(seen__lt=cutoff).values_list("pk", "kind", "attempts", "heartbeat_at", "started_at"))
    counts = {"requeued": 0, "failed": 0}
    for pk, kind, attempts, heartbeat_at, started_at in stale:
        same = BackgroundJob.objects.filter(pk=pk, status=BackgroundJob.Status.RUNNING, attempts=attempts,
                                            heartbeat_at=heartbeat_at, started_at=started_at)
        if kind in _IDEMPOTENT and kind in _HANDLERS and attempts < max_attempts:
            if same.update(status=BackgroundJob.Status.QUEUED, message="后台进程中断，已重新排队"):
                counts["requeued"] += 1
                logger.warning("background job %s lost its worker; queued again (run %s)", pk, attempts + 1)
                transaction.on_commit(lambda pk=pk: _queue(pk))
            continue
        message = RECLAIMED_MESSAGE.format(minutes=max(1, stale_seconds // 60))
        if attempts >= max_attempts and kind in _IDEMPOTENT:
            message += f"（已尝试{attempts}次）"
        if same.update(status=BackgroundJob.Status.FAILED, finished_at=now, message=message[:500]):
            counts["failed"] += 1
            logger.warning("background job %s lost its worker; marked failed", pk)
    return counts
