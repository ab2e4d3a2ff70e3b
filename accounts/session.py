"""What a session knows about its second factor, its idle clock, and a login half done.

The login is two-step and nobody is logged in (django.contrib.auth.login) before the last step:
the password step of a person with a confirmed device only leaves a *pending* marker in the
anonymous session (user id, backend, time, where to go next); the code step then logs in. So a
half-done login is never an authenticated session, whatever middleware or API reads it.

Every authenticated session carries a second-factor state, set at login (``on_login``, also
run by the test client's force_login):

* ``verified`` — a right TOTP or recovery code was given, or a device was enrolled, in this session;
* ``exempt``   — the person needed no second factor when logging in;
* ``enroll``   — staff, TWO_FACTOR_REQUIRED, no device yet: the middleware confines the session to
  the enrollment page until a device is confirmed;
* ``missing``  — the person has a device but the session was logged in without it (by code that
  calls login() directly): the middleware logs it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.otp import has_device
from orgs.choices import Role
from orgs.models import RoleAssignment, User

SEEN_KEY = "accounts.seen"
OTP_KEY = "accounts.otp"
PENDING_KEY = "accounts.pending"
PENDING_TTL = timedelta(minutes=5)

VERIFIED = "verified"
EXEMPT = "exempt"
ENROLL = "enroll"
MISSING = "missing"


def two_factor_required() -> bool:
    return bool(getattr(settings, "TWO_FACTOR_REQUIRED", False))


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60))


def is_staff_user(user: User) -> bool:
    """Staff: Django staff or superuser, or anyone holding a role other than 职工."""
    if user.is_staff or user.is_superuser:
        return True
    # A query rather than user.role_set: this runs at login on instances the caller keeps.
    return RoleAssignment.objects.filter(user=user).exclude(role=Role.EMPLOYEE).exists()


def needs_second_factor(user: User) -> bool:
    return has_device(user) or (two_factor_required() and is_staff_user(user))


def state_at_login(user: User) -> str:
    if has_device(user):
        return MISSING
    if two_factor_required() and is_staff_user(user):
        return ENROLL
    return EXEMPT


def on_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    """user_logged_in receiver: start the idle clock and record the second-factor state."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[SEEN_KEY] = timezone.now().timestamp()
    session[OTP_KEY] = state_at_login(user)


def otp_state(request: HttpRequest) -> str:
    """The session's state; computed and stored once for sessions older than this app."""
    state = request.session.get(OTP_KEY)
    if state is None:
        state = state_at_login(request.user)
        request.session[OTP_KEY] = state
    return state


def mark_verified(request: HttpRequest) -> None:
    request.session[OTP_KEY] = VERIFIED


def otp_satisfied(request: HttpRequest) -> bool:
    """Checked live (the admin site): a verified session, or a person who needs no code now."""
    user = request.user
    if not user.is_authenticated:
        return False
    return request.session.get(OTP_KEY) == VERIFIED or not needs_second_factor(user)


# --- the login half done ------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user_id: int
    backend: str
    username: str  # accounts.lockout.username_key
    next_url: str
    started: float


def pending_start(request: HttpRequest, *, user: User, backend: str, username: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": backend,
        "username": username,
        "next_url": next_url,
        "started": timezone.now().timestamp(),
    }


def pending_get(request: HttpRequest, now: datetime | None = None) -> Pending | None:
    raw = request.session.get(PENDING_KEY)
    if not isinstance(raw, dict):
        return None
    now = now or timezone.now()
    try:
        pending = Pending(**raw)
    except TypeError:
        pending_clear(request)
        return None
    if now.timestamp() - pending.started > PENDING_TTL.total_seconds():
        pending_clear(request)
        return None
    return pending


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
