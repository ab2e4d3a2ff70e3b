"""Services of the ledger import: who may import where, sources and their mapping, uploads,
dry runs and imports (run in the background through core.jobs), the error report.

Files are kept encrypted at rest (core.crypto's key): a ledger holds names, phone numbers and
ID numbers. The uploaded file is deleted once it has been imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.crypto import decrypt, encrypt, fernet
from core.errors import InvalidInput, NotAllowed
from core.jobs import JobContext, JobOutput, register_job
from core.models import BackgroundJob
from ledger.fields import CODE_LABELS, CODED_FIELDS, DATE_LAYOUTS, FIELD_BY_KEY
from ledger.importer import Plan, Summary, import_rows, settings_of
from ledger.models import LedgerRun, LedgerSource, LedgerUpload
from ledger.reading import LedgerFileError, open_ledger, read_layout
from ledger.report import XlsxReport
from orgs.models import Unit, User
from petitions.rules import DESK_ROLES

JOB_KIND = "ledger.import"


def max_upload_bytes() -> int:
    return int(getattr(settings, "LEDGER_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))


# --- scope -------------------------------------------------------------------------------------


def import_units(user: User) -> QuerySet[Unit]:
    """Units whose ledgers ``user`` may import: the subtrees where they hold a desk role
    (信访干事, 单位负责人, 系统管理员)."""
    if user.is_superuser:
        return Unit.objects.all()
    units = user.units_with(*DESK_ROLES)
    return Unit.objects.subtrees_of(units) if units else Unit.objects.none()


def may_import(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user.units_with(*DESK_ROLES)))


def may_use(user: User, source: LedgerSource) -> bool:
    return user.is_superuser or any(source.unit.is_within(u) for u in user.units_with(*DESK_ROLES))


def sources_for(user: User) -> QuerySet[LedgerSource]:
    return LedgerSource.objects.filter(unit__in=import_units(user)).select_related("unit")


def uploads_for(user: User) -> QuerySet[LedgerUpload]:
    """A clerk's own uploads (the files and reports hold personal data: owner only)."""
    return LedgerUpload.objects.filter(created_by=user).select_related("source", "source__unit")


# --- sources -----------------------------------------------------------------------------------


@transaction.atomic
def source_create(*, user: User, name: str, unit: Unit) -> LedgerSource:
    name = " ".join(name.split())
    if not (2 <= len(name) <= 100):
        raise InvalidInput("invalid_name", "台账名称须为2至100个字")
    if not may_use(user, LedgerSource(unit=unit)):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访工作人员，不能导入它的台账")
    if LedgerSource.objects.filter(name=name).exists():
        raise InvalidInput("duplicate_name", f"已有名为“{name}”的台账来源，请直接选用")
    source = LedgerSource.objects.create(name=name, unit=unit, created_by=user)
    audit_record(actor=user, action="ledger.source_create", target=source, data={"unit": unit.code})
    return source


@transaction.atomic
def mapping_save(
    *, source: LedgerSource, user: User, mapping: dict[str, str], fixed: dict[str, str], date_formats: list[str],
    aliases: dict[str, dict[str, str]], accept_on_receipt: bool,
) -> LedgerSource:
    """Save the mapping for this source (reused for its next files)."""
    if not may_use(user, source):
        raise NotAllowed("not_allowed", "您不能修改这个台账来源")
    mapping = {k: v for k, v in mapping.items() if k in FIELD_BY_KEY and v}
    fixed = {k: v for k, v in fixed.items() if k in CODED_FIELDS and v in CODE_LABELS[k]}
    both = [FIELD_BY_KEY[k].label for k in fixed if k in mapping]
    if both:
        raise InvalidInput("column_and_fixed", f"{'、'.join(both)}：已选择了列，就不要再指定统一取值")
    date_formats = [d for d in date_formats if d in DATE_LAYOUTS]
    if not date_formats:
        raise InvalidInput("no_date_format", "请至少选择一种日期格式")
    if "mdy" in date_formats and "dmy" in date_formats:
        raise InvalidInput("ambiguous_dates", "“月/日/年”和“日/月/年”不能同时选择：03/05/2021无法判断是哪一天")
    for field, table in aliases.items():
        for word, code in table.items():
            if field not in CODED_FIELDS or code not in CODE_LABELS[field]:
                raise InvalidInput("invalid_alias", f"用语对照“{word}”指向的取值无效")
    before = settings_of(source)
    source.mapping, source.fixed, source.date_formats = mapping, fixed, date_formats
    source.aliases, source.accept_on_receipt = aliases, accept_on_receipt
    source.save()
    after = settings_of(source)
    if after != before:
        audit_record(actor=user, action="ledger.mapping_save", target=source, data={"before": before, "after": after})
    return source


# --- files -------------------------------------------------------------------------------------


def _seal(data: bytes) -> bytes:
    return fernet().encrypt(data)


def _unseal(data: bytes) -> bytes:
    return fernet().decrypt(data)


@contextlib.contextmanager
def _plain_copy(field_file) -> Iterator[Path]:
    """The decrypted file in a temporary place, removed afterwards."""
    with field_file.open("rb") as fh:
        sealed = fh.read()
    with tempfile.NamedTemporaryFile(prefix="ledger-", suffix=".bin") as tmp:
        tmp.write(_unseal(sealed))
        tmp.flush()
        yield Path(tmp.name)


def upload_create(*, user: User, source: LedgerSource, uploaded) -> LedgerUpload:
    """Read the uploaded file once (format, encoding, sheets, header row, headers, row count,
    limits); keep it, encrypted, only when it is a readable ledger."""
    if not may_use(user, source):
        raise NotAllowed("not_allowed", "您不能导入这个台账来源")
    limit = max_upload_bytes()
    if uploaded.size > limit:
        raise InvalidInput("too_large", f"文件超过{limit // (1024 * 1024)}MB，请拆分后再上传")
    if uploaded.size == 0:
        raise InvalidInput("empty", "文件是空的")
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(prefix="ledger-up-", suffix=".bin") as tmp:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            tmp.write(chunk)
        tmp.flush()
        path = Path(tmp.name)
        try:
            with open_ledger(path) as ledger:
                layout = read_layout(ledger)
                kind, encoding, sheets = ledger.kind, ledger.encoding, [s.name for s in ledger.sheets]
        except LedgerFileError as exc:
            raise InvalidInput("unreadable", exc.message) from None
        sealed = _seal(path.read_bytes())
    upload = LedgerUpload(
        source=source, created_by=user, original_name=Path(uploaded.name or "ledger").name[:200], size=uploaded.size,
        sha256=digest.hexdigest(), kind=kind, encoding=encoding, sheets=sheets, sheet=layout.sheet,
        header_row=layout.header_row, headers=layout.headers, data_rows=layout.data_rows,
        preview_enc=encrypt(json.dumps(layout.preview, ensure_ascii=False)),
    )
    upload.file.save(upload.public_id.hex, ContentFile(sealed), save=False)
    upload.save()
    return upload


def upload_preview(upload: LedgerUpload) -> list[list[str]]:
    return json.loads(decrypt(upload.preview_enc)) if upload.preview_enc else []


def upload_relayout(*, upload: LedgerUpload, sheet: str, header_row: int | None) -> LedgerUpload:
    """Read the headers again from another sheet or header row."""
    if not upload.file:
        raise InvalidInput("file_gone", "文件已导入并删除，请重新上传")
    with _plain_copy(upload.file) as path:
        try:
            with open_ledger(path) as ledger:
                layout = read_layout(ledger, sheet=sheet, header_row=header_row)
        except LedgerFileError as exc:
            raise InvalidInput("unreadable", exc.message) from None
    upload.sheet, upload.header_row, upload.headers = layout.sheet, layout.header_row, layout.headers
    upload.data_rows = layout.data_rows
    upload.preview_enc = encrypt(json.dumps(layout.preview, ensure_ascii=False))
    upload.save(update_fields=["sheet", "header_row", "headers", "data_rows", "preview_enc"])
    return upload


# --- runs --------------------------------------------------------------------------------------


def run_start(*, upload: LedgerUpload, user: User, dry_run: bool, queue: bool = True) -> LedgerRun:
    """Start a dry run or an import of ``upload`` with its source's current mapping.

    The job runs after the commit (Celery in production, in-process in the embedded default);
    ``queue=False`` leaves it to the caller (``core.jobs.job_run``)."""
    if upload.created_by_id != user.pk or not may_use(user, upload.source):
        raise NotAllowed("not_allowed", "只有上传人可以导入这个文件")
    if not upload.file:
        raise InvalidInput("file_gone", "文件已导入并删除，请重新上传")
    if LedgerRun.objects.filter(upload=upload, job__status__in=[BackgroundJob.Status.QUEUED,
                                                                BackgroundJob.Status.RUNNING]).exists():
        raise InvalidInput("busy", "这个文件正在导入，请等待完成")
    run_settings = settings_of(upload.source)
    missing = Plan.build(run_settings, upload.headers).missing()
    if missing:
        raise InvalidInput("mapping_incomplete", f"请为以下项目选择对应的列或统一取值：{'、'.join(missing)}")
    title = f"{'试导入' if dry_run else '导入'}台账：{upload.original_name}"
    with transaction.atomic():
        if queue:
            from core.jobs import job_start

            job = job_start(kind=JOB_KIND, title=title, owner=user, params={"upload": str(upload.public_id)})
        else:
            job = BackgroundJob.objects.create(public_id=uuid.uuid4(), kind=JOB_KIND, title=title[:200], owner=user,
                                               params={"upload": str(upload.public_id)})
        job.total = upload.data_rows
        job.save(update_fields=["total"])
        run = LedgerRun.objects.create(upload=upload, job=job, dry_run=dry_run, settings=run_settings)
    return run


def run_import(run: LedgerRun, *, progress=None) -> Summary:
    """The body of the background job: read, validate, import (or not), write the report."""
    upload = run.upload
    source = upload.source
    user = run.job.owner
    user.forget_roles()
    if not may_use(user, source):
        raise PermissionError(f"{user.name}已无权导入{source.unit.name}的台账")
    if not upload.file:
        raise RuntimeError("文件已导入并删除，请重新上传")
    report = XlsxReport(upload.headers, title=f"台账“{upload.original_name}”（来源：{source.name}）的错误说明")
    with _plain_copy(upload.file) as path:
        try:
            with open_ledger(path) as ledger:
                summary = import_rows(
                    ledger=ledger, sheet=upload.sheet, header_row=upload.header_row, headers=upload.headers,
                    source=source, settings=run.settings, run=run, dry_run=run.dry_run, reporter=report,
                    progress=progress, total=upload.data_rows,
                )
        except LedgerFileError as exc:
            raise RuntimeError(exc.message) from None
    if report.count:
        content = report.content([summary.message(), f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}"])
        run.report.save(uuid.uuid4().hex, ContentFile(_seal(content)), save=False)
        run.report_name = f"{Path(upload.original_name).stem}-错误说明.xlsx"
        run.save(update_fields=["report", "report_name"])
    audit_record(
        actor=user, action="ledger.dry_run" if run.dry_run else "ledger.import", target=upload,
        data={"source": source.name, "sha256": upload.sha256, "run": run.pk, **summary.as_dict()},
    )
    if not run.dry_run:
        upload.file.delete(save=True)  # imported: the ledger's personal data is now in the petitions
    return summary


@register_job(JOB_KIND)
def _ledger_job(ctx: JobContext) -> JobOutput:
    run = LedgerRun.objects.select_related("upload", "upload__source", "upload__source__unit", "job__owner").get(
        job=ctx.job
    )
    summary = run_import(run, progress=ctx.progress)
    ctx.progress(summary.rows, summary.rows, message=summary.message())
    return JobOutput(summary=summary.as_dict())


def report_content(run: LedgerRun) -> bytes:
    with run.report.open("rb") as fh:
        return _unseal(fh.read())


def import_file(
    *, path: Path | str, source: LedgerSource, user: User, dry_run: bool = False, name: str | None = None,
) -> LedgerRun:
    """Upload and run synchronously (tests, benchmarks, the KPI engine's fixtures)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.jobs import job_run

    path = Path(path)
    uploaded = SimpleUploadedFile(name or path.name, path.read_bytes())
    upload = upload_create(user=user, source=source, uploaded=uploaded)
    run = run_start(upload=upload, user=user, dry_run=dry_run, queue=False)
    job_run(run.job.pk)
    run.refresh_from_db()
    run.job.refresh_from_db()
    return run
