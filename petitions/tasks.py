"""Celery tasks of the petition app: idempotent, retried with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_notification(self, *, kind: str, user_id: int | None, petition_id: int | None, text: str) -> int:
    from orgs.models import User
    from petitions.identity import unseal
    from petitions.models import Notification, Petition
    from petitions.sms import sms_backend

    petition = Petition.objects.filter(pk=petition_id).first() if petition_id else None
    if kind == "petitioner":
        if petition is None:
            return 0
        user = petition.petitioner
        phone = ""
        if not petition.is_anonymous and hasattr(petition, "identity"):
            phone = unseal(petition.identity).phone
    else:
        user = User.objects.filter(pk=user_id).first()
        phone = user.phone if user and user.phone else ""
    sent = 0
    if user is not None and not (petition and petition.is_anonymous and kind == "petitioner"):
        Notification.objects.create(user=user, petition=petition, text=text[:300])
        sent += 1
        if user.email:
            send_mail("【同心】信访事项通知", text, None, [user.email], fail_silently=False)
            sent += 1
    if phone:
        sms_backend().send(phone, f"【同心】{text}")
        sent += 1
    return sent


@shared_task
def sweep_deadlines() -> dict:
    from petitions.sweep import run_sweep

    return run_sweep()
