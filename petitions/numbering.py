from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from petitions.models import NumberSequence
from tongxin.lib.periods import local_date


def next_petition_number(at: datetime) -> str:
    """信访编号 XF-YYYY-NNNNNN. Must run inside the caller's transaction: the year's
    sequence row is incremented in place, so concurrent intakes queue on its row lock
    and never draw the same number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_petition_number must run inside the intake transaction")
    year = local_date(at).year
    updated = NumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        NumberSequence.objects.get_or_create(year=year, defaults={"last": 0})
        NumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = NumberSequence.objects.values_list("last", flat=True).get(year=year)
    return f"XF-{year}-{last:06d}"
