"""dev.* rules at their boundaries, the full pipeline, and the order property."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError, InvalidInput, InvalidState
from party.dates import add_months
from party.development import (
    activist_review_due,
    dev_cancel,
    dev_open,
    next_step,
    probation_extend,
    step_record,
    window,
)
from party.models import DevState, Member, MemberStatus, RuleVersion
from tests.party.conftest import add_members, person

TODAY = date(2030, 1, 1)
INTRODUCERS = ["SJ1", "DY1"]


def rec(f, step, on, data=None, **kw):
    return step_record(file=f, step=step, on=on, decided_by="支部委员会", actor=None, data=data or {},
                       today=kw.pop("today", TODAY), **kw)


@pytest.fixture
def applicant(world):
    return person("A1", "刘青年", world.team)


@pytest.fixture
def dev(world, applicant):
    return dev_open(person=applicant, branch=world.branch, birth_date=date(2000, 5, 1), applied_on=date(2024, 3, 1),
                    actor=world.secretary)


def run_to(f, last: int, start: date = date(2024, 3, 1)) -> dict[int, date]:
    """Record steps up to ``last`` on the earliest valid days; returns the dates used."""
    f.refresh_from_db()
    used = dict(f.steps.values_list("step", "on")) or {1: start}
    d = max(used.values())
    for step in range(f.current_step + 1, last + 1):
        data = {}
        if step in (7, 13, 24):
            data["publicity_from"] = str(d)
        if step == 9:
            data["introducers"] = INTRODUCERS
        if step == 10:
            data["conclusion"] = "政治审查合格"
        if step == 11:
            data["days"] = 3
        w = window(f, step, data)
        d = max(d, w.earliest or d)
        rec(f, step, d, data)
        used[step] = d
        f.refresh_from_db()
    return used


def test_age_boundary(world, applicant):
    with pytest.raises(InvalidInput) as e:
        dev_open(person=applicant, branch=world.branch, birth_date=date(2006, 3, 2), applied_on=date(2024, 3, 1),
                 actor=None)
    assert e.value.code == "dev.age"
    f = dev_open(person=applicant, branch=world.branch, birth_date=date(2006, 3, 1), applied_on=date(2024, 3, 1),
                 actor=None)  # the 18th birthday
    assert f.current_step == 1 and "dev.age@v0" in f.steps.get().rule_version


def test_talk_within_one_month_is_flagged_not_refused(dev):
    assert window(dev, 2).latest == date(2024, 4, 1)
    s = rec(dev, 2, date(2024, 4, 2))
    assert s.flags and "dev.talk" in s.flags[0]


def test_talk_on_the_last_day_is_not_flagged(dev):
    assert rec(dev, 2, date(2024, 4, 1)).flags == []


def test_out_of_order_refused_with_clear_message(dev):
    with pytest.raises(InvalidState) as e:
        rec(dev, 3, date(2024, 3, 10))
    assert "请先完成第2步“党组织派人谈话”" in e.value.message
    rec(dev, 2, date(2024, 3, 10))
    with pytest.raises(InvalidState):
        rec(dev, 2, date(2024, 3, 11))
    with pytest.raises(InvalidInput):  # earlier than the previous step
        rec(dev, 3, date(2024, 3, 9))


def test_future_dates_refused(dev):
    with pytest.raises(InvalidInput):
        rec(dev, 2, date(2024, 3, 10), today=date(2024, 3, 9))


def test_activist_period_one_year(dev):
    run_to(dev, 6)
    dev.refresh_from_db()
    d3 = dev.steps.get(step=3).on
    data = {"publicity_from": str(add_months(d3, 11))}
    w = window(dev, 7, data)
    assert w.earliest >= date(d3.year + 1, d3.month, d3.day)
    with pytest.raises(InvalidInput) as e:
        rec(dev, 7, date(d3.year + 1, d3.month, d3.day) - timedelta(days=1), data)
    assert "dev.activist_period" in e.value.message


def test_publicity_across_national_day(world):
    f = dev_open(person=person("A2", "国庆", world.team), branch=world.branch, birth_date=date(1998, 1, 1),
                 applied_on=date(2025, 1, 2), actor=None)
    run_to(f, 6, start=date(2025, 1, 2))
    f.refresh_from_db()
    with pytest.raises(InvalidInput) as e:
        rec(f, 7, date(2026, 10, 1))
    assert e.value.code == "dev.publicity"  # no publicity recorded
    data = {"publicity_from": "2026-09-28"}
    # 9-28, 9-29, 9-30, then the holiday 10-1…10-7, then 10-8 and 10-9: five working days
    assert window(f, 7, data).earliest == date(2026, 10, 10)
    with pytest.raises(InvalidInput) as e:
        rec(f, 7, date(2026, 10, 9), data)
    assert "2026-10-09" in e.value.message
    rec(f, 7, date(2026, 10, 10), data)


def test_introducers_two_full_members(dev, world):
    run_to(dev, 8)
    dev.refresh_from_db()
    d = dev.steps.get(step=8).on
    with pytest.raises(InvalidInput):
        rec(dev, 9, d, {"introducers": ["SJ1"]})
    with pytest.raises(InvalidInput):
        rec(dev, 9, d, {"introducers": ["SJ1", "SJ1"]})
    p = add_members(world.branch, 1, status=MemberStatus.PROBATIONARY)[0]
    with pytest.raises(InvalidInput):
        rec(dev, 9, d, {"introducers": ["SJ1", p.person.employee_no]})
    rec(dev, 9, d, {"introducers": INTRODUCERS})


def test_political_review_and_training(dev):
    run_to(dev, 9)
    dev.refresh_from_db()
    d = dev.steps.get(step=9).on
    with pytest.raises(InvalidInput) as e:
        rec(dev, 10, d, {"conclusion": " "})
    assert e.value.code == "dev.political_review"
    rec(dev, 10, d, {"conclusion": "合格"})
    with pytest.raises(InvalidInput):
        rec(dev, 11, d, {"days": 2, "hours": 23})
    rec(dev, 11, d, {"days": 2, "hours": 24})


@pytest.mark.parametrize(("months_after", "flagged"), [(3, True), (4, False)])
def test_leaving_soon_flag(world, months_after, flagged):
    f = dev_open(person=person("A3", "调走", world.team), branch=world.branch, birth_date=date(1998, 1, 1),
                 applied_on=date(2024, 3, 1), actor=None)
    used = run_to(f, 11)
    f.leaving_on = add_months(used[11], months_after) + timedelta(days=0 if flagged else 1)
    f.save(update_fields=["leaving_on"])
    s = rec(f, 12, used[11])  # leaving exactly 3 months after: flagged; a day later: not
    assert (any("dev.leaving_soon" in x for x in s.flags)) == flagged


def test_full_pipeline_to_full_member(dev, world, applicant):
    used = run_to(dev, 17)
    dev.refresh_from_db()
    m = Member.objects.get(person=applicant)
    assert m.status == MemberStatus.PROBATIONARY and m.joined_on == used[15] and m.branch == world.branch
    assert dev.probation_end == date(used[15].year + 1, used[15].month, used[15].day)
    assert m.memberships.get().start == used[15]  # probation and dues from the 支部大会 vote
    assert window(dev, 20).latest == add_months(used[17], 1)  # dev.oath
    with pytest.raises(InvalidInput):  # 转正申请 before probation ends
        run_to_one(dev, 22, dev.probation_end - timedelta(days=1), used)
    used = run_to(dev, 25)
    dev.refresh_from_db()
    m.refresh_from_db()
    assert m.status == MemberStatus.FULL and m.full_on == dev.probation_end and dev.state == DevState.DONE
    assert next_step(dev) is None


def run_to_one(f, step, on, used):
    for s in range(f.current_step + 1, step):
        rec(f, s, max(used.values()))
        f.refresh_from_db()
    rec(f, step, on)


def test_approval_within_three_months_flag(dev):
    used = run_to(dev, 16)
    dev.refresh_from_db()
    w = window(dev, 17)
    assert w.latest == add_months(used[15], 3)
    s = rec(dev, 17, add_months(used[15], 7))
    assert len(s.flags) == 2  # later than 3 months, and later than the exceptional 6


def test_extension_bounds(dev):
    run_to(dev, 17)
    dev.refresh_from_db()
    end = dev.probation_end
    with pytest.raises(InvalidInput):
        probation_extend(file=dev, months=5, on=end, actor=None, reason="考察")
    with pytest.raises(InvalidInput):
        probation_extend(file=dev, months=13, on=end, actor=None, reason="考察")
    probation_extend(file=dev, months=6, on=end, actor=None, reason="需继续考察")
    probation_extend(file=dev, months=6, on=end, actor=None, reason="仍需考察")
    with pytest.raises(InvalidInput):
        probation_extend(file=dev, months=6, on=end, actor=None, reason="再延")
    dev.refresh_from_db()
    assert dev.probation_end == add_months(end, 12)


def test_conversion_approval_deadline(dev):
    run_to(dev, 23)
    dev.refresh_from_db()
    assert window(dev, 24).latest == add_months(dev.probation_end, 3)


def test_cancel_probationary(dev, applicant):
    used = run_to(dev, 17)
    dev_cancel(file=dev, on=used[17] + timedelta(days=30), actor=None, reason="取消预备党员资格")
    m = Member.objects.get(person=applicant)
    assert m.status == MemberStatus.REMOVED
    with pytest.raises(InvalidState):
        rec(dev, 18, used[17] + timedelta(days=31))


def test_activist_review_half_year(dev):
    used = run_to(dev, 4)
    dev.refresh_from_db()
    assert activist_review_due(dev, TODAY) == add_months(used[4], 6)


def test_dev_rules_are_versioned(dev):
    RuleVersion.objects.create(code="dev.talk", value={"months": 2}, effective_from=date(2024, 1, 1), verify=True)
    w = window(dev, 2)
    assert w.latest == date(2024, 5, 1) and w.stamps[-1] != "dev.talk@v0"


# --- property: never a later step without every earlier one -------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.tuples(st.integers(1, 25), st.integers(0, 400)), max_size=40))
def test_pipeline_never_skips(world, attempts):
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        f = dev_open(person=person("PX", "性质", world.team), branch=world.branch, birth_date=date(1990, 1, 1),
                     applied_on=date(2020, 1, 1), actor=None)
        day = date(2020, 1, 1)
        for step, gap in attempts:
            day += timedelta(days=gap)
            data = {"publicity_from": str(day - timedelta(days=20)), "introducers": INTRODUCERS,
                    "conclusion": "合格", "days": 3}
            with contextlib.suppress(DomainError):
                rec(f, step, day, data)
            f.refresh_from_db()
            steps = list(f.steps.order_by("step").values_list("step", "on"))
            assert [s for s, _d in steps] == list(range(1, f.current_step + 1))
            assert all(a[1] <= b[1] for a, b in zip(steps, steps[1:], strict=False))
        transaction.savepoint_rollback(sid)
