from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An append-only, hash-chained record of an administrative action (DESIGN §5).

    Petition workflow events live in their own per-petition table; this chain covers
    everything else (people, roles, units, reveals of identities, exports).
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象编号"), max_length=64)
    target_repr = models.CharField(_("对象"), max_length=200)
    data = models.JSONField(_("内容"), default=dict)
    # From where: the client address and browser of the request that caused the event
    # (empty for commands and scheduled tasks). Set by audit.middleware.AuditOriginMiddleware.
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def payload(self) -> dict:
        payload = {
            "at": self.at,
            "actor": self.actor_id,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_repr": self.target_repr,
            "data": self.data,
        }
        # The origin joined the chain later: rows written before it (no origin) hash as before.
        if self.ip:
            payload["ip"] = self.ip
        if self.user_agent:
            payload["ua"] = self.user_agent
        return payload

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AuditChainHead(models.Model):
    """Single row locked while appending, so the chain never forks under concurrency."""

    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return self.last_hash


class AuditCheckpoint(models.Model):
    """Where the chain continues after rows older than the retention period were archived.

    ``purge_audit`` writes the rows ``from_id``..``upto_id`` to an archive file outside the
    database, deletes them, and records here the hash the chain starts from before and after
    them: ``verify_audit`` then starts at ``upto_hash`` and checks the archive file when it is
    present. Append-only like the events (a PostgreSQL trigger refuses UPDATE and DELETE).
    """

    created_at = models.DateTimeField(_("时间"))
    from_id = models.BigIntegerField(_("起始记录"))
    upto_id = models.BigIntegerField(_("截止记录"))
    upto_at = models.DateTimeField(_("截止记录时间"))
    prev_hash = models.CharField(max_length=64)  # the hash the archived rows start from
    upto_hash = models.CharField(max_length=64)  # the hash of the last archived row
    rows = models.PositiveIntegerField(_("归档条数"))
    archive_name = models.CharField(_("归档文件"), max_length=200)
    archive_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计归档检查点")
        verbose_name_plural = _("审计归档检查点")
        ordering = ["upto_id"]

    def __str__(self) -> str:
        return f"#{self.from_id}–#{self.upto_id} → {self.archive_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit checkpoints are append-only")
