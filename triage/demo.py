"""Demo data of triage: the default rules, two sensitive periods, and a triage of every demo
petition that has none yet (demo petitions registered before triage existed). Idempotent."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from petitions.models import Petition
from triage.models import SensitivePeriod, Triage
from triage.services import load_default_rules, triage_petition

PERIODS = [("全国两会", (3, 1), (3, 15)), ("国庆节", (9, 28), (10, 8))]


@transaction.atomic
def build_triage(years: tuple[int, ...] = (2025, 2026, 2027)) -> int:
    load_default_rules()
    for year in years:
        for name, start, end in PERIODS:
            SensitivePeriod.objects.get_or_create(name=f"{year}年{name}", defaults={
                "start": date(year, *start), "end": date(year, *end)})
    made = 0
    for petition in Petition.objects.exclude(pk__in=Triage.objects.values("petition_id")).order_by("received_at")[:2000]:
        triage_petition(petition, notify=False)
        made += 1
    return made
