"""Generated coal group for the carbon benchmark: ``facilities`` facilities (mines, plants) under
three companies, ``years`` years of monthly activity data with 20 figures per facility-month,
the demo factor set. Rows are bulk-inserted (the services' per-month checks are what the tests
cover; here we need 720,000 rows in a minute).

    python bench/carbon/generate.py --facilities 300 --years 10   (then bench/carbon/run.py)
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

QUANTITIES = ("coal.underground", "ch4.vent", "ch4.drain", "ch4.util_power", "ch4.util_civil", "ch4.util_chemical",
              "ch4.flared", "co2.vent", "co2.drain", "co2.flared", "fuel.diesel", "fuel.bituminous", "fuel.gasoline",
              "fuel.natural_gas", "elec.purchased", "elec.supplied", "heat.purchased", "gangue.produced", "gangue.used",
              "water.discharged")
assert len(QUANTITIES) == 20


def month_figures(rnd: random.Random, cap: float) -> dict[str, Decimal]:
    out = cap * 1e6 / 12 * rnd.uniform(0.9, 1.1)
    drain = rnd.uniform(20, 200) * cap / 3
    v = {
        "coal.underground": out, "ch4.vent": rnd.uniform(30, 250) * cap / 3, "ch4.drain": drain,
        "ch4.util_power": drain * 0.4, "ch4.util_civil": drain * 0.1, "ch4.util_chemical": drain * 0.05,
        "ch4.flared": drain * 0.05, "co2.vent": rnd.uniform(5, 15), "co2.drain": rnd.uniform(1, 3),
        "co2.flared": rnd.uniform(0, 1), "fuel.diesel": rnd.uniform(20, 40), "fuel.bituminous": rnd.uniform(90, 220),
        "fuel.gasoline": rnd.uniform(2, 5), "fuel.natural_gas": rnd.uniform(0.5, 2),
        "elec.purchased": out * rnd.uniform(18, 24) / 1000, "elec.supplied": rnd.uniform(0, 50),
        "heat.purchased": rnd.uniform(100, 500), "gangue.produced": out * 0.12, "gangue.used": out * 0.1,
        "water.discharged": rnd.uniform(20, 40),
    }
    return {k: Decimal(f"{x:.3f}") for k, x in v.items()}


def generate(facilities: int = 300, years: int = 10, last_year: int = 2025, seed: int = 13) -> dict:
    from carbon import services
    from carbon.choices import QUANTITIES as Q
    from carbon.models import ActivityRecord, Facility, Target
    from orgs.choices import UnitKind
    from orgs.models import Unit, User
    from orgs.services import unit_create

    rnd = random.Random(seed)  # benchmark figures, not secrets
    if Facility.objects.filter(unit__code="BCG").exists() or Unit.objects.filter(code="BCG").exists():
        raise SystemExit("the database already holds the benchmark group: use a fresh DATABASE_URL")
    admin = User.objects.filter(employee_no="BENCH0").first() or User.objects.create_superuser("BENCH0", "基准管理员", "Bench@2026x")
    services.demo_factor_set(admin)
    group = unit_create(code="BCG", name="基准集团", kind=UnitKind.GROUP, parent=None, acting_user=admin)
    companies = [unit_create(code=f"BCG-C{i}", name=f"基准公司{i}", kind=UnitKind.COMPANY, parent=group, acting_user=admin)
                 for i in range(1, 4)]
    facs = []
    for i in range(facilities):
        unit = unit_create(code=f"BCG-M{i:03d}", name=f"基准煤矿{i:03d}", kind=UnitKind.MINE,
                           parent=companies[i % 3], acting_user=admin)
        facs.append(Facility(unit=unit, kind="mine", mining_method="underground",
                             gas_class=rnd.choice(["low", "high", "outburst"]),
                             capacity_mtpa=Decimal(f"{rnd.uniform(0.6, 15):.3f}")))
    Facility.objects.bulk_create(facs)
    facs = list(Facility.objects.filter(unit__code__startswith="BCG-M"))
    batch: list[ActivityRecord] = []
    rows = 0
    for fac in facs:
        cap = float(fac.capacity_mtpa)
        for y in range(last_year - years + 1, last_year + 1):
            for m in range(1, 13):
                for q, v in month_figures(rnd, cap).items():
                    batch.append(ActivityRecord(facility_id=fac.pk, month=date(y, m, 1), quantity=q, value=v,
                                                unit=Q[q].unit, tier="measured", entered_by_id=admin.pk))
                if len(batch) >= 20_000:
                    ActivityRecord.objects.bulk_create(batch)
                    rows += len(batch)
                    batch = []
    ActivityRecord.objects.bulk_create(batch)
    rows += len(batch)
    for y, v in ((last_year, "0.30"), (2030, "0.20")):
        Target.objects.create(unit=group, year=y, indicator="ghg.intensity", value=Decimal(v), created_by=admin)
    return {"group": group, "admin": admin, "facilities": len(facs), "rows": rows}
