"""Every endpoint that lists or reads petitions goes through selectors.visible_to (DESIGN §3)."""

from __future__ import annotations

from django.test import Client

from petitions.models import Petition
from petitions.rules import Actor
from petitions.workflow import petition_supervise
from tests.api.helpers import OPINION, REPLY_TEXT, assign_body, create

# A body that passes validation for every operation addressed by public_id, so that only
# scoping can refuse it. A new operation without a sample here fails the test below.
SAMPLE_BODIES = {
    "petitions_get": None,
    "petitions_timeline": None,
    "petitions_accept": {"note": ""},
    "petitions_decline": {"reason": "outside_remit", "note": "不属于本单位职责"},
    "petitions_forward": {"to_unit": "TX"},
    "petitions_assign": {"handling_unit": "TS-ZC1", "handler": "H1", "leader": "L1"},
    "petitions_extend": {"days": 10, "reason": "需要调查"},
    "petitions_reply": {"outcome": "support", "text": REPLY_TEXT},
    "petitions_rate": {"rating": "satisfied"},
    "petitions_request_review": {"text": "不服，申请复查。"},
    "petitions_decide_review": {"outcome": "uphold", "opinion": OPINION},
    "petitions_request_rereview": {"text": "不服，申请复核。"},
    "petitions_decide_rereview": {"outcome": "uphold", "opinion": OPINION},
    "petitions_withdraw": {"reason": ""},
}


def petition_operations(client) -> list[tuple[str, str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (op["operationId"], method, path)
        for path, item in schema["paths"].items()
        if "{public_id}" in path and path.startswith("/api/v1/petitions")  # the modules test their own
        for method, op in item.items()
    ]


def test_other_mines_officer_sees_nothing_of_this_mine(world, api_as, client):
    pid = create(api_as(world.employee))["public_id"]
    before = Petition.objects.values().get(public_id=pid)
    other = api_as(world.other_officer)
    assert other.get("/petitions").json() == {"count": 0, "limit": 20, "offset": 0, "items": []}
    assert other.get("/petitions", q=Petition.objects.get().number).json()["count"] == 0

    operations = petition_operations(client)
    assert {op for op, _, _ in operations} == set(SAMPLE_BODIES), "every petition operation is checked"
    for operation_id, method, path in operations:
        url = path.removeprefix("/api/v1").replace("{public_id}", pid)
        response = other.get(url) if method == "get" else other.post(url, SAMPLE_BODIES[operation_id])
        assert response.status_code == 404, operation_id
        assert response.json()["code"] == "not_found", operation_id
    assert Petition.objects.values().get(public_id=pid) == before


def test_outsiders_see_nothing(world, api_as):
    pid = create(api_as(world.employee))["public_id"]
    for person in (world.outsider, world.handler):  # the handler is not assigned yet
        api = api_as(person)
        assert api.get("/petitions").json()["count"] == 0
        assert api.get(f"/petitions/{pid}").status_code == 404
        assert api.get(f"/petitions/{pid}/timeline").status_code == 404


def test_list_shows_what_each_person_may_see(world, api_as):
    employee = api_as(world.employee)
    first = create(employee)
    second = create(employee, title="掘进队夜班班车取消", category="housing_living",
                    content="掘进队夜班班车十一月起取消，夜班职工下班无车回家，请求恢复夜班班车。")
    officer = api_as(world.officer)
    officer.post(f"/petitions/{first['public_id']}/accept")
    officer.post(f"/petitions/{first['public_id']}/assign", assign_body(world))

    listed = officer.get("/petitions").json()
    assert listed["count"] == 2
    assert [i["number"] for i in listed["items"]] == [second["number"], first["number"]]  # newest first
    assert employee.get("/petitions").json()["count"] == 2
    assert [i["number"] for i in api_as(world.handler).get("/petitions").json()["items"]] == [first["number"]]
    for senior in (world.company_officer, world.group_officer):
        assert api_as(senior).get("/petitions").json()["count"] == 2

    # Filters narrow the visible set, never widen it.
    assert [i["state"] for i in officer.get("/petitions", state="handling").json()["items"]] == ["handling"]
    assert officer.get("/petitions", category="housing_living").json()["count"] == 1
    assert officer.get("/petitions", channel="letter").json()["count"] == 0
    assert officer.get("/petitions", q=second["number"]).json()["count"] == 1
    assert officer.get("/petitions", q="夜班班车").json()["count"] == 1
    assert officer.get("/petitions", due="overdue").json()["count"] == 0
    assert officer.get("/petitions", due="soon").json()["count"] == 0
    assert api_as(world.other_officer).get("/petitions", state="handling").json()["count"] == 0

    page = officer.get("/petitions", limit=1, offset=1).json()
    assert page["count"] == 2 and [i["number"] for i in page["items"]] == [first["number"]]
    item = page["items"][0]
    assert item["state_label"] == "办理中" and item["unit"]["code"] == "TS"
    assert item["due_kind"] == "handling" and item["days_left"] > 50


def test_the_accused_never_sees_the_accusation(world, api_as):
    """第三十条第三款: an accusation against the mine's own petition officer."""
    created = create(api_as(world.employee), title="信访干事收受好处", ptype="accusation", category="cadre_conduct",
                     content="矿信访干事李秀英收受承包商财物，为其压下职工投诉，请求纪检部门调查。",
                     accused_employee_no=world.officer.employee_no)
    pid = created["public_id"]
    accused = api_as(world.officer)
    assert accused.get("/petitions").json()["count"] == 0
    assert accused.get(f"/petitions/{pid}").status_code == 404
    assert accused.post(f"/petitions/{pid}/accept").status_code == 404
    assert Petition.objects.get(public_id=pid).state == "registered"
    # Nor does the leader of the accused's unit; the company's officer and the group's inspector do.
    assert api_as(world.leader).get(f"/petitions/{pid}").status_code == 404
    assert api_as(world.company_officer).get(f"/petitions/{pid}").status_code == 200
    assert api_as(world.inspector).get(f"/petitions/{pid}").status_code == 200


def test_petitioner_timeline_shows_public_steps_only(world, api_as):
    employee, officer = api_as(world.employee), api_as(world.officer)
    pid = create(employee)["public_id"]
    officer.post(f"/petitions/{pid}/accept")
    petition_supervise(petition=Petition.objects.get(public_id=pid), actor=Actor(), reason="内部督办", system=True)

    staff_view = officer.get(f"/petitions/{pid}/timeline").json()["events"]
    own_view = employee.get(f"/petitions/{pid}/timeline").json()["events"]
    assert "supervised" in [e["kind"] for e in staff_view]
    assert "supervised" not in [e["kind"] for e in own_view]
    assert {e["seq"] for e in own_view} < {e["seq"] for e in staff_view}
    assert all(e["actor"] is None for e in own_view)
    registered = staff_view[0]
    assert registered["kind"] == "registered" and registered["actor"] == "王*国"  # the petitioner, masked
    accepted = next(e for e in staff_view if e["kind"] == "accepted")
    assert accepted["actor"] == world.officer.name


def test_session_scope_is_the_same_as_token_scope(world, api_as):
    pid = create(api_as(world.employee))["public_id"]
    client = Client()
    client.force_login(world.other_officer)
    assert client.get("/api/v1/petitions").json()["count"] == 0
    assert client.get(f"/api/v1/petitions/{pid}").status_code == 404
    client.force_login(world.officer)
    assert client.get(f"/api/v1/petitions/{pid}").status_code == 200
