"""Fixtures shared by the whole suite: a small organization tree and named personas.

Everything is built through the services (``orgs.services``), as the platform itself
builds it, so tests see the same audit rows, paths and role assignments as production.

    def test_officer_sees_inbox(make_unit_tree, make_person):
        tree = make_unit_tree()
        officer = make_person(tree.mine, Role.PETITION_OFFICER, name="王干事")
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import override_settings

from orgs.choices import Role, UnitKind
from orgs.models import Unit, User
from orgs.services import person_create, role_grant, unit_create
from tests.browser_support import artifacts_dir, browser, new_tab, playwright  # noqa: F401 — one for all browser tests

# The password of every persona (and of the demo accounts): it passes the validators.
DEFAULT_PASSWORD = "Tongxin@2026"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Argon2 costs ~0.1 s per hash; tests create many people. Production keeps Argon2
    (tongxin/settings.py); a test about hashing itself can override PASSWORD_HASHERS again."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _celery_join_allowed():
    """Celery keeps "a task is running here" in one process-wide flag that an eager task sets and
    restores around itself; two threads running eager tasks at once (the two-connection tests)
    can restore it in the wrong order and leave it set, and every later ``result.get()`` in the
    process then refuses. Each test starts with it cleared. (The application never joins a result.)"""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@dataclass(frozen=True)
class UnitTree:
    """集团 → 公司 → two mines; the first mine has a team (区队) and an office (科室)."""

    group: Unit
    company: Unit
    mine: Unit
    team: Unit
    office: Unit
    other_mine: Unit


@pytest.fixture
def default_password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def system_admin(db) -> User:
    """A superuser: the acting user of the set-up services (not one of the personas)."""
    return User.objects.create_superuser("SYS0001", "系统管理员", DEFAULT_PASSWORD)


@pytest.fixture
def make_unit_tree(db, system_admin) -> Callable[..., UnitTree]:
    """Build a small enterprise tree; ``prefix`` keeps unit codes unique when called twice."""
    counter = itertools.count(1)

    def build(prefix: str | None = None) -> UnitTree:
        p = prefix or f"T{next(counter)}"

        def unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
            return unit_create(
                code=f"{p}-{code}", name=name, kind=kind, parent=parent, acting_user=system_admin
            )

        group = unit("GRP", "同心能源集团", UnitKind.GROUP, None)
        company = unit("CO", "同心煤业公司", UnitKind.COMPANY, group)
        mine = unit("M1", "东山煤矿", UnitKind.MINE, company)
        team = unit("M1-ZC", "综采一队", UnitKind.TEAM, mine)
        office = unit("M1-JD", "机电科", UnitKind.DEPARTMENT, mine)
        other_mine = unit("M2", "西岭煤矿", UnitKind.MINE, company)
        return UnitTree(
            group=group, company=company, mine=mine, team=team, office=office, other_mine=other_mine
        )

    return build


@pytest.fixture
def make_person(db, system_admin) -> Callable[..., User]:
    """``make_person(unit, *roles, name=..., employee_no=..., password=...)``.

    The person's home unit is ``unit``; every role is granted at ``unit`` (the employee
    role comes with ``person_create``). Roles are ``orgs.choices.Role`` values.
    """
    counter = itertools.count(1)

    def build(
        unit: Unit,
        *roles: str,
        name: str | None = None,
        employee_no: str | None = None,
        password: str = DEFAULT_PASSWORD,
        phone: str | None = None,
    ) -> User:
        n = next(counter)
        person = person_create(
            acting_user=system_admin,
            employee_no=employee_no or f"P{n:05d}",
            name=name or f"测试人员{n}",
            home_unit=unit,
            phone=phone,
            password=password,
        )
        for role in roles:
            if role != Role.EMPLOYEE:
                role_grant(acting_user=system_admin, user=person, unit=unit, role=role)
        person.forget_roles()
        return person

    return build
