from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.hashing import GENESIS, chain_hash
from audit.models import AuditChainHead, AuditEvent


@transaction.atomic
def audit_record(*, actor, action: str, target: models.Model | None, data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the audit chain inside the caller's transaction."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),  # as it reads back
        prev_hash=head.last_hash,
    )
    event.hash = chain_hash(event.prev_hash, event.payload())
    event.save()
    AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


def audit_verify() -> list[str]:
    """Recompute the chain; return a description of every break found (empty: intact)."""
    problems: list[str] = []
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            problems.append(f"审计记录 #{event.id} 的前序哈希不连续（记录被删除或插入）")
        if chain_hash(event.prev_hash, event.payload()) != event.hash:
            problems.append(f"审计记录 #{event.id} 的内容与哈希不符（记录被篡改）")
        prev = event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        problems.append("审计链末端与链头不符（末尾记录被删除）")
    return problems
