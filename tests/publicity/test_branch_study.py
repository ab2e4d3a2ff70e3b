"""study.branch: per 第一议题 and 中心组 session, the branches' study meetings held on it, read from
the party module (records made through the party services, not copied): study kinds only, held
(not only planned), in the follow-up window, by organizations of the topic's unit subtree, naming
the topic; scoped to the people who keep those units' study records; drill-down to the meetings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from orgs.choices import Role
from party.life import meeting_hold, meeting_plan
from party.models import MeetingKind, OrgKind
from party.orgtree import org_create
from publicity import branch_study
from publicity.study import center_plan_create, center_session_record, first_topic_record

pytestmark = pytest.mark.django_db

KEY = "安全生产重要论述"
TOPIC_DAY = date(2025, 3, 3)


@pytest.fixture
def party_world(nr, system_admin):
    committee = org_create(code="PB-DW", name="东山煤矿党委", kind=OrgKind.COMMITTEE, parent=None, units=[nr.mine],
                           actor=system_admin)
    other_committee = org_create(code="PB-XL", name="西岭煤矿党委", kind=OrgKind.COMMITTEE, parent=None,
                                 units=[nr.other_mine], actor=system_admin)
    branch = org_create(code="PB-ZC1", name="综采一队党支部", kind=OrgKind.BRANCH, parent=committee,
                        units=[nr.team], actor=system_admin)
    other_branch = org_create(code="PB-XL1", name="西岭一支部", kind=OrgKind.BRANCH, parent=other_committee,
                              units=[nr.other_mine], actor=system_admin)

    def meeting(org, kind, title, day, held=True, agenda=""):
        m = meeting_plan(org=org, kind=kind, title=title, planned_on=day, actor=system_admin, agenda=agenda)
        return meeting_hold(meeting=m, held_on=day, actor=system_admin, present_ids=set()) if held else m

    made = {
        "lecture": meeting(branch, MeetingKind.LECTURE, f"党课：学习{KEY}", TOPIC_DAY + timedelta(days=10)),
        "theme_day": meeting(branch, MeetingKind.THEME_DAY, "三月主题党日", TOPIC_DAY, agenda=f"传达学习{KEY}"),
        "last_day": meeting(branch, MeetingKind.GENERAL, f"党员大会学习{KEY}", TOPIC_DAY + timedelta(days=60)),
        # Not counted: too late, before the topic, business not study, only planned, another topic,
        # another mine's branch.
        "late": meeting(branch, MeetingKind.LECTURE, f"党课：{KEY}", TOPIC_DAY + timedelta(days=61)),
        "before": meeting(branch, MeetingKind.LECTURE, f"党课：{KEY}", TOPIC_DAY - timedelta(days=1)),
        "committee": meeting(branch, MeetingKind.COMMITTEE, f"支委会研究{KEY}", TOPIC_DAY + timedelta(days=5)),
        "planned": meeting(branch, MeetingKind.LECTURE, f"党课：{KEY}（计划）", TOPIC_DAY + timedelta(days=20),
                           held=False),
        "other_topic": meeting(branch, MeetingKind.LECTURE, "党课：学习党章", TOPIC_DAY + timedelta(days=7)),
        "other_mine": meeting(other_branch, MeetingKind.LECTURE, f"党课：{KEY}", TOPIC_DAY + timedelta(days=7)),
    }
    topic = first_topic_record(acting_user=nr.officer, unit=nr.mine, meeting_on=TOPIC_DAY,
                               material="习近平总书记关于安全生产的重要论述和重要指示精神", led_by=nr.editor,
                               attendees=[nr.editor], branch_key=KEY)
    return topic, made


def test_first_topic_counts_the_branch_study_meetings_on_it(nr, party_world):
    topic, made = party_world
    found = list(branch_study.meetings_on(nr.officer, branch_study.ref_of_first_topic(topic)))
    assert {m.pk for m in found} == {made["lecture"].pk, made["theme_day"].pk, made["last_day"].pk}
    assert [m.held_on for m in found] == sorted((m.held_on for m in found), reverse=True)
    (s,) = branch_study.summary(nr.officer, [branch_study.ref_of_first_topic(topic)])
    assert (s.meetings, s.branches) == (3, 1)


def test_scope_only_the_keepers_of_those_units(nr, party_world, make_person):
    topic, made = party_world
    ref = branch_study.ref_of_first_topic(topic)
    assert not branch_study.meetings_on(nr.outsider, ref).exists()
    assert not branch_study.meetings_on(nr.correspondent, ref).exists()
    other = make_person(nr.other_mine, Role.PUBLICITY_OFFICER, name="西岭宣传干事")
    assert not branch_study.meetings_on(other, ref).exists()
    assert {m.pk for m in branch_study.branch_meetings_visible_to(other)} == {made["other_mine"].pk}
    assert branch_study.meetings_on(nr.company_officer, ref).count() == 3


def test_material_is_the_key_without_one_and_the_window_is_a_rule(nr, party_world, system_admin):
    from publicity.rules import rule_set_publish

    topic, made = party_world
    topic.branch_key = ""
    assert not branch_study.meetings_on(nr.officer, branch_study.ref_of_first_topic(topic)).exists()
    topic.branch_key = KEY
    rule_set_publish(code="study.first_topic", params={"remind_days_before": 3, "branch_follow_days": 61},
                     acting_user=system_admin)
    assert branch_study.meetings_on(nr.officer, branch_study.ref_of_first_topic(topic)).count() == 4  # + day 61


def test_center_group_session_and_pages(nr, party_world, client):
    topic, made = party_world
    plan = center_plan_create(acting_user=nr.officer, unit=nr.mine, year=2025, topics="安全生产", members=[nr.editor])
    session = center_session_record(acting_user=nr.officer, plan=plan, held_on=TOPIC_DAY, hours=4, topic=KEY,
                                    seminar=True, present=[nr.editor])
    client.force_login(nr.officer)
    page = client.get(reverse("publicity:study")).content.decode()
    assert "支部跟进学习 3 次（1 个党组织" in page
    page = client.get(reverse("publicity:plan", args=[plan.pk])).content.decode()
    assert "支部跟进学习 3 次（1 个党组织）" in page
    page = client.get(reverse("publicity:branch_meetings", args=["first-topic", topic.pk])).content.decode()
    for key in ("lecture", "theme_day", "last_day"):
        assert made[key].title in page
    for key in ("late", "committee", "other_topic", "other_mine"):
        assert made[key].title not in page
    page = client.get(reverse("publicity:branch_meetings", args=["session", session.pk])).content.decode()
    assert made["lecture"].title in page
    client.force_login(nr.outsider)
    assert client.get(reverse("publicity:branch_meetings", args=["first-topic", topic.pk])).status_code == 404
    assert client.get(reverse("publicity:branch_meetings", args=["session", session.pk])).status_code == 404
    assert client.get(reverse("publicity:branch_meetings", args=["nothing", topic.pk])).status_code == 404
