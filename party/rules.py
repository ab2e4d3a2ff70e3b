"""The party rules as versioned data (../shared/docs/party-rules.md).

Every rule has a code, a value (a small dict), its source and whether it still needs checking
against the original text (*verify*). The defaults below are version 0; an administrator adds a
``RuleVersion`` row (code, value, source, effective date) to change a rule from a given day, and
every computed result carries the version it used (``Rule.stamp``). The system computes dates,
flags and counts from these; people decide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# code → (value, source, verify)
DEFAULTS: dict[str, tuple[dict[str, Any], str, bool]] = {
    # 1. structure
    "org.branch_min": ({"full_members": 3, "joint_max_units": 5}, "支部工作条例（试行）2018 §5", False),
    "org.branch_soft_cap": ({"members": 50}, "支部工作条例（试行）2018 §5", False),
    "org.committee_required": ({"full_members": 7, "min": 3, "usual_max": 5, "max": 7},
                               "支部工作条例（试行）2018 §6", False),
    "org.type_by_size": ({"committee": 100, "general_branch": 50}, "国有企业基层组织工作条例（试行）2019 §6", True),
    "org.term": ({"branch_years": 3, "general_branch_years": 3, "committee_years": 5, "extension_years": 1},
                 "国有企业基层组织工作条例（试行）2019 §7", True),
    "org.election": ({"attendance_over": "4/5"}, "支部工作条例（试行）2018 §9", True),
    # 2. organizational life: period and minimum count
    "life.general_meeting": ({"period": "quarter", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.committee_meeting": ({"period": "month", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.group_meeting": ({"period": "month", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.theme_day": ({"period": "month", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.party_lecture": ({"period": "quarter", "min": 1, "secretary_per_year": 1},
                           "支部工作条例（试行）2018 §11", True),
    "life.review_meeting": ({"period": "year", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.member_appraisal": ({"period": "year", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.heart_talks": ({"period": "year", "min": 1}, "支部工作条例（试行）2018 §11", False),
    "life.vote": ({"quorum_over": "1/2", "majority_over": "1/2"}, "支部工作条例（试行）2018 §11", False),
    "life.absence": ({"months": 6}, "党章 §9", False),
    # how many days before a period ends its branch secretary is notified (local practice)
    "life.reminder": ({"days_before": 10}, "地方做法（期末前提醒）", True),
    # 3. member development
    "dev.age": ({"years": 18}, "发展党员工作细则（2014）§5", False),
    "dev.talk": ({"months": 1}, "发展党员工作细则（2014）§6", False),
    "dev.activist_period": ({"years": 1}, "发展党员工作细则（2014）§12", False),
    "dev.activist_review": ({"months": 6}, "发展党员工作细则（2014）§11", True),
    "dev.introducers": ({"count": 2}, "发展党员工作细则（2014）§15", False),
    "dev.political_review": ({}, "发展党员工作细则（2014）§16", False),
    "dev.training": ({"days": 3, "hours": 24}, "发展党员工作细则（2014）§18", False),
    "dev.publicity": ({"workdays": 5}, "地方做法（发展对象/接收/转正公示）", True),
    "dev.leaving_soon": ({"months": 3}, "发展党员工作细则（2014）§19", False),
    "dev.approval": ({"months": 3, "exceptional_months": 6}, "发展党员工作细则（2014）§24", False),
    "dev.probation": ({"years": 1}, "发展党员工作细则（2014）§28", False),
    "dev.extension": ({"min_months": 6, "max_months": 12}, "发展党员工作细则（2014）§32", False),
    "dev.conversion_approval": ({"months": 3}, "发展党员工作细则（2014）§33", False),
    "dev.oath": ({"months": 1}, "发展党员工作细则（2014）§29", True),
    # 4. transfers
    "transfer.validity": ({"months": 3}, "组织关系介绍信（地方做法）", True),
    "transfer.away": ({"months": 6}, "党员组织关系管理规定", False),
    # 5. dues: brackets (upper bound inclusive, rate on the whole amount)
    "dues.salaried": ({"brackets": [["3000", "0.005"], ["5000", "0.01"], ["10000", "0.015"], [None, "0.02"]]},
                      "中组部《关于党费收缴、使用和管理的规定》2008", False),
    "dues.retired": ({"brackets": [["5000", "0.005"], [None, "0.01"]]},
                     "中组部《关于党费收缴、使用和管理的规定》2008", False),
    "dues.flat": ({"student": "0.20", "unemployed": "0.20", "relief": "0.20", "farmer": "0.20"},
                  "中组部《关于党费收缴、使用和管理的规定》2008", False),
    "dues.arrears": ({"warn_months": 3, "risk_months": 6}, "中组部《关于党费收缴、使用和管理的规定》2008", False),
    "dues.central_voluntary": ({"amount": "1000"}, "中组部《关于党费收缴、使用和管理的规定》2008", False),
}

LABELS = {
    "org.branch_min": _("党支部正式党员不少于3人"),
    "org.branch_soft_cap": _("党支部党员一般不超过50人"),
    "org.committee_required": _("正式党员7人以上设支部委员会"),
    "org.type_by_size": _("党员100人以上设党委、50人以上设党总支"),
    "org.term": _("任期届满应按期换届"),
    "org.election": _("选举到会人数超过应到会人数4/5"),
}


@dataclass(frozen=True)
class Rule:
    code: str
    value: dict[str, Any]
    source: str
    verify: bool
    version: int  # 0: the built-in default; otherwise the RuleVersion id
    effective_from: date | None

    @property
    def stamp(self) -> str:
        return f"{self.code}@v{self.version}"

    def __getitem__(self, key: str) -> Any:
        return self.value[key]


_TTL_SECONDS = 60.0
_cache: tuple[float, dict[str, list[tuple[date, int, dict, str, bool]]]] | None = None


def _versions() -> dict[str, list[tuple[date, int, dict, str, bool]]]:
    """Every RuleVersion row by code, newest first; re-read at most once a minute (the table is
    small and changes rarely; a save clears the cache in this process at once)."""
    global _cache
    from party.models import RuleVersion

    now = time.monotonic()
    if _cache is None or now - _cache[0] > _TTL_SECONDS:
        table: dict[str, list[tuple[date, int, dict, str, bool]]] = {}
        for row in RuleVersion.objects.order_by("-effective_from", "-id"):
            table.setdefault(row.code, []).append((row.effective_from, row.pk, row.value, row.source, row.verify))
        _cache = (now, table)
    return _cache[1]


def forget_rules() -> None:
    global _cache
    _cache = None


def rule(code: str, on: date | None = None) -> Rule:
    """The rule in force on ``on`` (today if None): the latest RuleVersion effective by then."""
    from tongxin.lib.periods import local_date

    if code not in DEFAULTS:
        raise KeyError(code)
    default, source, verify = DEFAULTS[code]
    day = on or local_date(timezone.now())
    for effective, pk, value, row_source, row_verify in _versions().get(code, ()):
        if effective <= day:
            return Rule(code, {**default, **value}, row_source or source, row_verify, pk, effective)
    return Rule(code, dict(default), source, verify, 0, None)


def as_decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))
