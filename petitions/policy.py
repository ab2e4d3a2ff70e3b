"""The period policy in force for a unit: statute, tightened by the unit and its ancestors."""

from __future__ import annotations

from orgs.models import Unit
from tongxin.lib.periods import STATUTORY, PeriodPolicy


def policy_for(unit: Unit) -> PeriodPolicy:
    """Tightest of the statutory periods and every override on the unit's line of ancestors."""
    from petitions.models import UnitPolicy

    prefixes = [unit.path[:i] for i in range(4, len(unit.path) + 1, 4)]
    rows = UnitPolicy.objects.filter(unit__path__in=prefixes).values_list("overrides", flat=True)
    merged: dict[str, object] = {}
    for overrides in rows:
        for name, value in (overrides or {}).items():
            if name == "reminder_days_before":
                merged[name] = tuple(value)
                continue
            days = value["days"] if isinstance(value, dict) else int(value)
            merged[name] = min(merged.get(name, days), days)  # type: ignore[type-var]
    if not merged:
        return STATUTORY
    return STATUTORY.tightened(**merged)
