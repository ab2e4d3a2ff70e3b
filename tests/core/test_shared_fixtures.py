"""The shared fixtures of tests/conftest.py build what they promise."""

from __future__ import annotations

from django.contrib.auth import authenticate

from audit.models import AuditEvent
from orgs.choices import Role, UnitKind


def test_make_unit_tree_builds_the_enterprise_levels(make_unit_tree):
    tree = make_unit_tree()

    assert [tree.group.kind, tree.company.kind, tree.mine.kind] == [
        UnitKind.GROUP,
        UnitKind.COMPANY,
        UnitKind.MINE,
    ]
    assert tree.team.parent == tree.mine
    assert tree.office.parent == tree.mine
    assert tree.other_mine.parent == tree.company
    assert tree.team.is_within(tree.group)
    assert not tree.team.is_within(tree.other_mine)
    assert set(tree.mine.subtree()) == {tree.mine, tree.team, tree.office}


def test_make_unit_tree_twice_gives_two_separate_trees(make_unit_tree):
    first, second = make_unit_tree(), make_unit_tree()

    assert first.group.code != second.group.code
    assert not second.mine.is_within(first.group)


def test_make_person_grants_roles_at_the_unit_and_writes_audit_rows(
    make_unit_tree, make_person, default_password
):
    tree = make_unit_tree()

    officer = make_person(tree.mine, Role.PETITION_OFFICER, Role.HANDLER, name="王干事", employee_no="X0100")

    assert officer.home_unit == tree.mine
    assert officer.role_set == {Role.EMPLOYEE, Role.PETITION_OFFICER, Role.HANDLER}
    assert officer.has_role(Role.PETITION_OFFICER, tree.team)
    assert not officer.has_role(Role.PETITION_OFFICER, tree.other_mine)
    assert authenticate(username="x0100", password=default_password) == officer
    actions = list(
        AuditEvent.objects.filter(target_type="orgs.user", target_id=str(officer.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["person.create", "role.grant", "role.grant"]
