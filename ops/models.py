"""Records of the background machinery: task runs, the notification outbox, periodic claims."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    """One attempt of one Celery task, written by the worker's signals (ops.signals)."""

    class Status(models.TextChoices):
        STARTED = "started", _("运行中")
        SUCCEEDED = "succeeded", _("成功")
        RETRYING = "retrying", _("等待重试")
        FAILED = "failed", _("失败")

    task_id = models.CharField(_("任务编号"), max_length=64)
    name = models.CharField(_("任务"), max_length=200, db_index=True)
    attempt = models.PositiveIntegerField(_("第几次重试"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.STARTED)
    hostname = models.CharField(_("节点"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("开始"), db_index=True)
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=500, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("后台任务运行")
        verbose_name_plural = _("后台任务运行")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["task_id", "attempt"], name="ops_taskrun_attempt_unique")]
        indexes = [models.Index(fields=["status", "started_at"], name="ops_taskrun_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.task_id}#{self.attempt}"


class OutboxMessage(models.Model):
    """Work promised in a transaction (a notification), written in that same transaction.

    The Celery message is published after commit; if the broker is down then, the periodic
    ``ops.tasks.flush_outbox`` publishes it later. The handler marks each side effect in
    ``progress`` so that a redelivered message does not repeat what was already done.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    handler = models.CharField(_("处理程序"), max_length=100)
    payload = models.JSONField(_("内容"), default=dict)
    progress = models.JSONField(_("已完成的步骤"), default=dict)
    created_at = models.DateTimeField(_("创建"), auto_now_add=True)
    published_at = models.DateTimeField(_("最近投递"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("待发送消息")
        verbose_name_plural = _("待发送消息")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(done_at__isnull=True), name="ops_outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} {self.key}"


class PeriodicClaim(models.Model):
    """A periodic job's period, claimed once: the second node (or the second run) finds the
    row and does nothing (the daily audit-head export)."""

    key = models.CharField(max_length=120, unique=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    hostname = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("定时任务周期")
        verbose_name_plural = _("定时任务周期")

    def __str__(self) -> str:
        return self.key
