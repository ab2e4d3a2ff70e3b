"""load_demo_data: deterministic, idempotent, every role represented, demo accounts work."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_verify
from orgs.choices import Role, UnitKind
from orgs.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, GROUP_CODE, build_units, people_specs, unit_specs
from orgs.models import RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "people": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "unit audit": AuditEvent.objects.filter(action="unit.create").count(),
    }


@pytest.fixture
def demo(db) -> dict[str, int]:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "A0001" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    return counts()


def test_running_twice_changes_nothing(demo):
    paths = dict(Unit.objects.values_list("code", "path"))
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert counts() == demo
    assert dict(Unit.objects.values_list("code", "path")) == paths
    assert "新建单位 0 个，新建人员 0 名，新建角色分配 0 条" in out.getvalue()
    assert audit_verify() == []


def test_the_organization_is_complete(demo):
    assert demo["units"] == len(unit_specs()) == demo["unit audit"]
    assert 280 <= demo["people"] <= 340
    group = Unit.objects.get(code=GROUP_CODE)
    assert group.name == "晋能控股煤业集团（演示）" and group.kind == UnitKind.GROUP
    mines = Unit.objects.filter(kind=UnitKind.MINE)
    assert mines.count() == 12
    assert {
        "塔山矿",
        "同忻矿",
        "燕子山矿",
        "四台矿",
        "云冈矿",
        "马脊梁矿",
        "忻州窑矿",
        "晋华宫矿",
        "煤峪口矿",
        "挖金湾矿",
        "姜家湾矿",
        "东周窑矿",
    } == set(mines.values_list("short_name", flat=True))
    assert Unit.objects.filter(kind=UnitKind.COMPANY).count() == 3
    assert {"选煤厂", "塔山电厂", "铁路分公司"} <= set(
        Unit.objects.filter(kind=UnitKind.PLANT).values_list("short_name", flat=True)
    )
    for mine in mines:
        names = set(mine.children.values_list("short_name", flat=True))
        assert {"综采一队", "掘进一队", "机电科", "通风科", "安监站", "信访办"} <= names, mine
        for role in (Role.UNIT_LEADER, Role.PETITION_OFFICER):
            assert RoleAssignment.objects.filter(unit=mine, role=role).exists(), (mine, role)
    # Every role is held by someone; everyone is an employee of their home unit.
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert not User.objects.exclude(roles__role=Role.EMPLOYEE).exists()
    assert not User.objects.filter(home_unit=None).exists()
    # Retirees live in the companies' 离退休管理中心.
    assert User.objects.filter(home_unit__short_name="离退休管理中心").count() >= 18


def test_demo_accounts_hold_their_roles_and_log_in(demo, client):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(employee_no=account.employee_no)
        unit = Unit.objects.get(code=account.role_unit)
        assert user.name == account.name and user.home_unit.code == account.home
        assert RoleAssignment.objects.filter(user=user, unit=unit, role=account.role).exists(), account
        response = client.post(reverse("login"), {"username": account.employee_no, "password": DEMO_PASSWORD})
        assert response.status_code == 302, account
        assert client.session[SESSION_KEY] == str(user.pk)
        client.logout()
    admin = User.objects.get(employee_no="A0001")
    assert admin.is_staff and not admin.is_superuser and admin.is_administrator
    # The petition officer's role sits at the mine, so the mine is her subtree.
    assert User.objects.get(employee_no="X0001").units_with(Role.PETITION_OFFICER)[0].short_name == "塔山矿"
    # Demo phones work as login names too.
    response = client.post(reverse("login"), {"username": "13903520004", "password": DEMO_PASSWORD})
    assert client.session[SESSION_KEY] == str(User.objects.get(employee_no="L0001").pk), response


def test_the_demo_leader_manages_his_mine(demo, client):
    client.force_login(User.objects.get(employee_no="L0001"))
    response = client.get(reverse("orgs:people"), {"q": "Z0001"})
    assert 'data-employee-no="Z0001"' in response.content.decode()
    response = client.get(reverse("orgs:people"), {"q": "A0001"})
    assert 'data-employee-no="A0001"' not in response.content.decode()


def test_people_are_deterministic():
    first, second = people_specs(), people_specs()
    assert first == second
    assert len({p.employee_no for p in first}) == len(first)
    assert len({p.name for p in first}) == len(first)
    phones = [p.phone for p in first if p.phone]
    assert len(set(phones)) == len(phones)
    assert people_specs(seed=1) != first


def test_existing_people_and_phones_are_left_alone(db):
    # Someone created by hand already uses a demo phone number and a demo employee number.
    units = build_units()
    squatter = User.objects.create_user(
        "Z0001", "本地职工", "Local@2026", phone="13903520004", home_unit=units["TSK"]
    )
    call_command("load_demo_data", stdout=StringIO())
    squatter.refresh_from_db()
    assert squatter.name == "本地职工" and squatter.check_password("Local@2026")
    leader = User.objects.get(employee_no="L0001")
    assert leader.phone is None  # its demo phone was taken: no crash, no duplicate


def test_refuses_to_run_in_production(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo_data", stdout=StringIO())
    assert Unit.objects.count() == 0
