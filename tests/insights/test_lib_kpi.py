"""tongxin.lib.kpi: periods, formulas, comparisons, targets and rankings (pure, no database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongxin.lib.kpi import (
    FACTS,
    METRICS,
    Window,
    WindowKind,
    compare,
    format_value,
    metric,
    metric_parts,
    metric_value,
    parse_window,
    rank,
    target_met,
)
from tongxin.lib.periods import SHANGHAI


def sh(*a: int) -> datetime:
    return datetime(*a, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_windows_are_local_half_open_periods():
    march = Window.month(2026, 3)
    assert (march.first, march.last, march.days) == (date(2026, 3, 1), date(2026, 3, 31), 31)
    assert march.start == sh(2026, 3, 1) and march.end == sh(2026, 4, 1)
    assert march.contains(sh(2026, 3, 31, 23, 59)) and not march.contains(sh(2026, 4, 1))
    assert Window.month(2024, 2).days == 29 and Window.month(2026, 12).last == date(2026, 12, 31)
    assert Window.quarter(2026, 4).first == date(2026, 10, 1) and Window.quarter(2026, 1).last == date(2026, 3, 31)
    assert Window.year(2026).days == 365
    with pytest.raises(ValueError):
        Window.range(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValueError):
        Window.quarter(2026, 5)


def test_previous_and_year_ago():
    assert Window.month(2026, 1).previous() == Window.month(2025, 12)
    assert Window.quarter(2026, 1).previous() == Window.quarter(2025, 4)
    assert Window.year(2026).previous() == Window.year(2025)
    custom = Window.range(date(2026, 3, 10), date(2026, 3, 19))
    assert custom.previous() == Window.range(date(2026, 2, 28), date(2026, 3, 9))
    assert Window.month(2026, 3).year_ago() == Window.month(2025, 3)
    assert Window.range(date(2024, 2, 29), date(2024, 3, 1)).year_ago() == Window.range(date(2023, 2, 28), date(2023, 3, 1))


def test_containing_and_last_months():
    at = sh(2026, 5, 17, 8)
    assert Window.containing("month", at) == Window.month(2026, 5)
    assert Window.containing(WindowKind.QUARTER, at) == Window.quarter(2026, 2)
    assert Window.containing("year", at) == Window.year(2026)
    span = Window.last_months(12, at)
    assert span.first == date(2025, 6, 1) and span.last == date(2026, 5, 31) and len(span.months()) == 12
    # Late UTC on 04-30 is already 05-01 in Shanghai.
    assert Window.containing("month", datetime.fromisoformat("2026-04-30T17:00:00+00:00")) == Window.month(2026, 5)


@pytest.mark.parametrize(("spec", "label"), [
    ("2026-03", "2026年3月"), ("2026-Q1", "2026年第一季度"), ("2026-q4", "2026年第四季度"), ("2026", "2026年"),
    ("2026-01-05..2026-02-20", "2026-01-05至2026-02-20"),
])
def test_parse_and_label(spec, label):
    window = parse_window(spec)
    assert window.label == label
    assert parse_window(window.spec) == window


@pytest.mark.parametrize("spec", ["", "2026-13", "2026-Q5", "1999", "2026-02-30..2026-03-01", "2020-01-01..2026-01-01",
                                  "2026-03-05..2026-03-01", "03/2026"])
def test_invalid_periods(spec):
    with pytest.raises(ValueError):
        parse_window(spec)


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_months_tile_their_quarter_and_year(year, month):
    m = Window.month(year, month)
    q = Window.containing("quarter", m.start)
    assert q.first <= m.first and m.last <= q.last
    assert sum(w.days for w in Window.year(year).months()) == Window.year(year).days
    assert m.previous().end == m.start


def test_every_metric_reads_known_facts():
    for m in METRICS:
        assert set(m.facts) <= set(FACTS), m.key
        assert m.formula and m.basis, m.key


def test_rates_averages_and_counts():
    acceptance = metric("acceptance_rate")
    facts = {"acc_due": 4, "acc_on_time": 2, "fwd_due": 1, "fwd_on_time": 1}
    assert metric_value(acceptance, facts) == pytest.approx(3 / 5)
    assert metric_parts(acceptance, facts) == (3, 5)
    assert metric_value(acceptance, {}) is None  # nothing fell due: "—", not 0 % or 100 %
    assert format_value(acceptance, None) == "—" and format_value(acceptance, 2 / 3) == "66.7%"
    days = metric("avg_reply_days")
    assert metric_value(days, {"reply_seconds": 3 * 86400 * 10, "replied": 3}) == pytest.approx(10)
    assert format_value(days, 64.666) == "64.7"
    assert metric_value(metric("received"), {"received": 7}) == 7 and metric_parts(metric("received"), {"received": 7}) == (7, None)


def test_comparisons_know_which_way_is_better():
    handling, repeat, overdue = metric("handling_rate"), metric("repeat_rate"), metric("overdue")
    up = compare(handling, 0.9, 0.8)
    assert up.delta == pytest.approx(10) and up.better is True and up.direction == "up"
    assert compare(repeat, 0.2, 0.1).better is False
    assert compare(overdue, 3, 5).delta == -2 and compare(overdue, 3, 5).better is True
    assert compare(handling, None, 0.5).delta is None and compare(handling, 0.5, 0.5).better is None


def test_targets():
    handling, repeat = metric("handling_rate"), metric("repeat_rate")
    assert target_met(handling, 0.95, 95) is True and target_met(handling, 0.949, 95) is False
    assert target_met(repeat, 0.04, 5) is True and target_met(repeat, 0.06, 5) is False
    assert target_met(handling, None, 95) is None and target_met(handling, 0.9, None) is None


def test_ranking_ties_and_missing_values():
    handling, overdue = metric("handling_rate"), metric("overdue")
    assert rank([("a", 0.9), ("b", 0.95), ("c", 0.9), ("d", None)], handling) == [
        (1, "b", 0.95), (2, "a", 0.9), (2, "c", 0.9), (0, "d", None)]
    assert [r[1] for r in rank([("a", 5), ("b", 1)], overdue)] == ["b", "a"]
