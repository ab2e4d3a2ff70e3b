"""The scoping matrix of people: every role × scope × endpoint (see tests/orgs/matrix.py).

Read a row as: "someone holding <role> at 甲矿, looking at a person of <scope>, gets …".
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgs.choices import Role
from orgs.models import RoleAssignment, User
from orgs.scoping import people_visible_to
from tests.orgs.factories import grant
from tests.orgs.matrix import HIDDEN, SEEN, World, build_world, expand, missing_rows, observe

pytestmark = pytest.mark.django_db

R = Role


# --- probes: one per endpoint; each returns the outcome for one scope -----------------


def selector_people(world: World, scope: str):
    """orgs.scoping.people_visible_to: is the person of <scope> in the queryset?"""
    person = world.people[scope]
    return SEEN if people_visible_to(world.actor).filter(pk=person.pk).exists() else HIDDEN


def people_page(world: World, scope: str):
    """GET orgs:people (no filter): status if refused, else whether the person has a row."""
    response = world.client.get(reverse("orgs:people"))
    if response.status_code != 200:
        return response.status_code
    return (
        SEEN
        if f'data-employee-no="{world.people[scope].employee_no}"' in response.content.decode()
        else HIDDEN
    )


def person_page(world: World, scope: str):
    """GET orgs:person of the person of <scope>: status."""
    return world.client.get(reverse("orgs:person", args=[world.people[scope].employee_no])).status_code


def person_create_page(world: World, scope: str):
    """POST orgs:person_create with home unit <scope>: status; 302 iff the person exists."""
    employee_no = f"NEW{scope.upper()[:3]}"
    response = world.client.post(
        reverse("orgs:person_create"),
        {
            "employee_no": employee_no,
            "name": "新职工",
            "home_unit": world.units[scope].pk,
            "password": "Xinren@2026",
        },
    )
    created = User.objects.filter(employee_no=employee_no).exists()
    assert created == (response.status_code == 302), (scope, response.status_code, created)
    return response.status_code


def role_grant_page(world: World, scope: str):
    """POST orgs:role_grant: 承办人 at <scope>'s unit to <scope>'s person; 302 iff granted."""
    person, unit = world.people[scope], world.units[scope]
    response = world.client.post(
        reverse("orgs:role_grant", args=[person.employee_no]), {"role": Role.HANDLER, "unit": unit.pk}
    )
    granted = RoleAssignment.objects.filter(user=person, unit=unit, role=Role.HANDLER).exists()
    assert granted == (response.status_code == 302), (scope, response.status_code, granted)
    return response.status_code


def role_revoke_page(world: World, scope: str):
    """POST orgs:role_revoke of <scope>'s person's 承办人 role at <scope>; 302 iff revoked."""
    assignment = grant(world.people[scope], Role.HANDLER, world.units[scope])
    response = world.client.post(
        reverse("orgs:role_revoke", args=[world.people[scope].employee_no, assignment.pk])
    )
    revoked = not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert revoked == (response.status_code == 302), (scope, response.status_code, revoked)
    return response.status_code


PROBES = {
    "people_visible_to": selector_people,
    "people page": people_page,
    "person page": person_page,
    "create person page": person_create_page,
    "grant role page": role_grant_page,
    "revoke role page": role_revoke_page,
}

# --- the expected table ---------------------------------------------------------------
# Unit leaders and administrators administer their subtree: the mine and the team below,
# never the sibling mine or the company above. Everyone else administers nobody: the list
# and the forms are refused (403), other people's pages do not exist for them (404).
# For the parent/sibling scopes the create form does not even offer the unit (400); the
# person pages answer 404 before any form is read.

# fmt: off
ROWS = [
    # probe                 role                     own     child   sibling parent
    ("people_visible_to",   R.EMPLOYEE,              HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.PETITION_OFFICER,      HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.HANDLER,               HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.UNIT_LEADER,           SEEN,   SEEN,   HIDDEN, HIDDEN),
    ("people_visible_to",   R.DISCIPLINE_INSPECTOR,  HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.PARTY_OFFICER,         HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.PUBLICITY_OFFICER,     HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.ENERGY_OFFICER,        HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ("people_visible_to",   R.ADMINISTRATOR,         SEEN,   SEEN,   HIDDEN, HIDDEN),

    ("people page",         R.EMPLOYEE,              403,    403,    403,    403),
    ("people page",         R.PETITION_OFFICER,      403,    403,    403,    403),
    ("people page",         R.HANDLER,               403,    403,    403,    403),
    ("people page",         R.UNIT_LEADER,           SEEN,   SEEN,   HIDDEN, HIDDEN),
    ("people page",         R.DISCIPLINE_INSPECTOR,  403,    403,    403,    403),
    ("people page",         R.PARTY_OFFICER,         403,    403,    403,    403),
    ("people page",         R.PUBLICITY_OFFICER,     403,    403,    403,    403),
    ("people page",         R.ENERGY_OFFICER,        403,    403,    403,    403),
    ("people page",         R.ADMINISTRATOR,         SEEN,   SEEN,   HIDDEN, HIDDEN),

    ("person page",         R.EMPLOYEE,              404,    404,    404,    404),
    ("person page",         R.PETITION_OFFICER,      404,    404,    404,    404),
    ("person page",         R.HANDLER,               404,    404,    404,    404),
    ("person page",         R.UNIT_LEADER,           200,    200,    404,    404),
    ("person page",         R.DISCIPLINE_INSPECTOR,  404,    404,    404,    404),
    ("person page",         R.PARTY_OFFICER,         404,    404,    404,    404),
    ("person page",         R.PUBLICITY_OFFICER,     404,    404,    404,    404),
    ("person page",         R.ENERGY_OFFICER,        404,    404,    404,    404),
    ("person page",         R.ADMINISTRATOR,         200,    200,    404,    404),

    ("create person page",  R.EMPLOYEE,              403,    403,    403,    403),
    ("create person page",  R.PETITION_OFFICER,      403,    403,    403,    403),
    ("create person page",  R.HANDLER,               403,    403,    403,    403),
    ("create person page",  R.UNIT_LEADER,           302,    302,    400,    400),
    ("create person page",  R.DISCIPLINE_INSPECTOR,  403,    403,    403,    403),
    ("create person page",  R.PARTY_OFFICER,         403,    403,    403,    403),
    ("create person page",  R.PUBLICITY_OFFICER,     403,    403,    403,    403),
    ("create person page",  R.ENERGY_OFFICER,        403,    403,    403,    403),
    ("create person page",  R.ADMINISTRATOR,         302,    302,    400,    400),

    ("grant role page",     R.EMPLOYEE,              404,    404,    404,    404),
    ("grant role page",     R.PETITION_OFFICER,      404,    404,    404,    404),
    ("grant role page",     R.HANDLER,               404,    404,    404,    404),
    ("grant role page",     R.UNIT_LEADER,           302,    302,    404,    404),
    ("grant role page",     R.DISCIPLINE_INSPECTOR,  404,    404,    404,    404),
    ("grant role page",     R.PARTY_OFFICER,         404,    404,    404,    404),
    ("grant role page",     R.PUBLICITY_OFFICER,     404,    404,    404,    404),
    ("grant role page",     R.ENERGY_OFFICER,        404,    404,    404,    404),
    ("grant role page",     R.ADMINISTRATOR,         302,    302,    404,    404),

    ("revoke role page",    R.EMPLOYEE,              404,    404,    404,    404),
    ("revoke role page",    R.PETITION_OFFICER,      404,    404,    404,    404),
    ("revoke role page",    R.HANDLER,               404,    404,    404,    404),
    ("revoke role page",    R.UNIT_LEADER,           302,    302,    404,    404),
    ("revoke role page",    R.DISCIPLINE_INSPECTOR,  404,    404,    404,    404),
    ("revoke role page",    R.PARTY_OFFICER,         404,    404,    404,    404),
    ("revoke role page",    R.PUBLICITY_OFFICER,     404,    404,    404,    404),
    ("revoke role page",    R.ENERGY_OFFICER,        404,    404,    404,    404),
    ("revoke role page",    R.ADMINISTRATOR,         302,    302,    404,    404),
]
# fmt: on

MATRIX = expand(ROWS)


def test_matrix_is_complete():
    assert missing_rows(PROBES, ROWS) == []
    assert {probe for probe, _role in MATRIX} == set(PROBES)


@pytest.mark.parametrize(("probe", "role"), list(MATRIX), ids=[f"{p}-{r}" for p, r in MATRIX])
def test_scoping(probe, role):
    world = build_world(role)
    assert observe(world, PROBES[probe]) == MATRIX[(probe, role)]


@pytest.mark.parametrize("role", Role.values)
def test_actor_always_sees_their_own_page(role):
    """Whatever the role, one's own person page is visible (people_visible_to includes self)."""
    world = build_world(role)
    assert world.client.get(reverse("orgs:person", args=[world.actor.employee_no])).status_code == 200
    assert people_visible_to(world.actor).filter(pk=world.actor.pk).exists()
