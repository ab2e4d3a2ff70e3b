"""Records of the carbon module: facilities and sources, versioned factors, monthly activity data with
evidence, inventory runs (versions) and their results, CCUS chains, targets, reports, scenarios.

Arithmetic lives in tongxin.lib.ghg; workflow verbs in carbon.services."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carbon.choices import (
    GWP_CHOICES,
    QUANTITIES,
    CcusMethod,
    FacilityKind,
    FacilityStatus,
    GasClass,
    Indicator,
    MiningMethod,
    ReportState,
    SourceCode,
    Tier,
)
from orgs.models import Unit

QUANTITY_CHOICES = [(q.code, q.label) for q in QUANTITIES.values()]


def evidence_path(instance: models.Model, filename: str) -> str:
    # Unguessable names: evidence is read through a scoped view, never by a guessed URL.
    ext = filename.rsplit(".", 1)[-1][:8] if "." in filename else "bin"
    return f"carbon/evidence/{uuid.uuid4().hex}.{ext}"


class Facility(models.Model):
    """A mine or plant of an enterprise unit (the unit is the facility; its parent the legal entity)."""

    unit = models.OneToOneField(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="carbon_facility")
    kind = models.CharField(_("设施类别"), max_length=20, choices=FacilityKind.choices)
    mining_method = models.CharField(_("开采方式"), max_length=12, choices=MiningMethod.choices, blank=True)
    gas_class = models.CharField(_("瓦斯等级"), max_length=10, choices=GasClass.choices, blank=True)
    capacity_mtpa = models.DecimalField(_("核定产能（Mt/a）"), max_digits=8, decimal_places=3, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.OPERATING)
    commissioned_on = models.DateField(_("投产日期"), null=True, blank=True)
    retired_on = models.DateField(_("关闭日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("核算设施")
        verbose_name_plural = _("核算设施")
        ordering = ["unit__path"]
        constraints = [models.CheckConstraint(condition=models.Q(capacity_mtpa__gte=0) | models.Q(capacity_mtpa__isnull=True),
                                              name="carbon_facility_capacity_nonneg")]

    def __str__(self) -> str:
        return self.unit.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.capacity_mtpa is not None and self.capacity_mtpa < 0:
            errors["capacity_mtpa"] = _("核定产能不能为负数")
        if self.kind == FacilityKind.MINE and not self.mining_method:
            errors["mining_method"] = _("煤矿须填写开采方式（井工或露天）")
        if self.kind != FacilityKind.MINE and self.mining_method:
            errors["mining_method"] = _("只有煤矿有开采方式")
        if self.gas_class and not (self.kind == FacilityKind.MINE and self.mining_method == MiningMethod.UNDERGROUND):
            errors["gas_class"] = _("瓦斯等级只适用于井工煤矿")
        if self.status == FacilityStatus.RETIRED and not self.retired_on:
            errors["retired_on"] = _("已关闭的设施须填写关闭日期")
        elif self.status == FacilityStatus.OPERATING and self.retired_on:
            errors["retired_on"] = _("在产设施不能有关闭日期：已关闭请把状态改为“已关闭/淘汰”")
        elif self.retired_on and self.commissioned_on and self.retired_on <= self.commissioned_on:
            errors["retired_on"] = _("关闭日期须晚于投产日期")
        if errors:
            raise ValidationError(errors)


class Source(models.Model):
    """An emission source of a facility, by formula code and (for combustion) fuel."""

    facility = models.ForeignKey(Facility, verbose_name=_("设施"), on_delete=models.CASCADE, related_name="sources")
    code = models.CharField(_("排放源类别"), max_length=30, choices=SourceCode.choices)
    fuel = models.CharField(_("燃料品种"), max_length=30, blank=True)
    name = models.CharField(_("名称"), max_length=80, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("排放源")
        verbose_name_plural = _("排放源")
        constraints = [models.UniqueConstraint(fields=["facility", "code", "fuel"], name="carbon_source_unique")]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.fuel}".strip()


class FactorSet(models.Model):
    """A versioned set of default factors with its source and effective period."""

    version = models.CharField(_("版本"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    source = models.TextField(_("来源"), blank=True)
    effective_from = models.DateField(_("生效起"))
    effective_to = models.DateField(_("生效止"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据（待核实）"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("因子集")
        verbose_name_plural = _("因子集")
        ordering = ["-effective_from", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


class Factor(models.Model):
    factor_set = models.ForeignKey(FactorSet, on_delete=models.CASCADE, related_name="factors", verbose_name=_("因子集"))
    code = models.CharField(_("因子代码"), max_length=40)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=8)
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    to_verify = models.BooleanField(_("待核实"), default=False)

    class Meta:
        verbose_name = _("排放因子")
        verbose_name_plural = _("排放因子")
        constraints = [models.UniqueConstraint(fields=["factor_set", "code"], name="carbon_factor_unique")]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class MeasuredFactor(models.Model):
    """A facility's measured factor (a lab's coal analysis…) overriding the default for its months."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="measured_factors", verbose_name=_("设施"))
    code = models.CharField(_("因子代码"), max_length=40)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=8)
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    month_from = models.DateField(_("适用起始月"))
    month_to = models.DateField(_("适用截止月"))
    evidence = models.FileField(_("检测报告"), upload_to=evidence_path, max_length=200)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("实测因子")
        verbose_name_plural = _("实测因子")

    def clean(self) -> None:
        if self.month_to < self.month_from:
            raise ValidationError({"month_to": _("截止月不能早于起始月")})

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class ActivityRecord(models.Model):
    """One monthly figure of a facility (fuel used, output, gas volumes, electricity…)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="activity", verbose_name=_("设施"))
    month = models.DateField(_("月份"))  # the first day of the month
    quantity = models.CharField(_("项目"), max_length=30, choices=QUANTITY_CHOICES)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("单位"), max_length=20)
    tier = models.CharField(_("数据层级"), max_length=12, choices=Tier.choices, default=Tier.MEASURED)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    outlier = models.BooleanField(_("超出历史范围"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动水平数据")
        verbose_name_plural = _("活动水平数据")
        constraints = [
            models.UniqueConstraint(fields=["facility", "month", "quantity"], name="carbon_activity_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="carbon_activity_nonneg"),
        ]
        # the inventory reads one year of every facility (month range), the entry page one facility-month
        indexes = [models.Index(fields=["month", "facility"], name="carbon_act_month")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.month:%Y-%m} {self.quantity}={self.value}"


class InventoryRun(models.Model):
    """One computation of the group's inventory for a year: a version, never edited afterwards."""

    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本号"))
    gwp_set = models.CharField(_("GWP取值"), max_length=4, choices=GWP_CHOICES, default="SAR")
    count_unburnt_ch4 = models.BooleanField(_("计入火炬未燃尽CH4"), default=False)
    ccus_method = models.CharField(_("CCUS处理方法"), max_length=16, choices=CcusMethod.choices, default=CcusMethod.MEMO)
    job_id = models.UUIDField(_("后台任务"), null=True, blank=True, unique=True, editable=False)
    factor_versions = models.JSONField(_("所用因子版本"), default=list)
    totals = models.JSONField(_("合计"), default=dict)
    reason = models.CharField(_("重算原因"), max_length=200, blank=True)
    locked = models.BooleanField(_("已锁定"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("计算人"))
    created_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("核算版本")
        verbose_name_plural = _("核算版本")
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="carbon_run_unique")]
        ordering = ["-year", "-version"]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class InventoryResult(models.Model):
    """One formula's result of one facility-month in a run. Written only by
    services.inventory_recompute, 30,000 at a time, into a run it has just created, from facilities it
    has just read; the foreign keys are therefore not database constraints (on PostgreSQL their
    deferred checks at commit were 0.9 s of a 2.2 s recomputation). The ORM still cascades and
    protects (a facility with results cannot be deleted; deleting a run deletes its results)."""

    run = models.ForeignKey(InventoryRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("核算版本"),
                            db_constraint=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("设施"),
                                 db_constraint=False)
    month = models.DateField(_("月份"))
    code = models.CharField(_("公式"), max_length=30)
    gas = models.CharField(_("气体"), max_length=4)
    scope = models.PositiveSmallIntegerField(_("范围"))
    tonnes = models.DecimalField(_("排放量（t）"), max_digits=20, decimal_places=6)
    co2e = models.DecimalField(_("排放量（t CO2e）"), max_digits=20, decimal_places=6)
    explanation = models.JSONField(_("计算说明"), default=dict)

    class Meta:
        verbose_name = _("核算结果")
        verbose_name_plural = _("核算结果")
        indexes = [models.Index(fields=["run", "facility", "month"], name="carbon_res_run")]

    def __str__(self) -> str:
        return f"{self.code} {self.month:%Y-%m} {self.co2e}"


class CcusProject(models.Model):
    """A CO2 capture project (e.g. 云冈热电 3、4号机组 demonstration line): a memo item."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="ccus_projects", verbose_name=_("设施"))
    name = models.CharField(_("项目名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    product = models.CharField(_("利用产品"), max_length=60, blank=True)
    design_capacity_t = models.DecimalField(_("设计捕集能力（t/a）"), max_digits=14, decimal_places=3, null=True, blank=True)
    deduct_from_inventory = models.BooleanField(
        _("按所选方法学从排放中扣减"), default=False,
        help_text=_("默认作为备忘项列示，不从排放量中扣减"),
    )
    started_on = models.DateField(_("投运日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("CCUS项目")
        verbose_name_plural = _("CCUS项目")

    def __str__(self) -> str:
        return self.name


class CcusMonth(models.Model):
    project = models.ForeignKey(CcusProject, on_delete=models.CASCADE, related_name="months", verbose_name=_("项目"))
    month = models.DateField(_("月份"))
    captured = models.DecimalField(_("捕集量（t）"), max_digits=14, decimal_places=3)
    utilized = models.DecimalField(_("利用量（t）"), max_digits=14, decimal_places=3, default=0)
    stored = models.DecimalField(_("封存量（t）"), max_digits=14, decimal_places=3, default=0)
    released = models.DecimalField(_("释放量（t）"), max_digits=14, decimal_places=3, default=0)
    in_stock = models.DecimalField(_("库存量（t）"), max_digits=14, decimal_places=3, default=0)
    product_output = models.CharField(_("产品产出"), max_length=100, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))

    class Meta:
        verbose_name = _("CCUS月度数据")
        verbose_name_plural = _("CCUS月度数据")
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="carbon_ccus_month_unique")]
        ordering = ["month"]

    def balance_gap(self) -> Decimal:
        return self.captured - (self.utilized + self.stored + self.released + self.in_stock)

    def clean(self) -> None:
        for name in ("captured", "utilized", "stored", "released", "in_stock"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise ValidationError({name: _("不能为负数")})
        if self.balance_gap() != 0:
            raise ValidationError({"captured": _("利用＋封存＋释放＋库存须等于捕集量（差%(gap)s t）") % {"gap": self.balance_gap()}})

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class Target(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.CharField(_("指标"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=6)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("设定人"))

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "indicator"], name="carbon_target_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} = {self.value}"


class Verifier(models.Model):
    """A module-specific post (核查员): may record findings and verify reports of a unit's subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("人员"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    organization = models.CharField(_("核查机构"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("核查员")
        verbose_name_plural = _("核查员")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="carbon_verifier_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.unit_id}"


class Report(models.Model):
    """The annual report of a reporting entity on one inventory run. A verified report is locked;
    a later correction is a new version (``previous``), never an edit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entity = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("报告主体"))
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本号"), default=1)
    state = models.CharField(_("状态"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT)
    run = models.ForeignKey(InventoryRun, on_delete=models.PROTECT, related_name="reports", verbose_name=_("核算版本"))
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("上一版本"))
    uncertainty_notes = models.TextField(_("不确定性说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("编制人"))
    created_at = models.DateTimeField(_("编制时间"), default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("核查人"))
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度排放报告")
        verbose_name_plural = _("年度排放报告")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "version"], name="carbon_report_unique")]
        ordering = ["-year", "entity_id", "-version"]

    def __str__(self) -> str:
        return f"{self.entity.name} {self.year} v{self.version}"

    @property
    def locked(self) -> bool:
        return self.state == ReportState.VERIFIED


class ReportFinding(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="findings", verbose_name=_("报告"))
    text = models.TextField(_("核查发现"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人"))
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    response = models.TextField(_("整改说明"), blank=True)
    resolved_at = models.DateTimeField(_("整改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("核查发现")
        verbose_name_plural = _("核查发现")
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Scenario(models.Model):
    """A saved what-if run on the same engine: its parameters and the figures it produced."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("情景名称"), max_length=100)
    scope_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("范围单位"))
    year = models.PositiveSmallIntegerField(_("基准年度"))
    params = models.JSONField(_("参数"), default=dict)
    outcome = models.JSONField(_("结果"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("情景")
        verbose_name_plural = _("情景")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
