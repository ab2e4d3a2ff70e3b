"""An administrator resets someone's two-step verification (lost phone): scoped, never one's
own, with a reason, audited; the console command for the last superuser."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import otp
from accounts.models import RecoveryCode, TOTPDevice
from audit.models import AuditEvent
from core.errors import NotAllowed
from tests.accounts.conftest import client_at, code_at, enroll, post_code, post_login

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2030-03-04T09:00:00+08:00")


def test_the_mines_administrator_resets_an_officers_device_with_a_reason(people):
    enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    client.force_login(people.admin)
    listing = client.get("/accounts/two-factor/people/").content.decode()
    assert 'data-employee-no="X1001"' in listing and 'data-testid="reset-X1001"' in listing
    assert 'data-employee-no="Z1001"' not in listing  # employees are not listed

    page = client.get("/accounts/two-factor/people/X1001/reset/").content.decode()
    assert "重置 赵干事（X1001）的两步验证" in page and 'name="reason"' in page
    refused = client.post("/accounts/two-factor/people/X1001/reset/", {"reason": "  "})
    assert refused.status_code == 200 and TOTPDevice.objects.filter(user=people.officer).exists()

    response = client.post("/accounts/two-factor/people/X1001/reset/", {"reason": "手机丢失，本人到信访办核实身份"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=people.officer).exists()
    assert not RecoveryCode.objects.filter(user=people.officer).exists()
    event = AuditEvent.objects.get(action="auth.2fa_reset")
    assert event.actor == people.admin and event.target_id == str(people.officer.pk)
    assert event.data == {"reason": "手机丢失，本人到信访办核实身份", "had_device": True}


def test_an_administrator_of_another_mine_cannot_reset(people):
    enroll(people.officer, T0 - timedelta(days=1))
    client = client_at()
    client.force_login(people.outside_admin)
    assert 'data-employee-no="X1001"' not in client.get("/accounts/two-factor/people/").content.decode()
    response = client.post("/accounts/two-factor/people/X1001/reset/", {"reason": "冒充"})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=people.officer).exists()
    assert not AuditEvent.objects.filter(action="auth.2fa_reset").exists()


def test_nobody_resets_their_own_device(people):
    enrolled = enroll(people.admin, T0 - timedelta(days=1))
    with pytest.raises(NotAllowed):
        otp.two_factor_reset(person=people.admin, acting_user=people.admin, reason="自己")
    client = client_at()
    with time_machine.travel(T0, tick=False):
        post_login(client, "A1001")
        assert post_code(client, code_at(enrolled.secret, T0)).status_code == 302
        assert client.post("/accounts/two-factor/people/A1001/reset/", {"reason": "自己"}).status_code == 404
    assert TOTPDevice.objects.filter(user=people.admin).exists()


def test_staff_without_the_administrator_role_see_no_reset_page(people):
    client = client_at()
    client.force_login(people.officer)
    response = client.get("/accounts/two-factor/people/")
    assert response.status_code == 403 and "只有系统管理员" in response.content.decode()
    assert client.post("/accounts/two-factor/people/Z1001/reset/", {"reason": "x"}).status_code == 404


def test_the_console_command_resets_with_a_reason(people, capsys):
    enroll(people.officer, T0 - timedelta(days=1))
    call_command("reset_two_factor", "x1001", "--reason", "唯一的超级管理员丢失手机")
    assert not TOTPDevice.objects.filter(user=people.officer).exists()
    event = AuditEvent.objects.get(action="auth.2fa_reset")
    assert event.actor is None and event.data["reason"] == "唯一的超级管理员丢失手机"
    with pytest.raises(CommandError, match="没有工号为 NOPE 的人员"):
        call_command("reset_two_factor", "NOPE", "--reason", "x")
