"""From where: the client address and browser of the request are part of every audit row."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from audit.hashing import chain_hash
from audit.middleware import AuditOriginMiddleware, audit_origin, current_origin
from audit.models import AuditEvent
from audit.services import audit_record, audit_verify


def record_view(request):
    audit_record(actor=None, action="test.event", target=None, data={"why": "测试"})
    return HttpResponse("ok")


def run(request):
    return AuditOriginMiddleware(record_view)(request)


def test_the_address_and_browser_of_the_request_are_recorded(db):
    request = RequestFactory().get("/", REMOTE_ADDR="10.8.0.15", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0")
    run(request)
    event = AuditEvent.objects.get()
    assert event.ip == "10.8.0.15"
    assert event.user_agent == "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0"
    # Both are hashed: changing the address breaks the chain.
    assert event.payload()["ip"] == "10.8.0.15"
    assert chain_hash(event.prev_hash, event.payload()) == event.hash
    assert current_origin().ip == ""  # nothing left behind after the request


@override_settings(API_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts_not_what_the_client_wrote(db):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.8.0.15")
    run(request)
    assert AuditEvent.objects.get().ip == "10.8.0.15"


def test_a_long_user_agent_is_cut(db):
    run(RequestFactory().get("/", HTTP_USER_AGENT="x" * 5000))
    assert len(AuditEvent.objects.get().user_agent) == 300


def test_outside_a_request_the_origin_is_empty_or_what_the_command_says(db):
    audit_record(actor=None, action="test.plain", target=None)
    with audit_origin(user_agent="manage.py rotate_encryption_key"):
        audit_record(actor=None, action="test.command", target=None)
    plain, command = AuditEvent.objects.order_by("id")
    assert (plain.ip, plain.user_agent) == ("", "")
    assert "ip" not in plain.payload() and "ua" not in plain.payload()
    assert command.user_agent == "manage.py rotate_encryption_key"
    assert audit_verify() == []


@pytest.mark.parametrize("field", ["ip", "user_agent"])
def test_changing_the_origin_afterwards_is_detected(db, field):
    from tests.audit.helpers import tampering

    run(RequestFactory().get("/", REMOTE_ADDR="10.8.0.15", HTTP_USER_AGENT="Firefox"))
    with tampering():
        AuditEvent.objects.update(**{field: "1.2.3.4" if field == "ip" else ""})
    assert audit_verify() == [f"审计记录 #{AuditEvent.objects.get().pk}：内容与哈希不符（被修改）"]


def test_the_middleware_is_installed(settings):
    assert "audit.middleware.AuditOriginMiddleware" in settings.MIDDLEWARE
