"""Fixtures of the orgs tests. Self-contained: they do not rely on tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from orgs.choices import UnitKind
from orgs.models import Unit
from tests.orgs.factories import UnitFactory


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Org:
    """集团 → 公司 A (矿 A: 综采队, 信访办; 矿 B: 掘进队) and 公司 B (矿 C)."""

    group: Unit
    company: Unit
    mine: Unit
    team: Unit
    office: Unit
    other_mine: Unit
    other_team: Unit
    other_company: Unit
    far_mine: Unit


@pytest.fixture
def org(db) -> Org:
    group = UnitFactory(code="G", name="测试集团")
    company = UnitFactory(code="CA", name="甲公司", parent=group)
    mine = UnitFactory(code="MA", name="甲矿", parent=company)
    team = UnitFactory(code="MA-ZC1", name="甲矿综采一队", short_name="综采一队", parent=mine)
    office = UnitFactory(
        code="MA-XFB", name="甲矿信访办", short_name="信访办", kind=UnitKind.DEPARTMENT, parent=mine
    )
    other_mine = UnitFactory(code="MB", name="乙矿", parent=company)
    other_team = UnitFactory(code="MB-JJ1", name="乙矿掘进一队", parent=other_mine)
    other_company = UnitFactory(code="CB", name="乙公司", parent=group)
    far_mine = UnitFactory(code="MC", name="丙矿", parent=other_company)
    return Org(group, company, mine, team, office, other_mine, other_team, other_company, far_mine)
