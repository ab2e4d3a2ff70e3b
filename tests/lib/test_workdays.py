"""WorkCalendar against the real 2024–2026 calendars (facts checked against chinese_calendar)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.lib.workdays import WorkCalendar, package_knows_year

CAL = WorkCalendar()

# (day, working?) as published by the State Council; checked against the package itself below.
FACTS = [
    (date(2024, 1, 1), False),  # 元旦 (Monday)
    (date(2024, 9, 29), True),  # 国庆调休 Sunday
    (date(2024, 10, 7), False),  # 国庆 (Monday)
    (date(2024, 10, 12), True),  # 国庆调休 Saturday
    (date(2025, 1, 1), False),  # 元旦 (Wednesday)
    (date(2025, 1, 26), True),  # 春节调休 Sunday
    (date(2025, 1, 28), False),  # 除夕
    (date(2025, 2, 4), False),  # 春节 last day (Tuesday)
    (date(2025, 2, 5), True),
    (date(2025, 2, 8), True),  # 春节调休 Saturday
    (date(2025, 9, 28), True),  # 国庆调休 Sunday
    (date(2025, 10, 8), False),  # 国庆中秋 last day (Wednesday)
    (date(2025, 10, 11), True),  # 国庆调休 Saturday
    (date(2026, 1, 2), False),  # 元旦 (Friday)
    (date(2026, 1, 4), True),  # 元旦调休 Sunday
    (date(2026, 2, 14), True),  # 春节调休 Saturday
    (date(2026, 2, 23), False),  # 春节 last day (Monday)
    (date(2026, 2, 28), True),  # 春节调休 Saturday
    (date(2026, 10, 7), False),  # 国庆 last day (Wednesday)
    (date(2026, 10, 10), True),  # 国庆调休 Saturday
    (date(2026, 3, 1), False),  # ordinary Sunday
    (date(2026, 3, 2), True),  # ordinary Monday
]


@pytest.mark.parametrize(("day", "working"), FACTS)
def test_matches_published_calendar(day: date, working: bool) -> None:
    assert chinese_calendar.is_workday(day) is working  # the package agrees with the list
    assert CAL.is_workday(day) is working
    assert CAL.is_rest_day(day) is not working
    assert CAL.covers(day)
    assert CAL.coverage_warning(day) is None


def test_package_range() -> None:
    assert package_knows_year(2024) and package_knows_year(2026)
    assert not package_knows_year(2027)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_unknown_year_falls_back_to_weekends_with_warning() -> None:
    assert CAL.is_workday(date(2027, 1, 1))  # Friday; the real 元旦 is unknown to the package
    assert not CAL.is_workday(date(2027, 1, 2))  # Saturday
    assert not CAL.is_workday(date(2027, 1, 3))  # Sunday
    assert not CAL.covers(date(2027, 6, 1))
    warning = CAL.coverage_warning(date(2027, 6, 1))
    assert warning is not None
    assert warning.startswith("2027年法定节假日数据尚未发布")
    assert "节假日调整表" in warning


@pytest.mark.parametrize("day", [date(1, 1, 1), date(2003, 12, 31), date(2100, 2, 28), date(9999, 12, 31)])
def test_never_raises_for_any_year(day: date) -> None:
    assert CAL.is_workday(day) is (day.weekday() < 5)
    assert CAL.coverage_warning(day) is not None


def test_override_wins_for_unknown_year() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False, date(2027, 1, 2): True})
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 2))
    assert not cal.is_workday(date(2027, 1, 3))  # not overridden: weekend
    assert cal.covers(date(2027, 12, 31))
    assert cal.coverage_warning(date(2027, 3, 1)) is None
    assert cal.coverage_warning(date(2028, 3, 1)) is not None
    assert cal.next_workday(date(2026, 12, 31)) == date(2027, 1, 2)


def test_override_wins_over_package() -> None:
    cal = WorkCalendar({date(2025, 10, 9): False, date(2025, 10, 4): True})
    assert not cal.is_workday(date(2025, 10, 9))
    assert cal.is_workday(date(2025, 10, 4))
    assert CAL.is_workday(date(2025, 10, 9))  # other instances are unaffected
    assert cal.overrides == {date(2025, 10, 9): False, date(2025, 10, 4): True}


def test_next_workday() -> None:
    assert CAL.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)  # over 春节
    assert CAL.next_workday(date(2025, 1, 25)) == date(2025, 1, 26)  # 调休 Sunday
    assert CAL.next_workday(date(2024, 12, 31)) == date(2025, 1, 2)  # over 元旦
    assert CAL.next_workday(date(2027, 1, 1)) == date(2027, 1, 4)  # fallback: weekend
    assert CAL.workday_on_or_after(date(2026, 2, 14)) == date(2026, 2, 14)
    assert CAL.workday_on_or_after(date(2026, 2, 15)) == date(2026, 2, 24)


def test_add_workdays() -> None:
    # 2025-09-26 (Fri) → 28 (调休 Sun), 29, 30, then 国庆中秋 until 10-08 → 10-09, 10-10.
    assert CAL.add_workdays(date(2025, 9, 26), 5) == date(2025, 10, 10)
    # 2026-02-10 → 11, 12, 13, 14 (调休 Sat), 春节, 24, 25, 26, 27, 28 (调休 Sat), 03-02.
    assert CAL.add_workdays(date(2026, 2, 10), 10) == date(2026, 3, 2)
    assert CAL.add_workdays(date(2027, 1, 1), 5) == date(2027, 1, 8)
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2026, 1, 5), 0)


def test_broken_override_table_does_not_loop_forever() -> None:
    start = date(2027, 1, 1)
    cal = WorkCalendar({start + timedelta(days=i): False for i in range(800)})
    with pytest.raises(ValueError):
        cal.next_workday(start)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31)), st.integers(1, 25))
def test_add_workdays_counts_exactly_n_working_days(start: date, n: int) -> None:
    end = CAL.add_workdays(start, n)
    assert CAL.is_workday(end)
    span = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(CAL.is_workday(d) for d in span) == n


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_agrees_with_package_wherever_it_has_data(day: date) -> None:
    assert CAL.is_workday(day) is chinese_calendar.is_workday(day)
