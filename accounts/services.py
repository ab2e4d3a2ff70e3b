"""The login steps: record the attempt, audit it, lock when the limit is reached, log in."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from accounts import lockout, session
from accounts.models import Factor
from audit.services import audit_record
from orgs.models import User


@transaction.atomic
def login_failed(
    *, username: str, account: User | None, ip: str, factor: str, now: datetime
) -> lockout.Lock | None:
    """Count a wrong password or code; returns the lock this failure started, if any.

    The audit row names the account (as target: whoever typed is unknown) and the address;
    for a name no account has, not the typed text (people type passwords into that box)."""
    lockout.attempt_record(username=username, ip=ip, success=False, factor=factor, now=now)
    data = {"ip": ip, "factor": factor}
    if account is None:
        data["account_known"] = False
    audit_record(actor=None, action="auth.login_failed", target=account, data=data)
    lock = lockout.lock_for(username=username, ip=ip, now=now)
    if lock is not None:
        audit_record(
            actor=None, action="auth.locked", target=account,
            data={**data, "scope": lock.scope, "until": lock.until},
        )
    return lock


@transaction.atomic
def login_complete(
    request: HttpRequest, *, user: User, backend: str, username: str, ip: str, factor: str, now: datetime
) -> str:
    """Log the person in (after every factor they need); returns the session's second-factor
    state. The success forgives the pair's earlier failures."""
    lockout.attempt_record(username=username, ip=ip, success=True, factor=factor, now=now)
    login(request, user, backend=backend)  # cycles the session key; on_login stamps the state
    if factor in (Factor.TOTP, Factor.RECOVERY):
        session.mark_verified(request)
    audit_record(actor=user, action="auth.login", target=user, data={"ip": ip, "factor": factor})
    return request.session[session.OTP_KEY]


@transaction.atomic
def password_changed(*, user: User, ip: str) -> None:
    audit_record(actor=user, action="auth.password_changed", target=user, data={"ip": ip})
