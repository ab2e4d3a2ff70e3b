"""Scheduled work of the party app (CELERY_BEAT_SCHEDULE in tongxin/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_life_reminders() -> dict:
    """Daily: notify branch secretaries of organizational life still due before the period ends.

    Idempotent by itself (one LifeReminder row per branch × kind × period × recipient); the lock
    only keeps a second node from doing the same work at the same moment."""
    from django.utils import timezone

    from ops.locks import single_run
    from party.reminders import send_period_reminders
    from tongxin.lib.periods import local_date

    with single_run("party.send_life_reminders", ttl_seconds=3600) as mine:
        if not mine:
            return {"skipped": "another node is sending"}
        return send_period_reminders(local_date(timezone.now()))


@shared_task(acks_late=True)
def refresh_member_tally() -> dict:
    """Every 10 minutes: rebuild the dashboard's member tally (party.tally). The figures are exact
    without it; a fresh build only keeps the live correction small."""
    from ops.locks import single_run
    from party.tally import rebuild

    with single_run("party.refresh_member_tally", ttl_seconds=1800) as mine:
        if not mine:
            return {"skipped": "another node is building"}
        return rebuild()
