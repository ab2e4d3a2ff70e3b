"""Deleting petitioners' personal data once it is no longer needed (PIPL 第十九条, 第四十七条).

A petition's record (content, events, notices, attachments) is kept as the organisation's
petition archive; who raised it is not kept longer than ``PERSONAL_DATA_RETENTION_DAYS``
(default five years) after the matter ended — closed, final, not accepted, withdrawn or
merged (``closed_at``). Then ``purge_personal_data`` deletes, per petition and in its own
transaction:

* the ``PetitionerIdentity`` row (name, phone, ID number, address, employee number,
  representatives — all of it, not a masked copy);
* the anonymous receipt's look-up digits and hash, so the receipt code no longer finds it;

and writes one ``identity.purged`` audit event naming the petition and what was deleted.
Attachments are evidence and stay (docs/security.md says what that means); so does the link
to the petitioner's own account, which only the petitioner's "我的信访" uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from petitions.choices import TERMINAL_STATES
from petitions.models import Petition, PetitionerIdentity


@dataclass(frozen=True)
class PurgedPetition:
    number: str
    identity: bool
    receipt: bool


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def due_for_purge(now: datetime | None = None) -> QuerySet[Petition]:
    """Ended matters past the retention period that still hold personal data."""
    return (
        Petition.objects.filter(state__in=sorted(TERMINAL_STATES), closed_at__lt=retention_cutoff(now))
        .filter(Q(identity__isnull=False) | ~Q(receipt_hash=""))
        .order_by("closed_at", "pk")
    )


def purge_personal_data(*, now: datetime | None = None, dry_run: bool = False) -> list[PurgedPetition]:
    now = now or timezone.now()
    done: list[PurgedPetition] = []
    for pk in list(due_for_purge(now).values_list("pk", flat=True)):
        with transaction.atomic():
            # Locked and checked again: a review requested meanwhile reopens the matter.
            petition = due_for_purge(now).select_for_update(of=("self",)).filter(pk=pk).first()
            if petition is None:
                continue
            identity = PetitionerIdentity.objects.filter(petition=petition)
            item = PurgedPetition(number=petition.number, identity=identity.exists(),
                                  receipt=bool(petition.receipt_hash))
            if dry_run:
                done.append(item)
                continue
            identity.delete()
            Petition.objects.filter(pk=pk).update(receipt_lookup="", receipt_hash="")
            audit_record(
                actor=None, action="identity.purged", target=petition,
                data={"identity": item.identity, "receipt": item.receipt, "state": petition.state,
                      "closed_at": petition.closed_at, "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS},
            )
            done.append(item)
    return done
