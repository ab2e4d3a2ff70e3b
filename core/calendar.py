"""The work calendar with the administrators' override table applied (DESIGN §2)."""

from __future__ import annotations

import time

from tongxin.lib.workdays import WorkCalendar

_TTL_SECONDS = 60.0
_cache: tuple[float, WorkCalendar] | None = None


def work_calendar() -> WorkCalendar:
    """Shared calendar; re-read from the override table at most once a minute."""
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > _TTL_SECONDS:
        from core.models import HolidayOverride

        overrides = dict(HolidayOverride.objects.values_list("date", "is_workday"))
        _cache = (now, WorkCalendar(overrides))
    return _cache[1]


def forget_work_calendar() -> None:
    global _cache
    _cache = None
