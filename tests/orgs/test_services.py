"""person_create, role_grant, role_revoke: who may do what, and the audit trail.

Personas: the leader of 甲矿 (mine A); a person of its team; a person of 乙矿 (mine B,
the sibling); a person of 甲公司 (the parent company); an administrator at the group.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from audit.services import audit_verify
from core.errors import InvalidInput, NotAllowed
from orgs.choices import Role
from orgs.models import RoleAssignment, User
from orgs.services import person_create, role_grant, role_revoke
from tests.orgs.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(org):
    return UserFactory(employee_no="LA001", name="甲矿矿长", home_unit=org.mine, roles=[Role.UNIT_LEADER])


@pytest.fixture
def miner(org):
    return UserFactory(employee_no="MA001", name="甲矿职工", home_unit=org.team)


@pytest.fixture
def sibling_miner(org):
    return UserFactory(employee_no="MB001", name="乙矿职工", home_unit=org.other_team)


@pytest.fixture
def admin(org):
    return UserFactory(
        employee_no="AD001", name="集团管理员", home_unit=org.group, roles=[Role.ADMINISTRATOR]
    )


def snapshot():
    return (
        sorted(User.objects.values_list("employee_no", flat=True)),
        sorted(RoleAssignment.objects.values_list("user_id", "unit_id", "role")),
        AuditEvent.objects.count(),
    )


# --- person_create --------------------------------------------------------------------


@pytest.mark.parametrize("where", ["mine", "team", "office"])
def test_leader_creates_people_in_own_subtree(org, leader, where):
    unit = getattr(org, where)
    person = person_create(
        acting_user=leader,
        employee_no="NEW01",
        name="新职工",
        home_unit=unit,
        phone="13903529999",
        password="Xinren@2026",
    )
    assert person.home_unit == unit and person.check_password("Xinren@2026")
    assert list(person.roles.values_list("role", "unit")) == [(Role.EMPLOYEE, unit.pk)]
    event = AuditEvent.objects.get(action="person.create")
    assert event.actor == leader and event.target_id == str(person.pk)
    assert event.data == {"employee_no": "NEW01", "unit": unit.code}
    assert audit_verify() == []


@pytest.mark.parametrize("where", ["other_mine", "other_team", "company", "group", "far_mine"])
def test_leader_cannot_create_people_outside_subtree(org, leader, where):
    before = snapshot()
    with pytest.raises(NotAllowed) as exc:
        person_create(acting_user=leader, employee_no="NEW01", name="新职工", home_unit=getattr(org, where))
    assert exc.value.code == "outside_scope" and exc.value.status == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", [r for r in Role.values if r not in {Role.UNIT_LEADER, Role.ADMINISTRATOR}])
def test_other_roles_cannot_create_people(org, role):
    actor = UserFactory(home_unit=org.mine, roles=[role])
    before = snapshot()
    with pytest.raises(NotAllowed):
        person_create(acting_user=actor, employee_no="NEW01", name="新职工", home_unit=org.team)
    assert snapshot() == before


def test_duplicate_employee_number_or_phone_is_refused(org, leader, miner):
    with pytest.raises(InvalidInput) as exc:
        person_create(acting_user=leader, employee_no="ma001", name="重号", home_unit=org.team)
    assert exc.value.code == "employee_no_taken"
    with pytest.raises(InvalidInput) as exc:
        person_create(
            acting_user=leader, employee_no="MA002", name="重号", home_unit=org.team, phone=miner.phone
        )
    assert exc.value.code == "phone_taken"


# --- role_grant -----------------------------------------------------------------------


def test_leader_grants_within_subtree(org, leader, miner):
    assignment = role_grant(acting_user=leader, user=miner, unit=org.team, role=Role.HANDLER)
    assert (assignment.user, assignment.unit, assignment.role, assignment.granted_by) == (
        miner,
        org.team,
        Role.HANDLER,
        leader,
    )
    assert miner.has_role(Role.HANDLER, org.team)
    event = AuditEvent.objects.get(action="role.grant")
    assert event.actor == leader and event.data == {"unit": "MA-ZC1", "role": "handler"}


def test_granting_twice_keeps_one_assignment_and_one_event(org, leader, miner):
    role_grant(acting_user=leader, user=miner, unit=org.mine, role=Role.PETITION_OFFICER)
    role_grant(acting_user=leader, user=miner, unit=org.mine, role=Role.PETITION_OFFICER)
    assert RoleAssignment.objects.filter(user=miner, role=Role.PETITION_OFFICER).count() == 1
    assert AuditEvent.objects.filter(action="role.grant").count() == 1


@pytest.mark.parametrize("where", ["other_mine", "other_team", "company", "group"])
def test_leader_cannot_grant_outside_subtree(org, leader, miner, where):
    before = snapshot()
    with pytest.raises(NotAllowed) as exc:
        role_grant(acting_user=leader, user=miner, unit=getattr(org, where), role=Role.HANDLER)
    assert exc.value.code == "outside_scope"
    assert snapshot() == before


def test_leader_cannot_grant_to_people_of_another_mine(org, leader, sibling_miner):
    before = snapshot()
    with pytest.raises(NotAllowed) as exc:
        role_grant(acting_user=leader, user=sibling_miner, unit=org.team, role=Role.HANDLER)
    assert exc.value.code == "person_outside_scope"
    assert snapshot() == before


def test_only_administrators_grant_the_administrator_role(org, leader, miner, admin):
    with pytest.raises(NotAllowed) as exc:
        role_grant(acting_user=leader, user=miner, unit=org.mine, role=Role.ADMINISTRATOR)
    assert exc.value.code == "admin_only"
    assert not miner.has_role(Role.ADMINISTRATOR)
    role_grant(acting_user=admin, user=miner, unit=org.mine, role=Role.ADMINISTRATOR)
    assert miner.has_role(Role.ADMINISTRATOR, org.team)


def test_an_administrator_of_a_mine_grants_administrator_only_there(org, miner, sibling_miner):
    mine_admin = UserFactory(home_unit=org.mine, roles=[Role.ADMINISTRATOR])
    role_grant(acting_user=mine_admin, user=miner, unit=org.team, role=Role.ADMINISTRATOR)
    with pytest.raises(NotAllowed):
        role_grant(acting_user=mine_admin, user=sibling_miner, unit=org.other_mine, role=Role.ADMINISTRATOR)


@pytest.mark.parametrize("role", [Role.UNIT_LEADER, Role.ADMINISTRATOR])
def test_nobody_grants_themselves_an_admin_role(org, admin, role):
    with pytest.raises(NotAllowed) as exc:
        role_grant(acting_user=admin, user=admin, unit=org.mine, role=role)
    assert exc.value.code == "self_grant"


def test_unknown_role_is_refused(org, leader, miner):
    with pytest.raises(InvalidInput):
        role_grant(acting_user=leader, user=miner, unit=org.team, role="emperor")


def test_plain_roles_cannot_grant(org, miner):
    officer = UserFactory(home_unit=org.office, roles=[(Role.PETITION_OFFICER, org.mine)])
    with pytest.raises(NotAllowed):
        role_grant(acting_user=officer, user=miner, unit=org.team, role=Role.HANDLER)


def test_superuser_may_grant_anywhere(org, sibling_miner):
    root = UserFactory(is_superuser=True)
    role_grant(acting_user=root, user=sibling_miner, unit=org.group, role=Role.DISCIPLINE_INSPECTOR)
    assert sibling_miner.has_role(Role.DISCIPLINE_INSPECTOR, org.far_mine)


# --- role_revoke ----------------------------------------------------------------------


def test_leader_revokes_within_subtree(org, leader, miner):
    assignment = grant(miner, Role.HANDLER, org.team)
    role_revoke(acting_user=leader, assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    event = AuditEvent.objects.get(action="role.revoke")
    assert event.actor == leader and event.target_id == str(miner.pk)
    assert event.data == {"unit": "MA-ZC1", "role": "handler"}
    assert audit_verify() == []


@pytest.mark.parametrize("where", ["other_mine", "company"])
def test_leader_cannot_revoke_outside_subtree(org, leader, miner, where):
    assignment = grant(miner, Role.HANDLER, getattr(org, where))
    before = snapshot()
    with pytest.raises(NotAllowed):
        role_revoke(acting_user=leader, assignment=assignment)
    assert snapshot() == before


def test_only_administrators_revoke_the_administrator_role(org, leader, miner, admin):
    assignment = grant(miner, Role.ADMINISTRATOR, org.mine)
    with pytest.raises(NotAllowed) as exc:
        role_revoke(acting_user=leader, assignment=assignment)
    assert exc.value.code == "admin_only"
    role_revoke(acting_user=admin, assignment=assignment)
    assert not miner.has_role(Role.ADMINISTRATOR)


def test_nobody_revokes_their_own_admin_role(org, leader):
    assignment = RoleAssignment.objects.get(user=leader, role=Role.UNIT_LEADER)
    with pytest.raises(NotAllowed) as exc:
        role_revoke(acting_user=leader, assignment=assignment)
    assert exc.value.code == "self_revoke"
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
