"""Pages of the ledger import: upload, column mapping, runs with their progress, the error
report, and the petitions an upload created.

Thin: who may import comes from ledger.services (desk roles in the source unit's line), every
write is a service call, the petitions shown come through petitions.selectors.visible_to.
Uploads, runs and reports are their uploader's only (the files hold personal data): anyone
else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from ledger import services
from ledger.fields import CODE_LABELS
from ledger.forms import MappingForm, UploadForm
from ledger.models import ImportedRow, LedgerRun, LedgerUpload
from petitions.selectors import visible_to

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forbidden(request: HttpRequest) -> HttpResponse:
    message = _("台账导入供信访干事、单位负责人和系统管理员使用。")
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def _own_upload(request: HttpRequest, public_id) -> LedgerUpload:
    upload = get_object_or_404(services.uploads_for(request.user), public_id=public_id)
    if not services.may_use(request.user, upload.source):
        raise Http404
    return upload


def _own_run(request: HttpRequest, job_id) -> LedgerRun:
    return get_object_or_404(
        LedgerRun.objects.select_related("job", "upload"), job__public_id=job_id, job__owner=request.user,
        upload__created_by=request.user,
    )


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """The list of one's uploads and the upload form."""
    user = request.user
    if not services.may_import(user):
        return _forbidden(request)
    sources = services.sources_for(user)
    form = UploadForm(request.POST or None, request.FILES or None, sources=sources,
                      units=services.import_units(user).filter(is_active=True))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                source = data["source"] or services.source_create(user=user, name=data["new_name"],
                                                                  unit=data["new_unit"])
                upload = services.upload_create(user=user, source=source, uploaded=data["file"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("已读取“%(name)s”：%(rows)s行数据。请核对列的对应关系。") % {
                    "name": upload.original_name, "rows": upload.data_rows})
                return redirect("ledger:mapping", public_id=upload.public_id)
        else:
            status = 400
    uploads = Paginator(services.uploads_for(user).prefetch_related("runs__job"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "ledger/imports.html", {"form": form, "uploads": uploads, "sources": sources},
                  status=status)


@login_required
def mapping(request: HttpRequest, public_id) -> HttpResponse:
    """Which column holds which field; saved on the source for its next files."""
    upload = _own_upload(request, public_id)
    if not upload.file:
        messages.info(request, _("这个文件已经导入，原文件已删除。如需再次导入，请重新上传。"))
        return redirect("ledger:upload", public_id=upload.public_id)
    form = MappingForm(request.POST or None, upload=upload)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        wanted_sheet = request.POST.get("sheet", upload.sheet) if upload.kind == "xlsx" else ""
        try:
            wanted_row = int(request.POST.get("header_row", upload.header_row))
        except (TypeError, ValueError):
            wanted_row = upload.header_row
        if action == "reload" or wanted_sheet != upload.sheet or wanted_row != upload.header_row:
            try:
                services.upload_relayout(upload=upload, sheet=wanted_sheet, header_row=max(wanted_row, 1))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.info(request, _("已按第%(row)s行重新读取表头，请核对列的对应关系。") % {"row": upload.header_row})
            return redirect("ledger:mapping", public_id=upload.public_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.mapping_save(
                    source=upload.source, user=request.user, mapping=data["mapping"], fixed=data["fixed"],
                    date_formats=data["date_formats"], aliases=data["alias_table"],
                    accept_on_receipt=data["accept_on_receipt"],
                )
                services.run_start(upload=upload, user=request.user, dry_run=action != "import")
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("ledger:upload", public_id=upload.public_id)
        else:
            status = 400
    context = {"upload": upload, "form": form, "preview": services.upload_preview(upload)}
    return render(request, "ledger/mapping.html", context, status=status)


@login_required
@require_POST
def run(request: HttpRequest, public_id) -> HttpResponse:
    """Import (or dry-run again) with the mapping saved on the source."""
    upload = _own_upload(request, public_id)
    try:
        services.run_start(upload=upload, user=request.user, dry_run=request.POST.get("dry_run") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("ledger:upload", public_id=upload.public_id)


def _run_context(run: LedgerRun) -> dict:
    result = run.job.result or {}
    states = [(CODE_LABELS["state"].get(k, k), v) for k, v in (result.get("states") or {}).items()]
    return {"run": run, "job": run.job, "result": result, "states": states}


@login_required
def upload_detail(request: HttpRequest, public_id) -> HttpResponse:
    upload = _own_upload(request, public_id)
    runs = list(upload.runs.select_related("job").order_by("-created_at"))
    rows = (
        ImportedRow.objects.filter(run__upload=upload, petition__in=visible_to(request.user))
        .select_related("petition", "petition__unit")
        .order_by("row_number")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    last = runs[0] if runs else None
    context = {
        "upload": upload,
        "runs": [_run_context(r) for r in runs],
        "page": page,
        "may_import": bool(upload.file) and last is not None and last.dry_run and last.job.status == "done",
    }
    return render(request, "ledger/upload.html", context)


@login_required
@require_GET
def run_status(request: HttpRequest, job_id) -> HttpResponse:
    """One run's progress and counts (polled by htmx while it runs)."""
    return render(request, "ledger/_run.html", _run_context(_own_run(request, job_id)))


@login_required
@require_GET
def report(request: HttpRequest, job_id) -> HttpResponse:
    run = _own_run(request, job_id)
    if not run.report:
        raise Http404("没有错误报告")
    response = HttpResponse(services.report_content(run), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, run.report_name or "错误说明.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
