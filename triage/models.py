"""Triage records: suggestions and what officers made of them, the editable screening rules
and sensitive periods, the repeat/similarity index (MinHash signatures, LSH band keys), the
search documents, and the registry of model artifacts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.choices import Category, Flag, PetitionType, RiskLevel
from petitions.models import Petition
from tongxin.lib.zhtext.rules import check_rule_data

USER = settings.AUTH_USER_MODEL


class ModelArtifact(models.Model):
    """A trained category/type model: a gzip JSON file, checked by its SHA-256 when loaded."""

    version = models.CharField(_("版本"), max_length=40, unique=True)
    path = models.CharField(_("文件"), max_length=300)
    sha256 = models.CharField(max_length=64)
    trained_at = models.DateTimeField(_("训练时间"))
    trained_on = models.JSONField(_("训练数据"), default=dict)
    metrics = models.JSONField(_("评估结果"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=False)

    class Meta:
        verbose_name = _("研判模型")
        verbose_name_plural = _("研判模型")
        ordering = ["-trained_at"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="triage_one_active_model")]

    def __str__(self) -> str:
        return self.version


class RiskRule(models.Model):
    """A screening rule as data (see tongxin.lib.zhtext.rules); administrators edit and test it."""

    class Kind(models.TextChoices):
        RISK = "risk", _("风险")
        LITIGATION = "litigation", _("诉讼仲裁")
        IDENTITY = "identity", _("涉及检举干部")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.RISK)
    flag = models.CharField(_("标记"), max_length=20, choices=Flag.choices, blank=True)
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    patterns = models.JSONField(_("触发短语（正则）"), default=list)
    exclude = models.JSONField(_("排除短语（易混词）"), default=list, blank=True)
    negatable = models.BooleanField(_("否定句不触发"), default=True)
    min_number = models.PositiveIntegerField(_("人数下限"), null=True, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("风险规则")
        verbose_name_plural = _("风险规则")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.label

    def as_data(self) -> dict:
        return {"code": self.code, "label": self.label, "kind": self.kind, "flag": self.flag, "level": self.level,
                "patterns": list(self.patterns or []), "exclude": list(self.exclude or []),
                "negatable": self.negatable, "min_number": self.min_number}

    def clean(self) -> None:
        if not isinstance(self.patterns, list) or not isinstance(self.exclude, list):
            raise ValidationError(_("触发短语和排除短语须为列表"))
        errors = check_rule_data(self.as_data())
        if errors:
            raise ValidationError(_("规则无效：%(errors)s") % {"errors": "；".join(errors)})


class SensitivePeriod(models.Model):
    """A sensitive period (敏感时期): medium risk inside it is raised to high."""

    name = models.CharField(_("名称"), max_length=60)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("敏感时期")
        verbose_name_plural = _("敏感时期")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="triage_period_order")]

    def __str__(self) -> str:
        return f"{self.name} {self.start}–{self.end}"


class MatterGroup(models.Model):
    """The same matter raised by different people: one collective matter."""

    first = models.ForeignKey(Petition, verbose_name=_("首件"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("同一事项组")
        verbose_name_plural = _("同一事项组")

    def __str__(self) -> str:
        return f"group {self.pk}"


class Triage(models.Model):
    """What triage made of a petition at registration (or at a retry)."""

    class Status(models.TextChoices):
        OK = "ok", _("已研判")
        FAILED = "failed", _("研判失败")

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="triage")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    error = models.TextField(_("错误"), blank=True)
    model_version = models.CharField(_("模型版本"), max_length=40, blank=True)
    category = models.CharField(_("建议分类"), max_length=32, choices=Category.choices, blank=True)
    category_confidence = models.FloatField(_("分类置信度"), default=0)
    ptype = models.CharField(_("建议性质"), max_length=20, choices=PetitionType.choices, blank=True)
    ptype_confidence = models.FloatField(_("性质置信度"), default=0)
    alternatives = models.JSONField(default=dict, blank=True)
    risk_level = models.CharField(_("研判风险"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    reasons = models.JSONField(_("研判依据"), default=list, blank=True)
    flags = models.JSONField(_("研判标记"), default=list, blank=True)
    repeat_of = models.ForeignKey(Petition, verbose_name=_("重复件原件"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    repeat_score = models.FloatField(default=0)
    prior_count = models.PositiveIntegerField(_("此前同一事项"), default=0)
    group = models.ForeignKey(MatterGroup, verbose_name=_("同一事项组"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="members")
    litigation = models.BooleanField(_("已进入法定途径"), default=False)
    identity_sensitive = models.BooleanField(_("涉及检举干部"), default=False)
    mentions = models.JSONField(_("涉及人员"), default=list, blank=True)
    elapsed_ms = models.FloatField(default=0)
    decided = models.BooleanField(_("已确认"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("研判结果")
        verbose_name_plural = _("研判结果")
        indexes = [models.Index(fields=["status", "-updated_at"], name="triage_status_idx")]

    def __str__(self) -> str:
        return f"triage {self.petition_id}"


class Feedback(models.Model):
    """An officer's confirmation or correction: the next training reads these."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("确认")
        CORRECT = "correct", _("更正")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    suggested_category = models.CharField(max_length=32, blank=True)
    suggested_ptype = models.CharField(max_length=20, blank=True)
    category = models.CharField(_("分类"), max_length=32, choices=Category.choices)
    ptype = models.CharField(_("性质"), max_length=20, choices=PetitionType.choices)
    model_version = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("研判确认")
        verbose_name_plural = _("研判确认")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.petition_id}"


class TriageDoc(models.Model):
    """The index entry of one petition: who raised it (a keyed hash), its MinHash signature and
    matter profile, and its search document (character bigrams as ASCII tokens)."""

    petition = models.OneToOneField(Petition, primary_key=True, on_delete=models.CASCADE, related_name="+")
    person_key = models.CharField(max_length=32, blank=True, db_index=True)
    unit = models.ForeignKey("orgs.Unit", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    received_at = models.DateTimeField()
    text_hash = models.CharField(max_length=32)
    signature = models.BinaryField()
    profile = models.JSONField(default=dict)
    grams = models.TextField(blank=True)

    class Meta:
        verbose_name = _("研判索引")

    def __str__(self) -> str:
        return f"doc {self.petition_id}"


class LshBand(models.Model):
    """One LSH band key of a petition's signature (16 per petition)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.BigIntegerField()

    class Meta:
        verbose_name = _("相似索引")
        indexes = [models.Index(fields=["key", "petition"], name="triage_band_key_idx"),
                   models.Index(fields=["petition"], name="triage_band_petition_idx")]

    def __str__(self) -> str:
        return f"{self.key}:{self.petition_id}"
