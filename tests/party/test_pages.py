"""Pages and API of the party module: scoping, forms, exports."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from party.models import LetterState, Member, TransferLetter
from tests.party.test_roster import GOOD, messy_roster
from tongxin.lib.periods import local_date


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_anonymous_is_sent_to_login(world):
    r = Client().get(reverse("party:orgs"))
    assert r.status_code == 302 and "login" in r["Location"]


def test_org_pages(world):
    c = client_for(world.secretary)
    r = c.get(reverse("party:orgs"))
    assert r.status_code == 200 and "综采一队党支部" in r.text and "同忻矿机关党支部" not in r.text
    r = c.get(reverse("party:org", args=[world.branch.pk]))
    assert r.status_code == 200 and 'data-rule="org.branch_min"' in r.text
    assert c.get(reverse("party:org", args=[world.branch2.pk])).status_code == 404
    assert client_for(world.outsider).get(reverse("party:orgs")).status_code == 403
    r = c.post(reverse("party:org_create", args=[world.branch.pk]), {"code": "G1", "name": "第一党小组",
                                                                      "kind": "group"})
    assert r.status_code == 302
    r = c.post(reverse("party:org_election", args=[world.branch.pk]),
               {"elected_on": "2026-03-01", "entitled_voters": 10, "attending_voters": 11})
    assert "实到会人数不能超过" in c.get(r["Location"]).text


def test_member_pages_and_export(world):
    c = client_for(world.secretary)
    r = c.get(reverse("party:members"), {"branch": world.branch.pk})
    assert r.status_code == 200 and "王党员" in r.text and 'data-testid="completeness"' in r.text
    m = Member.objects.get(person=world.member_user)
    r = c.get(reverse("party:member", args=[m.pk]))
    assert r.status_code == 200 and "组织关系记录" in r.text
    r = c.post(reverse("party:member", args=[m.pk]), {"gender": "M", "dues_kind": "salaried", "dues_base": "5000"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.gender == "M" and str(m.dues_base) == "5000.00"
    r = c.get(reverse("party:member_export"))
    ws = load_workbook(io.BytesIO(r.content)).active
    assert sorted(row[1] for row in ws.iter_rows(min_row=2, values_only=True)) == sorted(["张书记", "王党员"])
    # a member sees their own record only, without editing
    own = client_for(world.member_user)
    assert own.get(reverse("party:member", args=[m.pk])).status_code == 200
    assert own.post(reverse("party:member", args=[m.pk]), {"dues_kind": "retired"}).status_code == 403


def test_roster_upload_preview_import(world):
    from tests.party.conftest import person

    for i in range(1, 5):
        person(f"M{i}", f"矿工{i}", world.team)
    c = client_for(world.secretary)
    f = io.BytesIO(messy_roster(GOOD + [["M9", "无此人", "男", None, "正式", None, None, "综采一队党支部", None]]))
    f.name = "花名册.xlsx"
    r = c.post(reverse("party:roster_upload"), {"file": f})
    assert r.status_code == 302
    preview_url = r["Location"]
    r = c.get(preview_url)
    assert 'data-testid="roster-errors"' in r.text and "M9" in r.text
    r = c.post(preview_url, {"action": "all"})
    assert "未导入任何数据" in r.text and not Member.objects.filter(person__employee_no="M1").exists()
    r = c.post(preview_url, {"action": "valid"})
    assert r.status_code == 302 and Member.objects.filter(person__employee_no__in=["M1", "M2", "M3"]).count() == 3
    # someone else's upload is not theirs to see
    assert client_for(world.secretary2).get(preview_url).status_code == 404


def test_transfer_pages(world):
    m = Member.objects.get(person=world.member_user)
    c = client_for(world.secretary)
    r = c.post(reverse("party:letter_issue", args=[m.pk]),
               {"to_code": world.branch2.code, "issued_on": "2026-09-01", "dues_paid_to": "2026-08"})
    letter = TransferLetter.objects.get()
    assert r.status_code == 302 and letter.to_org == world.branch2
    c2 = client_for(world.secretary2)
    assert letter.number in c2.get(reverse("party:transfers")).text
    r = c2.post(reverse("party:letter", args=[letter.pk]), {"action": "report", "on": "2026-09-03"})
    letter.refresh_from_db()
    assert letter.state == LetterState.REPORTED
    assert client_for(world.outsider).get(reverse("party:letter", args=[letter.pk])).status_code == 404


@pytest.mark.parametrize("name", ["party_orgs_list", "party_members_list"])
def test_api_lists_are_scoped(world, name):
    c = client_for(world.secretary)
    r = c.get(reverse(f"api-v1:{name}"))
    assert r.status_code == 200
    names = [i["name"] for i in r.json()["items"]]
    assert "同忻矿机关党支部" not in names and "李书记" not in names


def test_api_org_and_transfer(world):
    c = client_for(world.secretary)
    r = c.get(reverse("api-v1:party_orgs_get", args=[world.branch.pk]))
    assert r.status_code == 200 and any(f["code"] == "org.branch_min" for f in r.json()["findings"])
    assert c.get(reverse("api-v1:party_orgs_get", args=[world.branch2.pk])).status_code == 404
    m = Member.objects.get(person=world.member_user)
    r = c.post(reverse("api-v1:party_transfers_issue"), {
        "member_id": m.pk, "to_org_id": world.branch2.pk, "issued_on": "2026-09-01", "dues_paid_to": "2026-08",
    }, content_type="application/json")
    assert r.status_code == 201, r.text
    letter_id = r.json()["id"]
    r = c.post(reverse("api-v1:party_transfers_report", args=[letter_id]), {"on": "2026-09-02"},
               content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "party.not_allowed"
    r = client_for(world.secretary2).post(reverse("api-v1:party_transfers_report", args=[letter_id]),
                                          {"on": str(date(2026, 9, 2))}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "reported"


def test_development_pages_and_api(world):
    from party.development import dev_open
    from tests.party.conftest import person

    p = person("A9", "申请人", world.team)
    c = client_for(world.secretary)
    r = c.post(reverse("party:dev_open", args=[world.branch.pk]),
               {"employee_no": "A9", "birth_date": "2000-01-01", "applied_on": "2026-03-02"})
    assert r.status_code == 302
    f = p.party_dev_files.get()
    r = c.get(reverse("party:dev", args=[f.pk]))
    assert r.status_code == 200 and 'data-testid="next-step"' in r.text and "2026-04-02" in r.text
    r = c.post(reverse("party:dev", args=[f.pk]), {"on": "2026-03-10", "decided_by": "支部书记张书记"})
    assert r.status_code == 302
    assert "申请人" in c.get(reverse("party:dev_list")).text
    r = c.get(reverse("party:dev_docx", args=[f.pk]))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = c.post(reverse("api-v1:party_dev_step_record", args=[f.pk]),
               {"step": 5, "on": "2026-03-11", "decided_by": "支委会"}, content_type="application/json")
    assert r.status_code == 409 and "请先完成第3步" in r.json()["message"]
    r = c.get(reverse("api-v1:party_dev_list"))
    assert r.json()["items"][0]["next_step"] == 3
    # the applicant sees their own file, not to edit
    own = client_for(p)
    assert own.get(reverse("party:dev", args=[f.pk])).status_code == 200
    assert own.post(reverse("party:dev", args=[f.pk]), {"on": "2026-03-11", "decided_by": "x"}).status_code == 403
    assert client_for(world.secretary2).get(reverse("party:dev", args=[f.pk])).status_code == 404
    assert dev_open  # imported for the reader: the page calls the same service


def test_life_pages_signin_and_vote(world):
    from party.models import Meeting
    from tests.party.conftest import add_members

    add_members(world.branch, 2)
    c = client_for(world.secretary)
    r = c.get(reverse("party:life", args=[world.branch.pk]))
    assert r.status_code == 200 and 'data-rule="life.general_meeting"' in r.text
    r = c.post(reverse("party:meeting_new", args=[world.branch.pk]),
               {"kind": "general_meeting", "title": "第四季度党员大会", "planned_on": str(local_date(timezone.now()))})
    m = Meeting.objects.get()
    assert r.status_code == 302 and m.entitled == 4
    page = c.get(reverse("party:meeting", args=[m.pk])).text
    assert m.signin_code in page
    own = client_for(world.member_user)
    r = own.post(reverse("party:signin"), {"code": m.signin_code})
    assert r.status_code == 302
    r = own.post(reverse("api-v1:party_meetings_signin", args=[m.pk]), {"code": m.signin_code},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["present"] == 1
    ids = list(m.attendance.values_list("member_id", flat=True))
    c.post(reverse("party:meeting", args=[m.pk]), {"action": "hold", "held_on": str(local_date(timezone.now())),
                                                   "present": [str(i) for i in ids[:3]], "minutes": "讨论"})
    c.post(reverse("party:meeting", args=[m.pk]), {"action": "vote", "motion": "表决", "yes": 3, "no": 0,
                                                   "abstain": 0, "written_yes": 0})
    v = m.votes.get()
    assert v.quorum_met and v.passed
    assert own.get(reverse("party:meeting", args=[m.pk])).status_code == 200  # expected there: may read
    assert own.post(reverse("party:meeting", args=[m.pk]), {"action": "vote"}).status_code == 403
    assert client_for(world.outsider).get(reverse("party:meeting", args=[m.pk])).status_code == 404
    r = c.get(reverse("api-v1:party_meetings_list"))
    assert r.json()["count"] == 1


def test_dues_page_and_api(world):
    from party.models import DuesAssessment

    c = client_for(world.secretary)
    r = c.post(reverse("party:dues") + f"?org={world.branch.pk}&month=2026-11", {"action": "run"})
    assert r.status_code == 302 and DuesAssessment.objects.filter(month="2026-11").count() == 2
    r = c.get(reverse("party:dues"), {"org": world.branch.pk, "month": "2026-11"})
    assert r.status_code == 200 and 'data-testid="dues-rows"' in r.text
    a = DuesAssessment.objects.filter(member__person=world.member_user).get()
    c.post(reverse("party:dues") + f"?org={world.branch.pk}&month=2026-11", {"action": "collect", "a": [a.pk]})
    a.refresh_from_db()
    assert a.paid_on is not None and a.collected_by == world.secretary
    r = c.get(reverse("party:dues"), {"org": world.branch.pk, "month": "2026-11", "ledger": "branch"})
    assert r.content[:2] == b"PK"
    r = c.get(reverse("api-v1:party_dues_list"), {"month": "2026-11", "unpaid": True})
    assert r.json()["count"] == 1
    r = client_for(world.secretary2).post(reverse("api-v1:party_dues_pay", args=[a.pk]), {"paid_on": "2026-11-30"},
                                          content_type="application/json")
    assert r.status_code == 404
    r = c.post(reverse("api-v1:party_dues_run"), {"month": "2026-12"}, content_type="application/json")
    assert r.status_code == 403
    r = client_for(world.officer).post(reverse("api-v1:party_dues_run"), {"month": "2026-12"},
                                       content_type="application/json")
    assert r.status_code == 200 and r.json()["created"] == 3
    own = client_for(world.member_user)
    assert own.get(reverse("api-v1:party_dues_list")).json()["count"] == 2  # their own rows only
    assert own.get(reverse("party:dues")).status_code == 403


def test_workspace_me_dashboard_drill(world):
    from party.development import dev_open
    from tests.party.conftest import person

    applicant = person("A7", "青年工人", world.team)
    dev_open(person=applicant, branch=world.branch, birth_date=date(2001, 1, 1), applied_on=date(2026, 3, 2),
             actor=None)
    c = client_for(world.secretary)
    r = c.get(reverse("party:home"))
    assert r.status_code == 200 and 'data-testid="branch-card"' in r.text and "青年工人" in r.text
    assert 'data-testid="quick-general_meeting"' in r.text
    own = client_for(world.member_user)
    r = own.get(reverse("party:home"))
    assert 'data-testid="my-branch"' in r.text and "综采一队党支部" in r.text
    r = client_for(applicant).get(reverse("party:home"))
    assert 'data-testid="my-development"' in r.text
    assert "尚未编入" in client_for(world.outsider).get(reverse("party:home")).text
    o = client_for(world.officer)
    r = o.get(reverse("party:dashboard"))
    assert r.status_code == 200 and 'data-testid="stat-members"' in r.text and 'id="d-compliance"' in r.text
    b = r.context["b"]
    assert b["total"] == 3 and b["branches"] == 2 and sum(s["n"] for s in b["stages"]) == 1
    r = o.get(b["stages"][0]["url"])
    assert "青年工人" in r.text
    r = o.get(b["status"][1]["url"])  # 正式党员
    assert r.context["page"].paginator.count == 3
    miss = b["compliance"][0]
    assert miss["missed"] == 2
    r = o.get(miss["url"])
    assert r.context["page"].paginator.count == 2
    assert o.get(miss["done_url"]).context["page"].paginator.count == 0
    assert o.get(b["branches_url"]).context["page"].paginator.count == 2
    assert o.get(b["paid_url"]).status_code == 200
    r = c.get(reverse("party:dashboard"), {"org": world.branch2.pk})  # not theirs: their own root instead
    assert r.context["org"] == world.branch
    assert c.get(reverse("party:drill"), {"org": world.branch2.pk, "fig": "status", "key": "full"}).status_code == 404
    assert own.get(reverse("party:dashboard")).status_code == 403


def test_responsibility_and_education_pages(world):
    c = client_for(world.officer)
    url = reverse("party:responsibility", args=[world.mine_committee.pk])
    assert c.get(url).status_code == 200
    c.post(url, {"action": "scheme"})
    c.post(url, {"action": "assess", "child": world.branch.pk, "m_integration": "15"})
    r = c.get(url)
    assert 'data-testid="score"' in r.text
    c.post(url, {"action": "pre", "title": "产权转让", "category": "restructure", "party_meeting_on": "2026-05-10",
                 "decision_body": "board", "decided_on": "2026-05-09"})
    assert "决策早于党委会研究" in c.get(url).text
    c.post(url, {"action": "duty", "level": "subject", "employee_no": "SJ1", "task": "落实三会一课"})
    assert "落实三会一课" in c.get(url).text
    url = reverse("party:education", args=[world.branch.pk])
    c.post(url, {"action": "activity", "kind": "volunteer", "title": "矿区志愿服务", "on": "2026-05-01",
                 "participants": "DY1, SJ1"})
    assert "2 人参加" in c.get(url).text
    assert client_for(world.secretary2).get(url).status_code == 404


@pytest.mark.parametrize("url_name", ["party:member_register", "party:dev_open"])
def test_unknown_employee_number_said_on_the_field_and_nothing_created(world, url_name):
    from party.models import DevFile

    c = client_for(world.secretary)
    today = local_date(timezone.now())
    data = {"employee_no": " NOPE9 ", "status": "full", "joined_on": "2010-07-01", "birth_date": "1995-05-01",
            "applied_on": today.isoformat()}
    before = (Member.objects.count(), DevFile.objects.count())
    r = c.post(reverse(url_name, args=[world.branch.pk]), data)
    assert r.status_code == 200
    assert "没有工号为NOPE9的人员，请先在人员管理中建立。" in r.text and "invalid-feedback" in r.text
    assert (Member.objects.count(), DevFile.objects.count()) == before
    # the same form with a real number (surrounding blanks allowed) goes through
    r = c.post(reverse(url_name, args=[world.branch.pk]), {**data, "employee_no": f" {world.outsider.employee_no} "})
    assert r.status_code == 302
    if url_name == "party:member_register":
        assert Member.objects.get(person=world.outsider).branch == world.branch
    else:
        assert DevFile.objects.get(person=world.outsider).branch == world.branch
