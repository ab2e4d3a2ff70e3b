"""Deadline arithmetic (《民法典》第二百零一条–第二百零三条) and the period policy."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.lib.periods import (
    SHANGHAI,
    STATUTORY,
    DayCount,
    Period,
    PeriodPolicy,
    PolicyLoosenedError,
    days_left,
    due_at,
    extend_due_at,
    last_day,
    last_day_of,
    local_date,
    on_time,
)
from tongxin.lib.workdays import WorkCalendar

CAL = WorkCalendar()
D15 = Period(15)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# --------------------------------------------------------------------------- Period


def test_period_validation_and_str() -> None:
    assert Period(15) == Period(15, DayCount.CALENDAR)
    assert Period(5, "working") == Period(5, DayCount.WORKING)  # type: ignore[arg-type]
    assert str(Period(15)) == "15日"
    assert str(Period(5, DayCount.WORKING)) == "5个工作日"
    for bad in (0, -1):
        with pytest.raises(ValueError):
            Period(bad)
    with pytest.raises(TypeError):
        Period(True)
    with pytest.raises(ValueError):
        Period(3, "weeks")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- last_day


@pytest.mark.parametrize(
    ("trigger", "days", "expected"),
    [
        # 春节 2025 (01-28 – 02-04): 01-30 rolls to 02-05.
        (date(2025, 1, 15), 15, date(2025, 2, 5)),
        # 春节 2026 (02-15 – 02-23): 02-16 rolls to 02-24; so does a 60-day handling period.
        (date(2026, 2, 1), 15, date(2026, 2, 24)),
        (date(2025, 12, 20), 60, date(2026, 2, 24)),
        # 调休 Saturdays and Sundays are working days: the last day stays.
        (date(2025, 1, 24), 15, date(2025, 2, 8)),
        (date(2026, 1, 30), 15, date(2026, 2, 14)),
        (date(2026, 2, 13), 15, date(2026, 2, 28)),
        (date(2024, 9, 27), 15, date(2024, 10, 12)),
        (date(2025, 9, 13), 15, date(2025, 9, 28)),
        (date(2025, 12, 20), 15, date(2026, 1, 4)),
        # 国庆: 2024 (10-01 – 10-07), 2025 (10-01 – 10-08), 2026 (10-01 – 10-07), 2026 中秋.
        (date(2024, 9, 20), 15, date(2024, 10, 8)),
        (date(2025, 9, 16), 15, date(2025, 10, 9)),
        (date(2026, 9, 20), 15, date(2026, 10, 8)),
        (date(2026, 9, 10), 15, date(2026, 9, 28)),
        # Year end: Sunday 2023-12-31 and 元旦 roll into January.
        (date(2023, 12, 16), 15, date(2024, 1, 2)),
        (date(2024, 12, 17), 15, date(2025, 1, 2)),
        (date(2025, 12, 17), 15, date(2026, 1, 4)),  # 元旦 01-01 – 01-03, 01-04 is 调休 Sunday
        (date(2024, 12, 16), 15, date(2024, 12, 31)),  # a working Tuesday stays
        # Ordinary weekend.
        (date(2025, 3, 1), 15, date(2025, 3, 17)),
        # 2027 is unknown to the package: weekends only.
        (date(2026, 12, 17), 15, date(2027, 1, 1)),
        (date(2026, 12, 18), 15, date(2027, 1, 4)),
    ],
)
def test_last_day_calendar_days(trigger: date, days: int, expected: date) -> None:
    assert last_day(trigger, Period(days), CAL) == expected
    # Cross-check the roll against the package wherever it has data.
    if expected.year <= 2026:
        assert chinese_calendar.is_workday(expected)
        d = trigger + timedelta(days=days)
        while d < expected:
            assert not chinese_calendar.is_workday(d)
            d += timedelta(days=1)


@pytest.mark.parametrize(
    ("trigger", "period", "expected"),
    [
        (date(2025, 9, 26), STATUTORY.forward_objection, date(2025, 10, 10)),
        (date(2026, 2, 10), STATUTORY.simple_handling, date(2026, 3, 2)),
        (date(2025, 1, 24), STATUTORY.simple_acceptance, date(2025, 2, 5)),
        (date(2027, 1, 1), STATUTORY.forward_objection, date(2027, 1, 8)),
    ],
)
def test_last_day_working_days(trigger: date, period: Period, expected: date) -> None:
    assert period.count is DayCount.WORKING
    assert last_day(trigger, period, CAL) == expected


def test_2027_falls_back_with_warning_and_override_wins() -> None:
    last = last_day(date(2026, 12, 17), D15, CAL)
    assert last == date(2027, 1, 1)
    assert CAL.coverage_warning(last) is not None
    cal = WorkCalendar({date(2027, 1, 1): False})  # 元旦 2027 entered by the administrator
    last = last_day(date(2026, 12, 17), D15, cal)
    assert last == date(2027, 1, 4)
    assert cal.coverage_warning(last) is None
    # A make-up working Saturday entered for 2027 keeps the last day.
    cal = WorkCalendar({date(2027, 1, 2): True})
    assert last_day(date(2026, 12, 18), D15, cal) == date(2027, 1, 2)


# --------------------------------------------------------------------------- instants


def test_local_date() -> None:
    assert local_date(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == date(2026, 1, 31)
    assert local_date(datetime(2026, 1, 31, 16, 0, tzinfo=UTC)) == date(2026, 2, 1)
    with pytest.raises(ValueError):
        local_date(datetime(2026, 1, 31, 12, 0))


def test_due_at() -> None:
    assert due_at(sh(2026, 2, 1, 10), D15, CAL) == sh(2026, 2, 25)
    assert due_at(sh(2026, 2, 1, 10), D15, CAL) == datetime(2026, 2, 24, 16, tzinfo=UTC)
    # The trigger's Shanghai date counts, not its UTC date.
    assert due_at(datetime(2025, 3, 3, 15, 59, tzinfo=UTC), D15, CAL) == sh(2025, 3, 19)
    assert due_at(datetime(2025, 3, 3, 16, 0, tzinfo=UTC), D15, CAL) == sh(2025, 3, 20)
    with pytest.raises(ValueError):
        due_at(datetime(2026, 2, 1, 10), D15, CAL)


def test_on_time_is_strictly_before_due() -> None:
    due = due_at(sh(2026, 2, 1, 10), D15, CAL)
    assert on_time(sh(2026, 2, 24, 23, 59, 59), due)
    assert not on_time(sh(2026, 2, 25), due)
    with pytest.raises(ValueError):
        on_time(datetime(2026, 2, 24, 12), due)


def test_extend_due_at() -> None:
    due = due_at(sh(2025, 11, 20, 10), STATUTORY.handling, CAL)
    assert last_day_of(due) == date(2026, 1, 19)
    assert extend_due_at(due, STATUTORY.extension_max, CAL) == sh(2026, 2, 25)  # 02-18 in 春节
    # Counted from the rolled last day: 2025-10-01 → 10-09, + 30 = 11-08 (Sat) → 11-10.
    due = due_at(sh(2025, 8, 2, 9), STATUTORY.handling, CAL)
    assert last_day_of(due) == date(2025, 10, 9)
    assert extend_due_at(due, Period(30), CAL) == sh(2025, 11, 11)


def test_days_left() -> None:
    due = sh(2026, 2, 25)  # last day 2026-02-24
    assert days_left(due, sh(2026, 2, 20, 12)) == 4
    assert days_left(due, sh(2026, 2, 24, 0)) == 0
    assert days_left(due, sh(2026, 2, 24, 23, 59)) == 0
    assert days_left(due, datetime(2026, 2, 24, 15, tzinfo=UTC)) == 0
    assert days_left(due, sh(2026, 2, 25)) == -1
    assert days_left(due, datetime(2026, 2, 24, 16, 30, tzinfo=UTC)) == -1
    assert days_left(due, sh(2026, 3, 2, 8)) == -6


# --------------------------------------------------------------------------- properties

triggers = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 6, 30))
calendar_periods = st.builds(Period, st.integers(1, 90))
working_periods = st.builds(Period, st.integers(1, 20), st.just(DayCount.WORKING))
any_period = st.one_of(calendar_periods, working_periods)
zones = st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")])
aware = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2028, 6, 30), timezones=zones)


@settings(max_examples=200, deadline=None)
@given(triggers, calendar_periods)
def test_calendar_period_rolls_to_first_working_day(trigger: date, period: Period) -> None:
    last = last_day(trigger, period, CAL)
    nominal = trigger + timedelta(days=period.days)
    assert nominal <= last <= nominal + timedelta(days=12)
    assert CAL.is_workday(last)
    d = nominal
    while d < last:
        assert not CAL.is_workday(d)
        d += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(triggers, working_periods)
def test_working_period_counts_working_days(trigger: date, period: Period) -> None:
    last = last_day(trigger, period, CAL)
    assert CAL.is_workday(last)
    span = [trigger + timedelta(days=i) for i in range(1, (last - trigger).days + 1)]
    assert sum(CAL.is_workday(d) for d in span) == period.days
    assert last <= trigger + timedelta(days=period.days * 7 // 5 + 12)


@settings(max_examples=200, deadline=None)
@given(triggers, triggers, any_period)
def test_last_day_is_monotonic_in_trigger(a: date, b: date, period: Period) -> None:
    a, b = min(a, b), max(a, b)
    assert last_day(a, period, CAL) <= last_day(b, period, CAL)


@settings(max_examples=200, deadline=None)
@given(aware, any_period, any_period)
def test_due_at_is_local_midnight_after_the_trigger(
    trigger_at: datetime, period: Period, extra: Period
) -> None:
    due = due_at(trigger_at, period, CAL)
    local = due.astimezone(SHANGHAI)
    assert local.time() == time(0)
    assert trigger_at < due
    assert last_day_of(due) == last_day(local_date(trigger_at), period, CAL)
    assert days_left(due, trigger_at) >= (period.days if period.count is DayCount.CALENDAR else 1)
    extended = extend_due_at(due, extra, CAL)
    assert extended.astimezone(SHANGHAI).time() == time(0)
    assert extended > due


# --------------------------------------------------------------------------- policy


def test_statutory_defaults() -> None:
    p = STATUTORY
    assert p == PeriodPolicy()
    assert p.acceptance == Period(15)
    assert p.forward_objection == Period(5, DayCount.WORKING)
    assert p.handling == Period(60)
    assert p.extension_max == Period(30)
    for name in (
        "review_request",
        "review_answer",
        "rereview_request",
        "rereview_answer",
        "supervision_reply",
        "rating_window",
    ):
        assert getattr(p, name) == Period(30), name
    assert p.simple_acceptance == Period(3, DayCount.WORKING)
    assert p.simple_handling == Period(10, DayCount.WORKING)
    assert (p.max_extensions, p.max_visit_representatives) == (1, 5)
    assert p.reminder_days_before == (3, 1)
    assert p.to_dict() == {}
    names = {f.name for f in fields(PeriodPolicy)}
    assert set(PeriodPolicy.PERIOD_FIELDS) | set(PeriodPolicy.CAP_FIELDS) | {"reminder_days_before"} == names
    assert all(PeriodPolicy.label(n) for n in names)


def test_tightened_and_round_trip() -> None:
    p = STATUTORY.tightened(handling=45, forward_objection=Period(3, DayCount.WORKING), max_extensions=0)
    assert p.handling == Period(45)
    assert p.forward_objection == Period(3, DayCount.WORKING)
    assert p.acceptance == STATUTORY.acceptance
    assert p.to_dict() == {"handling": 45, "forward_objection": 3, "max_extensions": 0}
    assert PeriodPolicy.from_dict(p.to_dict()) == p
    assert PeriodPolicy.from_dict(None) == STATUTORY
    assert PeriodPolicy.from_dict({"acceptance": {"days": 10, "count": "calendar"}}).acceptance == Period(10)
    assert p.tightened(handling=60).handling == STATUTORY.handling  # back to statutory is fine
    q = STATUTORY.tightened(reminder_days_before=[1, 7, 3, 3])
    assert q.reminder_days_before == (7, 3, 1)
    assert PeriodPolicy.from_dict(q.to_dict()) == q


@pytest.mark.parametrize(
    ("overrides", "field_name"),
    [
        ({"handling": 61}, "handling"),
        ({"acceptance": Period(16)}, "acceptance"),
        ({"extension_max": 31}, "extension_max"),
        ({"forward_objection": Period(5)}, "forward_objection"),  # calendar days for working days
        ({"handling": Period(40, DayCount.WORKING)}, "handling"),
        ({"max_extensions": 2}, "max_extensions"),
        ({"max_visit_representatives": 6}, "max_visit_representatives"),
    ],
)
def test_loosening_raises(overrides: dict[str, object], field_name: str) -> None:
    with pytest.raises(PolicyLoosenedError, match=field_name) as excinfo:
        STATUTORY.tightened(**overrides)
    assert PeriodPolicy.label(field_name) in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)
    with pytest.raises(PolicyLoosenedError):
        PeriodPolicy.from_dict(overrides)


def test_constructor_refuses_a_loosened_policy() -> None:
    with pytest.raises(PolicyLoosenedError):
        PeriodPolicy(handling=Period(90))
    with pytest.raises(PolicyLoosenedError):
        PeriodPolicy(max_visit_representatives=10)


@pytest.mark.parametrize(
    "overrides",
    [
        {"nonsense": 1},
        {"handling": 0},
        {"handling": "45"},
        {"max_visit_representatives": 0},
        {"max_extensions": -1},
        {"reminder_days_before": [-1]},
    ],
)
def test_invalid_overrides(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError) as excinfo:
        STATUTORY.tightened(**overrides)
    assert not isinstance(excinfo.value, PolicyLoosenedError)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(PeriodPolicy.PERIOD_FIELDS),
    st.integers(1, 120),
    st.sampled_from(list(DayCount)),
)
def test_tightened_never_longer_than_statutory(name: str, days: int, count: DayCount) -> None:
    default: Period = getattr(STATUTORY, name)
    candidate = Period(days, count)
    if count is default.count and days <= default.days:
        policy = STATUTORY.tightened(**{name: candidate})
        for n in PeriodPolicy.PERIOD_FIELDS:
            got, statutory = getattr(policy, n), getattr(STATUTORY, n)
            assert got.count is statutory.count and got.days <= statutory.days
        assert PeriodPolicy.from_dict(policy.to_dict()) == policy
    else:
        with pytest.raises(PolicyLoosenedError):
            STATUTORY.tightened(**{name: candidate})
