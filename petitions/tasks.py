"""Celery tasks of the petition app: idempotent, retried with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail

from ops.outbox import Delivery

logger = logging.getLogger(__name__)


def _send(kind: str, user_id: int | None, petition_id: int | None, text: str, step) -> int:
    """In-app notification, e-mail and SMS, each through ``step(name, effect)``."""
    from orgs.models import User
    from petitions.identity import unseal
    from petitions.models import Notification, Petition
    from petitions.numbering import with_number
    from petitions.sms import sms_backend

    petition = Petition.objects.filter(pk=petition_id).first() if petition_id else None
    # Written during the intake, before the number was drawn: the provisional number becomes the real one.
    text = with_number(text, petition)
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
        sent += step("inapp", lambda: Notification.objects.create(user=user, petition=petition, text=text[:300]))
        if user.email:
            sent += step("email", lambda: send_mail("【同心】信访事项通知", text, None, [user.email], fail_silently=False))
    if phone:
        sent += step("sms", lambda: sms_backend().send(phone, f"【同心】{text}"))
    return sent


def _always(name, effect) -> bool:
    effect()
    return True


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_notification(self, *, kind: str, user_id: int | None, petition_id: int | None, text: str) -> int:
    """Without the outbox (no broker): each effect once, in-process after commit."""
    return _send(kind, user_id, petition_id, text, _always)


def deliver_notification_once(delivery: Delivery) -> int:
    """From the outbox: a redelivered message skips the effects already marked done."""
    p = delivery.payload
    return _send(p["kind"], p.get("user_id"), p.get("petition_id"), p["text"], delivery.step)


@shared_task(acks_late=True)
def sweep_deadlines() -> dict:
    """Every 15 min on beat. The sweep is idempotent by itself (unique keys, compare-and-set);
    the lock only keeps a second node from doing the same work at the same time."""
    from ops.locks import single_run
    from petitions.sweep import run_sweep

    with single_run("petitions.sweep_deadlines", ttl_seconds=3600) as mine:
        if not mine:
            return {"skipped": "another node is sweeping"}
        return run_sweep()
