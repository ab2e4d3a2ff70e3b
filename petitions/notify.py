"""Notifications, queued on commit only (a rolled-back transition never notifies).

With a broker (production) they go through the transactional outbox (ops.outbox): written in
the transition's transaction, so neither a broker outage nor a killed worker loses one."""

from __future__ import annotations

from django.db import transaction

from ops import outbox
from petitions.models import Petition

HANDLER = "petitions.tasks.deliver_notification_once"


def notify_user(user, petition: Petition | None, text: str) -> None:
    if user is None:
        return
    user_id, petition_id = user.pk, petition.pk if petition is not None else None
    if outbox.enabled():
        outbox.enqueue(HANDLER, kind="user", user_id=user_id, petition_id=petition_id, text=text)
        return
    transaction.on_commit(lambda: _dispatch("user", user_id, petition_id, text))


def notify_petitioner(petition: Petition, text: str) -> None:
    """Named petitioners get in-app + SMS/e-mail; anonymous ones read their timeline."""
    petition_id = petition.pk
    if outbox.enabled():
        outbox.enqueue(HANDLER, kind="petitioner", user_id=None, petition_id=petition_id, text=text)
        return
    transaction.on_commit(lambda: _dispatch("petitioner", None, petition_id, text))


def _dispatch(kind: str, user_id: int | None, petition_id: int | None, text: str) -> None:
    from petitions.tasks import deliver_notification

    deliver_notification.delay(kind=kind, user_id=user_id, petition_id=petition_id, text=text)
