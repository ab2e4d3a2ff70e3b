"""TOTP two-factor authentication: enrollment, the code step of the login, replay, recovery
codes, staff confined to enrollment when it is required, employees never asked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from accounts import otp
from accounts.models import RecoveryCode, TOTPDevice
from audit.models import AuditEvent
from core.crypto import decrypt
from tests.accounts.conftest import (
    client_at,
    code_at,
    enroll,
    logged_in_as,
    page_secret,
    post_code,
    post_login,
    recovery_codes_on,
)

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2030-03-04T09:00:00+08:00")
WRONG_CODE = "验证码不正确或已使用过"


# --- enrollment ---------------------------------------------------------------------------


def test_staff_enroll_by_scanning_and_typing_a_code(people):
    client = client_at()
    with time_machine.travel(T0, tick=False):
        client.force_login(people.officer)
        page = client.get("/accounts/two-factor/")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-testid="otp-qr"' in html and "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
        secret = page_secret(html)
        assert len(secret) == 32
        # The secret is kept encrypted: the row does not hold it in clear.
        device = TOTPDevice.objects.get(user=people.officer)
        assert secret not in device.secret and decrypt(device.secret) == secret
        assert device.confirmed_at is None

        response = client.post("/accounts/two-factor/confirm/", {"code": code_at(secret, T0)})
    html = response.content.decode()
    assert response.status_code == 200
    codes = recovery_codes_on(html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=people.officer).confirmed_at == T0
    # Stored hashed: no row holds a code in clear.
    hashes = list(RecoveryCode.objects.filter(user=people.officer).values_list("code_hash", flat=True))
    assert len(hashes) == 10 and not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert AuditEvent.objects.filter(action="auth.2fa_enabled", actor=people.officer).count() == 1
    # Shown once: the page afterwards shows the state, not the codes.
    html = client.get("/accounts/two-factor/").content.decode()
    assert "已启用" in html and "还剩 10 个未使用的恢复码" in html
    assert not any(c in html for c in codes)


def test_a_wrong_code_does_not_confirm_the_device(people):
    client = client_at()
    with time_machine.travel(T0, tick=False):
        client.force_login(people.officer)
        secret = page_secret(client.get("/accounts/two-factor/").content.decode())
        wrong = f"{(int(code_at(secret, T0)) + 1) % 1_000_000:06d}"
        response = client.post("/accounts/two-factor/confirm/", {"code": wrong})
    assert response.status_code == 422
    assert "验证码不正确" in response.content.decode()
    assert TOTPDevice.objects.get(user=people.officer).confirmed_at is None
    assert not RecoveryCode.objects.exists()


def test_reloading_the_page_keeps_the_secret_and_restart_changes_it(people):
    client = client_at()
    client.force_login(people.officer)
    first = page_secret(client.get("/accounts/two-factor/").content.decode())
    assert page_secret(client.get("/accounts/two-factor/").content.decode()) == first
    client.post("/accounts/two-factor/restart/")
    assert page_secret(client.get("/accounts/two-factor/").content.decode()) != first


def test_employees_are_not_offered_enrollment(people):
    client = client_at()
    client.force_login(people.miner)
    html = client.get("/accounts/two-factor/").content.decode()
    assert "无需启用" in html and "otp-qr" not in html
    assert not TOTPDevice.objects.exists()


# --- the login with a code ----------------------------------------------------------------


def test_login_asks_for_the_code_and_logs_in_only_after_it(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    with time_machine.travel(T0, tick=False):
        response = post_login(client, "X1001", next="/orgs/units/")
        assert response.status_code == 302 and response.url == "/accounts/verify/"
        assert logged_in_as(client) is None  # the password alone logs nobody in
        assert client.get("/").status_code == 302  # and opens no page
        page = client.get("/accounts/verify/")
        assert page.status_code == 200 and "6 位" in page.content.decode()
        response = post_code(client, code_at(enrolled.secret, T0))
    assert response.status_code == 302 and response.url == "/orgs/units/"
    assert logged_in_as(client) == people.officer.pk
    login = AuditEvent.objects.filter(action="auth.login").get()
    assert login.actor == people.officer and login.data == {"ip": "10.0.0.1", "factor": "totp"}


def test_a_wrong_code_is_refused_and_counts_as_a_failure(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    with time_machine.travel(T0, tick=False):
        post_login(client, "X1001")
        right = code_at(enrolled.secret, T0)
        response = post_code(client, f"{(int(right) + 1) % 1_000_000:06d}")
    assert response.status_code == 200 and WRONG_CODE in response.content.decode()
    assert logged_in_as(client) is None
    failed = AuditEvent.objects.filter(action="auth.login_failed").get()
    assert failed.data == {"ip": "10.0.0.1", "factor": "totp"}


def test_codes_of_the_neighbouring_steps_are_accepted_but_not_older_ones(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        client = client_at()
        post_login(client, "X1001")
        assert post_code(client, code_at(enrolled.secret, T0 - timedelta(seconds=30))).status_code == 302
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        client = client_at()
        post_login(client, "X1001")
        stale = code_at(enrolled.secret, T0 + timedelta(minutes=4))
        assert WRONG_CODE in post_code(client, stale).content.decode()


def test_a_used_code_cannot_be_replayed(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False) as clock:
        code = code_at(enrolled.secret, T0)
        first = client_at()
        post_login(first, "X1001")
        assert post_code(first, code).status_code == 302
        clock.shift(timedelta(seconds=10))  # same 30-second step: the code is still "current"
        thief = client_at("10.6.6.6")
        post_login(thief, "X1001")
        response = post_code(thief, code)
    assert WRONG_CODE in response.content.decode()
    assert logged_in_as(thief) is None
    # An earlier step's code (still within the window) is refused too once a later one was used.
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        again = client_at()
        post_login(again, "X1001")
        assert WRONG_CODE in post_code(again, code_at(enrolled.secret, T0 - timedelta(seconds=1))).content.decode()
        assert post_code(again, code_at(enrolled.secret, T0 + timedelta(seconds=30))).status_code == 302


def test_five_wrong_codes_lock_the_pair(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        right = code_at(enrolled.secret, T0)
        wrong = f"{(int(right) + 7) % 1_000_000:06d}"
        client = client_at()
        post_login(client, "X1001")
        for _ in range(4):
            post_code(client, wrong)
        response = post_code(client, wrong)
        assert response.status_code == 302 and response.url == "/login/"
        # Password and code both right: refused while the pair is locked.
        client = client_at()
        response = post_login(client, "X1001")
        assert "该账号登录失败次数过多" in response.content.decode()
        assert post_code(client, right).url == "/login/"
    assert logged_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.locked").count() == 1


def test_the_code_step_expires(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    with time_machine.travel(T0, tick=False):
        post_login(client, "X1001")
    later = T0 + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        response = post_code(client, code_at(enrolled.secret, later))
    assert response.status_code == 302 and response.url == "/login/"
    assert logged_in_as(client) is None


def test_the_code_page_without_a_password_step_sends_to_login(people):
    response = client_at().get("/accounts/verify/")
    assert response.status_code == 302 and response.url == "/login/"


# --- recovery codes -----------------------------------------------------------------------


def test_a_recovery_code_works_once(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    code = enrolled.recovery_codes[3]
    with time_machine.travel(T0, tick=False):
        client = client_at()
        post_login(client, "X1001")
        response = post_code(client, code.upper().replace("-", " "))  # case and separators ignored
        assert response.status_code == 302 and logged_in_as(client) == people.officer.pk
        client = client_at()
        post_login(client, "X1001")
        response = post_code(client, code)
    assert WRONG_CODE in response.content.decode() and logged_in_as(client) is None
    assert RecoveryCode.objects.filter(user=people.officer, used_at__isnull=True).count() == 9
    login = AuditEvent.objects.filter(action="auth.login").get()
    assert login.data["factor"] == "recovery"


def test_regenerating_recovery_codes_needs_a_current_code_and_voids_the_old_ones(people):
    enrolled = enroll(people.officer, T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        client = client_at()
        post_login(client, "X1001")
        post_code(client, code_at(enrolled.secret, T0))
        refused = client.post("/accounts/two-factor/recovery-codes/", {"code": "000000"}, follow=True)
        assert "验证码不正确" in refused.content.decode()
        assert otp.recovery_code_use(user=people.officer, code=enrolled.recovery_codes[0], now=T0)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        response = client.post(
            "/accounts/two-factor/recovery-codes/", {"code": code_at(enrolled.secret, T0 + timedelta(seconds=30))}
        )
    new_codes = recovery_codes_on(response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.recovery_codes)
    assert not otp.recovery_code_use(user=people.officer, code=enrolled.recovery_codes[1], now=T0)
    assert otp.recovery_codes_left(people.officer) == 10


# --- who is asked -------------------------------------------------------------------------


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_staff_without_a_device_are_confined_to_enrollment_when_required(people):
    client = client_at()
    with time_machine.travel(T0, tick=False):
        response = post_login(client, "X1001")
        assert response.status_code == 302 and response.url == "/accounts/two-factor/"
        assert logged_in_as(client) == people.officer.pk
        for path in ["/", "/orgs/units/", "/xf/inbox/", "/admin/", "/accounts/password/"]:
            response = client.get(path)
            assert response.status_code == 302 and response.url == "/accounts/two-factor/", path
        api = client.get("/api/v1/petitions")
        assert api.status_code == 403 and api.json()["code"] == "two_factor_enrollment_required"
        secret = page_secret(client.get("/accounts/two-factor/").content.decode())
        client.post("/accounts/two-factor/confirm/", {"code": code_at(secret, T0)})
        assert client.get("/").status_code == 200  # enrolled: free again
        assert client.post("/logout/").status_code == 302


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_force_logged_in_staff_are_confined_too(people):
    client = client_at()
    client.force_login(people.admin)
    assert client.get("/orgs/people/").url == "/accounts/two-factor/"


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_employees_are_never_asked_for_a_second_factor(people):
    client = client_at()
    response = post_login(client, "Z1001")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    assert client.get("/xf/mine/").status_code == 200


def test_when_not_required_staff_without_a_device_log_in_with_the_password(people):
    client = client_at()
    response = post_login(client, "X1001")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_a_session_logged_in_without_the_code_of_an_enrolled_person_is_logged_out(people):
    enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    client.force_login(people.officer)  # as any code calling login() directly would
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "请重新登录并输入动态验证码" in response.content.decode()
    assert logged_in_as(client) is None
