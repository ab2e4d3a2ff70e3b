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


# --------------------------------------------------------------------------- the closed-month rollup

# The facts of a closed month that the rollup keeps (every fact but the snapshot ones, which are
# about "now"); durations as whole microseconds so that sums stay exact.
ROLLUP_COUNTS = (
    "received", "repeat", "collective", "skip_level", "acc_due", "acc_on_time", "fwd_due", "fwd_on_time",
    "accepted", "hand_due", "hand_on_time", "replied", "rated", "satisfied", "reviewed", "rereviewed",
    "review_decided", "review_upheld",
)
ROLLUP_DURATIONS = {"accept_seconds": "accept_us", "reply_seconds": "reply_us"}


class MonthFacts(models.Model):
    """The facts of one closed calendar month for one unit, as insights.kpi counts them for a
    person who sees every petition. Not a counter: rebuilt from the petitions and their events
    by insights.rollup.refresh (never incremented), and only read for months the event log
    shows unchanged since (insights.rollup.valid_months)."""

    month = models.DateField(_("月份"))  # its first day
    # The unit the facts count for (受理单位, 承办单位 or the forwarding unit, per family). No
    # foreign-key constraint: the row is rebuilt, never the source of anything; null: a
    # forwarding unit whose code no longer exists.
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+")
    received = models.BigIntegerField(default=0)
    repeat = models.BigIntegerField(default=0)
    collective = models.BigIntegerField(default=0)
    skip_level = models.BigIntegerField(default=0)
    acc_due = models.BigIntegerField(default=0)
    acc_on_time = models.BigIntegerField(default=0)
    fwd_due = models.BigIntegerField(default=0)
    fwd_on_time = models.BigIntegerField(default=0)
    accepted = models.BigIntegerField(default=0)
    accept_us = models.BigIntegerField(default=0)
    hand_due = models.BigIntegerField(default=0)
    hand_on_time = models.BigIntegerField(default=0)
    replied = models.BigIntegerField(default=0)
    reply_us = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    reviewed = models.BigIntegerField(default=0)
    rereviewed = models.BigIntegerField(default=0)
    review_decided = models.BigIntegerField(default=0)
    review_upheld = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("月度统计汇总")
        verbose_name_plural = _("月度统计汇总")
        indexes = [models.Index(fields=["month", "unit"], name="insights_monthfacts_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id}"


class RollupState(models.Model):
    """One row: the last petition event (and audit record) the rollup has taken into account.
    A petition with a later one has changed since, and so may have every month from its
    receipt on."""

    watermark = models.BigIntegerField(default=0)
    # The last audit record taken into account: changes made without a petition event (triage
    # raising flags, a corrected classification) are audited against the petition.
    audit_watermark = models.BigIntegerField(default=0)
    # The months whose MonthFacts rows are built, as "YYYY-MM-01" (a month without petitions
    # has no rows, but is built all the same).
    months = models.JSONField(default=list)
    refreshed_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("汇总状态")
        verbose_name_plural = _("汇总状态")

    def __str__(self) -> str:
        return f"rollup to event {self.watermark}"
