"""core.net.client_ip, pruning old login attempts, re-encrypting TOTP secrets."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from accounts import otp
from accounts.lockout import attempt_record, attempts_prune
from accounts.models import LoginAttempt, TOTPDevice
from core.crypto import decrypt
from core.net import client_ip
from tests.accounts.conftest import code_at, enroll

T0 = datetime.fromisoformat("2030-03-04T09:00:00+08:00")


def request(remote: str = "10.1.1.1", forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_the_peer_address_is_the_client():
    assert client_ip(request("10.1.1.1", "6.6.6.6")) == "10.1.1.1"


@override_settings(API_TRUSTED_PROXIES=1)
def test_one_trusted_proxy_the_rightmost_forwarded_entry_is_the_client():
    assert client_ip(request("127.0.0.1", "6.6.6.6, 10.2.2.2")) == "10.2.2.2"
    assert client_ip(request("127.0.0.1")) == "127.0.0.1"  # no header: the peer


@override_settings(API_TRUSTED_PROXIES=2)
def test_two_trusted_proxies_skip_the_inner_one():
    assert client_ip(request("127.0.0.1", "6.6.6.6, 10.3.3.3, 10.0.0.1")) == "10.3.3.3"
    assert client_ip(request("127.0.0.1", "10.0.0.1")) == "127.0.0.1"  # fewer hops than proxies


@override_settings(API_TRUSTED_PROXIES=1)
def test_an_oversized_forwarded_entry_is_cut():
    assert len(client_ip(request("127.0.0.1", "x" * 500))) == 64


@pytest.mark.django_db
def test_prune_removes_only_old_attempts(capsys):
    old, recent = T0 - timedelta(days=31), T0 - timedelta(days=29)
    attempt_record(username="z1", ip="10.0.0.1", success=False, now=old)
    attempt_record(username="z1", ip="10.0.0.1", success=False, now=recent)
    with time_machine.travel(T0, tick=False):
        call_command("prune_login_attempts")
    assert list(LoginAttempt.objects.values_list("at", flat=True)) == [recent]
    assert "已删除 1 条" in capsys.readouterr().out


@pytest.mark.django_db
def test_prune_never_removes_what_the_lockout_still_reads():
    attempt_record(username="z1", ip="10.0.0.1", success=False, now=T0 - timedelta(minutes=20))
    assert attempts_prune(now=T0, older_than=timedelta(seconds=1)) == 0
    assert LoginAttempt.objects.count() == 1


@pytest.mark.django_db
def test_totp_secrets_follow_a_key_rotation(people, settings):
    enrolled = enroll(people.officer, T0)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    call_command("rotate_encryption_key")
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert decrypt(TOTPDevice.objects.get(user=people.officer).secret) == enrolled.secret
    # And the device still checks codes.
    assert otp.totp_verify(user=people.officer, code=code_at(enrolled.secret, T0 + timedelta(seconds=30)),
                           now=T0 + timedelta(seconds=30))
