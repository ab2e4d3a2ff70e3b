"""Scheduled work of the engagement app: the monthly ability tests (idempotent)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def assign_monthly_tests() -> int:
    """One test per company and month for its petition staff; a re-run creates nothing."""
    from engagement.training import assign_monthly

    return assign_monthly()
