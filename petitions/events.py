"""The petition's event table: one constructor for every event, hash-chained per petition."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from audit.hashing import GENESIS, chain_hash
from petitions.models import Petition, PetitionEvent

Kind = PetitionEvent.Kind


def append_event(
    petition: Petition,
    kind: str,
    *,
    at: datetime,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> PetitionEvent:
    """Append an event; the caller holds the petition's row lock and saves the petition after."""
    event = PetitionEvent(
        petition=petition,
        seq=petition.event_seq + 1,
        kind=kind,
        at=at,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),  # as it reads back
        public=public,
        prev_hash=petition.event_head or GENESIS,
    )
    event.hash = chain_hash(event.prev_hash, event.payload())
    event.save()
    petition.event_seq = event.seq
    petition.event_head = event.hash
    return event


def verify_petition_chain(petition: Petition) -> list[str]:
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    for event in petition.events.order_by("seq"):
        if event.seq != expected_seq:
            problems.append(f"{petition.number}: 事件序号 {expected_seq} 缺失")
            expected_seq = event.seq
        if event.prev_hash != prev or chain_hash(event.prev_hash, event.payload()) != event.hash:
            problems.append(f"{petition.number}: 事件 #{event.seq} 被篡改")
        prev = event.hash
        expected_seq += 1
    if petition.event_head and petition.event_head != prev:
        problems.append(f"{petition.number}: 事件链末端缺失")
    return problems
