"""Calendar arithmetic of the party rules (pure Python: months, years, 公示 on working days)."""

from __future__ import annotations

import calendar
from datetime import date

from tongxin.lib.workdays import WorkCalendar


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def publicity_end(start: date, workdays: int, cal: WorkCalendar) -> date:
    """Last day of a 公示 of ``workdays`` working days starting on ``start`` (the start day counts
    if it is a working day)."""
    first = cal.workday_on_or_after(start)
    return first if workdays <= 1 else cal.add_workdays(first, workdays - 1)


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_start(key: str) -> date:
    y, m = key.split("-")
    return date(int(y), int(m), 1)


def months_between(a: str, b: str) -> int:
    """Whole months from month key ``a`` to ``b`` (b later: positive)."""
    ya, ma = map(int, a.split("-"))
    yb, mb = map(int, b.split("-"))
    return (yb - ya) * 12 + (mb - ma)


def shift_month(key: str, n: int) -> str:
    return month_key(add_months(month_start(key), n))
