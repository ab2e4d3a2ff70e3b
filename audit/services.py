from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.hashing import GENESIS, chain_hash
from audit.middleware import current_origin
from audit.models import AuditChainHead, AuditEvent


@transaction.atomic
def audit_record(*, actor, action: str, target: models.Model | None, data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the audit chain inside the caller's transaction.

    Who (``actor``), when (now), from where (the request's address and browser, see
    audit.middleware), what (``action`` on ``target``) and why (in ``data``).
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
    origin = current_origin()
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),  # as it reads back
        ip=origin.ip,
        user_agent=origin.user_agent,
        prev_hash=head.last_hash,
    )
    event.hash = chain_hash(event.prev_hash, event.payload())
    event.save()
    AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


def audit_verify() -> list[str]:
    """The first broken link of the audit chain, as a one-item list (empty: intact).

    ``audit.verify`` walks every chain (this one and the petitions'); ``verify_audit`` is the
    command.
    """
    from audit.verify import verify_audit_chain

    problem = verify_audit_chain()
    return [problem] if problem else []
