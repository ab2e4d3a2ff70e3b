"""意识形态工作 pages: opinion incidents (log, respond, close; overdue ones flagged and escalated
by the sweep), positions, 党委 agenda items with the yearly review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from publicity import ideology
from publicity.choices import IncidentState
from publicity.forms import AgendaForm, IncidentForm, PositionForm, TextForm
from publicity.scoping import is_staff_for, staff_unit_choices
from publicity.views.common import forbidden, form_errors


@login_required
def ideology_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    incidents = list(ideology.incidents_visible_to(user).select_related("unit", "owner")
                     .order_by("state", "due_at")[:100])
    year = timezone.localdate().year
    units = {a.unit for a in ideology.agenda_visible_to(user).select_related("unit")
             .filter(meeting_on__year__gte=year - 1)[:200]}
    reviews = [ideology.committee_review(u, y) for u in sorted(units, key=lambda u: u.path) for y in (year - 1, year)]
    return render(request, "publicity/ideology.html", {
        "incidents": [(i, i.state == IncidentState.OPEN and i.due_at < now) for i in incidents],
        "positions": ideology.positions_visible_to(user).select_related("unit", "responsible")[:200],
        "agenda": ideology.agenda_visible_to(user).select_related("unit")[:50], "reviews": reviews,
        "is_staff": is_staff_for(user),
    })


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以登记舆情"))
    form = IncidentForm(request.POST or None, units=staff_unit_choices(user),
                        initial={"found_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = ideology.incident_log(acting_user=user, title=d["title"], summary=d["summary"], unit=d["unit"],
                                            level=d["level"], owner=d["owner"], found_at=d["found_at"],
                                            source=d["source"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:incident", public_id=row.public_id)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("登记舆情")})


@login_required
def incident_detail(request: HttpRequest, public_id) -> HttpResponse:
    row = get_object_or_404(ideology.incidents_visible_to(request.user).select_related("unit", "owner"),
                            public_id=public_id)
    return render(request, "publicity/incident.html", {
        "i": row, "steps": row.steps.select_related("actor"), "form": TextForm(auto_id=False),
        "overdue": row.state == IncidentState.OPEN and row.due_at < timezone.now(),
        "is_staff": is_staff_for(request.user, row.unit),
    })


@login_required
@require_POST
def incident_act(request: HttpRequest, public_id, action: str) -> HttpResponse:
    row = get_object_or_404(ideology.incidents_visible_to(request.user), public_id=public_id)
    form = TextForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("publicity:incident", public_id=row.public_id)
    try:
        if action == "respond":
            ideology.incident_respond(incident=row, acting_user=request.user, text=form.cleaned_data["text"])
        elif action == "close":
            ideology.incident_close(incident=row, acting_user=request.user, text=form.cleaned_data["text"])
        else:
            messages.error(request, _("未知操作"))
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("publicity:incident", public_id=row.public_id)


@login_required
def position_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以登记阵地"))
    form = PositionForm(request.POST or None, units=staff_unit_choices(user))
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                ideology.position_register(acting_user=user, name=d["name"], kind=d["kind"], unit=d["unit"],
                                           responsible=d["responsible"], address=d["address"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:ideology")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("登记阵地")})


@login_required
def agenda_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以登记议题"))
    form = AgendaForm(request.POST or None, units=staff_unit_choices(user))
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                ideology.agenda_record(acting_user=user, unit=d["unit"], meeting_on=d["meeting_on"], kind=d["kind"],
                                       title=d["title"], summary=d["summary"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:ideology")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("登记党委会议题")})


