"""life.* frequencies, votes (quorum and majority of those entitled), sign-in, the §9 absence flag."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import InvalidInput, InvalidState, NotAllowed
from party import orgtree
from party.life import (
    absence_flags,
    compliance_calendar,
    meeting_hold,
    meeting_plan,
    meeting_signin,
    reminders,
    secretary_lectures,
    vote_outcome,
    vote_record,
)
from party.models import MeetingKind, Member, OrgKind, RuleVersion
from tests.party.conftest import add_members
from tongxin.lib.periods import SHANGHAI

TODAY = date(2026, 11, 30)


def held(org, kind, on, present=None, actor=None):
    m = meeting_plan(org=org, kind=kind, title=f"{kind} {on}", planned_on=on, actor=actor)
    ids = {a.member_id for a in m.attendance.all()} if present is None else present
    return meeting_hold(meeting=m, held_on=on, actor=actor, present_ids=ids)


def row(rows, kind):
    return next(r for r in rows if r.kind == kind)


def states(rows, kind):
    return [c.state for c in row(rows, kind).cells]


def test_quarterly_general_meeting(world):
    held(world.branch, MeetingKind.GENERAL, date(2026, 3, 31))  # last day of Q1
    held(world.branch, MeetingKind.GENERAL, date(2026, 7, 1))  # first day of Q3
    rows = compliance_calendar(world.branch, 2026, TODAY)
    assert states(rows, "general_meeting") == ["done", "missed", "done", "due"]
    assert row(rows, "general_meeting").code == "life.general_meeting" and row(rows, "general_meeting").missed == 1


def test_monthly_committee_and_theme_day(world):
    for month in range(1, 11):
        held(world.branch, MeetingKind.COMMITTEE, date(2026, month, 15))
    held(world.branch, MeetingKind.THEME_DAY, date(2026, 11, 1))
    rows = compliance_calendar(world.branch, 2026, TODAY)
    assert states(rows, "committee_meeting") == ["done"] * 10 + ["due", "future"]
    assert states(rows, "theme_day")[:11] == ["missed"] * 10 + ["done"]


def test_group_meetings_need_every_group(world):
    g1 = orgtree.org_create(code="G1", name="一组", kind=OrgKind.GROUP, parent=world.branch)
    g2 = orgtree.org_create(code="G2", name="二组", kind=OrgKind.GROUP, parent=world.branch)
    held(g1, MeetingKind.GROUP, date(2026, 1, 10))
    held(g1, MeetingKind.GROUP, date(2026, 2, 10))
    held(g2, MeetingKind.GROUP, date(2026, 2, 11))
    rows = compliance_calendar(world.branch, 2026, TODAY)
    assert states(rows, "group_meeting")[:2] == ["missed", "done"]
    with pytest.raises(InvalidInput):
        meeting_plan(org=world.branch, kind=MeetingKind.GROUP, title="x", planned_on=TODAY, actor=None)
    # a branch without groups has no 党小组会 row
    assert not [r for r in compliance_calendar(world.branch2, 2026, TODAY) if r.kind == "group_meeting"]


def test_yearly_rules_and_lecture(world):
    rows = compliance_calendar(world.branch, 2026, TODAY)
    for kind in ("review_meeting", "member_appraisal", "heart_talks"):
        assert states(rows, kind) == ["due"]
        assert row(rows, kind).code == f"life.{kind}"
    assert states(compliance_calendar(world.branch, 2025, TODAY), "review_meeting") == ["missed"]
    assert states(rows, "party_lecture") == ["missed", "missed", "missed", "due"]
    m = meeting_plan(org=world.branch, kind=MeetingKind.LECTURE, title="学习二十大精神", planned_on=date(2026, 5, 1),
                     actor=None, lecturer=world.secretary)
    meeting_hold(meeting=m, held_on=date(2026, 5, 1), actor=None, present_ids=set())
    assert secretary_lectures(world.branch, 2026) == (1, 1)
    assert states(compliance_calendar(world.branch, 2026, TODAY), "party_lecture")[1] == "done"


def test_lecture_frequency_is_configurable(world):
    RuleVersion.objects.create(code="life.party_lecture", value={"period": "year", "min": 2},
                               effective_from=date(2026, 1, 1), verify=True)
    held(world.branch, MeetingKind.LECTURE, date(2026, 5, 1))
    r = row(compliance_calendar(world.branch, 2026, TODAY), "party_lecture")
    assert [c.state for c in r.cells] == ["due"] and r.stamp != "life.party_lecture@v0"
    held(world.branch, MeetingKind.LECTURE, date(2026, 6, 1))
    assert states(compliance_calendar(world.branch, 2026, TODAY), "party_lecture") == ["done"]


def test_reminders_before_period_end(world):
    held(world.branch, MeetingKind.GENERAL, date(2026, 10, 10))
    due = {r.kind for r, _c in reminders(world.branch, date(2026, 11, 25))}
    assert "committee_meeting" in due and "general_meeting" not in due
    assert "committee_meeting" not in {r.kind for r, _c in reminders(world.branch, date(2026, 11, 5))}


@pytest.mark.parametrize(("entitled", "present", "yes", "written", "quorum", "passed"), [
    (10, 5, 5, 0, False, False),  # exactly half attending: no vote
    (10, 6, 5, 0, True, False),  # yes = half of those entitled: not more than half
    (10, 6, 6, 0, True, True),
    (10, 6, 5, 1, True, True),  # a written opinion of an absent member counts
    (9, 5, 5, 0, True, True),
    (9, 5, 4, 0, True, False),
])
def test_vote_rule(db, entitled, present, yes, written, quorum, passed):
    r = vote_outcome(entitled=entitled, present=present, yes=yes, written_yes=written, on=TODAY)
    assert (r.quorum_met, r.passed) == (quorum, passed) and r.stamp == "life.vote@v0"


def test_vote_recorded_on_a_general_meeting(world):
    add_members(world.branch, 8)  # 10 entitled
    m = meeting_plan(org=world.branch, kind=MeetingKind.GENERAL, title="接收预备党员", planned_on=date(2026, 11, 2),
                     actor=world.secretary)
    assert m.entitled == 10
    ids = list(m.attendance.values_list("member_id", flat=True))
    absent = ids[5]
    with pytest.raises(InvalidState):
        vote_record(meeting=m, motion="x", yes=1, no=0, abstain=0, actor=None)
    meeting_hold(meeting=m, held_on=date(2026, 11, 2), actor=None, present_ids=set(ids[:5]),
                 reasons={absent: "井下值班"}, written={absent})
    v = vote_record(meeting=m, motion="接收刘青年为预备党员", yes=5, no=0, abstain=0, actor=world.secretary)
    assert v.present == 5 and not v.quorum_met and not v.passed
    with pytest.raises(InvalidInput):
        vote_record(meeting=m, motion="x", yes=4, no=1, abstain=1, actor=None)  # 6 votes, 5 present
    with pytest.raises(InvalidInput):
        vote_record(meeting=m, motion="x", yes=4, no=0, abstain=0, written_yes=2, actor=None)
    c = meeting_plan(org=world.branch, kind=MeetingKind.COMMITTEE, title="支委会", planned_on=TODAY, actor=None)
    with pytest.raises(InvalidState):
        vote_record(meeting=c, motion="x", yes=1, no=0, abstain=0, actor=None)


def test_signin(world):
    m = meeting_plan(org=world.branch, kind=MeetingKind.GENERAL, title="党员大会", planned_on=TODAY, actor=None)
    at = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(InvalidInput):
        meeting_signin(meeting=m, user=world.member_user, code="000000" if m.signin_code != "000000" else "1", at=at)
    with pytest.raises(InvalidState):
        meeting_signin(meeting=m, user=world.member_user, code=m.signin_code,
                       at=datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))
    with pytest.raises(NotAllowed):
        meeting_signin(meeting=m, user=world.outsider, code=m.signin_code, at=at)
    a = meeting_signin(meeting=m, user=world.member_user, code=m.signin_code, at=at)
    m.refresh_from_db()
    assert a.present and m.present == 1
    # the secretary's attendance form does not undo a sign-in
    meeting_hold(meeting=m, held_on=TODAY, actor=None, present_ids=set())
    m.refresh_from_db()
    assert m.present == 1


def test_absence_flag_six_months(world):
    me = Member.objects.get(person=world.member_user)
    others = {Member.objects.get(person=world.secretary).pk}
    held(world.branch, MeetingKind.GENERAL, date(2026, 5, 30), present=others | {me.pk})
    held(world.branch, MeetingKind.GENERAL, date(2026, 8, 1), present=others)
    assert absence_flags(Member.objects.filter(branch=world.branch), TODAY) == []  # attended on 5-30: within 6 months
    assert [m for m, _d in absence_flags(Member.objects.filter(branch=world.branch), date(2026, 11, 30))] == []
    flagged = absence_flags(Member.objects.filter(branch=world.branch), date(2026, 12, 1))
    assert [(m.pk, d) for m, d in flagged] == [(me.pk, date(2026, 5, 30))]
