"""Logging in with 工号 or 手机号 (orgs.auth.EmployeeNumberOrPhoneBackend)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.orgs.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def miner(org):
    return UserFactory(employee_no="TS10086", phone="13903521234", home_unit=org.team)


def login(client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("username", ["TS10086", "ts10086", " TS10086 ", "13903521234"])
def test_login_with_employee_number_or_phone(client, miner, username):
    response = login(client, username)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.session[SESSION_KEY] == str(miner.pk)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("TS10086", "wrong-password"),
        ("13903521234", "tongxin@2026"),  # case matters in passwords
        ("TS99999", TEST_PASSWORD),  # no such person
        ("1390352123", TEST_PASSWORD),  # not a whole phone number
    ],
)
def test_wrong_credentials_are_refused(client, miner, username, password):
    response = login(client, username, password)
    assert response.status_code == 200
    assert "工号/手机号或密码不正确" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_inactive_person_cannot_log_in(client, miner):
    miner.is_active = False
    miner.save(update_fields=["is_active"])
    assert login(client, "TS10086").status_code == 200
    assert SESSION_KEY not in client.session


def test_pages_need_login(client, org):
    for name in ["orgs:units", "orgs:people", "orgs:person_create"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
