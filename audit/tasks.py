"""Scheduled work of the audit app (CELERY_BEAT_SCHEDULE in tongxin/settings.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def export_audit_head(self, directory: str | None = None, once_per_day: bool = False) -> dict:
    """Daily: append the chain heads to the file outside the database (audit.heads).

    Beat passes ``once_per_day``: a second beat, or a redelivered message, finds the day
    claimed (ops.locks.claim_period) and appends nothing; a failed export gives the day back.
    """
    from django.utils import timezone

    from audit.heads import export_heads
    from ops.locks import claim_period, release_period

    key = f"audit.export_head:{timezone.localdate():%Y-%m-%d}"
    if once_per_day and not claim_period(key):
        return {"skipped": key}
    try:
        path, heads = export_heads(directory)
    except Exception:
        if once_per_day:
            release_period(key)
        raise
    return {"path": str(path), **heads}
