"""Personas of the party tests: a coal group with a party committee over two mines' branches."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import pytest

from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User
from orgs.services import unit_create
from party import orgtree
from party.members import member_register
from party.models import MemberStatus, OrgKind, PartyOrg, PostKind

PASSWORD = "Tongxin@2026"
_seq = itertools.count(1)


def person(no: str, name: str, unit: Unit, *roles: tuple[str, Unit], phone: str | None = None) -> User:
    user = User.objects.create_user(no, name, PASSWORD, home_unit=unit, phone=phone)
    RoleAssignment.objects.create(user=user, unit=unit, role=Role.EMPLOYEE)
    for role, at in roles:
        RoleAssignment.objects.create(user=user, unit=at, role=role)
    return user


def add_members(branch: PartyOrg, n: int, status: str = MemberStatus.FULL, unit: Unit | None = None,
                **attrs) -> list:
    out = []
    for _ in range(n):
        i = next(_seq)
        u = User.objects.create_user(f"P{i:05d}", f"党员{i}", None, home_unit=unit)
        attrs.setdefault("joined_on", date(2010, 7, 1))
        out.append(member_register(person=u, branch=branch, status=status, actor=None, **attrs))
    return out


@pytest.fixture(autouse=True)
def _fresh_rules():
    """Rule versions are cached per process for a minute: each test starts from its own table."""
    from party.rules import forget_rules

    forget_rules()
    yield
    forget_rules()


@dataclass
class World:
    group: Unit
    mine: Unit
    team: Unit
    other_mine: Unit
    committee: PartyOrg  # 集团党委
    mine_committee: PartyOrg  # 塔山矿党委
    branch: PartyOrg  # 综采一队党支部
    branch2: PartyOrg  # 同忻矿机关党支部 (under the group committee directly)
    officer: User  # 党务干事 of the group (manages all)
    secretary: User  # secretary of the branch
    secretary2: User  # secretary of branch2
    member_user: User  # an ordinary member of the branch
    outsider: User  # an employee, not a member


@pytest.fixture
def world(db) -> World:
    group = unit_create(code="G", name="晋能控股煤业集团", kind=UnitKind.GROUP, parent=None)
    mine = unit_create(code="TS", name="塔山矿", kind=UnitKind.MINE, parent=group)
    team = unit_create(code="TS-ZC1", name="综采一队", kind=UnitKind.TEAM, parent=mine)
    other = unit_create(code="TX", name="同忻矿", kind=UnitKind.MINE, parent=group)
    committee = orgtree.org_create(code="DW", name="集团党委", kind=OrgKind.COMMITTEE, parent=None, units=[group])
    mine_c = orgtree.org_create(code="TS-DW", name="塔山矿党委", kind=OrgKind.COMMITTEE, parent=committee,
                                units=[mine])
    branch = orgtree.org_create(code="TS-ZC1-ZB", name="综采一队党支部", kind=OrgKind.BRANCH, parent=mine_c,
                                units=[team])
    branch2 = orgtree.org_create(code="TX-JG-ZB", name="同忻矿机关党支部", kind=OrgKind.BRANCH, parent=committee,
                                 units=[other])
    officer = person("DW1", "郭党务", group, (Role.PARTY_OFFICER, group))
    secretary = person("SJ1", "张书记", team, phone="13900000001")
    secretary2 = person("SJ2", "李书记", other, phone="13900000002")
    member_user = person("DY1", "王党员", team, phone="13900000003")
    outsider = person("WB1", "赵群众", other)
    for br, sec in ((branch, secretary), (branch2, secretary2)):
        term = orgtree.term_record(org=br, elected_on=date(2025, 3, 1), entitled_voters=10, attending_voters=10,
                                   actor=None, filed_on=date(2025, 3, 10), approved_on=date(2025, 3, 10))
        orgtree.post_assign(term=term, person=sec, post=PostKind.SECRETARY, start=date(2025, 3, 1), actor=None)
        member_register(person=sec, branch=br, status=MemberStatus.FULL, actor=None, joined_on=date(2005, 7, 1))
    member_register(person=member_user, branch=branch, status=MemberStatus.FULL, actor=None,
                    joined_on=date(2012, 7, 1))
    return World(group, mine, team, other, committee, mine_c, branch, branch2, officer, secretary, secretary2,
                 member_user, outsider)
