from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayOverride(models.Model):
    """A day whose status the holiday package doesn't know yet (or got wrong).

    The State Council publishes next year's holidays each autumn; until the package
    is updated an administrator enters them here (DESIGN §2).
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("勾选：上班（含调休补班）；不勾选：放假"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '放假'}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from core.calendar import forget_work_calendar

        forget_work_calendar()


class BackgroundJob(models.Model):
    """Long work (exports, imports, reports) run in the background with its progress shown.

    The row is the single source of the progress bar; handlers report through core.jobs.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    public_id = models.UUIDField(_("编号"), unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        "orgs.User", verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="background_jobs"
    )
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/", max_length=200, blank=True)
    result_name = models.CharField(_("文件名"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Last sign of life of the worker running it (claim, each progress report): a job silent for
    # longer than JOB_STALE_SECONDS lost its worker and is reclaimed (core.jobs.reclaim_stale_jobs).
    heartbeat_at = models.DateTimeField(_("最后进展时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
