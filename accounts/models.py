"""Login attempts (for lockout), TOTP devices and recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Factor(models.TextChoices):
    PASSWORD = "password", _("密码")
    TOTP = "totp", _("动态验证码")
    RECOVERY = "recovery", _("恢复码")


class LoginAttempt(models.Model):
    """One try to log in: the lockout counts these (accounts.lockout).

    Kept in the database, not in a per-process cache, so that every web worker sees the same
    count. ``username`` is normalised (accounts.lockout.username_key): the 工号 of the account
    when one matches, whether the person typed the 工号 or the phone number, else the typed
    text in lower case. Rows older than LOGIN_ATTEMPT_RETENTION_DAYS are removed by
    ``manage.py prune_login_attempts``; the audit chain keeps the lasting record.
    """

    username = models.CharField(_("账号"), max_length=150)
    ip = models.CharField(_("地址"), max_length=64)
    at = models.DateTimeField(_("时间"))
    success = models.BooleanField(_("成功"))
    factor = models.CharField(_("验证方式"), max_length=16, choices=Factor.choices, default=Factor.PASSWORD)

    class Meta:
        verbose_name = _("登录尝试")
        verbose_name_plural = _("登录尝试")
        indexes = [
            # The pair's recent failures and its last success (lockout by username and address).
            models.Index(fields=["username", "ip", "at"], name="accounts_attempt_pair_idx"),
            # The account's recent failures from every address (the higher per-account limit).
            models.Index(fields=["username", "at"], name="accounts_attempt_user_idx"),
            # prune_login_attempts: rows older than the retention.
            models.Index(fields=["at"], name="accounts_attempt_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.success else 'fail'}"


class TOTPDevice(models.Model):
    """An authenticator app (RFC 6238: 6 digits, 30 s, SHA-1) bound to one person.

    The shared secret is encrypted at rest (core.crypto). ``last_step`` is the time step of
    the last accepted code: a code is accepted only for a later step, so it cannot be replayed.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.TextField(_("密钥（加密）"))
    created_at = models.DateTimeField(_("创建时间"))
    # None while enrollment is not finished (the person has not typed a right code yet).
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(_("最近使用的时间步"), default=0)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("两步验证设备")
        verbose_name_plural = _("两步验证设备")

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only a password-style hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(_("哈希"), max_length=256)
    created_at = models.DateTimeField(_("生成时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        indexes = [models.Index(fields=["user", "used_at"], name="accounts_recovery_user_idx")]

    def __str__(self) -> str:
        return f"recovery {self.user_id} {'used' if self.used_at else 'unused'}"
