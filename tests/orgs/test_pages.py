"""The organization pages beyond the scoping matrix: tree, search, forms, messages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from orgs.choices import Role
from orgs.models import RoleAssignment, User
from orgs.views import PAGE_SIZE
from tests.orgs.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(org):
    return UserFactory(employee_no="LA001", name="甲矿矿长", home_unit=org.mine, roles=[Role.UNIT_LEADER])


@pytest.fixture
def admin(org):
    return UserFactory(
        employee_no="AD001", name="集团管理员", home_unit=org.group, roles=[Role.ADMINISTRATOR]
    )


@pytest.fixture
def miner(org):
    return UserFactory(employee_no="MA001", name="王大山", phone="13903520101", home_unit=org.team)


def as_user(client, user):
    client.force_login(user)
    return client


def rows(response) -> list[str]:
    """Employee numbers of the people list's rows, in order."""
    return re.findall(r'data-employee-no="([^"]+)"', response.content.decode())


# --- unit tree ------------------------------------------------------------------------


def test_unit_tree_shows_every_unit_to_everyone(client, org, miner, django_assert_max_num_queries):
    as_user(client, miner)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("orgs:units"))
    assert response.status_code == 200
    html = response.content.decode()
    for code in ["G", "CA", "MA", "MA-ZC1", "MA-XFB", "MB", "MB-JJ1", "CB", "MC"]:
        assert f'data-unit="{code}"' in html, code
    # The team is nested inside the mine's list, the mine inside the company's.
    assert html.index('data-unit="CA"') < html.index('data-unit="MA"') < html.index('data-unit="MA-ZC1"')
    assert "<details" in html and 'href="/orgs/people/?unit=' not in html  # no people links for employees


def test_unit_tree_counts_people_and_links_managed_units(client, org, leader, miner):
    as_user(client, leader)
    response = client.get(reverse("orgs:units"))
    roots = response.context["roots"]
    assert len(roots) == 1 and roots[0].unit == org.group and roots[0].total == 2
    html = response.content.decode()
    assert f'href="/orgs/people/?unit={org.mine.pk}"' in html
    assert f'href="/orgs/people/?unit={org.other_mine.pk}"' not in html


# --- people list ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王大", ["MA001"]),
        ("ma0", ["MA001"]),
        ("13903520101", ["MA001"]),
        ("甲矿矿长", ["LA001"]),
        ("李", []),
    ],
)
def test_search_by_name_employee_number_or_phone(client, org, leader, miner, query, expected):
    UserFactory(employee_no="MB001", name="王大海", home_unit=org.other_mine)  # out of scope: never found
    response = as_user(client, leader).get(reverse("orgs:people"), {"q": query})
    assert response.status_code == 200
    assert rows(response) == expected


def test_filter_by_unit_and_role(client, org, leader, miner):
    officer = UserFactory(
        employee_no="MA002", home_unit=org.office, roles=[(Role.PETITION_OFFICER, org.mine)]
    )
    as_user(client, leader)
    assert rows(client.get(reverse("orgs:people"), {"unit": org.team.pk})) == ["MA001"]
    assert rows(client.get(reverse("orgs:people"), {"role": Role.PETITION_OFFICER})) == [officer.employee_no]
    # A unit outside the leader's subtree is not a valid choice: the filter is ignored,
    # and the list stays scoped.
    UserFactory(employee_no="MB001", home_unit=org.other_mine)
    response = client.get(reverse("orgs:people"), {"unit": org.other_mine.pk})
    assert response.status_code == 200
    assert sorted(rows(response)) == ["LA001", "MA001", "MA002"]


def test_people_list_is_paginated_without_n_plus_one(client, org, admin, django_assert_num_queries):
    for i in range(PAGE_SIZE + 5):
        UserFactory(employee_no=f"P{i:03d}", home_unit=org.team, roles=[(Role.HANDLER, org.team)])
    as_user(client, admin)
    first = client.get(reverse("orgs:people"))
    assert len(rows(first)) == PAGE_SIZE
    assert "下一页" in first.content.decode()
    second = client.get(reverse("orgs:people"), {"page": 2})
    assert len(rows(second)) == PAGE_SIZE + 5 + 1 - PAGE_SIZE  # +1: the admin
    # The same number of queries for a full page as for a short one.
    with django_assert_num_queries(len(_queries(client, {"page": 2}))):
        client.get(reverse("orgs:people"))


def _queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("orgs:people"), params)
    return ctx.captured_queries


# --- create person --------------------------------------------------------------------


def test_create_person(client, org, leader):
    as_user(client, leader)
    form = client.get(reverse("orgs:person_create")).context["form"]
    assert set(form.fields["home_unit"].queryset) == {org.mine, org.team, org.office}
    response = client.post(
        reverse("orgs:person_create"),
        {
            "employee_no": "MA100",
            "name": "新职工",
            "home_unit": org.team.pk,
            "phone": "13903520102",
            "password": "Xinren@2026",
        },
    )
    assert response.status_code == 302 and response.url == reverse("orgs:person", args=["MA100"])
    person = User.objects.get(employee_no="MA100")
    assert person.home_unit == org.team and person.check_password("Xinren@2026")
    assert AuditEvent.objects.filter(action="person.create", actor=leader).count() == 1
    follow = client.get(response.url)
    assert "已新建人员" in follow.content.decode()


def test_create_person_rejects_weak_password_and_duplicates(client, org, leader, miner):
    as_user(client, leader)
    data = {"employee_no": "MA100", "name": "新职工", "home_unit": org.team.pk, "password": "12345678"}
    response = client.post(reverse("orgs:person_create"), data)
    assert response.status_code == 400 and "password" in response.context["form"].errors
    data.update(password="Xinren@2026", employee_no="ma001")
    response = client.post(reverse("orgs:person_create"), data)
    assert response.status_code == 422
    assert "工号 ma001 已存在" in response.content.decode()
    assert not User.objects.filter(employee_no__in=["MA100", "ma001"]).exists()


# --- person page, grant, revoke -------------------------------------------------------


def test_grant_form_offers_only_the_subtree_and_no_admin_role(client, org, leader, miner):
    response = as_user(client, leader).get(reverse("orgs:person", args=[miner.employee_no]))
    form = response.context["grant_form"]
    assert set(form.fields["unit"].queryset) == {org.mine, org.team, org.office}
    assert Role.ADMINISTRATOR not in dict(form.fields["role"].choices)


def test_administrators_are_offered_the_admin_role(client, org, admin, miner):
    form = as_user(client, admin).get(reverse("orgs:person", args=[miner.employee_no])).context["grant_form"]
    assert Role.ADMINISTRATOR in dict(form.fields["role"].choices)
    assert form.fields["unit"].queryset.count() == 9


def test_grant_and_revoke_through_the_page(client, org, leader, miner):
    as_user(client, leader)
    url = reverse("orgs:role_grant", args=[miner.employee_no])
    response = client.post(url, {"role": Role.HANDLER, "unit": org.team.pk}, follow=True)
    assert "已授予角色" in response.content.decode()
    assignment = RoleAssignment.objects.get(user=miner, role=Role.HANDLER)
    assert assignment.unit == org.team and assignment.granted_by == leader
    response = client.post(reverse("orgs:role_revoke", args=[miner.employee_no, assignment.pk]), follow=True)
    assert "已撤销角色" in response.content.decode()
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert [e.action for e in AuditEvent.objects.filter(actor=leader)] == ["role.grant", "role.revoke"]


def test_forged_unit_outside_subtree_is_a_form_error(client, org, leader, miner):
    response = as_user(client, leader).post(
        reverse("orgs:role_grant", args=[miner.employee_no]), {"role": Role.HANDLER, "unit": org.company.pk}
    )
    assert response.status_code == 400 and "unit" in response.context["grant_form"].errors
    assert not RoleAssignment.objects.filter(user=miner, role=Role.HANDLER).exists()


def test_refusal_by_the_service_shows_its_message(client, org, admin):
    # Granting oneself an administrative role: the form allows the choice, the service refuses.
    response = as_user(client, admin).post(
        reverse("orgs:role_grant", args=[admin.employee_no]), {"role": Role.UNIT_LEADER, "unit": org.mine.pk}
    )
    assert response.status_code == 403
    assert "不能给自己授予管理类角色" in response.content.decode()
    assert not admin.roles.filter(role=Role.UNIT_LEADER).exists()


def test_role_held_above_the_subtree_cannot_be_revoked(client, org, leader, miner):
    above = grant(miner, Role.DISCIPLINE_INSPECTOR, org.company)
    response = as_user(client, leader).get(reverse("orgs:person", args=[miner.employee_no]))
    revocable = {ra.pk: ok for ra, ok in response.context["rows"]}
    assert revocable[above.pk] is False
    assert f'data-testid="revoke-{above.pk}"' not in response.content.decode()
    response = client.post(reverse("orgs:role_revoke", args=[miner.employee_no, above.pk]))
    assert response.status_code == 403 and "您无权管理" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=above.pk).exists()


def test_revoke_of_another_persons_assignment_is_404(client, org, leader, miner):
    other = UserFactory(home_unit=org.team, roles=[Role.HANDLER])
    assignment = RoleAssignment.objects.get(user=other, role=Role.HANDLER)
    response = as_user(client, leader).post(
        reverse("orgs:role_revoke", args=[miner.employee_no, assignment.pk])
    )
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_own_page_without_admin_role_has_no_forms(client, org, miner):
    response = as_user(client, miner).get(reverse("orgs:person", args=[miner.employee_no]))
    assert response.status_code == 200 and response.context["grant_form"] is None
    assert all(not ok for _ra, ok in response.context["rows"])


@pytest.mark.parametrize("name", ["orgs:role_grant"])
def test_writes_need_post(client, org, leader, miner, name):
    response = as_user(client, leader).get(reverse(name, args=[miner.employee_no]))
    assert response.status_code == 405


def test_superuser_sees_everyone(client, org, miner):
    root = UserFactory(is_superuser=True)
    response = as_user(client, root).get(reverse("orgs:people"))
    assert set(rows(response)) == {miner.employee_no, root.employee_no}
