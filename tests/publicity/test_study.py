"""study.first_topic (tasks, reminders at the rule's horizon, overdue from the day after) and
study.center_group (sessions ≥ 6 of ≥ half a day, ≥ 4 seminars, gaps ≤ two months), versioned."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import InvalidInput, NotAllowed
from petitions.models import Notification
from publicity.models import FollowUpTask
from publicity.rules import rule_set_publish
from publicity.study import (
    TaskDraft,
    center_compliance,
    center_plan_create,
    center_session_record,
    first_topic_record,
    first_topics_visible_to,
    follow_up_done,
    remind_follow_ups,
    task_is_overdue,
)
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db


def topic(nr, due=date(2022, 3, 20)):
    return first_topic_record(acting_user=nr.officer, unit=nr.mine, meeting_on=date(2022, 3, 1),
                              material="学习习近平总书记关于安全生产的重要论述", led_by=nr.head,
                              attendees=[nr.head, nr.leader, nr.editor],
                              tasks=[TaskDraft(title="开展安全警示教育", owner=nr.editor, due_on=due)])


def test_first_topic_with_task_and_rights(nr):
    t = topic(nr)
    assert t.attendees.count() == 3 and t.tasks.count() == 1
    assert first_topics_visible_to(nr.editor).filter(pk=t.pk).exists()  # task owner
    assert not first_topics_visible_to(nr.outsider).filter(pk=t.pk).exists()
    with pytest.raises(NotAllowed):
        first_topic_record(acting_user=nr.outsider, unit=nr.mine, meeting_on=date(2022, 3, 1), material="x",
                           led_by=nr.head, attendees=[])
    with pytest.raises(InvalidInput):
        topic(nr, due=date(2022, 2, 28))  # due before the meeting


def test_reminder_horizon_and_idempotence(nr):
    t = topic(nr, due=date(2022, 3, 20)).tasks.get()
    Notification.objects.all().delete()
    # 3 days before by default: on 16 March the 20th is 4 days away → nothing; on the 17th → one reminder.
    assert remind_follow_ups(now=datetime(2022, 3, 16, 23, 59, tzinfo=SHANGHAI)) == 0
    assert remind_follow_ups(now=datetime(2022, 3, 17, 0, 0, tzinfo=SHANGHAI)) == 1
    assert remind_follow_ups(now=datetime(2022, 3, 18, 8, 0, tzinfo=SHANGHAI)) == 0  # once only
    t.refresh_from_db()
    assert t.reminded_at is not None


def test_overdue_from_the_day_after(nr):
    t = topic(nr).tasks.get()
    assert not task_is_overdue(t, date(2022, 3, 20))
    assert task_is_overdue(t, date(2022, 3, 21))
    with pytest.raises(NotAllowed):
        follow_up_done(acting_user=nr.outsider, task=t, note="完成")
    t = follow_up_done(acting_user=nr.editor, task=t, note="已组织三场警示教育")
    assert not task_is_overdue(t, date(2023, 1, 1))


def test_reminder_days_are_rule_data(nr, system_admin):
    rule_set_publish(code="study.first_topic", params={"remind_days_before": 7}, acting_user=system_admin)
    topic(nr, due=date(2022, 3, 20))
    assert remind_follow_ups(now=datetime(2022, 3, 13, 9, 0, tzinfo=SHANGHAI)) == 1
    assert FollowUpTask.objects.get().rule_version == 1


def _plan(nr, year=2022):
    return center_plan_create(acting_user=nr.company_officer, unit=nr.company, year=year,
                              topics="党的二十大精神；安全生产；改革发展", members=[nr.head, nr.leader, nr.both])


def test_center_group_compliance_boundaries(nr):
    plan = _plan(nr)
    members = [nr.head, nr.leader, nr.both]
    # Six sessions about every two months, each exactly half a day (3.5 h), four of them seminars.
    days = [date(2022, 2, 20), date(2022, 4, 20), date(2022, 6, 20), date(2022, 8, 20), date(2022, 10, 20),
            date(2022, 12, 20)]
    for i, d in enumerate(days):
        center_session_record(acting_user=nr.company_officer, plan=plan, held_on=d, hours=Decimal("3.5"),
                              topic=f"专题{i + 1}", seminar=i < 4, present=members if i else members[:2],
                              speeches={nr.head.pk: "交流发言"})
    c = center_compliance(plan, today=date(2023, 1, 10))
    assert (c.sessions, c.full_sessions, c.seminars) == (6, 6, 4)
    assert c.longest_gap_days == 61 and c.ok, c.flags
    assert c.attendance_rate == round(17 / 18, 3) and c.speeches == 6
    # One more session of 3.4 h: flagged as short, not counted as a full one.
    center_session_record(acting_user=nr.company_officer, plan=plan, held_on=date(2022, 12, 28),
                          hours=Decimal("3.4"), topic="短会", seminar=True, present=members)
    c = center_compliance(plan, today=date(2023, 1, 10))
    assert c.full_sessions == 6 and c.seminars == 4 and len(c.flags) == 1


def test_center_group_shortfalls_flagged(nr):
    plan = _plan(nr)
    center_session_record(acting_user=nr.company_officer, plan=plan, held_on=date(2022, 3, 4), hours=Decimal("4"),
                          topic="专题", seminar=True, present=[nr.head])
    during = center_compliance(plan, today=date(2022, 3, 5))
    assert during.longest_gap_days == 62 and during.ok  # 62 days from 1 January: still within two months
    assert not center_compliance(plan, today=date(2022, 5, 6)).ok  # 63 days since the session: flagged
    after = center_compliance(plan, today=date(2023, 1, 1))
    assert len(after.flags) == 3  # sessions, seminars, the gap from March to December
    with pytest.raises(InvalidInput):
        center_session_record(acting_user=nr.company_officer, plan=plan, held_on=date(2023, 1, 1),
                              hours=Decimal("4"), topic="x", seminar=False, present=[])


def test_pages_and_api(nr, client):
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:first_topic_new"), {
        "unit": nr.mine.pk, "meeting_on": "2022-05-06", "material": "学习重要讲话精神", "led_by": nr.head.employee_no,
        "attendees": f"{nr.head.employee_no} {nr.leader.employee_no}",
        "tasks": f"组织宣讲｜{nr.editor.employee_no}｜2022-05-30",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    task = FollowUpTask.objects.get()
    client.force_login(nr.editor)
    assert "组织宣讲" in client.get(reverse("publicity:study")).content.decode()
    client.post(reverse("publicity:task_done", args=[task.pk]), {"note": "已完成三场"})
    task.refresh_from_db()
    assert task.done_at is not None
    client.force_login(nr.company_officer)
    plan = _plan(nr)
    r = client.post(reverse("publicity:plan", args=[plan.pk]), {"held_on": "2022-03-01", "hours": "4",
                                                               "topic": "专题学习", "seminar": "on", "absent": ""})
    assert r.status_code == 302
    body = client.get(f"/api/v1/publicity/study/plans/{plan.pk}/compliance").json()
    assert body["sessions"] == 1 and body["rule_version"] == 0
    client.force_login(nr.outsider)
    assert client.get(f"/api/v1/publicity/study/plans/{plan.pk}/compliance").status_code == 404
    assert client.get("/api/v1/publicity/study/first-topics").json()["count"] == 0
