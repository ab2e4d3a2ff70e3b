"""Lockout after repeated failures, by username AND address (never by address alone).

Two limits, both counted from LoginAttempt rows (so every web worker sees the same count):

* the pair (username, address): LOGIN_FAILURE_LIMIT failures (default 5) within
  LOGIN_FAILURE_WINDOW (default 15 min) lock that pair for LOGIN_LOCKOUT_COOLDOWN (default
  15 min) from the last of them. A successful login of the pair forgives its earlier failures.
  Another person logging in from the same address (a shared office PC, a mine's NAT) is not
  affected, nor is the same person at another address.
* the account, from every address: LOGIN_FAILURE_LIMIT_PER_USER failures (default 20) within
  the window lock the account for the cooldown. A guess spread over many addresses is slowed
  this way; success does not forgive these (an attacker never succeeds, so forgiving would
  only give them a fresh budget each time the real person logs in).

While locked, attempts are refused without checking the password and are not counted, so the
lock ends on time. Wrong second-factor codes count like wrong passwords (same pair, same
account), so a stolen password does not open unlimited guessing of the 6-digit code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Factor, LoginAttempt
from orgs.models import User

USERNAME_MAX = 150


@dataclass(frozen=True)
class Limits:
    per_pair: int
    per_account: int
    window: timedelta
    cooldown: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            per_pair=int(getattr(settings, "LOGIN_FAILURE_LIMIT", 5)),
            per_account=int(getattr(settings, "LOGIN_FAILURE_LIMIT_PER_USER", 20)),
            window=timedelta(seconds=int(getattr(settings, "LOGIN_FAILURE_WINDOW", 15 * 60))),
            cooldown=timedelta(seconds=int(getattr(settings, "LOGIN_LOCKOUT_COOLDOWN", 15 * 60))),
        )


@dataclass(frozen=True)
class Lock:
    until: datetime
    scope: str  # "pair": this account from this address; "account": this account everywhere

    def minutes_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))

    def message(self, now: datetime) -> str:
        # The same words whether the account exists or not: the lock reveals nothing.
        return _("该账号登录失败次数过多，已暂停登录。请 %(minutes)d 分钟后再试；如忘记密码，请联系本单位系统管理员。") % {
            "minutes": self.minutes_left(now)
        }


def find_account(typed: str) -> User | None:
    """The person a login name points to: the same look-up as orgs.auth (工号 or 手机号)."""
    typed = typed.strip()
    if not typed:
        return None
    return User.objects.filter(Q(employee_no__iexact=typed) | Q(phone=typed)).first()


def username_key(typed: str, account: User | None) -> str:
    """What the counters are keyed by: the account's 工号 (so typing the phone number instead
    does not open a second budget), or the typed text for a name no account has."""
    if account is not None:
        return account.employee_no.lower()
    return typed.strip().lower()[:USERNAME_MAX]


def _lock_from(times: list[datetime], limit: int, limits: Limits) -> datetime | None:
    """``times``: the most recent failures, newest first. Locked until the newest + cooldown if
    ``limit`` of them fall within one window."""
    if limit <= 0 or len(times) < limit:
        return None
    newest, oldest = times[0], times[limit - 1]
    if newest - oldest > limits.window:
        return None
    return newest + limits.cooldown


def lock_for(*, username: str, ip: str, now: datetime, limits: Limits | None = None) -> Lock | None:
    """The lock that applies to this username from this address now, if any (3 indexed reads)."""
    limits = limits or Limits.from_settings()
    horizon = now - limits.window - limits.cooldown
    pair = LoginAttempt.objects.filter(username=username, ip=ip, at__gt=horizon)
    last_success = pair.filter(success=True).order_by("-at").values_list("at", flat=True).first()
    failures = pair.filter(success=False)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("-at").values_list("at", flat=True)[: limits.per_pair])
    until = _lock_from(times, limits.per_pair, limits)
    if until is not None and until > now:
        return Lock(until=until, scope="pair")
    times = list(
        LoginAttempt.objects.filter(username=username, success=False, at__gt=horizon)
        .order_by("-at")
        .values_list("at", flat=True)[: limits.per_account]
    )
    until = _lock_from(times, limits.per_account, limits)
    if until is not None and until > now:
        return Lock(until=until, scope="account")
    return None


def attempt_record(*, username: str, ip: str, success: bool, factor: str = Factor.PASSWORD, now: datetime) -> None:
    LoginAttempt.objects.create(username=username, ip=ip, at=now, success=success, factor=factor)


def attempts_prune(*, now: datetime, older_than: timedelta) -> int:
    """Delete attempts older than ``older_than``; never ones the lockout still reads."""
    limits = Limits.from_settings()
    keep = max(older_than, limits.window + limits.cooldown)
    deleted, _ = LoginAttempt.objects.filter(at__lt=now - keep).delete()
    return deleted
