"""ideo.incident (deadline by level from versioned data, answered exactly at the deadline is on
time, escalation strictly after it, once), ideo.positions, ideo.committee_review."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.errors import InvalidInput, InvalidState, NotAllowed
from petitions.models import Notification
from publicity.choices import AgendaKind, IncidentLevel, IncidentState, PositionKind
from publicity.ideology import (
    agenda_record,
    committee_review,
    escalate_overdue,
    incident_close,
    incident_log,
    incident_respond,
    incidents_visible_to,
    position_register,
    positions_visible_to,
)
from publicity.models import Incident
from publicity.rules import rule_set_publish
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db

FOUND = datetime(2022, 9, 1, 10, 0, tzinfo=SHANGHAI)


def log(nr, level=IncidentLevel.MAJOR, found=FOUND):
    return incident_log(acting_user=nr.officer, title="短视频称矿井停产", summary="某平台短视频称东山煤矿停产，系不实信息",
                        unit=nr.mine, level=level, owner=nr.editor, found_at=found, now=found)


def test_deadline_by_level(nr):
    assert log(nr).due_at == FOUND + timedelta(hours=4)  # the highest level: 4 hours by default
    assert log(nr, IncidentLevel.SERIOUS).due_at == FOUND + timedelta(hours=12)
    assert log(nr, IncidentLevel.GENERAL).due_at == FOUND + timedelta(hours=24)


def test_answered_exactly_at_the_deadline_is_on_time(nr):
    i = log(nr)
    i = incident_respond(incident=i, acting_user=nr.editor, text="已联系平台说明情况", now=i.due_at)
    assert i.answered_on_time is True and i.state == IncidentState.RESPONDED
    assert escalate_overdue(now=i.due_at + timedelta(hours=1)) == 0  # answered: never escalated
    late = log(nr)
    late = incident_respond(incident=late, acting_user=nr.editor, text="响应", now=late.due_at + timedelta(seconds=1))
    assert late.answered_on_time is False


def test_escalation_strictly_after_the_deadline_and_once(nr, django_capture_on_commit_callbacks):
    i = log(nr)
    Notification.objects.all().delete()
    assert escalate_overdue(now=i.due_at) == 0  # at the deadline: not overdue yet
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(now=i.due_at + timedelta(seconds=1)) == 1
    assert escalate_overdue(now=i.due_at + timedelta(hours=2)) == 0  # once
    i.refresh_from_db()
    assert i.escalated_at == i.due_at + timedelta(seconds=1)
    assert list(i.steps.values_list("kind", flat=True)) == ["found", "escalation"]
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert {nr.editor.pk, nr.company_officer.pk} <= notified  # the owner and the unit above's 宣传干事
    assert incidents_visible_to(nr.company_officer).filter(pk=i.pk).exists()


def test_deadline_hours_are_rule_data(nr, system_admin):
    rule_set_publish(code="ideo.incident", acting_user=system_admin, params={"response_hours": {"major": 2}})
    i = log(nr)
    assert i.due_at == FOUND + timedelta(hours=2) and i.rule_version == 1
    with pytest.raises(InvalidInput):
        rule_set_publish(code="ideo.incident", acting_user=system_admin, params={"response_hours": {"major": 0}})


def test_rights_and_states(nr):
    with pytest.raises(NotAllowed):
        incident_log(acting_user=nr.outsider, title="x", summary="y", unit=nr.mine, level="major", owner=nr.editor,
                     found_at=FOUND, now=FOUND)
    i = log(nr)
    assert not incidents_visible_to(nr.outsider).filter(pk=i.pk).exists()
    assert incidents_visible_to(nr.editor).filter(pk=i.pk).exists()  # owner
    with pytest.raises(NotAllowed):
        incident_respond(incident=i, acting_user=nr.outsider, text="x", now=FOUND)
    with pytest.raises(InvalidState):
        incident_close(incident=i, acting_user=nr.officer, text="x")
    incident_respond(incident=i, acting_user=nr.editor, text="已澄清", now=FOUND + timedelta(hours=1))
    i = incident_close(incident=i, acting_user=nr.officer, text="平台已删除不实视频")
    assert i.state == IncidentState.CLOSED


def test_sweep_command(nr):
    log(nr, found=FOUND)
    call_command("publicity_sweep")  # now is long after 2022: escalated
    assert Incident.objects.get().escalated_at is not None


def test_positions_register(nr):
    p = position_register(acting_user=nr.officer, name="东山煤矿微信公众号", kind=PositionKind.WECHAT, unit=nr.mine,
                          responsible=nr.editor)
    assert positions_visible_to(nr.editor).filter(pk=p.pk).exists()
    assert not positions_visible_to(nr.outsider).filter(pk=p.pk).exists()
    with pytest.raises(NotAllowed):
        position_register(acting_user=nr.outsider, name="x", kind=PositionKind.BOARD, unit=nr.mine,
                          responsible=nr.editor)


def test_committee_review_boundaries(nr):
    agenda_record(acting_user=nr.officer, unit=nr.mine, meeting_on=date(2022, 3, 1), kind=AgendaKind.STUDY,
                  title="研究上半年意识形态工作")
    during = committee_review(nr.mine, 2022, today=date(2022, 12, 31))
    assert during.studies == 1 and during.flags == []  # not judged before the year is over
    after = committee_review(nr.mine, 2022, today=date(2023, 1, 1))
    assert len(after.flags) == 1  # one study < 2; the report may still come until 31 March
    agenda_record(acting_user=nr.officer, unit=nr.mine, meeting_on=date(2022, 12, 31), kind=AgendaKind.STUDY,
                  title="研究下半年意识形态工作")
    assert committee_review(nr.mine, 2022, today=date(2023, 3, 31)).flags == []
    assert len(committee_review(nr.mine, 2022, today=date(2023, 4, 1)).flags) == 1  # no report by 31 March
    agenda_record(acting_user=nr.officer, unit=nr.mine, meeting_on=date(2023, 3, 31), kind=AgendaKind.REPORT,
                  title="2022年度意识形态工作报告")
    assert committee_review(nr.mine, 2022, today=date(2023, 4, 1)).flags == []


def test_pages_and_api(nr, client):
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:incident_new"), {
        "title": "网传矿区污染", "summary": "网帖称矿区排污，需核实", "unit": nr.mine.pk, "level": "major",
        "owner": nr.editor.employee_no, "found_at": "2022-09-01T08:00",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    i = Incident.objects.get()
    escalate_overdue()
    page = client.get(reverse("publicity:incident", args=[i.public_id])).content.decode()
    assert "已升级" in page
    items = client.get("/api/v1/publicity/incidents").json()["items"]
    assert items[0]["escalated_at"] is not None
    client.force_login(nr.editor)
    r = client.post(f"/api/v1/publicity/incidents/{i.public_id}/respond", {"text": "已核实并回应"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["answered_on_time"] is False
    client.force_login(nr.outsider)
    assert client.get(reverse("publicity:incident", args=[i.public_id])).status_code == 404
