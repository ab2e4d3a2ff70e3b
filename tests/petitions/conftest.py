"""Personas of the petition tests: the group, a company, two mines, their teams, and people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User
from orgs.services import unit_create
from petitions.choices import Category, PetitionType
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.rules import Actor
from tongxin.lib.periods import SHANGHAI


@dataclass
class World:
    group: Unit
    company: Unit
    mine: Unit
    team: Unit
    other_mine: Unit
    employee: User  # petitioner, works in the mine's team
    officer: User  # 信访干事 of the mine
    handler: User  # 承办人 in the team
    leader: User  # 单位负责人 of the mine
    company_officer: User  # reviews (next-higher unit)
    group_officer: User  # re-reviews
    inspector: User  # 纪检 at the group
    other_officer: User  # 信访干事 of another mine
    outsider: User  # plain employee elsewhere


def person(no: str, name: str, unit: Unit, *roles: tuple[str, Unit]) -> User:
    user = User.objects.create_user(no, name, "Tongxin@2026", home_unit=unit, phone=None)
    RoleAssignment.objects.create(user=user, unit=unit, role=Role.EMPLOYEE)
    for role, at in roles:
        RoleAssignment.objects.create(user=user, unit=at, role=role)
    return user


@pytest.fixture
def world(db) -> World:
    group = unit_create(code="G", name="晋能控股煤业集团", kind=UnitKind.GROUP, parent=None)
    company = unit_create(code="C1", name="煤业一公司", kind=UnitKind.COMPANY, parent=group)
    mine = unit_create(code="TS", name="塔山矿", kind=UnitKind.MINE, parent=company)
    team = unit_create(code="TS-ZC1", name="综采一队", kind=UnitKind.TEAM, parent=mine)
    other = unit_create(code="TX", name="同忻矿", kind=UnitKind.MINE, parent=company)
    return World(
        group=group, company=company, mine=mine, team=team, other_mine=other,
        employee=person("Z1", "王建国", team),
        officer=person("X1", "李秀英", mine, (Role.PETITION_OFFICER, mine)),
        handler=person("H1", "赵志强", team, (Role.HANDLER, team)),
        leader=person("L1", "刘德华", mine, (Role.UNIT_LEADER, mine)),
        company_officer=person("X2", "陈静", company, (Role.PETITION_OFFICER, company)),
        group_officer=person("X3", "杨帆", group, (Role.PETITION_OFFICER, group)),
        inspector=person("J1", "周正", group, (Role.DISCIPLINE_INSPECTOR, group)),
        other_officer=person("X4", "吴敏", other, (Role.PETITION_OFFICER, other)),
        outsider=person("Z2", "孙丽", other),
    )


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=SHANGHAI)


def submit(world: World, *, now: datetime, anonymous: bool = False, **kw):
    draft = PetitionDraft(
        title=kw.pop("title", "综采一队十月绩效工资少发"),
        content=kw.pop("content", "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"),
        category=kw.pop("category", Category.WAGES),
        ptype=kw.pop("ptype", PetitionType.REQUEST),
        unit=kw.pop("unit", world.mine),
        anonymous=anonymous,
        identity=Identity(),
        **kw,
    )
    return petition_submit(petitioner=world.employee, draft=draft, now=now)


def A(user: User) -> Actor:
    return Actor(user=user)
