"""Assessment targets (考核目标): set as new versions, read as the version in force for a unit
(its own target, or else the nearest ancestor's)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import InvalidInput, NotAllowed
from insights.models import KpiTarget
from orgs.choices import Role
from orgs.models import SEGMENT, Unit, User
from tongxin.lib.kpi import metric

TARGET_ROLES = (Role.UNIT_LEADER, Role.ADMINISTRATOR)


def may_set_targets(user: User, unit: Unit) -> bool:
    """Leaders and administrators set the targets of their subtree."""
    return user.is_superuser or any(user.has_role(r, unit) for r in TARGET_ROLES)


@transaction.atomic
def target_set(*, unit: Unit, metric_key: str, year: int, target: Decimal, acting_user: User, note: str = "") -> KpiTarget:
    """Record a new version of a target; earlier versions stay as history."""
    m = metric(metric_key)
    if m.snapshot:
        raise InvalidInput("invalid_metric", f"{m.label}是当前数，不设年度目标")
    if not may_set_targets(acting_user, unit):
        raise NotAllowed("not_allowed", f"只有{unit.name}或其上级的负责人、系统管理员可以设定考核目标")
    target = Decimal(target)
    if target < 0 or (m.is_rate and target > 100):
        raise InvalidInput("invalid_target", "比率目标须在0至100（%）之间" if m.is_rate else "目标值不能为负数")
    # Lock the unit row: two leaders saving at once get versions n+1 and n+2, not a clash.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    last = KpiTarget.objects.filter(unit=unit, metric=metric_key, year=year).aggregate(v=Max("version"))["v"] or 0
    return KpiTarget.objects.create(
        unit=unit, metric=metric_key, year=year, target=target, version=last + 1, note=note[:200],
        set_by=acting_user, set_at=timezone.now(),
    )


def _prefixes(path: str) -> list[str]:
    return [path[:i] for i in range(SEGMENT, len(path) + 1, SEGMENT)]


def targets_for(paths: Iterable[str], year: int) -> dict[str, dict[str, Decimal]]:
    """For each unit path: metric → the target in force (latest version of the unit's own
    target, else of its nearest ancestor's). One query."""
    paths = [p for p in set(paths) if p]
    if not paths:
        return {}
    wanted = {prefix for p in paths for prefix in _prefixes(p)}
    latest: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for unit_path, key, version, value in KpiTarget.objects.filter(year=year, unit__path__in=wanted).values_list(
        "unit__path", "metric", "version", "target"
    ):
        if (unit_path, key) not in latest or latest[(unit_path, key)][0] < version:
            latest[(unit_path, key)] = (version, value)
    out: dict[str, dict[str, Decimal]] = {}
    for p in paths:
        found: dict[str, Decimal] = {}
        for prefix in _prefixes(p):  # root first; deeper ones override
            for (unit_path, key), (_v, value) in latest.items():
                if unit_path == prefix:
                    found[key] = value
        out[p] = found
    return out
