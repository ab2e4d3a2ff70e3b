"""Legacy ledgers (台账) imported into the petition core.

A ``LedgerSource`` is one kind of ledger a unit keeps (its column headers, date formats and
wording); its mapping is saved and reused for every file of that source. A ``LedgerUpload``
is one file; each dry run or import of it is a ``LedgerRun`` carried by a background job.
``ImportedRow`` remembers which ledger row became which petition: the key (source + legacy
number, or a hash of the row when the ledger has no numbers) makes a re-import idempotent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundJob
from orgs.models import Unit
from petitions.models import Petition

USER = settings.AUTH_USER_MODEL


class LedgerSource(models.Model):
    """A kind of ledger kept by a unit, with the column mapping used for its files."""

    name = models.CharField(_("台账名称"), max_length=100, unique=True)
    # The unit that kept the ledger: the default receiving unit of its rows, and the scope of
    # the import (every row's unit must lie in this unit's subtree).
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+")
    # Our field → their column header, e.g. {"received": "登记日期", "content": "反映问题"}.
    mapping = models.JSONField(_("列对应关系"), default=dict, blank=True)
    # One value for the whole file where the ledger has no column, e.g. {"channel": "letter"}.
    fixed = models.JSONField(_("统一取值"), default=dict, blank=True)
    # Date layouts accepted in this ledger (codes of ledger.fields.DATE_LAYOUTS).
    date_formats = models.JSONField(_("日期格式"), default=list, blank=True)
    # The ledger's own wording for coded values, e.g. {"category": {"工资问题": "wages"}}.
    aliases = models.JSONField(_("用语对照"), default=dict, blank=True)
    # The ledger has no acceptance date: matters were accepted on the day they were received.
    accept_on_receipt = models.BooleanField(_("无受理日期时以收到日期为受理日期"), default=False)
    created_by = models.ForeignKey(USER, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("台账来源")
        verbose_name_plural = _("台账来源")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def upload_path(instance: LedgerUpload, filename: str) -> str:
    return f"ledger/{instance.public_id.hex}"


class LedgerUpload(models.Model):
    """One uploaded ledger file, its sheet and header row, and the headers read from it."""

    class Kind(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    public_id = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(LedgerSource, verbose_name=_("台账来源"), on_delete=models.PROTECT, related_name="uploads")
    created_by = models.ForeignKey(USER, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Encrypted at rest (core.crypto: the ledger holds names and phone numbers); deleted after
    # a completed import, blank from then on.
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(_("格式"), max_length=8, choices=Kind.choices)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    sheets = models.JSONField(_("工作表"), default=list, blank=True)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), default=1)
    headers = models.JSONField(_("表头"), default=list)
    # Non-blank rows below the header (the whole file is read at upload).
    data_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    # The first rows shown on the mapping page (JSON, encrypted: they hold personal data).
    preview_enc = models.TextField(_("前几行（密文）"), blank=True)

    class Meta:
        verbose_name = _("台账文件")
        verbose_name_plural = _("台账文件")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="ledger_upload_owner_idx")]

    def __str__(self) -> str:
        return self.original_name


class LedgerRun(models.Model):
    """A dry run or an import of one upload; progress and counts live on its job."""

    upload = models.ForeignKey(LedgerUpload, verbose_name=_("台账文件"), on_delete=models.CASCADE, related_name="runs")
    job = models.OneToOneField(BackgroundJob, verbose_name=_("后台任务"), on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(_("试导入"), default=False)
    # The mapping in force for this run (the source's mapping may change later).
    settings = models.JSONField(_("映射"), default=dict)
    # The failing rows with their reasons (.xlsx, encrypted like the ledger itself).
    report = models.FileField(_("错误报告"), upload_to="ledger/reports/", max_length=200, blank=True)
    report_name = models.CharField(_("错误报告文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.upload} ({'dry' if self.dry_run else 'import'})"


class ImportedRow(models.Model):
    """A ledger row that became a petition. Unique per source and key: a row imported twice
    is one petition."""

    source = models.ForeignKey(LedgerSource, on_delete=models.PROTECT, related_name="rows")
    # "n:<legacy number, normalised>" or "h:<sha256 of the row's received date, name, content>".
    row_key = models.CharField(max_length=200)
    # SHA-256 of every imported value: the same key with other content is reported, not applied.
    row_hash = models.CharField(max_length=64)
    legacy_number = models.CharField(_("原编号"), max_length=100, blank=True)
    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="ledger_row")
    run = models.ForeignKey(LedgerRun, on_delete=models.PROTECT, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    imported_at = models.DateTimeField(_("导入时间"))

    class Meta:
        verbose_name = _("已导入的台账行")
        verbose_name_plural = _("已导入的台账行")
        constraints = [models.UniqueConstraint(fields=["source", "row_key"], name="ledger_row_key_uniq")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.row_key}"
