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
