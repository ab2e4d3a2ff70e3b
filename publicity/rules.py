"""The rules of publicity-rules.md as versioned data.

Each rule code has default parameters here (version 0: the defaults as written in the rule
document); an administrator publishes a new version with ``rule_set_publish`` and the newest
one is used from then on. What a rule computed stores the version it was computed with, so an
old figure can be explained after the rule changed. The system counts, reminds and flags;
people decide.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from audit.services import audit_record
from core.errors import InvalidInput, NotAllowed
from orgs.models import User
from publicity.choices import LEVEL_ORDER, IncidentLevel, OutletLevel, PieceKind

DEFAULTS: dict[str, dict[str, Any]] = {
    # 三审三校: the levels every piece passes, in order; three different people; proofread at each.
    "pub.three_reviews": {"levels": [str(x) for x in LEVEL_ORDER], "proofread_each_level": True,
                          "author_may_review": False},
    # Points per placement by outlet level and type (a local scheme: verify); split evenly among authors.
    "pub.points": {"table": {
        OutletLevel.CENTRAL: {PieceKind.NEWS: 20, PieceKind.FEATURE: 30, PieceKind.COMMENTARY: 30,
                              PieceKind.PHOTO: 15, PieceKind.VIDEO: 25},
        OutletLevel.PROVINCIAL: {PieceKind.NEWS: 10, PieceKind.FEATURE: 15, PieceKind.COMMENTARY: 15,
                                 PieceKind.PHOTO: 8, PieceKind.VIDEO: 12},
        OutletLevel.INDUSTRY: {PieceKind.NEWS: 8, PieceKind.FEATURE: 12, PieceKind.COMMENTARY: 12,
                               PieceKind.PHOTO: 6, PieceKind.VIDEO: 10},
        OutletLevel.GROUP: {PieceKind.NEWS: 3, PieceKind.FEATURE: 5, PieceKind.COMMENTARY: 5,
                            PieceKind.PHOTO: 2, PieceKind.VIDEO: 4},
        OutletLevel.CITY: {PieceKind.NEWS: 5, PieceKind.FEATURE: 8, PieceKind.COMMENTARY: 8,
                           PieceKind.PHOTO: 4, PieceKind.VIDEO: 6},
    }},
    # First response due this many hours after an incident is found, by level (verify).
    "ideo.incident": {"response_hours": {IncidentLevel.MAJOR: 4, IncidentLevel.SERIOUS: 12,
                                         IncidentLevel.GENERAL: 24}},
    # The 党委 studies ideology work ≥ 2 times a year and reports yearly (verify).
    "ideo.committee_review": {"min_agenda_items": 2, "yearly_report": True},
    # 中心组: collective study about every two months (≥ 6 a year), each ≥ half a day (≥ 3.5 h),
    # ≥ 4 seminar-style sessions a year (verify).
    "study.center_group": {"min_sessions": 6, "min_hours": 3.5, "min_seminars": 4},
    # 第一议题 follow-up tasks: a reminder this many days before the due date.
    # study.branch: branch study meetings on a topic are looked for this many days after it.
    "study.first_topic": {"remind_days_before": 3, "branch_follow_days": 60},
    # 宣讲: reach counts one session once, however many audience units it names.
    "talk.reach": {"count_once_per_session": True},
}


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    params: dict[str, Any]


def current_rule(code: str) -> Rule:
    """The newest version of a rule (version 0: the built-in defaults)."""
    from publicity.models import RuleSet

    if code not in DEFAULTS:
        raise KeyError(code)
    row = RuleSet.objects.filter(code=code).order_by("-version").first()
    if row is None:
        return Rule(code, 0, deepcopy(DEFAULTS[code]))
    params = deepcopy(DEFAULTS[code])
    params.update(row.params)
    return Rule(code, row.version, params)


def _validate(code: str, params: dict[str, Any]) -> None:
    if code == "pub.three_reviews":
        levels = params.get("levels")
        if not isinstance(levels, list) or not levels or any(x not in LEVEL_ORDER for x in levels) \
                or levels != sorted(levels, key=LEVEL_ORDER.index) or len(set(levels)) != len(levels):
            raise InvalidInput("bad_rule", "审级须为“初审、复审、终审”中按顺序排列的若干级")
    elif code == "pub.points":
        table = params.get("table")
        if not isinstance(table, dict):
            raise InvalidInput("bad_rule", "积分表格式不对")
        for level, row in table.items():
            if level not in OutletLevel.values or not isinstance(row, dict):
                raise InvalidInput("bad_rule", f"积分表中媒体级别“{level}”无效")
            for kind, value in row.items():
                if kind not in PieceKind.values or not isinstance(value, int | float) or value < 0:
                    raise InvalidInput("bad_rule", f"积分表中“{level}/{kind}”无效")
    elif code == "ideo.incident":
        hours = params.get("response_hours")
        if not isinstance(hours, dict) or any(
            k not in IncidentLevel.values or not isinstance(v, int | float) or v <= 0 for k, v in hours.items()
        ):
            raise InvalidInput("bad_rule", "响应时限须为各级别的正小时数")


@transaction.atomic
def rule_set_publish(*, code: str, params: dict[str, Any], acting_user: User, note: str = "") -> Rule:
    """Publish a new version of a rule (administrators only)."""
    from publicity.models import RuleSet

    if not (acting_user.is_superuser or acting_user.is_administrator):
        raise NotAllowed("not_administrator", "只有系统管理员可以调整规则参数")
    if code not in DEFAULTS:
        raise InvalidInput("unknown_rule", f"没有规则“{code}”")
    merged = deepcopy(DEFAULTS[code])
    merged.update(params)
    _validate(code, merged)
    last = RuleSet.objects.select_for_update().filter(code=code).order_by("-version").first()
    row = RuleSet.objects.create(code=code, version=(last.version if last else 0) + 1, params=params,
                                 note=note[:200], created_by=acting_user)
    audit_record(actor=acting_user, action="publicity.rule.publish", target=row,
                 data={"code": code, "version": row.version, "params": params})
    return Rule(code, row.version, merged)
