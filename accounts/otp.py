"""TOTP two-factor authentication: enrollment, verification with replay protection, recovery
codes, and the administrator's reset. Writes go through these functions; each is audited."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Factor, RecoveryCode, TOTPDevice
from audit.services import audit_record
from core.crypto import decrypt, encrypt
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.choices import Role
from orgs.models import User

ISSUER = "同心"
DIGITS = 6
INTERVAL = 30
# A code is accepted for the current 30-second step and one step either side: phones' clocks
# drift, and typing takes time. Replay protection (last_step) keeps this from widening reuse.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without the look-alikes 0/o, 1/l/i: 10 characters ≈ 49 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10

_SEPARATORS = re.compile(r"[\s\-]+")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def normalise_code(code: str) -> str:
    return _SEPARATORS.sub("", code or "").lower()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


# --- enrollment ---------------------------------------------------------------------------


def enrollment_start(*, user: User, restart: bool = False, now: datetime | None = None) -> TOTPDevice:
    """The person's unconfirmed device, created with a fresh secret if there is none (or
    ``restart``). Refused once a device is confirmed: only an administrator resets it."""
    now = now or timezone.now()
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed:
        raise InvalidState("otp_already_enabled", "两步验证已启用；如需更换手机，请联系系统管理员重置。")
    if device is None:
        device = TOTPDevice.objects.create(user=user, secret=encrypt(pyotp.random_base32()), created_at=now)
    elif restart:
        device.secret = encrypt(pyotp.random_base32())
        device.created_at = now
        device.last_step = 0
        device.save(update_fields=["secret", "created_at", "last_step"])
    return device


def device_secret(device: TOTPDevice) -> str:
    return decrypt(device.secret)


def provisioning_uri(device: TOTPDevice) -> str:
    return _totp(device_secret(device)).provisioning_uri(name=device.user.employee_no, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as inline SVG markup (no script, no style attribute: CSP-safe)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, light="#fff", svgclass="tx-otp-qr")


def secret_for_typing(device: TOTPDevice) -> str:
    secret = device_secret(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def enrollment_confirm(*, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the device with a right code; returns the recovery codes (shown once)."""
    now = now or timezone.now()
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed:
        raise InvalidState("otp_no_enrollment", "没有待确认的两步验证，请重新开始。")
    if not _totp_accept(device, normalise_code(code), now):
        raise InvalidInput("otp_code_wrong", "验证码不正确，请核对手机上显示的 6 位数字后重试。")
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed_at=now)
    codes = _recovery_codes_issue(user=user, now=now)
    audit_record(actor=user, action="auth.2fa_enabled", target=user, data={})
    return codes


# --- verification -------------------------------------------------------------------------


def _totp_accept(device: TOTPDevice, code: str, now: datetime) -> bool:
    """True if ``code`` is right for a time step later than the last accepted one; that step
    is then stored with a compare-and-set, so two workers cannot both accept one code."""
    if len(code) != DIGITS or not code.isdigit():
        return False
    totp = _totp(device_secret(device))
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step <= device.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            updated = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step, last_used_at=now
            )
            if updated == 1:
                device.last_step = step
                return True
            return False
    return False


def totp_verify(*, user: User, code: str, now: datetime | None = None) -> bool:
    device = confirmed_device(user)
    if device is None:
        return False
    return _totp_accept(device, normalise_code(code), now or timezone.now())


def recovery_code_use(*, user: User, code: str, now: datetime | None = None) -> bool:
    """True (and the code spent) if ``code`` is one of the person's unused recovery codes."""
    code = normalise_code(code)
    if len(code) != RECOVERY_LENGTH:
        return False
    now = now or timezone.now()
    for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if check_password(code, row.code_hash):
            # Compare-and-set: a code raced by two requests is spent by one of them only.
            return RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now) == 1
    return False


def second_factor_verify(*, user: User, code: str, now: datetime | None = None) -> str | None:
    """The factor that passed (TOTP for 6 digits, else a recovery code), or None."""
    now = now or timezone.now()
    normalised = normalise_code(code)
    if len(normalised) == DIGITS and normalised.isdigit():
        return Factor.TOTP if totp_verify(user=user, code=normalised, now=now) else None
    return Factor.RECOVERY if recovery_code_use(user=user, code=normalised, now=now) else None


# --- recovery codes -----------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_codes_issue(*, user: User, now: datetime) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(normalise_code(c)), created_at=now) for c in codes
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User, code: str, now: datetime | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), against a current authenticator code."""
    now = now or timezone.now()
    if not totp_verify(user=user, code=code, now=now):
        raise InvalidInput("otp_code_wrong", "验证码不正确或已使用过，请输入手机上新显示的 6 位数字。")
    codes = _recovery_codes_issue(user=user, now=now)
    audit_record(actor=user, action="auth.recovery_codes_regenerated", target=user, data={})
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- administration -----------------------------------------------------------------------


def may_reset(acting_user: User, person: User) -> bool:
    """System administrators reset the two-factor authentication of people in their units
    (superusers: of anyone) — never their own: losing one's phone needs a second person."""
    if not acting_user.is_authenticated or acting_user.pk == person.pk:
        return False
    if acting_user.is_superuser:
        return True
    if person.is_superuser or person.home_unit is None:
        return False
    return any(person.home_unit.is_within(u) for u in acting_user.units_with(Role.ADMINISTRATOR))


@transaction.atomic
def two_factor_reset(*, person: User, acting_user: User | None, reason: str, now: datetime | None = None) -> None:
    """Remove the person's device and recovery codes; they enroll again at next login.

    ``acting_user`` None: the ``reset_two_factor`` management command (a console operator)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "请填写重置原因。")
    if acting_user is not None and not may_reset(acting_user, person):
        raise NotAllowed("otp_reset_not_allowed", "只有本单位的系统管理员可以重置他人的两步验证，且不能重置自己的。")
    had_device = TOTPDevice.objects.filter(user=person, confirmed_at__isnull=False).exists()
    TOTPDevice.objects.filter(user=person).delete()
    RecoveryCode.objects.filter(user=person).delete()
    audit_record(
        actor=acting_user, action="auth.2fa_reset", target=person,
        data={"reason": reason[:500], "had_device": had_device},
    )

