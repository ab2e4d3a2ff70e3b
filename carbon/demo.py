"""Demo data of the carbon module, built through its services (idempotent: a second run adds nothing).

Facilities on the demo tree's mines and plants, the demo factor set, monthly activity figures for
last year and this year up to last month (one month of 同忻煤矿 left missing, one outlier explained),
the Yungang demonstration line (1,280 t CO2 from units 3 and 4 into carbon nanotubes), targets to
2030, inventory runs, a draft report, a verifier and a saved scenario."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from carbon import services
from carbon.choices import FacilityKind, GasClass, Indicator, MiningMethod, SourceCode
from carbon.models import ActivityRecord, CcusProject, Facility, Report, Scenario, Target, Verifier
from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User

GROUP = "JNKG"
YUNGANG = "YGRD"
VERIFIER_NO = "HC0001"
# mine code → (capacity Mt/a, gas class)
MINES = {
    "TSK": ("15", GasClass.LOW), "TXK": ("10", GasClass.HIGH), "WJW": ("1.5", GasClass.LOW),
    "JJW": ("1.2", GasClass.LOW), "YGK": ("2.4", GasClass.HIGH), "YZS": ("3", GasClass.OUTBURST),
    "STK": ("2", GasClass.LOW), "JHG": ("2.6", GasClass.HIGH), "XZY": ("1", GasClass.LOW),
    "MYK": ("1.5", GasClass.LOW), "MJL": ("1.8", GasClass.LOW), "DZY": ("0.9", GasClass.LOW),
}
MINE_SOURCES = [(SourceCode.FUEL, "diesel"), (SourceCode.FUEL, "bituminous"), (SourceCode.CH4_UNDERGROUND, ""),
                (SourceCode.CO2_UNDERGROUND, ""), (SourceCode.CH4_POST, ""), (SourceCode.ELECTRICITY, "")]
MISSING = ("TXK", 10)  # 同忻煤矿 has not entered October yet


def _admin() -> User | None:
    ra = RoleAssignment.objects.filter(role=Role.ADMINISTRATOR, unit__code=GROUP).select_related("user").first()
    return ra.user if ra else User.objects.filter(is_superuser=True).first()


def _person(unit_code: str, role: str) -> User | None:
    ra = RoleAssignment.objects.filter(role=role, unit__code=unit_code).select_related("user").order_by("id").first()
    return ra.user if ra else None


def _mine_month(rnd: random.Random, cap: Decimal, gas: str, month: int) -> dict[str, Decimal]:
    out = cap * Decimal(1_000_000) / 12 * Decimal(rnd.uniform(0.9, 1.1))
    high = gas != GasClass.LOW
    vent = Decimal(rnd.uniform(150, 250) if high else rnd.uniform(30, 60)) * cap / 3
    drain = Decimal(rnd.uniform(100, 200) if high else rnd.uniform(8, 16)) * cap / 3
    winter = month in (1, 2, 3, 11, 12)
    v = {
        "coal.underground": out,
        "ch4.vent": vent, "ch4.drain": drain,
        "ch4.util_power": drain * Decimal("0.40"), "ch4.util_civil": drain * Decimal("0.10"),
        "ch4.flared": drain * Decimal("0.05"),
        "co2.vent": Decimal(rnd.uniform(5, 15)) * cap / 3, "co2.drain": Decimal(rnd.uniform(1, 3)) * cap / 3,
        "fuel.diesel": Decimal(rnd.uniform(20, 40)) * cap / 3,
        "fuel.bituminous": Decimal(rnd.uniform(180, 220) if winter else rnd.uniform(90, 110)) * cap / 3,
        "elec.purchased": out * Decimal(rnd.uniform(18, 24)) / 1000,
        "gangue.produced": out * Decimal("0.12"), "water.discharged": Decimal(rnd.uniform(20, 40)) * cap / 3,
    }
    v["gangue.used"] = v["gangue.produced"] * Decimal(rnd.uniform(0.7, 0.9))
    v["water.used"] = v["water.discharged"] * Decimal(rnd.uniform(0.5, 0.8))
    if high:
        v["ch4.util_chemical"] = drain * Decimal("0.05")
    return {k: x.quantize(Decimal("0.001")) for k, x in v.items()}


def _months(today: date) -> list[date]:
    months = []
    m = date(today.year - 1, 1, 1)
    while m < today.replace(day=1):
        months.append(m)
        m = services.add_months(m, 1)
    return months


@transaction.atomic
def build_carbon() -> int:
    """Returns the number of activity rows created (0 on a second run)."""
    group = Unit.objects.filter(code=GROUP).first()
    admin = _admin()
    if group is None or admin is None or Facility.objects.filter(unit__code="TSK").exists():
        return 0
    before = ActivityRecord.objects.count()
    rnd = random.Random(13)  # nosec B311 - demo figures, not secrets
    services.demo_factor_set(admin)
    from orgs.demo import DEMO_PASSWORD
    from orgs.services import person_create, unit_create

    if not Unit.objects.filter(code=YUNGANG).exists():
        unit_create(code=YUNGANG, name="云冈热电公司（演示）", kind=UnitKind.PLANT, parent=group,
                    short_name="云冈热电", acting_user=admin)
    facilities: dict[str, Facility] = {}
    for code, (cap, gas) in MINES.items():
        unit = Unit.objects.get(code=code)
        facilities[code] = services.facility_register(
            unit=unit, kind=FacilityKind.MINE, mining_method=MiningMethod.UNDERGROUND, gas_class=gas,
            capacity_mtpa=Decimal(cap), commissioned_on=date(1990, 1, 1), sources=MINE_SOURCES, acting_user=admin)
    plants = {
        "TSXM": (FacilityKind.PREP_PLANT, [(SourceCode.FUEL, "diesel"), (SourceCode.ELECTRICITY, "")]),
        "TSDC": (FacilityKind.POWER_PLANT, [(SourceCode.FUEL, "bituminous"), (SourceCode.ELECTRICITY, "")]),
        YUNGANG: (FacilityKind.POWER_PLANT, [(SourceCode.FUEL, "bituminous"), (SourceCode.ELECTRICITY, "")]),
    }
    for code, (kind, sources) in plants.items():
        facilities[code] = services.facility_register(unit=Unit.objects.get(code=code), kind=kind, sources=sources,
                                                      acting_user=admin)
    today = timezone.localdate()
    months = _months(today)
    group_officer = _person(GROUP, Role.ENERGY_OFFICER) or admin
    for code, fac in facilities.items():
        officer = _person(code, Role.ENERGY_OFFICER) or group_officer
        leader = _person(code, Role.UNIT_LEADER) or admin
        for m in months:
            if (code, m.month) == MISSING and m.year == today.year:
                continue
            if code in MINES:
                cap, gas = MINES[code]
                values = _mine_month(rnd, Decimal(cap), gas, m.month)
                if code == "TSK" and m.month in (4, 5, 6):
                    values["renew.generation"] = Decimal(rnd.randint(300, 600))
            elif code == "TSXM":
                values = {"fuel.diesel": Decimal(rnd.randint(8, 12)), "elec.purchased": Decimal(rnd.randint(2800, 3200))}
            else:
                size = Decimal(1) if code == "TSDC" else Decimal("0.5")
                values = {"fuel.bituminous": Decimal(rnd.randint(140_000, 160_000)) * size,
                          "elec.purchased": Decimal(rnd.randint(1500, 2500)) * size,
                          "elec.supplied": Decimal(rnd.randint(280_000, 320_000)) * size}
            entries = {k: services.Entry(v) for k, v in values.items()}
            outlier_month = code == "WJW" and m == months[-2]
            if outlier_month:  # a boiler overhaul month: diesel far above the usual, explained
                entries["fuel.diesel"] = services.Entry(values["fuel.diesel"] * 5, note="锅炉检修期间柴油发电机运行")
            services.activity_save_month(facility=fac, month=m, entries=entries, acting_user=officer)
            if m.year < today.year:
                services.activity_approve_month(facility=fac, month=m, acting_user=leader)
    # The Yungang demonstration line: 1,280 t CO2 from units 3 and 4 in the year, into carbon nanotubes.
    project = CcusProject.objects.create(
        facility=facilities[YUNGANG], name="云冈热电3、4号机组CO2捕集及资源化利用示范线",
        description="世界首个煤电CO2捕集及资源化利用全产业链示范工程：捕集3号、4号机组烟气CO2，制成碳纳米管及其复合材料。",
        product="碳纳米管及其复合材料", design_capacity_t=Decimal(1280), started_on=date(today.year - 1, 1, 1))
    monthly = [100, 100, 110, 110, 100, 100, 110, 110, 100, 110, 110, 120]  # Σ = 1,280 t
    for i, t in enumerate(monthly):
        captured = Decimal(t)
        utilized = (captured * Decimal("0.85")).quantize(Decimal("0.001"))
        services.ccus_month_save(project=project, month=date(today.year - 1, i + 1, 1), captured=captured,
                                 utilized=utilized, stored=Decimal(0), released=Decimal(2), in_stock=captured - utilized - 2,
                                 product_output="碳纳米管", acting_user=group_officer)
    # Targets: the group's intensity and utilization path to 2030.
    for year, total, intensity, util, share in ((today.year - 1, "8500000", "0.200", "55", "1"),
                                                 (today.year, "8200000", "0.190", "60", "2"),
                                                 (2030, "6500000", "0.140", "75", "10")):
        for ind, value in ((Indicator.TOTAL, total), (Indicator.INTENSITY, intensity),
                           (Indicator.CH4_UTILIZATION, util), (Indicator.RENEWABLE_SHARE, share)):
            if not Target.objects.filter(unit=group, year=year, indicator=ind).exists():
                services.target_set(unit=group, year=year, indicator=ind, value=Decimal(value), acting_user=admin)
    # Inventory runs, a verifier post and a draft report of 煤业一公司 for last year.
    for year in (today.year - 1, today.year):
        services.inventory_recompute(year=year, acting_user=admin, reason="演示数据初始核算")
    verifier = User.objects.filter(employee_no=VERIFIER_NO).first() or person_create(
        acting_user=admin, employee_no=VERIFIER_NO, name="核查员（演示）", home_unit=group, password=DEMO_PASSWORD)
    Verifier.objects.get_or_create(user=verifier, unit=group, defaults={"organization": "第三方核查机构（演示）"})
    company = Unit.objects.get(code="MY1")
    if not Report.objects.filter(entity=company).exists():
        services.report_create(entity=company, year=today.year - 1, acting_user=_person("MY1", Role.UNIT_LEADER) or admin,
                               uncertainty_notes="风排瓦斯按安全监控系统日累计折纯，计量不确定度约±5%；燃料低位发热量采用缺省值。")
    if not Scenario.objects.exists():
        services.scenario_save(name="同忻、云冈矿瓦斯利用率提高20个百分点", scope_unit=group, year=today.year - 1,
                               params={"ch4_points": "20", "ch4_facilities": [facilities["TXK"].pk, facilities["YGK"].pk]},
                               acting_user=admin)
    return ActivityRecord.objects.count() - before
