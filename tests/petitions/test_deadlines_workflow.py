"""Deadlines as the workflow sets them: holidays, make-up days, year ends, unknown years,
the one extension, and the units' tightened policies."""

from __future__ import annotations

from datetime import date, datetime

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from core.calendar import forget_work_calendar, work_calendar
from core.errors import InvalidInput, NotAllowed
from core.models import HolidayOverride
from orgs.choices import Role
from petitions.choices import AccountabilityGround, DueKind, NoticeKind, State
from petitions.models import AccountabilityRecord, Notice, Notification, Petition, UnitPolicy
from petitions.notices import cn_date, render_notice
from petitions.policy import policy_for
from petitions.workflow import petition_accept, petition_assign, petition_extend
from tests.petitions.conftest import A, at, person, submit
from tongxin.lib.periods import SHANGHAI, PolicyLoosenedError, last_day_of, midnight_after


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The shared calendar is cached for a minute; override rows of one test must not leak."""
    forget_work_calendar()
    yield
    forget_work_calendar()


def accept(world, p, now):
    return petition_accept(petition=p, actor=A(world.officer), now=now)


def handling(world) -> Petition:
    """Received 2025-09-15, accepted 2025-09-20: the handling period's last day is 2025-11-19."""
    p = accept(world, submit(world, now=at(2025, 9, 15)).petition, at(2025, 9, 20))
    return petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                           leader=world.leader, now=at(2025, 9, 20))


# --- acceptance: 15 days from receipt (第二十三条), rolled off rest days ---------------------------


@pytest.mark.parametrize(
    ("received", "last_day", "why"),
    [
        (date(2025, 9, 15), date(2025, 9, 30), "an ordinary Tuesday"),
        # Spring Festival 2026: day 15 is 2-16 (holiday); 2-17…2-23 are rest days too.
        (date(2026, 2, 1), date(2026, 2, 24), "Spring Festival 2026"),
        # National Day 2025: day 15 is 10-02; 10-01…10-08 are holidays.
        (date(2025, 9, 17), date(2025, 10, 9), "National Day 2025"),
        # 2025-10-11 is a Saturday worked in exchange (调休): the period ends on it.
        (date(2025, 9, 26), date(2025, 10, 11), "make-up Saturday"),
        (date(2026, 1, 30), date(2026, 2, 14), "make-up Saturday before Spring Festival"),
        # Year end: day 15 is 2026-01-04, a Sunday worked in exchange for New Year's Day.
        (date(2025, 12, 20), date(2026, 1, 4), "year end, make-up Sunday"),
        # Day 15 is New Year's Day 2026 (holiday), 01-02 holiday, 01-03 Saturday → 01-04.
        (date(2025, 12, 17), date(2026, 1, 4), "year end, New Year's Day"),
    ],
)
def test_acceptance_due_rolls_over_rest_days(world, received, last_day, why):
    p = submit(world, now=datetime.combine(received, datetime.min.time().replace(hour=9), tzinfo=SHANGHAI)).petition
    assert p.due_kind == DueKind.ACCEPTANCE
    assert p.acceptance_due_at == p.due_at == midnight_after(last_day)
    assert last_day_of(p.acceptance_due_at) == last_day, why
    registered = p.events.get(kind="registered")
    assert registered.data["acceptance_due_at"] == p.acceptance_due_at.isoformat()


def test_the_dates_above_are_real_calendar_facts():
    """Guard the table above against a changed holiday package."""
    assert chinese_calendar.is_holiday(date(2026, 2, 16)) and chinese_calendar.is_holiday(date(2026, 2, 23))
    assert chinese_calendar.is_workday(date(2026, 2, 24))
    assert all(chinese_calendar.is_holiday(date(2025, 10, d)) for d in range(1, 9))
    assert date(2025, 10, 11).weekday() == 5 and chinese_calendar.is_workday(date(2025, 10, 11))
    assert date(2026, 2, 14).weekday() == 5 and chinese_calendar.is_workday(date(2026, 2, 14))
    assert date(2026, 1, 4).weekday() == 6 and chinese_calendar.is_workday(date(2026, 1, 4))
    assert chinese_calendar.is_holiday(date(2026, 1, 1)) and chinese_calendar.is_holiday(date(2026, 1, 3))


def test_acting_on_the_last_day_is_on_time_and_the_day_after_is_late(world):
    on_time = submit(world, now=at(2026, 2, 1)).petition  # last day 2026-02-24
    accept(world, on_time, datetime(2026, 2, 24, 23, 59, tzinfo=SHANGHAI))
    assert not AccountabilityRecord.objects.filter(petition=on_time).exists()

    late = submit(world, now=at(2026, 2, 1)).petition
    accept(world, late, at(2026, 2, 25, 9))
    record = AccountabilityRecord.objects.get(petition=late)
    assert record.ground == AccountabilityGround.LATE_ACCEPTANCE_NOTICE
    assert record.unit == world.mine and record.responsible == world.officer


def test_handling_period_counts_60_days_from_acceptance_over_spring_festival(world):
    p = accept(world, submit(world, now=at(2025, 12, 15)).petition, at(2025, 12, 20))
    # 60 days after 2025-12-20 is 2026-02-18, inside the Spring Festival holidays.
    assert last_day_of(p.handling_due_at) == date(2026, 2, 24)
    assert p.due_kind == DueKind.HANDLING and p.due_at == p.handling_due_at


# --- a year the holiday package does not know yet -------------------------------------------------


def test_an_unknown_year_falls_back_to_weekends_with_a_warning_until_overridden(world):
    new_years_day = date(2027, 1, 1)  # a Friday
    assert not work_calendar().covers(new_years_day)
    warning = work_calendar().coverage_warning(new_years_day)
    assert warning and "2027年" in warning and "节假日调整" in warning

    before = submit(world, now=at(2026, 12, 17)).petition
    # Day 15 is 2027-01-01: without data it counts as an ordinary Friday.
    assert last_day_of(before.acceptance_due_at) == new_years_day

    HolidayOverride.objects.create(date=new_years_day, is_workday=False, note="元旦")  # save() clears the cache
    assert work_calendar().coverage_warning(new_years_day) is None
    after = submit(world, now=at(2026, 12, 17)).petition
    assert last_day_of(after.acceptance_due_at) == date(2027, 1, 4)  # Friday off, then the weekend
    before.refresh_from_db()
    assert last_day_of(before.acceptance_due_at) == new_years_day  # a stored deadline does not move


def test_an_override_written_in_bulk_takes_effect_after_forgetting_the_calendar(world):
    assert last_day_of(submit(world, now=at(2026, 12, 17)).petition.acceptance_due_at) == date(2027, 1, 1)
    HolidayOverride.objects.bulk_create([HolidayOverride(date=date(2027, 1, 1), is_workday=False)])
    forget_work_calendar()  # bulk_create bypasses save()
    assert last_day_of(submit(world, now=at(2026, 12, 17)).petition.acceptance_due_at) == date(2027, 1, 4)


def test_a_make_up_saturday_can_be_entered_for_an_unknown_year(world):
    HolidayOverride.objects.create(date=date(2027, 1, 9), is_workday=True, note="调休上班")  # a Saturday
    p = submit(world, now=at(2026, 12, 25)).petition  # day 15 is Saturday 2027-01-09
    assert last_day_of(p.acceptance_due_at) == date(2027, 1, 9)


# --- the one extension (第三十四条) ---------------------------------------------------------------


def test_only_the_leader_of_the_handling_unit_may_extend(world, django_capture_on_commit_callbacks):
    p = handling(world)
    other_leader = person("L2", "何平", world.other_mine, (Role.UNIT_LEADER, world.other_mine))
    before = Petition.objects.values().get(pk=p.pk)
    for actor in (world.handler, world.officer, other_leader, world.employee):
        with pytest.raises(NotAllowed) as refused:
            petition_extend(petition=p, actor=A(actor), days=10, reason="需要补充调查", now=at(2025, 11, 1))
        assert refused.value.code == "not_allowed"
    assert Petition.objects.values().get(pk=p.pk) == before
    assert not Notice.objects.filter(petition=p, kind=NoticeKind.EXTENSION).exists()

    with django_capture_on_commit_callbacks(execute=True):
        p = petition_extend(petition=p, actor=A(world.leader), days=30, reason="涉及多个区队的考核数据需要核对",
                            now=at(2025, 11, 1))
    assert p.extension_count == 1
    assert last_day_of(p.handling_due_at) == date(2025, 12, 19)  # 11-19 + 30 days, a Friday
    assert p.due_at == p.handling_due_at
    event = p.events.get(kind="extended")
    assert event.actor == world.leader and event.data["days"] == 30
    # The petitioner is told, in writing and in the app.
    notice = Notice.objects.get(petition=p, kind=NoticeKind.EXTENSION)
    assert notice.context["new_last_day"] == "2025-12-19"
    assert render_notice(notice)[:2] == b"PK"
    told = Notification.objects.get(user=world.employee, text__contains="延长")
    assert "2025-12-19" in told.text and "考核数据" in told.text


def test_an_extension_is_granted_only_once(world):
    p = petition_extend(petition=handling(world), actor=A(world.leader), days=10, reason="需要补充调查",
                        now=at(2025, 11, 1))
    with pytest.raises(NotAllowed) as refused:
        petition_extend(petition=p, actor=A(world.leader), days=10, reason="还需要调查", now=at(2025, 11, 2))
    assert "只能延长一次" in refused.value.message
    p.refresh_from_db()
    # 11-19 + 10 days is Saturday 11-29: the period ends on Monday 12-01, and stays there.
    assert p.extension_count == 1 and last_day_of(p.handling_due_at) == date(2025, 12, 1)


@pytest.mark.parametrize(("days", "reason", "code"), [
    (31, "需要补充调查", "invalid_extension"),
    (0, "需要补充调查", "invalid_extension"),
    (10, "  ", "reason_required"),
])
def test_an_extension_is_at_most_30_days_and_needs_a_reason(world, days, reason, code):
    p = handling(world)
    with pytest.raises(InvalidInput) as refused:
        petition_extend(petition=p, actor=A(world.leader), days=days, reason=reason, now=at(2025, 11, 1))
    assert refused.value.code == code
    p.refresh_from_db()
    assert p.extension_count == 0 and last_day_of(p.handling_due_at) == date(2025, 11, 19)


def test_no_extension_once_the_period_has_run_out(world):
    p = handling(world)  # last day 2025-11-19
    with pytest.raises(InvalidInput) as refused:
        petition_extend(petition=p, actor=A(world.leader), days=10, reason="需要补充调查", now=at(2025, 11, 20, 8))
    assert refused.value.code == "already_overdue"
    p.refresh_from_db()
    assert p.extension_count == 0
    # On the last day, until midnight, it is still allowed.
    p = petition_extend(petition=p, actor=A(world.leader), days=10, reason="需要补充调查",
                        now=datetime(2025, 11, 19, 23, 30, tzinfo=SHANGHAI))
    assert last_day_of(p.handling_due_at) == date(2025, 12, 1)  # 11-29 is a Saturday → Monday 12-01


def test_a_tightened_extension_cap_applies(world):
    UnitPolicy.objects.create(unit=world.mine, overrides={"extension_max": 15})
    p = handling(world)
    with pytest.raises(InvalidInput) as refused:
        petition_extend(petition=p, actor=A(world.leader), days=20, reason="需要补充调查", now=at(2025, 11, 1))
    assert "1至15日" in refused.value.message


# --- units tighten, never loosen -----------------------------------------------------------------


def test_a_mine_policy_shortens_handling_for_its_petitions_only(world):
    UnitPolicy.objects.create(unit=world.mine, overrides={"handling": 45})
    p = accept(world, submit(world, now=at(2025, 9, 15)).petition, at(2025, 9, 20))
    assert last_day_of(p.handling_due_at) == date(2025, 11, 4)  # 45 days, a Tuesday
    assert "45日" in Notice.objects.get(petition=p, kind=NoticeKind.ACCEPTANCE).context["period"]
    assert policy_for(world.other_mine).handling.days == 60
    assert policy_for(world.company).handling.days == 60


def test_a_company_policy_applies_to_its_mines_and_the_tightest_wins(world):
    UnitPolicy.objects.create(unit=world.company, overrides={"handling": 40})
    assert policy_for(world.mine).handling.days == 40
    assert policy_for(world.other_mine).handling.days == 40
    assert policy_for(world.team).handling.days == 40
    assert policy_for(world.group).handling.days == 60
    UnitPolicy.objects.create(unit=world.mine, overrides={"handling": 45})  # looser than the company's
    p = accept(world, submit(world, now=at(2025, 9, 15)).petition, at(2025, 9, 20))
    assert last_day_of(p.handling_due_at) == date(2025, 10, 30)  # 40 days


def test_a_tightened_acceptance_period_applies_at_intake(world):
    UnitPolicy.objects.create(unit=world.mine, overrides={"acceptance": 7})
    p = submit(world, now=at(2025, 9, 15)).petition
    assert last_day_of(p.acceptance_due_at) == date(2025, 9, 22)


@pytest.mark.parametrize("overrides", [
    {"handling": 90},
    {"acceptance": 20},
    {"max_visit_representatives": 8},
    {"review_request": {"days": 30, "count": "working"}},
])
def test_a_policy_that_loosens_is_rejected(world, overrides):
    with pytest.raises(PolicyLoosenedError):
        from tongxin.lib.periods import STATUTORY

        STATUTORY.tightened(**overrides)
    policy = UnitPolicy(unit=world.mine, overrides=overrides)
    with pytest.raises(ValidationError) as invalid:
        policy.full_clean()
    assert "overrides" in invalid.value.message_dict
    with pytest.raises(ValidationError):
        policy.save()
    assert not UnitPolicy.objects.exists()
    p = accept(world, submit(world, now=at(2025, 9, 15)).petition, at(2025, 9, 20))
    assert last_day_of(p.handling_due_at) == date(2025, 11, 19)  # the statute still applies


def test_the_rejection_says_why_in_chinese(world):
    with pytest.raises(ValidationError) as invalid:
        UnitPolicy(unit=world.mine, overrides={"handling": 90}).full_clean()
    assert invalid.value.message_dict["overrides"] == ["办理期限（handling）不得长于法定期限60日，设置为90日。"]
    with pytest.raises(ValidationError) as invalid:
        UnitPolicy(unit=world.mine, overrides={"handling_days": 30}).full_clean()
    assert "未知的期限设置项" in invalid.value.message_dict["overrides"][0]
    with pytest.raises(ValidationError):
        UnitPolicy(unit=world.mine, overrides=[45]).full_clean()


def test_changing_overrides_bumps_the_version(world):
    policy = UnitPolicy.objects.create(unit=world.mine, overrides={"handling": 45})
    assert policy.version == 1
    policy.save()
    assert policy.version == 1  # nothing changed
    policy.overrides = {"handling": 40}
    policy.save()
    policy.refresh_from_db()
    assert policy.version == 2
    stale = UnitPolicy.objects.get(pk=policy.pk)
    stale.overrides = {"handling": 40, "acceptance": 10}
    stale.save()
    assert UnitPolicy.objects.get(pk=policy.pk).version == 3
    policy.overrides = {"handling": 90}
    with pytest.raises(ValidationError):
        policy.save()
    assert UnitPolicy.objects.get(pk=policy.pk).overrides == {"handling": 40, "acceptance": 10}


def test_a_policy_change_does_not_move_deadlines_already_set(world):
    p = accept(world, submit(world, now=at(2025, 9, 15)).petition, at(2025, 9, 20))
    UnitPolicy.objects.create(unit=world.mine, overrides={"handling": 30})
    p.refresh_from_db()
    assert last_day_of(p.handling_due_at) == date(2025, 11, 19)
    assert p.state == State.ACCEPTED
    assert cn_date(last_day_of(p.handling_due_at)) == "2025年11月19日"
