"""Transactional outbox: promised work survives a broker outage and runs its effects once.

``enqueue`` writes a row inside the caller's transaction (so a rolled-back transition promises
nothing and a committed one cannot lose its notification), and after commit publishes one
Celery message for all rows of that transaction. ``flush_outbox`` (beat, every minute)
publishes rows whose message was lost. A handler runs each side effect through
``Delivery.step``: database effects commit together with their mark (exactly once); external
ones (e-mail, SMS) are marked right after they succeed (at least once, repeated only if the
worker dies between sending and marking).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ops.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def _handler(path: str) -> Callable[[Delivery], Any]:
    """A handler is named by its dotted path, inside one of the project's apps."""
    if path.split(".", 1)[0] not in {app.split(".")[0] for app in settings.INSTALLED_APPS}:
        raise KeyError(f"outbox handler {path!r} is not in an installed app")
    return import_string(path)


def enabled() -> bool:
    """The outbox is used whenever a broker is: without one tasks run in-process anyway."""
    return bool(getattr(settings, "OPS_OUTBOX", False))


class _Publisher:
    """The on-commit callback of one transaction: publishes the ids enqueued in it, at once."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        publish(self.ids)


def _current_publisher() -> _Publisher:
    # A rolled-back transaction drops its callbacks with it, so a publisher found in the
    # pending callbacks belongs to the transaction still open.
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _Publisher):
            return entry[1]
    publisher = _Publisher()
    transaction.on_commit(publisher, robust=True)
    return publisher


def enqueue(handler: str, **payload: Any) -> OutboxMessage:
    message = OutboxMessage.objects.create(handler=handler, payload=payload)
    _current_publisher().ids.append(message.pk)
    return message


def publish(ids: list[int]) -> bool:
    """Hand the rows to Celery; False (logged, left for flush_outbox) when the broker is down."""
    if not ids:
        return True
    from ops.tasks import deliver_outbox

    try:
        deliver_outbox.apply_async(kwargs={"ids": ids}, retry=True)
    except Exception as exc:  # kombu/redis errors of every kind: the row stays pending
        logger.warning("outbox: publishing %d message(s) failed, flush_outbox will retry: %s", len(ids), exc)
        return False
    OutboxMessage.objects.filter(pk__in=ids).update(published_at=timezone.now())
    return True


class Delivery:
    """What a handler gets: the payload and ``step`` to run each effect once."""

    def __init__(self, message: OutboxMessage) -> None:
        self.message = message
        self.payload = message.payload

    def step(self, name: str, effect: Callable[[], Any]) -> bool:
        """Run ``effect`` unless it ran already; True when it ran now."""
        with transaction.atomic():
            row = OutboxMessage.objects.select_for_update().get(pk=self.message.pk)
            if row.progress.get(name):
                return False
            effect()
            row.progress[name] = timezone.now().isoformat()
            OutboxMessage.objects.filter(pk=row.pk).update(progress=row.progress)
            self.message.progress = row.progress
        return True


def deliver(message_id: int) -> bool:
    """Run one message's handler; True when it is done (now or before)."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.done_at is not None:
        return True
    OutboxMessage.objects.filter(pk=message_id).update(attempts=F("attempts") + 1)
    try:
        _handler(message.handler)(Delivery(message))
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id).update(last_error=f"{exc.__class__.__name__}: {exc}"[:500])
        raise
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=timezone.now(), last_error="")
    return True


def pending(unpublished_after: timedelta, republish_after: timedelta) -> list[int]:
    """Rows not done whose message may be lost: never published (the broker was down at
    commit), or published so long ago that the message must have been lost with a worker."""
    now = timezone.now()
    lost = Q(published_at__isnull=True, created_at__lte=now - unpublished_after) | Q(
        published_at__lte=now - republish_after
    )
    return list(
        OutboxMessage.objects.filter(lost, done_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at").values_list("pk", flat=True)[:5000]
    )
