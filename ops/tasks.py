"""Celery tasks of ops: the outbox and the housekeeping of task-run records."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

TASK_RUN_RETENTION_DAYS = 30


@shared_task(bind=True, acks_late=True, max_retries=8)
def deliver_outbox(self, ids: list[int]) -> dict:
    """Deliver the outbox rows of one transaction. A failed row is retried alone, with
    exponential backoff (2, 4, 8 … s, at most 10 min); flush_outbox catches what falls through."""
    from ops.outbox import deliver

    failed: list[int] = []
    for message_id in ids:
        try:
            deliver(message_id)
        except Exception:
            logger.exception("outbox message %s failed", message_id)
            failed.append(message_id)
    if failed:
        raise self.retry(kwargs={"ids": failed}, countdown=min(600, 2 ** (self.request.retries + 1)))
    return {"delivered": len(ids)}


@shared_task(acks_late=True)
def flush_outbox() -> dict:
    """Every minute: publish again what was never published or must have been lost."""
    from ops.locks import single_run
    from ops.outbox import pending, publish

    with single_run("flush_outbox", ttl_seconds=120) as mine:
        if not mine:
            return {"skipped": "another node is flushing"}
        ids = pending(timedelta(seconds=60), timedelta(seconds=settings.OPS_OUTBOX_REPUBLISH_SECONDS))
        for start in range(0, len(ids), 100):
            if not publish(ids[start:start + 100]):
                break
    return {"republished": len(ids)}


@shared_task(acks_late=True)
def prune_task_runs() -> int:
    from ops.models import OutboxMessage, TaskRun

    cutoff = timezone.now() - timedelta(days=TASK_RUN_RETENTION_DAYS)
    deleted, _ = TaskRun.objects.filter(started_at__lt=cutoff).delete()
    OutboxMessage.objects.filter(done_at__lt=cutoff).delete()
    return deleted
