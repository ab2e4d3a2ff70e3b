"""Data generator: a coal group's units and people, and N petitions with their events.

Rows are written with bulk inserts (no workflow), spread over five years, in realistic
proportions of states, categories and channels. Idempotent: tops the table up to N.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

BATCH = 5000


def ensure_group():
    from orgs.choices import Role, UnitKind
    from orgs.models import RoleAssignment, Unit, User
    from orgs.services import unit_create

    group = Unit.objects.filter(code="BENCH").first()
    if group is None:
        group = unit_create(code="BENCH", name="基准测试集团", kind=UnitKind.GROUP, parent=None)
        for c in range(3):
            company = unit_create(code=f"BENCH-C{c}", name=f"公司{c}", kind=UnitKind.COMPANY, parent=group)
            for m in range(4):
                mine = unit_create(code=f"BENCH-C{c}M{m}", name=f"煤矿{c}{m}", kind=UnitKind.MINE, parent=company)
                for t in range(5):
                    unit_create(code=f"BENCH-C{c}M{m}T{t}", name=f"区队{c}{m}{t}", kind=UnitKind.TEAM, parent=mine)
    mines = list(Unit.objects.filter(code__startswith="BENCH-", kind=UnitKind.MINE))
    users = list(User.objects.filter(employee_no__startswith="B"))
    if not users:
        teams = list(Unit.objects.filter(code__startswith="BENCH-", kind=UnitKind.TEAM))
        rnd = random.Random(7)
        users = [User(employee_no=f"B{i:06d}", name=f"职工{i}", home_unit=rnd.choice(teams), password="!") for i in range(2000)]
        User.objects.bulk_create(users, batch_size=BATCH)
        users = list(User.objects.filter(employee_no__startswith="B"))
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, unit=u.home_unit, role=Role.EMPLOYEE) for u in users], batch_size=BATCH
        )
    return group, mines, users


def generate_petitions(target: int, *, seed: int = 42, progress=print) -> int:
    from django.db import transaction
    from django.utils import timezone

    from audit.hashing import GENESIS
    from petitions.choices import Category, Channel, DueKind, State
    from petitions.models import NumberSequence, Petition, PetitionEvent

    _, mines, users = ensure_group()
    have = Petition.objects.count()
    if have >= target:
        return have
    rnd = random.Random(seed + have)
    now = timezone.now()
    states = [State.CLOSED] * 60 + [State.HANDLING] * 15 + [State.REGISTERED] * 5 + [State.ACCEPTED] * 5 + [
        State.REPLIED
    ] * 8 + [State.NOT_ACCEPTED] * 4 + [State.FINAL] * 1 + [State.WITHDRAWN] * 2
    categories, channels = Category.values, Channel.values
    seq = NumberSequence.objects.filter(year=1999).first()
    start = seq.last if seq else 0
    made = 0
    while have + made < target:
        n = min(BATCH, target - have - made)
        rows = []
        for i in range(n):
            k = start + made + i + 1
            received = now - timedelta(days=rnd.uniform(0, 5 * 365))
            state = rnd.choice(states)
            mine = rnd.choice(mines)
            open_ = state in (State.REGISTERED, State.ACCEPTED, State.HANDLING)
            rows.append(Petition(
                number=f"XF-1999-{k:07d}", public_id=uuid.uuid4(), channel=rnd.choice(channels),
                title=f"历史信访事项{k}", content="历史台账导入的信访内容，用于性能测试。" * 3,
                category=rnd.choice(categories), state=state, petitioner=rnd.choice(users),
                received_at=received, unit=mine, acceptance_due_at=received + timedelta(days=15),
                due_kind=DueKind.HANDLING if open_ else "", due_at=received + timedelta(days=75) if open_ else None,
                event_seq=1, event_head="0" * 64,
                handling_unit=mine if state == State.HANDLING else None,
                handler=rnd.choice(users) if state == State.HANDLING else None,
            ))
        with transaction.atomic():
            Petition.objects.bulk_create(rows, batch_size=BATCH)
            ids = Petition.objects.filter(number__in=[r.number for r in rows]).values_list("pk", "received_at")
            PetitionEvent.objects.bulk_create(
                [PetitionEvent(petition_id=pk, seq=1, kind="registered", at=at, to_state="registered",
                               prev_hash=GENESIS, hash="0" * 64) for pk, at in ids],
                batch_size=BATCH,
            )
            NumberSequence.objects.update_or_create(year=1999, defaults={"last": start + made + n})
        made += n
        if made % 100_000 < BATCH:
            progress(f"  generated {have + made:,} petitions")
    return have + made
