"""Anonymous submission: a 16-digit receipt code shown once, tracking by it, rate-limited."""

from __future__ import annotations

import re

from django.test import Client, override_settings

from petitions.models import Petition
from petitions.rules import Actor
from petitions.workflow import petition_supervise
from tests.api.conftest import ApiClient
from tests.api.helpers import create


def track(code: str, *, ip: str = "10.1.2.3"):
    return Client(REMOTE_ADDR=ip).post("/api/v1/track", {"receipt_code": code}, content_type="application/json")


def test_anonymous_create_returns_the_receipt_code_once(world, api_as):
    employee = api_as(world.employee)
    created = create(employee, anonymous=True)
    code = created["receipt_code"]
    assert re.fullmatch(r"\d{16}", code)
    petition = Petition.objects.get(public_id=created["public_id"])
    assert petition.is_anonymous and petition.petitioner is None
    stored = " ".join(str(v) for v in Petition.objects.values().get(pk=petition.pk).values())
    assert code not in stored  # only the first digits for look-up and an Argon2 hash
    # Not linked to the account: the submitter's own list does not show it.
    assert employee.get("/petitions").json()["count"] == 0
    assert employee.get(f"/petitions/{created['public_id']}").status_code == 404


def test_track_with_the_code_returns_the_public_timeline(world, api_as):
    created = create(api_as(world.employee), anonymous=True)
    pid = created["public_id"]
    api_as(world.officer).post(f"/petitions/{pid}/accept", {"note": "属本单位职责"})
    petition_supervise(petition=Petition.objects.get(public_id=pid), actor=Actor(), reason="内部督办：请加快办理",
                       system=True)

    response = track(created["receipt_code"])
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == created["number"] and body["state"] == "accepted"
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[:2] == ["registered", "accepted"]
    assert "supervised" not in kinds  # internal steps are not shown to the petitioner
    assert all(e["actor"] is None for e in body["events"])
    assert "public_id" not in body

    # Spaces and dashes as printed on a slip are accepted.
    spaced = " ".join(created["receipt_code"][i:i + 4] for i in range(0, 16, 4))
    assert track(spaced, ip="10.9.9.9").status_code == 200


def test_staff_never_see_who_submitted_anonymously(world, api_as):
    created = create(api_as(world.employee), anonymous=True)
    officer = api_as(world.officer)
    detail = officer.get(f"/petitions/{created['public_id']}").json()
    assert detail["is_anonymous"] and detail["petitioner"] is None
    timeline = officer.get(f"/petitions/{created['public_id']}/timeline").json()
    assert timeline["events"][0]["actor"] is None
    assert world.employee.name not in str(detail) + str(timeline)


def test_wrong_code_is_404(world, api_as):
    code = create(api_as(world.employee), anonymous=True)["receipt_code"]
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    for attempt in (wrong, "1234", "abcdefghijklmnop", ""):
        response = track(attempt)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_tracking_is_rate_limited_per_address(world, api_as):
    code = create(api_as(world.employee), anonymous=True)["receipt_code"]
    for _ in range(10):
        assert track("0000000000000000").status_code == 404
    limited = track(code)  # even the right code, once the address is over its limit
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert "10" in limited.json()["message"]
    assert limited["Retry-After"] == "600"
    assert track(code, ip="10.7.7.7").status_code == 200  # other addresses are not affected


def test_tracking_needs_no_account_and_ignores_one(world, api_key):
    code = create(ApiClient(api_key(world.employee)), anonymous=True)["receipt_code"]
    response = ApiClient("txk_garbage").post("/track", {"receipt_code": code})
    assert response.status_code == 200


@override_settings(API_TRUSTED_PROXIES=1)
def test_behind_a_reverse_proxy_the_forwarded_address_is_limited(world, api_as):
    code = create(api_as(world.employee), anonymous=True)["receipt_code"]

    def via_proxy(forwarded_for: str):
        return Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": forwarded_for}).post(
            "/api/v1/track", {"receipt_code": code}, content_type="application/json")

    for i in range(10):
        # A client cannot escape its limit by sending its own X-Forwarded-For: the proxy appends
        # the address it saw, and only that rightmost entry counts.
        assert via_proxy(f"192.0.2.{i}, 10.0.0.8").status_code == 200
    assert via_proxy("10.0.0.8").status_code == 429
    assert via_proxy("10.0.0.9").status_code == 200  # another miner behind the same proxy
