"""Screening-ledger pages: the ledger with completeness of the month, an entry, export."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record
from engagement import screening
from engagement.choices import ScreeningStatus
from engagement.forms import EntryForm, EntryUpdateForm, RoundForm
from engagement.scoping import screening_visible_to, staff_anywhere, staff_people, staff_units
from engagement.views.common import form_errors, run
from orgs.models import User
from petitions.selectors import visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request: HttpRequest) -> date:
    try:
        return date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


def _entry_form(user: User, data=None) -> EntryForm:
    form = EntryForm(data)
    form.fields["unit"].set_units(staff_units(user))
    form.fields["responsible"].queryset = staff_people(user)
    return form


def _round_form(user: User, data=None) -> RoundForm:
    form = RoundForm(data)
    form.fields["unit"].set_units(staff_units(user).filter(kind__in=screening.SCREENING_KINDS))
    return form


def _filtered(request: HttpRequest, month: date):
    entries = screening_visible_to(request.user).select_related("unit", "responsible")
    if request.GET.get("all") != "1":
        entries = entries.filter(round__month=month)
    status = request.GET.get("status", "")
    if status in ScreeningStatus.values:
        entries = entries.filter(status=status)
    return entries


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    month = _month(request)
    entries = _filtered(request, month)
    if not (staff_anywhere(user) or entries.exists()):
        raise Http404("no ledger")
    staff = staff_anywhere(user)
    return render(request, "engagement/screening.html", {
        "month": month, "entries": entries.order_by("unit__path", "-created_at")[:200],
        "completeness": screening.completeness(user, month) if staff else [],
        "entry_form": _entry_form(user) if staff else None,
        "round_form": _round_form(user) if staff else None,
        "statuses": ScreeningStatus.choices, "status": request.GET.get("status", ""),
    })


@login_required
@require_POST
def entry_create(request: HttpRequest) -> HttpResponse:
    form = _entry_form(request.user, request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("engagement:screening")
    d = form.cleaned_data
    _r, response = run(request, screening.entry_create, _("已登记到排查台账。"), reverse("engagement:screening"),
                       unit=d["unit"], dispute=d["dispute"], source=d["source"], source_note=d["source_note"],
                       people=d["people"], people_count=d["people_count"], risk_level=d["risk_level"],
                       measures=d["measures"], responsible=d["responsible"], acting_user=request.user)
    return response


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    e = get_object_or_404(screening_visible_to(request.user).select_related("unit", "responsible", "created_by"), pk=pk)
    form = EntryUpdateForm(request.POST or None, initial={"status": e.status, "measures": e.measures})
    if request.method == "POST":
        if form.is_valid():
            numbers = form.cleaned_data["petition_numbers"].split()
            petitions = list(visible_to(request.user).filter(number__in=numbers)) if numbers else []
            if len(petitions) != len(set(numbers)):
                form.add_error("petition_numbers", _("有信访编号不存在或您无权查看"))
            else:
                _r, response = run(request, screening.entry_update, _("已更新。"), request.path, entry=e,
                                   acting_user=request.user, status=form.cleaned_data["status"],
                                   measures=form.cleaned_data["measures"], petitions=petitions)
                return response
        form_errors(request, form)
    return render(request, "engagement/screening_entry.html", {
        "e": e, "form": form, "petitions": visible_to(request.user).filter(pk__in=e.petitions.values("pk")),
    })


@login_required
@require_POST
def round_complete(request: HttpRequest) -> HttpResponse:
    form = _round_form(request.user, request.POST)
    month = _month(request)
    back = f"{reverse('engagement:screening')}?month={month:%Y-%m}"
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, screening.round_complete, _("本月排查已完成。"), back, unit=form.cleaned_data["unit"],
                       month=month, acting_user=request.user, note=form.cleaned_data["note"])
    return response


@login_required
def export(request: HttpRequest) -> HttpResponse:
    if not staff_anywhere(request.user):
        raise Http404("staff only")
    month = _month(request)
    entries = _filtered(request, month)
    title = f"不稳定因素排查台账（{month:%Y年%m月}）" if request.GET.get("all") != "1" else "不稳定因素排查台账"
    content = screening.export_xlsx(entries, title)
    audit_record(actor=request.user, action="engagement.screening.export", target=None,
                 data={"month": f"{month:%Y-%m}", "rows": entries.count()})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{title}.xlsx")
    return response
