"""Notifications, queued on commit only (a rolled-back transition never notifies)."""

from __future__ import annotations

from django.db import transaction

from petitions.models import Petition


def notify_user(user, petition: Petition | None, text: str) -> None:
    if user is None:
        return
    user_id, petition_id = user.pk, petition.pk if petition is not None else None
    transaction.on_commit(lambda: _dispatch("user", user_id, petition_id, text))


def notify_petitioner(petition: Petition, text: str) -> None:
    """Named petitioners get in-app + SMS/e-mail; anonymous ones read their timeline."""
    petition_id = petition.pk
    transaction.on_commit(lambda: _dispatch("petitioner", None, petition_id, text))


def _dispatch(kind: str, user_id: int | None, petition_id: int | None, text: str) -> None:
    from petitions.tasks import deliver_notification

    deliver_notification.delay(kind=kind, user_id=user_id, petition_id=petition_id, text=text)
