"""Idle timeout, password change (re-authentication everywhere else), and the Django admin
behind two factors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory, override_settings

from accounts import session as account_session
from accounts.adminsite import OTPAdminSite
from audit.models import AuditEvent
from orgs.models import User
from tests.accounts.conftest import PASSWORD, client_at, code_at, enroll, logged_in_as, post_code, post_login

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2030-03-04T09:00:00+08:00")
NEW_PASSWORD = "Meikuang#2030x"


# --- idle timeout -------------------------------------------------------------------------


def test_a_session_idle_for_longer_than_the_timeout_is_logged_out(people):
    client = client_at()
    with time_machine.travel(T0, tick=False) as clock:
        assert post_login(client, "Z1001").status_code == 302
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity restarts the clock
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/login/?next=/", 302)
    assert "长时间未操作" in response.content.decode()
    assert logged_in_as(client) is None


@override_settings(SESSION_IDLE_TIMEOUT=120)
def test_the_idle_timeout_comes_from_the_settings(people):
    client = client_at()
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(people.miner)
        clock.shift(timedelta(seconds=110))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(seconds=121))
        assert client.get("/").status_code == 302
    assert logged_in_as(client) is None


def test_the_idle_clock_is_not_rewritten_on_every_request(people):
    client = client_at()
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(people.miner)
        client.get("/")  # warm up
        clock.shift(timedelta(seconds=5))
        seen = client.session[account_session.SEEN_KEY]
        client.get("/")
        assert client.session[account_session.SEEN_KEY] == seen
        clock.shift(timedelta(seconds=60))
        client.get("/")
        assert client.session[account_session.SEEN_KEY] == seen + 65


# --- password change ----------------------------------------------------------------------


def test_password_change_needs_the_current_password(people):
    client = client_at()
    client.force_login(people.miner)
    response = client.post("/accounts/password/", {
        "old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 200
    assert "你的旧密码不正确" in response.content.decode()
    people.miner.refresh_from_db()
    assert people.miner.check_password(PASSWORD) and not people.miner.check_password(NEW_PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_password_change_logs_out_the_other_devices_and_keeps_this_one(people):
    phone, desktop = client_at("10.0.0.5"), client_at("10.0.0.6")
    assert post_login(phone, "Z1001").status_code == 302
    assert post_login(desktop, "Z1001").status_code == 302
    old_key = desktop.session.session_key
    response = desktop.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert desktop.session.session_key != old_key  # rotated
    assert desktop.get("/").status_code == 200  # still logged in here
    # The phone's session carries the old password's hash: it is no longer logged in.
    response = phone.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert SESSION_KEY not in phone.session
    # Only the new password opens a new session.
    assert post_login(client_at(), "Z1001").status_code == 200
    assert post_login(client_at(), "Z1001", NEW_PASSWORD).status_code == 302
    changed = AuditEvent.objects.get(action="auth.password_changed")
    assert changed.actor == people.miner and changed.data == {"ip": "10.0.0.6"}


def test_the_new_password_must_pass_the_validators(people):
    client = client_at()
    client.force_login(people.miner)
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678",
    })
    assert response.status_code == 200
    people.miner.refresh_from_db()
    assert people.miner.check_password(PASSWORD)


def test_guessing_the_current_password_locks_and_logs_out(people):
    client = client_at()
    with time_machine.travel(T0, tick=False):
        client.force_login(people.miner)
        for i in range(5):
            response = client.post("/accounts/password/", {
                "old_password": f"guess-{i}", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
            })
        assert response.status_code == 302 and response.url == "/login/"
        assert logged_in_as(client) is None
        assert "该账号登录失败次数过多" in post_login(client_at(), "Z1001").content.decode()
    people.miner.refresh_from_db()
    assert people.miner.check_password(PASSWORD)


def test_password_change_needs_login(db):
    response = client_at().get("/accounts/password/")
    assert response.status_code == 302 and response.url.startswith("/login/")


# --- the Django admin ---------------------------------------------------------------------


@pytest.fixture
def superuser(people) -> User:
    return User.objects.create_superuser("ROOT01", "超级管理员", PASSWORD)


def test_admin_login_goes_through_tongxins_login(people):
    response = client_at().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/login/?next=/admin/"


def test_admin_opens_for_a_verified_session_of_an_enrolled_superuser(superuser):
    enrolled = enroll(superuser, T0 - timedelta(days=1))
    client = client_at()
    with time_machine.travel(T0, tick=False):
        post_login(client, "ROOT01", next="/admin/")
        response = post_code(client, code_at(enrolled.secret, T0))
        assert response.url == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_admin_refuses_an_enrolled_superuser_without_the_code(superuser):
    enroll(superuser, T0 - timedelta(days=1))
    client = client_at()
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response.url


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_admin_needs_a_verified_session_when_two_factors_are_required(superuser):
    rf = RequestFactory()
    request = rf.get("/admin/")
    request.user = superuser
    request.session = {account_session.OTP_KEY: account_session.EXEMPT}
    site = OTPAdminSite()
    assert not site.has_permission(request)
    request.session = {account_session.OTP_KEY: account_session.VERIFIED}
    assert site.has_permission(request)


def test_admin_checks_the_device_live_not_the_state_at_login(superuser):
    """A session that needed no code at login does not open the admin once a device exists."""
    client = client_at()
    assert post_login(client, "ROOT01").status_code == 302
    assert client.get("/admin/").status_code == 200
    enroll(superuser, T0)  # on another device, say
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response.url


def test_admin_is_open_to_a_password_only_superuser_when_not_required(superuser):
    client = client_at()
    post_login(client, "ROOT01")
    assert client.get("/admin/").status_code == 200


def test_people_without_staff_status_never_reach_the_admin(people):
    client = client_at()
    post_login(client, "A1001")  # 系统管理员 role, but not Django staff
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response.url
