"""Responsibility lists, the configurable assessment from the records, 述职评议, 前置研究, education."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotAllowed
from party import assessment, education
from party.life import meeting_hold, meeting_plan
from party.models import MeetingKind, Member
from tests.party.conftest import person

TODAY = date(2026, 11, 30)


def test_assessment_from_records_plus_manual(world):
    s = assessment.scheme_create(name="2026年考核", year=2026, items=None, actor=None)
    item = assessment.duty_add(org=world.branch, year=2026, level="first", owner=world.secretary,
                               task="每季度讲一次党课", due_on=date(2026, 6, 30), actor=world.secretary)
    with pytest.raises(InvalidInput):
        assessment.assess(scheme=s, org=world.branch, manual={}, actor=world.secretary, today=TODAY)
    with pytest.raises(InvalidInput):
        assessment.assess(scheme=s, org=world.branch, manual={"integration": Decimal("21")}, actor=None, today=TODAY)
    r = assessment.assess(scheme=s, org=world.branch, manual={"integration": Decimal("18")}, actor=None, today=TODAY)
    # nothing held this year: life 0; no dues computed: 15; no steps: 15; records incomplete: 0; duty late: 0
    assert r.scores == {"life": "0.00", "dues": "15.00", "development": "15.00", "records": "0.00", "duties": "0.00",
                        "integration": "18.00"}
    assert r.total == Decimal("48.00")
    assessment.duty_done(item=item, done_on=date(2026, 6, 30), evidence="讲了党课", actor=None)
    m = meeting_plan(org=world.branch, kind=MeetingKind.GENERAL, title="一季度", planned_on=date(2026, 3, 1), actor=None)
    meeting_hold(meeting=m, held_on=date(2026, 3, 1), actor=None, present_ids=set())
    r = assessment.assess(scheme=s, org=world.branch, manual={"integration": Decimal("18")}, actor=None, today=TODAY)
    assert Decimal(r.scores["duties"]) == Decimal("10.00") and Decimal(r.scores["life"]) > 0
    with pytest.raises(NotAllowed):
        assessment.assess(scheme=s, org=world.branch, manual={"integration": 1}, actor=world.secretary2, today=TODAY)


def test_scheme_is_configurable(world):
    with pytest.raises(InvalidInput):
        assessment.scheme_create(name="x", year=2026, items=[{"code": "a", "weight": 10, "source": "magic"}], actor=None)
    with pytest.raises(InvalidInput):
        assessment.scheme_create(name="x", year=2026, items=[{"code": "a", "weight": 0, "source": "life"}], actor=None)
    s = assessment.scheme_create(name="只看党费", year=2026, items=[{"code": "d", "label": "党费", "weight": 100,
                                                                     "source": "dues"}], actor=None)
    assert assessment.assess(scheme=s, org=world.branch, manual={}, actor=None, today=TODAY).total == Decimal("100.00")


def test_review_recorded_one_level_up(world):
    with pytest.raises(NotAllowed):
        assessment.review_record(org=world.branch, year=2026, secretary=world.secretary, held_on=TODAY, rating="good",
                                 notes="", actor=world.secretary)
    r = assessment.review_record(org=world.branch, year=2026, secretary=world.secretary, held_on=TODAY,
                                 rating="good", notes="抓党建有力", actor=world.officer)
    assert r.get_rating_display() == "好"


def test_pre_research_order(world):
    same = assessment.pre_research_record(org=world.mine_committee, title="综采设备更新", category="restructure",
                                          party_meeting_on=date(2026, 5, 10), decision_body="board",
                                          decided_on=date(2026, 5, 10), actor=None)
    assert same.order_ok is False  # the same day is not "before"
    ok = assessment.pre_research_record(org=world.mine_committee, title="年度计划", category="strategy",
                                        party_meeting_on=date(2026, 1, 5), decision_body="management", actor=None)
    assert ok.order_ok is None
    assessment.pre_research_decide(item=ok, decided_on=date(2026, 1, 6), actor=None)
    assert ok.order_ok is True


def test_education_and_leader_lectures(world):
    leader = person("LD1", "矿长", world.team)
    education.lecturer_add(org=world.mine_committee, person=leader, is_leader=True, actor=None)
    m = meeting_plan(org=world.branch, kind=MeetingKind.LECTURE, title="安全生产与党员责任", planned_on=date(2026, 4, 1),
                     actor=None, lecturer=leader)
    meeting_hold(meeting=m, held_on=date(2026, 4, 1), actor=None, present_ids=set())
    assert education.lectures_given(world.mine_committee, 2026)[0]["lectures"] == 1
    s = education.study_add(org=world.mine_committee, topic="习近平总书记重要讲话", planned_on=date(2026, 4, 2),
                            first_topic=True, actor=None)
    education.study_done(item=s, done_on=date(2026, 4, 2), actor=None)
    a = education.activity_record(org=world.branch, kind="clean", title="廉洁教育警示片", on=date(2026, 5, 1),
                                  participants=list(Member.objects.filter(branch=world.branch)), actor=None)
    assert a.participants.count() == 2
    with pytest.raises(InvalidInput):
        education.activity_record(org=world.branch, kind="party", title="x", on=TODAY, actor=None)
