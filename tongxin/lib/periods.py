"""Statutory periods (期限) of petition work and their arithmetic (pure Python, no Django).

Counting follows 《民法典》第二百零一条–第二百零三条: a period in days starts the day after the
triggering event (第二百零一条); if its last day is a rest day (法定休假日: weekend or public
holiday) it ends on the first working day after it (第二百零三条第一款), a make-up working day
(调休) being a working day; it runs to the end of that day, 24:00 (第二百零三条第二款). So a
deadline is stored as the instant ``due_at`` = 00:00 Asia/Shanghai of the day after the last
day, and an act is on time iff it happens strictly before ``due_at``.

The periods themselves come from 《信访工作条例》(2022); :class:`PeriodPolicy` holds them as
defaults that a unit may tighten but never loosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from tongxin.lib.workdays import WorkCalendar

__all__ = [
    "SHANGHAI",
    "STATUTORY",
    "DayCount",
    "Period",
    "PeriodPolicy",
    "PolicyLoosenedError",
    "days_left",
    "due_at",
    "extend_due_at",
    "last_day",
    "last_day_of",
    "local_date",
    "midnight_after",
    "on_time",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ONE_DAY = timedelta(days=1)


class DayCount(StrEnum):
    """How a period is counted: natural days (rolled off rest days) or working days only."""

    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class Period:
    """A period of ``days`` calendar days (日) or working days (工作日)."""

    days: int
    count: DayCount = DayCount.CALENDAR

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int):
            raise TypeError(f"Period.days must be an int, got {self.days!r}")
        if self.days <= 0:
            raise ValueError(f"Period.days must be positive, got {self.days}")
        object.__setattr__(self, "count", DayCount(self.count))

    def __str__(self) -> str:
        return f"{self.days}个工作日" if self.count is DayCount.WORKING else f"{self.days}日"


# --------------------------------------------------------------------------- arithmetic


def last_day(trigger: date, period: Period, cal: WorkCalendar) -> date:
    """The last day of ``period`` triggered on ``trigger`` (the trigger day itself not counted).

    Calendar days: ``trigger + days``, rolled to the next working day if that is a rest day
    (《民法典》第二百零一条、第二百零三条). Working days: the ``days``-th working day after
    ``trigger``.
    """
    if period.count is DayCount.WORKING:
        return cal.add_workdays(trigger, period.days)
    return cal.workday_on_or_after(trigger + timedelta(days=period.days))


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar date of the aware datetime ``at``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {at!r}")
    return at.astimezone(SHANGHAI).date()


def midnight_after(day: date) -> datetime:
    """00:00 Asia/Shanghai of the day after ``day``: the end (24:00) of ``day``."""
    return datetime.combine(day + _ONE_DAY, time.min, tzinfo=SHANGHAI)


def last_day_of(due: datetime) -> date:
    """The last day (local date) of a period that expires at ``due`` (a ``due_at`` value)."""
    return local_date(due) - _ONE_DAY


def due_at(trigger_at: datetime, period: Period, cal: WorkCalendar) -> datetime:
    """The aware instant at which ``period`` triggered at ``trigger_at`` expires.

    00:00 Asia/Shanghai after :func:`last_day` of the trigger's local date; on time iff
    strictly before it.
    """
    return midnight_after(last_day(local_date(trigger_at), period, cal))


def extend_due_at(current_due_at: datetime, extra: Period, cal: WorkCalendar) -> datetime:
    """The new expiry after extending by ``extra``, counted from the current last day
    (``local_date(current_due_at) - 1 day``) and rolled the same way (《信访工作条例》第三十四条)."""
    return midnight_after(last_day(last_day_of(current_due_at), extra, cal))


def days_left(due: datetime, now: datetime) -> int:
    """Whole local days from today to the last day: 0 = due today, -n = n days overdue."""
    return (last_day_of(due) - local_date(now)).days


def on_time(at: datetime, due: datetime) -> bool:
    """Whether an act at ``at`` meets the deadline ``due`` (strictly before it)."""
    if at.utcoffset() is None or due.utcoffset() is None:
        raise ValueError("aware datetimes are required")
    return at < due


# --------------------------------------------------------------------------- policy


class PolicyLoosenedError(ValueError):
    """A unit's policy would be looser than the statutory one."""


_LABELS: dict[str, str] = {
    "acceptance": "受理告知期限",
    "forward_objection": "转送交办异议期限",
    "handling": "办理期限",
    "extension_max": "延长办理期限",
    "review_request": "申请复查期限",
    "review_answer": "复查答复期限",
    "rereview_request": "申请复核期限",
    "rereview_answer": "复核答复期限",
    "supervision_reply": "督办回复期限",
    "rating_window": "满意度评价期限",
    "simple_acceptance": "简易办理受理期限",
    "simple_handling": "简易办理办结期限",
    "max_extensions": "延期次数上限",
    "max_visit_representatives": "走访代表人数上限",
    "reminder_days_before": "到期提醒提前天数",
}


def _working(days: int) -> Period:
    return Period(days, DayCount.WORKING)


@dataclass(frozen=True, slots=True)
class PeriodPolicy:
    """Every period of petition work; the defaults are the statutory ones.

    A unit may tighten (shorten) them, never loosen them: constructing a policy with a period
    longer than its default, a different day count, or a larger cap raises
    :class:`PolicyLoosenedError`.
    """

    #: Written notice of receipt/acceptance: 15 days from receipt (第二十三条第二款、第三款).
    acceptance: Period = Period(15)
    #: Objection to a forwarded/assigned matter outside the remit: 5 working days (第二十三条第三款).
    forward_objection: Period = _working(5)
    #: Handling of a 第三十一条(六) matter: 60 days from acceptance (第三十四条).
    handling: Period = Period(60)
    #: One extension, at most 30 days, approved by the unit head (第三十四条).
    extension_max: Period = Period(30)
    #: Review (复查) request: 30 days from receiving the written reply (第三十五条).
    review_request: Period = Period(30)
    #: Review answer: 30 days from the request (第三十五条).
    review_answer: Period = Period(30)
    #: Re-review (复核) request: 30 days from receiving the review opinion (第三十六条第一款).
    rereview_request: Period = Period(30)
    #: Re-review answer: 30 days from the request, hearing time not counted (第三十六条第一、二款).
    rereview_answer: Period = Period(30)
    #: Written reply to a supervision notice (第四十条; 30 days as in the 2005 条例).
    supervision_reply: Period = Period(30)
    #: Satisfaction rating window after the reply (国信发〔2022〕11号, to verify).
    rating_window: Period = Period(30)
    #: Simplified handling: acceptance within 3 working days (《信访事项简易办理办法》, to verify).
    simple_acceptance: Period = _working(3)
    #: Simplified handling: concluded within 10 working days of acceptance (same source).
    simple_handling: Period = _working(10)
    #: Extensions allowed per matter (第三十四条: one).
    max_extensions: int = 1
    #: Representatives of a collective visit (第二十条第三款: at most 5).
    max_visit_representatives: int = 5
    #: Remind the responsible person this many days before the last day.
    reminder_days_before: tuple[int, ...] = (3, 1)

    PERIOD_FIELDS: ClassVar[tuple[str, ...]] = (
        "acceptance",
        "forward_objection",
        "handling",
        "extension_max",
        "review_request",
        "review_answer",
        "rereview_request",
        "rereview_answer",
        "supervision_reply",
        "rating_window",
        "simple_acceptance",
        "simple_handling",
    )
    CAP_FIELDS: ClassVar[tuple[str, ...]] = ("max_extensions", "max_visit_representatives")

    def __post_init__(self) -> None:
        defaults = _defaults()
        for name in self.PERIOD_FIELDS:
            value, default = getattr(self, name), defaults[name]
            if not isinstance(value, Period):
                raise TypeError(f"{name} must be a Period, got {value!r}")
            if value.count is not default.count:
                kind = "工作日" if default.count is DayCount.WORKING else "自然日"
                raise PolicyLoosenedError(f"{_LABELS[name]}（{name}）须按{kind}计算，法定期限为{default}。")
            if value.days > default.days:
                raise PolicyLoosenedError(
                    f"{_LABELS[name]}（{name}）不得长于法定期限{default}，设置为{value}。"
                )
        for name, minimum in (("max_extensions", 0), ("max_visit_representatives", 1)):
            value, default = getattr(self, name), defaults[name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
            if value > default:
                raise PolicyLoosenedError(f"{_LABELS[name]}（{name}）不得超过{default}，设置为{value}。")
            if value < minimum:
                raise ValueError(f"{_LABELS[name]}（{name}）不得小于{minimum}，设置为{value}。")
        reminders = self.reminder_days_before
        if isinstance(reminders, str | bytes) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in reminders
        ):
            raise ValueError(f"{_LABELS['reminder_days_before']}必须是非负整数，设置为{reminders!r}。")
        object.__setattr__(self, "reminder_days_before", tuple(sorted(set(reminders), reverse=True)))

    def tightened(self, **overrides: Any) -> PeriodPolicy:
        """A copy with ``overrides`` applied; raises :class:`PolicyLoosenedError` if any would be
        looser than statutory. A period may be given as a :class:`Period`, as an int (days, same
        day count as statutory) or as ``{"days": n, "count": "calendar"|"working"}``."""
        unknown = sorted(set(overrides) - set(_LABELS))
        if unknown:
            raise ValueError(f"未知的期限设置项：{'、'.join(unknown)}")
        defaults = _defaults()
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name in self.PERIOD_FIELDS:
                changes[name] = _as_period(name, value, defaults[name])
            elif name == "reminder_days_before":
                changes[name] = tuple(value)
            else:
                changes[name] = value
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PeriodPolicy:
        """The statutory policy tightened by a unit's stored overrides, e.g. ``{"handling": 45}``."""
        return STATUTORY.tightened(**dict(data or {}))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready overrides of this policy: only fields that differ from statutory,
        periods as their number of days. ``from_dict(p.to_dict()) == p``."""
        defaults = _defaults()
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == defaults[f.name]:
                continue
            if isinstance(value, Period):
                out[f.name] = value.days
            elif isinstance(value, tuple):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        return out

    @staticmethod
    def label(name: str) -> str:
        """The Chinese name of a policy field, for forms and messages."""
        return _LABELS[name]


@lru_cache(maxsize=1)
def _defaults() -> Mapping[str, Any]:
    return MappingProxyType({f.name: f.default for f in fields(PeriodPolicy)})


def _as_period(name: str, value: Any, default: Period) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Period(value, default.count)
    if isinstance(value, Mapping) and "days" in value:
        return Period(value["days"], DayCount(value.get("count", default.count)))
    raise ValueError(f"{_LABELS[name]}（{name}）的设置无效：{value!r}")


#: The statutory policy (《信访工作条例》 defaults).
STATUTORY = PeriodPolicy()
