"""Who may call: bearer API tokens (stored as SHA-256 only) and the web session with CSRF."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEvent
from petitions.api.tokens import api_token_create, api_token_revoke
from petitions.models import ApiToken, Petition
from tests.api.conftest import ApiClient
from tests.api.helpers import NAMED, create

UNAUTHORIZED = "unauthorized"


def test_token_authenticates_as_its_holder(world, api_key):
    key = api_key(world.employee)
    api = ApiClient(key)
    created = create(api)
    assert Petition.objects.get(public_id=created["public_id"]).petitioner == world.employee
    assert api.get("/petitions").json()["count"] == 1
    token = ApiToken.objects.get(user=world.employee)
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", [
    "Bearer txk_this-key-was-never-issued-by-tongxin-0000000000",
    "Bearer not-even-a-tongxin-key",
    "Bearer ",
    "Basic WjE6VG9uZ3hpbkAyMDI2",
])
def test_unknown_or_malformed_credentials_get_401_json(world, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/petitions")
    assert response.status_code == 401
    assert response.json()["code"] == UNAUTHORIZED
    assert response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_get_401_json(world, anon_api):
    for response in (anon_api.get("/petitions"), anon_api.post("/petitions", NAMED)):
        assert response.status_code == 401
        assert response.json()["code"] == UNAUTHORIZED
    assert not Petition.objects.exists()


def test_revoked_token_gets_401(world):
    issued = api_token_create(user=world.employee, name="手机App")
    api = ApiClient(issued.key)
    assert api.get("/petitions").status_code == 200
    api_token_revoke(prefix=issued.token.prefix)
    response = api.get("/petitions")
    assert response.status_code == 401
    assert response.json()["code"] == UNAUTHORIZED


def test_token_of_a_disabled_account_gets_401(world, api_key):
    api = ApiClient(api_key(world.employee))
    world.employee.is_active = False
    world.employee.save()
    assert api.get("/petitions").status_code == 401


def test_invalid_token_is_refused_even_with_a_session(world):
    client = Client(headers={"Authorization": "Bearer txk_revoked-or-unknown-key-000000000000000000"})
    client.force_login(world.employee)
    assert client.get("/api/v1/petitions").status_code == 401


def test_create_api_token_command_prints_the_key_once_and_stores_its_hash(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", world.officer.employee_no, "OA系统对接", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("txk_") and len(key) > 40
    assert "只显示这一次" in err.getvalue()
    token = ApiToken.objects.get(user=world.officer)
    assert token.name == "OA系统对接"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    stored = [str(v) for v in ApiToken.objects.values().get(pk=token.pk).values()]
    assert key not in stored
    assert AuditEvent.objects.filter(action="api_token.create", target_id=str(token.pk)).exists()
    assert ApiClient(key).get("/petitions").status_code == 200

    call_command("revoke_api_token", token.prefix, stdout=io.StringIO())
    assert ApiClient(key).get("/petitions").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", target_id=str(token.pk)).exists()


def test_create_api_token_command_rejects_unknown_person(db):
    with pytest.raises(CommandError, match="没有工号"):
        call_command("create_api_token", "NOBODY9", "测试", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_session_user_reads_without_token(world, client):
    client.force_login(world.employee)
    response = client.get("/api/v1/petitions")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.employee)
    refused = client.post("/api/v1/petitions", NAMED, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert not Petition.objects.exists()

    client.get("/api/v1/docs")  # any page that renders the CSRF token sets the cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/petitions", NAMED, content_type="application/json",
                           headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 201
    assert Petition.objects.get().petitioner == world.employee


def test_not_logged_in_write_gets_401_not_a_csrf_error(world):
    response = Client(enforce_csrf_checks=True).post("/api/v1/petitions", NAMED, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == UNAUTHORIZED


def test_bearer_token_needs_no_csrf(world, api_key):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {api_key(world.employee)}"})
    response = client.post("/api/v1/petitions", NAMED, content_type="application/json")
    assert response.status_code == 201
