"""Targets of the assessment (考核目标). KPI values themselves are never stored: they are
counted from the petitions and their events on every request (insights.kpi)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from tongxin.lib.kpi import METRICS

TARGET_METRICS = [(m.key, m.label) for m in METRICS if not m.snapshot]


class KpiTarget(models.Model):
    """The target of one metric for a unit's subtree in one year; it also applies to every unit
    below that has none of its own. Versioned: a change appends a row (version + 1), so the
    target in force on any day, and who set it, can be shown later."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(_("指标"), max_length=32, choices=TARGET_METRICS)
    year = models.PositiveSmallIntegerField(_("年度"))
    # Rates in percent (95 = 95 %), counts in petitions, averages in days.
    target = models.DecimalField(_("目标值"), max_digits=8, decimal_places=2)
    version = models.PositiveIntegerField(_("版本"), default=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核目标")
        verbose_name_plural = _("考核目标")
        ordering = ["year", "unit__path", "metric", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "metric", "year", "version"], name="kpi_target_version_uniq"),
            models.CheckConstraint(condition=models.Q(target__gte=0), name="kpi_target_not_negative"),
        ]
        indexes = [models.Index(fields=["year", "metric"], name="kpi_target_year_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_metric_display()} {self.year}: {self.target} (v{self.version})"
