"""Refusals: JSON {code, message} with the right status, and nothing changed."""

from __future__ import annotations

import pytest

from petitions.models import Petition
from tests.api.helpers import NAMED, REPLY_TEXT, assign_body, create


def snapshot(public_id: str) -> tuple[dict, int]:
    petition = Petition.objects.get(public_id=public_id)
    return Petition.objects.values().get(pk=petition.pk), petition.events.count()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), "a Chinese message"
    return body


def test_wrong_state_is_409_invalid_state_and_changes_nothing(world, api_as):
    pid = create(api_as(world.employee))["public_id"]
    officer = api_as(world.officer)
    assert officer.post(f"/petitions/{pid}/accept").status_code == 200
    before = snapshot(pid)
    body = assert_error(officer.post(f"/petitions/{pid}/accept"), 409, "invalid_state")
    assert "已受理待交办" in body["message"]
    assert_error(api_as(world.handler).post(f"/petitions/{pid}/reply", {"outcome": "support", "text": REPLY_TEXT}),
                 404, "not_found")  # the handler is not assigned yet: he does not see it
    assert_error(api_as(world.employee).post(f"/petitions/{pid}/rate", {"rating": "satisfied"}), 409, "invalid_state")
    assert snapshot(pid) == before


def test_outside_scope_is_404_and_changes_nothing(world, api_as):
    pid = create(api_as(world.employee))["public_id"]
    before = snapshot(pid)
    body = assert_error(api_as(world.other_officer).post(f"/petitions/{pid}/accept"), 404, "not_found")
    assert body["message"] == "信访事项不存在，或您无权查看"
    # Exactly what an id that does not exist gets: existence is not leaked.
    missing = api_as(world.other_officer).post("/petitions/00000000-0000-4000-8000-000000000000/accept")
    assert missing.json() == body
    assert snapshot(pid) == before


def test_wrong_role_is_403_and_changes_nothing(world, api_as):
    employee, officer = api_as(world.employee), api_as(world.officer)
    pid = create(employee)["public_id"]
    before = snapshot(pid)
    body = assert_error(employee.post(f"/petitions/{pid}/accept"), 403, "not_allowed")
    assert "回避" in body["message"]  # the petitioner cannot accept his own matter
    assert snapshot(pid) == before

    officer.post(f"/petitions/{pid}/accept")
    officer.post(f"/petitions/{pid}/assign", assign_body(world))
    before = snapshot(pid)
    assert_error(officer.post(f"/petitions/{pid}/reply", {"outcome": "support", "text": REPLY_TEXT}), 403, "not_allowed")
    assert_error(officer.post(f"/petitions/{pid}/extend", {"days": 10, "reason": "需要更多时间"}), 403, "not_allowed")
    assert_error(officer.post(f"/petitions/{pid}/withdraw"), 403, "not_allowed")
    assert snapshot(pid) == before


@pytest.mark.parametrize(("verb", "body", "field"), [
    ("reply", {"outcome": "maybe", "text": REPLY_TEXT}, "outcome"),
    ("reply", {"text": REPLY_TEXT}, "outcome"),
    ("extend", {"days": 99, "reason": "太复杂"}, "days"),
    ("extend", {"days": "ten", "reason": "太复杂"}, "days"),
    ("assign", {"handling_unit": "TS-ZC1"}, "handler"),
    ("decline", {"reason": "legal_procedure", "legal_channel": "court", "note": "x"}, "legal_channel"),
    ("rate", ["satisfied"], "rating"),
])
def test_malformed_body_is_422_validation_error(world, api_as, verb, body, field):
    pid = create(api_as(world.employee))["public_id"]
    before = snapshot(pid)
    response = api_as(world.officer).post(f"/petitions/{pid}/{verb}", body)
    payload = assert_error(response, 422, "validation_error")
    assert field in payload["message"]
    assert any(e["field"] == field for e in payload["errors"])
    assert snapshot(pid) == before


def test_body_that_is_not_json_is_422(world, api_as):
    response = api_as(world.employee).post("/petitions", raw="{title: 综采一队")
    payload = assert_error(response, 422, "validation_error")
    assert "JSON" in payload["message"]
    assert not Petition.objects.exists()


def test_create_with_missing_fields_lists_them(world, api_as):
    response = api_as(world.employee).post("/petitions", {"title": "工资", "category": "salary"})
    payload = assert_error(response, 422, "validation_error")
    assert {"content", "unit", "category"} <= {e["field"] for e in payload["errors"]}
    assert not Petition.objects.exists()


def test_service_level_validation_is_422_with_its_code(world, api_as):
    employee = api_as(world.employee)
    assert_error(employee.post("/petitions", {**NAMED, "unit": "NOWHERE"}), 422, "unknown_unit")
    body = assert_error(employee.post("/petitions", {**NAMED, "content": "太短"}), 422, "invalid_petition")
    assert "至少10个字" in body["message"]
    assert not Petition.objects.exists()

    pid = create(employee)["public_id"]
    officer = api_as(world.officer)
    assert_error(officer.post(f"/petitions/{pid}/decline", {"reason": "legal_procedure", "note": "去仲裁"}),
                 422, "legal_channel_required")
    assert_error(officer.post(f"/petitions/{pid}/forward", {"to_unit": "TS"}), 422, "same_unit")
    officer.post(f"/petitions/{pid}/accept")
    assert_error(officer.post(f"/petitions/{pid}/assign", {**assign_body(world), "handler": "NOBODY"}),
                 422, "unknown_person")
    assert_error(officer.post(f"/petitions/{pid}/assign", {**assign_body(world), "handler": world.outsider.employee_no}),
                 422, "handler_not_in_unit")
    assert Petition.objects.get(public_id=pid).state == "accepted"


def test_list_parameters_are_validated(world, api_as):
    api = api_as(world.officer)
    assert_error(api.get("/petitions", limit=101), 422, "validation_error")
    assert_error(api.get("/petitions", offset=-1), 422, "validation_error")
    # Found by schemathesis: an offset past 64 bits overflowed SQLite's OFFSET (a 500).
    assert_error(api.get("/petitions", offset=4824998930963629600669696), 422, "validation_error")
    assert api.get("/petitions", offset=100_000_000).json()["items"] == []
    assert_error(api.get("/petitions", state="lost"), 422, "validation_error")
    assert_error(api.get("/petitions", due="tomorrow"), 422, "validation_error")
    assert api.get("/petitions", limit=100).status_code == 200


def test_an_id_that_is_not_a_uuid_is_404_not_500(world, api_as):
    api = api_as(world.officer)
    assert_error(api.get("/petitions/42"), 404, "not_found")
    assert_error(api.get("/petitions/XF-2026-000001/timeline"), 404, "not_found")
    assert_error(api.post("/petitions/'%3B--/accept"), 404, "not_found")


def test_wrong_method_is_json(world, api_as):
    response = api_as(world.officer).client.delete("/api/v1/petitions")
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_the_database_down_mid_request_is_a_503_to_retry_and_nothing_is_half_written(world, api_key, monkeypatch):
    from django.db import OperationalError

    import petitions.api.views as views
    from tests.api.conftest import ApiClient

    client = ApiClient(api_key(world.employee), raise_request_exception=False)
    before = Petition.objects.count()

    def cut(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "petition_submit", cut)
    response = client.post("/petitions", NAMED)
    body = assert_error(response, 503, "unavailable")
    assert response["Retry-After"] == "5" and "半截" in body["message"]
    assert Petition.objects.count() == before

    # A restart can surface as another error raised while the first was handled (a rollback on
    # the cut connection): still unavailability.
    def cut_then_rollback(*args, **kwargs):
        from django.db import DatabaseError
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise DatabaseError("rollback failed") from None

    monkeypatch.setattr(views, "petition_submit", cut_then_rollback)
    assert_error(client.post("/petitions", NAMED), 503, "unavailable")
    assert Petition.objects.count() == before
    # Any other failure stays a 500 in the API's shape.
    monkeypatch.setattr(views, "petition_submit", lambda **kw: 1 / 0)
    assert_error(client.post("/petitions", NAMED), 500, "server_error")
