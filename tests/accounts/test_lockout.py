"""Lockout after repeated failures, by username and address — never by address alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from accounts.models import LoginAttempt
from audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, client_at, logged_in_as, post_login

pytestmark = pytest.mark.django_db

# In the future of the real clock: sessions made at T0 are still valid when read after it.
T0 = datetime.fromisoformat("2030-03-04T09:00:00+08:00")
LOCKED = "该账号登录失败次数过多，已暂停登录"
WRONG = "工号/手机号或密码不正确"


def fail(times: int, username: str, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = post_login(client_at(ip), username, "wrong-password")
        assert response.status_code == 200


def test_five_failures_lock_the_pair_and_the_right_password_is_then_refused(people):
    with time_machine.travel(T0, tick=False):
        fail(4, "Z1001")
        response = post_login(client_at(), "Z1001", "wrong-password")  # the 5th
        assert LOCKED in response.content.decode()
        client = client_at()
        response = post_login(client, "Z1001")  # right password, still refused
    html = response.content.decode()
    assert response.status_code == 200
    assert LOCKED in html and "请 15 分钟后再试" in html
    assert WRONG not in html
    assert logged_in_as(client) is None
    # The refused try was not even counted: five failures, no success.
    assert LoginAttempt.objects.filter(username="z1001").count() == 5


def test_locked_pair_is_refused_without_checking_the_password(people, monkeypatch):
    with time_machine.travel(T0, tick=False):
        fail(5, "Z1001")
        calls = []
        import accounts.views

        monkeypatch.setattr(accounts.views, "authenticate", lambda *a, **k: calls.append(1))
        post_login(client_at(), "Z1001")
    assert calls == []


def test_the_phone_number_shares_the_employee_numbers_budget(people):
    with time_machine.travel(T0, tick=False):
        fail(3, "Z1001")
        fail(2, "13903521234")
        response = post_login(client_at(), "z1001")
    assert LOCKED in response.content.decode()


def test_other_people_at_the_same_address_are_not_locked(people):
    with time_machine.travel(T0, tick=False):
        fail(5, "Z1001")
        client = client_at()
        response = post_login(client, "Z1002")
    assert response.status_code == 302
    assert logged_in_as(client) == people.clerk.pk


def test_the_same_person_at_another_address_is_not_locked_below_the_account_limit(people):
    with time_machine.travel(T0, tick=False):
        fail(5, "Z1001", ip="10.0.0.1")
        client = client_at("10.0.0.2")
        response = post_login(client, "Z1001")
    assert response.status_code == 302 and logged_in_as(client) == people.miner.pk


def test_failures_from_many_addresses_lock_the_account_at_the_higher_limit(people):
    with time_machine.travel(T0, tick=False) as clock:
        for i in range(19):  # 19 addresses, one guess each
            fail(1, "Z1001", ip=f"192.0.2.{i}")
            clock.shift(timedelta(seconds=20))
        client = client_at("198.51.100.7")
        assert post_login(client, "Z1001").status_code == 302  # the 20th try is the right one
        client.post("/logout/")
        fail(1, "Z1001", ip="192.0.2.200")  # now 20 failures within the window
        client = client_at("198.51.100.7")
        response = post_login(client, "Z1001")
    assert LOCKED in response.content.decode()
    assert logged_in_as(client) is None
    # The account lock is not an address lock: the clerk still logs in from a guessing address.
    with time_machine.travel(T0 + timedelta(minutes=8), tick=False):
        assert post_login(client_at("192.0.2.1"), "Z1002").status_code == 302


def test_a_success_resets_the_pair(people):
    with time_machine.travel(T0, tick=False) as clock:
        fail(4, "Z1001")
        client = client_at()
        assert post_login(client, "Z1001").status_code == 302
        clock.shift(timedelta(minutes=1))
        fail(4, "Z1001")  # four more: 8 within the window, but only 4 since the success
        client = client_at()
        response = post_login(client, "Z1001")
    assert response.status_code == 302 and logged_in_as(client) == people.miner.pk


def test_the_lock_ends_after_the_cooldown(people):
    with time_machine.travel(T0, tick=False) as clock:
        fail(5, "Z1001")
        clock.shift(timedelta(minutes=14, seconds=59))
        assert LOCKED in post_login(client_at(), "Z1001").content.decode()
        clock.shift(timedelta(seconds=2))
        client = client_at()
        response = post_login(client, "Z1001")
    assert response.status_code == 302 and logged_in_as(client) == people.miner.pk


def test_failures_spread_wider_than_the_window_do_not_lock(people):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(6):
            fail(1, "Z1001")
            clock.shift(timedelta(minutes=4))  # 5 failures span 16 minutes > 15
        client = client_at()
        response = post_login(client, "Z1001")
    assert response.status_code == 302


def test_after_the_cooldown_one_more_failure_does_not_lock_again(people):
    with time_machine.travel(T0, tick=False) as clock:
        fail(5, "Z1001")
        clock.shift(timedelta(minutes=16))
        response = post_login(client_at(), "Z1001", "still-wrong")
        assert WRONG in response.content.decode() and LOCKED not in response.content.decode()


def test_unknown_names_lock_the_same_way_and_reveal_nothing(people):
    with time_machine.travel(T0, tick=False):
        fail(4, "NOBODY")
        response = post_login(client_at(), "NOBODY", "guess")
    assert LOCKED in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCKOUT_COOLDOWN=120)
def test_limits_come_from_the_settings(people):
    with time_machine.travel(T0, tick=False) as clock:
        fail(3, "Z1001")
        response = post_login(client_at(), "Z1001")
        assert "请 2 分钟后再试" in response.content.decode()
        clock.shift(timedelta(seconds=121))
        assert post_login(client_at(), "Z1001").status_code == 302


def test_failures_logins_and_locks_are_audited_with_the_address(people):
    with time_machine.travel(T0, tick=False):
        fail(5, "Z1001", ip="10.9.8.7")
        post_login(client_at("10.0.0.2"), "Z1001")
        fail(1, "NOBODY", ip="10.9.8.7")
    events = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))
    actions = [e.action for e in events]
    assert actions == ["auth.login_failed"] * 5 + ["auth.locked", "auth.login", "auth.login_failed"]
    failed, locked, login, unknown = events[0], events[5], events[6], events[7]
    assert failed.actor is None and failed.target_id == str(people.miner.pk)
    assert failed.data == {"ip": "10.9.8.7", "factor": "password"}
    assert locked.data["scope"] == "pair" and locked.data["ip"] == "10.9.8.7"
    assert login.actor == people.miner and login.data == {"ip": "10.0.0.2", "factor": "password"}
    # A name no account has: the typed text (often a password typed in the wrong box) is not kept.
    assert unknown.target_id == "" and unknown.data == {"ip": "10.9.8.7", "factor": "password", "account_known": False}
    assert "NOBODY" not in str(unknown.data).upper()


@override_settings(API_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_forwarded_address_is_the_pair(people):
    from django.test import Client

    def via_proxy(forwarded: str, password: str):
        client = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": forwarded})
        return client, post_login(client, "Z1001", password)

    with time_machine.travel(T0, tick=False):
        for i in range(5):
            # What the client wrote itself (left) changes; the proxy's entry (right) does not.
            via_proxy(f"203.0.113.{i}, 10.0.0.8", "wrong")
        _, response = via_proxy("10.0.0.8", PASSWORD)
        assert LOCKED in response.content.decode()
        client, response = via_proxy("10.0.0.9", PASSWORD)  # another miner behind the same proxy
    assert response.status_code == 302 and logged_in_as(client) == people.miner.pk
    assert set(LoginAttempt.objects.filter(success=False).values_list("ip", flat=True)) == {"10.0.0.8"}
