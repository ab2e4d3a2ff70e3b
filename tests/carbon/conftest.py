"""Personas and records of the carbon module, built through the services.

    world.mine (东山煤矿, underground, high gas) and world.other (西岭煤矿, low gas) under one company;
    officer = energy officer of the mine, leader = its unit leader, admin = group administrator,
    verifier = 核查员 post over the group, outsider = energy officer of the other mine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from carbon import services
from carbon.choices import FacilityKind, GasClass, MiningMethod, SourceCode
from carbon.models import Facility, FactorSet, Verifier
from orgs.choices import Role
from orgs.models import Unit, User

SOURCES = [(SourceCode.FUEL, "diesel"), (SourceCode.CH4_UNDERGROUND, ""), (SourceCode.ELECTRICITY, ""),
           (SourceCode.CH4_POST, "")]


@dataclass
class World:
    group: Unit
    company: Unit
    mine: Facility
    other: Facility
    officer: User
    leader: User
    admin: User
    verifier: User
    outsider: User
    factors: FactorSet
    company_leader: User


@pytest.fixture
def world(make_unit_tree, make_person) -> World:
    tree = make_unit_tree("C")
    admin = make_person(tree.group, Role.ADMINISTRATOR, name="集团管理员")
    officer = make_person(tree.mine, Role.ENERGY_OFFICER, name="王能源")
    leader = make_person(tree.mine, Role.UNIT_LEADER, name="李矿长")
    outsider = make_person(tree.other_mine, Role.ENERGY_OFFICER, name="赵能源")
    verifier = make_person(tree.group, name="钱核查")
    Verifier.objects.create(user=verifier, unit=tree.group, organization="核查机构")
    fs = services.demo_factor_set(admin)
    mine = services.facility_register(unit=tree.mine, kind=FacilityKind.MINE, mining_method=MiningMethod.UNDERGROUND,
                                      gas_class=GasClass.HIGH, capacity_mtpa=Decimal("1.2"), sources=SOURCES,
                                      acting_user=admin)
    other = services.facility_register(unit=tree.other_mine, kind=FacilityKind.MINE,
                                       mining_method=MiningMethod.UNDERGROUND, gas_class=GasClass.LOW,
                                       capacity_mtpa=Decimal("0.9"), sources=SOURCES, acting_user=admin)
    company_leader = make_person(tree.company, Role.UNIT_LEADER, name="孙经理")
    return World(tree.group, tree.company, mine, other, officer, leader, admin, verifier, outsider, fs, company_leader)


def month_values(**over) -> dict[str, services.Entry]:
    """A plain month of a mine: 100,000 t output, 300 vented, 200 drained (150 used), 30 t diesel,
    2,000 MWh bought."""
    base = {"coal.underground": "100000", "ch4.vent": "300", "ch4.drain": "200", "ch4.util_power": "150",
            "fuel.diesel": "30", "elec.purchased": "2000"}
    base.update({k.replace("__", "."): v for k, v in over.items()})
    return {k: services.Entry(Decimal(v)) for k, v in base.items()}


def fill_year(world: World, year: int, months=range(1, 13), facility=None, **over) -> None:
    facility = facility or world.mine
    who = world.officer if facility == world.mine else world.outsider
    for m in months:
        services.activity_save_month(facility=facility, month=date(year, m, 1), entries=month_values(**over),
                                     acting_user=who)
