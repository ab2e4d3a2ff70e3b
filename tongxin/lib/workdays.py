"""Working days in mainland China (pure Python, no Django).

The holiday data comes from the maintained ``chinesecalendar`` package (import name
``chinese_calendar``): public holidays are rest days, make-up working days (调休) are working
days. For years the package does not know yet, an override table (loaded by the Django side
from the 节假日调整 table) supplies the official schedule; without it the calendar falls back
to plain weekends and :meth:`WorkCalendar.coverage_warning` says so.

Every answer is served from a per-year table built once, so calls are cheap enough for the KPI
engine.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar

__all__ = ["WorkCalendar", "package_knows_year"]

_ONE_DAY = timedelta(days=1)
# A rest stretch never lasts this long; guards the search loops against a broken override table.
_MAX_SEARCH_DAYS = 366


@cache
def package_knows_year(year: int) -> bool:
    """Whether ``chinese_calendar`` has holiday data for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _base_year(year: int) -> tuple[bytes, bool]:
    """Working-day flags of ``year`` (one byte per day, index = day of year - 1) and whether
    they come from the package (True) or from the weekend fallback (False)."""
    start = date(year, 1, 1)
    days = 366 if calendar.isleap(year) else 365
    known = package_knows_year(year)
    flags = bytearray(days)
    for i in range(days):
        d = start + timedelta(days=i)
        flags[i] = chinese_calendar.is_workday(d) if known else d.weekday() < 5
    return bytes(flags), known


class WorkCalendar:
    """Which days are working days (工作日), with an override table that wins over the package.

    ``overrides`` maps a date to True (working day) or False (rest day). An override for any day
    of a year counts as published data for that whole year (see :meth:`covers`).
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._override_years: frozenset[int] = frozenset(d.year for d in self._overrides)
        self._years: dict[int, tuple[int, bytes]] = {}
        # Per-instance memo: the KPI engine asks the same questions over and over.
        self._add_workdays = lru_cache(maxsize=65536)(self._add_workdays_uncached)

    def __repr__(self) -> str:
        return f"WorkCalendar(overrides={len(self._overrides)})"

    @property
    def overrides(self) -> Mapping[date, bool]:
        """A copy of the override table."""
        return dict(self._overrides)

    def _year(self, year: int) -> tuple[int, bytes]:
        """(ordinal of 1 January, working-day flags) of ``year`` with the overrides applied."""
        table = self._years.get(year)
        if table is None:
            start = date(year, 1, 1).toordinal()
            flags, _known = _base_year(year)
            if year in self._override_years:
                patched = bytearray(flags)
                for d, working in self._overrides.items():
                    if d.year == year:
                        patched[d.toordinal() - start] = bool(working)
                flags = bytes(patched)
            table = self._years[year] = (start, flags)
        return table

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day: override, else package (调休 days work, holidays rest),
        else Monday–Friday. Never raises for a valid date."""
        start, flags = self._year(d.year)
        return bool(flags[d.toordinal() - start])

    def is_rest_day(self, d: date) -> bool:
        """Whether ``d`` is a rest day (法定休假日: weekend or public holiday)."""
        return not self.is_workday(d)

    def covers(self, d: date) -> bool:
        """Whether real holiday data exists for the year of ``d`` (package or override table)."""
        return d.year in self._override_years or package_knows_year(d.year)

    def coverage_warning(self, d: date) -> str | None:
        """A warning for the user when the year of ``d`` falls back to plain weekends, else None."""
        if self.covers(d):
            return None
        return f"{d.year}年法定节假日数据尚未发布，期限暂按周末推算，请管理员在节假日调整表中补录。"

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._add_workdays(d, 1)

    def workday_on_or_after(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        return d if self.is_workday(d) else self._add_workdays(d, 1)

    def add_workdays(self, d: date, n: int) -> date:
        """The ``n``-th working day strictly after ``d`` (``n`` >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self._add_workdays(d, n)

    def _add_workdays_uncached(self, d: date, n: int) -> date:
        remaining = n
        limit = n + _MAX_SEARCH_DAYS
        steps = 0
        while remaining:
            d += _ONE_DAY
            steps += 1
            if steps > limit:
                raise ValueError("no working day within a year: check the holiday override table")
            if self.is_workday(d):
                remaining -= 1
        return d
