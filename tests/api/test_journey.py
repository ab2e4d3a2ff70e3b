"""The whole statutory journey through the API, as the people involved would drive it."""

from __future__ import annotations

from petitions.events import verify_petition_chain
from petitions.models import Petition
from tests.api.helpers import OPINION, REPLY_TEXT, assign_body, create


def test_full_journey_through_the_api(world, api_as):
    employee, officer = api_as(world.employee), api_as(world.officer)
    handler, company = api_as(world.handler), api_as(world.company_officer)

    created = create(employee)
    assert created["number"].startswith("XF-")
    assert created["state"] == "registered" and created["state_label"] == "待受理"
    assert created["receipt_code"] is None  # named: followed through the account
    pid = created["public_id"]

    seen = officer.get(f"/petitions/{pid}").json()
    assert seen["unit"] == {"code": "TS", "name": "塔山矿"}
    assert {"accept", "decline", "forward"} <= set(seen["allowed_actions"])
    assert seen["due_kind"] == "acceptance" and seen["days_left"] >= 14
    assert seen["petitioner"]["name"] == "王*国"  # masked, never the full name
    assert "王建国" not in str(seen)
    assert seen["risk_level"] == "low" and seen["flags"] == []
    own = employee.get(f"/petitions/{pid}").json()
    assert own["allowed_actions"] == ["withdraw", "add_material"]
    assert own["risk_level"] is None and own["flags"] is None  # the staff's assessment

    r = officer.post(f"/petitions/{pid}/accept", {"note": "属本单位职责"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert r.json()["due_kind"] == "handling"

    r = officer.post(f"/petitions/{pid}/assign", assign_body(world))
    assert r.status_code == 200 and r.json()["state"] == "handling"
    assert "reply" in handler.get(f"/petitions/{pid}").json()["allowed_actions"]

    r = api_as(world.leader).post(f"/petitions/{pid}/extend", {"days": 15, "reason": "需调取考勤和工资系统记录"})
    assert r.status_code == 200 and r.json()["state"] == "handling"

    r = handler.post(f"/petitions/{pid}/reply", {"outcome": "support", "text": REPLY_TEXT})
    assert r.status_code == 200 and r.json()["state"] == "replied"
    assert set(employee.get(f"/petitions/{pid}").json()["allowed_actions"]) >= {"rate", "request_review"}

    r = employee.post(f"/petitions/{pid}/rate", {"rating": "unsatisfied", "comment": "夜班津贴没算"})
    assert r.status_code == 200 and r.json()["state"] == "closed"

    r = employee.post(f"/petitions/{pid}/request_review", {"text": "补发金额不对，少算了夜班津贴。"})
    assert r.status_code == 200 and r.json()["state"] == "reviewing"

    r = company.post(f"/petitions/{pid}/decide_review", {"outcome": "uphold", "opinion": OPINION})
    assert r.status_code == 200 and r.json()["state"] == "reviewed"

    detail = employee.get(f"/petitions/{pid}").json()
    assert detail["reply_outcome"] == "support" and detail["reply_text"] == REPLY_TEXT
    assert detail["rating"] == "unsatisfied"
    assert detail["handling_unit"]["code"] == world.team.code and detail["handler"] == world.handler.name
    assert [(r["level"], r["unit"]["code"], r["outcome"]) for r in detail["reviews"]] == [
        ("review", world.company.code, "uphold")
    ]
    assert "request_rereview" in detail["allowed_actions"]

    timeline = employee.get(f"/petitions/{pid}/timeline").json()
    kinds = [e["kind"] for e in timeline["events"]]
    for kind in ("registered", "accepted", "assigned", "extended", "replied", "rated", "review_requested",
                 "review_decided"):
        assert kind in kinds
    assert [e["seq"] for e in timeline["events"]] == sorted(e["seq"] for e in timeline["events"])
    assert verify_petition_chain(Petition.objects.get(public_id=pid)) == []


def test_rereview_and_withdraw_verbs(world, api_as):
    employee = api_as(world.employee)
    pid = create(employee)["public_id"]
    officer = api_as(world.officer)
    officer.post(f"/petitions/{pid}/accept")
    officer.post(f"/petitions/{pid}/assign", assign_body(world))
    api_as(world.handler).post(f"/petitions/{pid}/reply", {"outcome": "explain", "text": REPLY_TEXT})
    employee.post(f"/petitions/{pid}/request_review", {"text": "不服处理意见，申请复查。"})
    api_as(world.company_officer).post(f"/petitions/{pid}/decide_review", {"outcome": "uphold", "opinion": OPINION})

    r = employee.post(f"/petitions/{pid}/request_rereview", {"text": "仍不服，请求复核。"})
    assert r.status_code == 200 and r.json()["state"] == "rereviewing"
    r = api_as(world.group_officer).post(f"/petitions/{pid}/decide_rereview",
                                        {"outcome": "uphold", "opinion": "经复核，维持复查意见，本事项终结。"})
    assert r.status_code == 200 and r.json()["state"] == "final"
    assert r.json()["allowed_actions"] == []

    # The same facts and reasons are not accepted after 复核 (第三十六条第三款): a new matter.
    other = create(employee, title="井口澡堂热水不足", category="housing_living",
                   content="井口澡堂下午四点以后没有热水，夜班工人升井后无法洗澡，请求增加锅炉供热时间。")["public_id"]
    r = employee.post(f"/petitions/{other}/withdraw", {"reason": "问题已解决"})
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"


def test_decline_and_forward_verbs(world, api_as):
    employee, officer = api_as(world.employee), api_as(world.officer)
    pid = create(employee)["public_id"]
    r = officer.post(f"/petitions/{pid}/decline", {
        "reason": "legal_procedure", "legal_channel": "arbitration", "note": "属劳动争议，请向劳动人事争议仲裁委员会申请仲裁",
    })
    assert r.status_code == 200 and r.json()["state"] == "not_accepted"
    assert Petition.objects.get(public_id=pid).legal_channel == "arbitration"

    pid = create(employee, title="同忻矿通勤车改线")["public_id"]
    r = officer.post(f"/petitions/{pid}/forward", {"to_unit": world.other_mine.code, "note": "属同忻矿职责"})
    assert r.status_code == 200
    assert r.json()["state"] == "registered" and r.json()["unit"]["code"] == world.other_mine.code
    assert "accept" in api_as(world.other_officer).get(f"/petitions/{pid}").json()["allowed_actions"]
