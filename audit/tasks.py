"""Scheduled work of the audit app (CELERY_BEAT_SCHEDULE in tongxin/settings.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def export_audit_head(directory: str | None = None) -> dict:
    """Daily: append the chain heads to the file outside the database (audit.heads)."""
    from audit.heads import export_heads

    path, heads = export_heads(directory)
    return {"path": str(path), **heads}
