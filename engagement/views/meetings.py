"""Stability-meeting pages: schedule and compliance, a meeting (briefing, minutes, decisions)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import meetings
from engagement.choices import DecisionState, MeetingKind, MeetingState
from engagement.forms import DecisionForm, DoneForm, MeetingForm, MinutesForm
from engagement.models import Decision, Meeting
from engagement.scoping import is_staff, meetings_visible_to, staff_anywhere, staff_people, staff_units
from engagement.views.common import form_errors, run
from orgs.models import User

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _meeting_form(user: User, data=None) -> MeetingForm:
    form = MeetingForm(data, initial={"period": f"{timezone.localdate():%Y-%m}"})
    form.fields["unit"].set_units(staff_units(user))
    form.fields["attendees"].queryset = staff_people(user)
    return form


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = meetings_visible_to(user)
    if not (staff_anywhere(user) or visible.exists()):
        raise Http404("no meetings")
    now = timezone.now()
    months = meetings.recent_periods(MeetingKind.MONTHLY, now)
    quarters = meetings.recent_periods(MeetingKind.QUARTERLY, now, count=4)
    return render(request, "engagement/meetings.html", {
        "meetings": visible.select_related("unit", "chair").order_by("-scheduled_at")[:50],
        "form": _meeting_form(user) if staff_anywhere(user) else None,
        "months": months, "quarters": quarters,
        "monthly": meetings.compliance(user, MeetingKind.MONTHLY, months),
        "quarterly": meetings.compliance(user, MeetingKind.QUARTERLY, quarters),
        "my_decisions": Decision.objects.filter(owner=user, state=DecisionState.OPEN).select_related("meeting",
                                                                                                   "meeting__unit"),
    })


@login_required
@require_POST
def schedule(request: HttpRequest) -> HttpResponse:
    form = _meeting_form(request.user, request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("engagement:meetings")
    d = form.cleaned_data
    meeting, response = run(request, meetings.meeting_schedule, _("会议已安排，已通知参会人员。"),
                            reverse("engagement:meetings"), unit=d["unit"], kind=d["kind"], period=d["period"].strip(),
                            scheduled_at=d["scheduled_at"], place=d["place"], chair=request.user,
                            attendees=list(d["attendees"]), acting_user=request.user)
    if meeting is not None:
        return redirect("engagement:meeting_detail", pk=meeting.pk)
    return response


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(meetings_visible_to(request.user).select_related("unit", "chair"), pk=pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    user = request.user
    staff = is_staff(user, m.unit)
    people = User.objects.filter(pk__in=m.attendance.values("person_id"))
    decisions = list(m.decisions.select_related("owner"))
    for d in decisions:
        d.done_form = DoneForm(auto_id=f"id_d{d.pk}_%s") if d.state == DecisionState.OPEN and \
            meetings.may_close_decision(user, d) else None
    decision_form = None
    if staff and m.state == MeetingState.HELD:
        decision_form = DecisionForm()
        decision_form.fields["owner"].queryset = staff_people(user)
    return render(request, "engagement/meeting_detail.html", {
        "m": m, "staff": staff, "attendance": m.attendance.select_related("person", "person__home_unit"),
        "minutes_form": MinutesForm(people=people, initial={"minutes": m.minutes}) if staff else None,
        "decision_form": decision_form, "decisions": decisions,
    })


@login_required
def briefing(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    if not is_staff(request.user, m.unit):
        raise Http404("staff only")
    now = timezone.now()
    content = meetings.briefing_docx(m, request.user, now)
    meetings.briefing_generated(meeting=m, acting_user=request.user, now=now)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{m.unit.name}{m.period}{m.get_kind_display()}材料.docx")
    return response


@login_required
@require_POST
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    back = reverse("engagement:meeting_detail", args=[m.pk])
    form = MinutesForm(request.POST, people=User.objects.filter(pk__in=m.attendance.values("person_id")))
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, meetings.meeting_minutes, _("会议纪要和参会情况已保存。"), back, meeting=m,
                       acting_user=request.user, minutes=form.cleaned_data["minutes"],
                       absent=list(form.cleaned_data["absent"]))
    return response


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    back = reverse("engagement:meeting_detail", args=[m.pk])
    form = DecisionForm(request.POST)
    form.fields["owner"].queryset = staff_people(request.user)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    d = form.cleaned_data
    _r, response = run(request, meetings.decision_add, _("决定事项已登记，已通知责任人。"), back, meeting=m,
                       acting_user=request.user, text=d["text"], owner=d["owner"], due_on=d["due_on"])
    return response


@login_required
@require_POST
def decision_done(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(Decision.objects.filter(meeting__in=meetings_visible_to(request.user)), pk=pk)
    back = reverse("engagement:meeting_detail", args=[d.meeting_id])
    form = DoneForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, meetings.decision_done, _("已登记落实情况。"), back, decision=d,
                       acting_user=request.user, note=form.cleaned_data["note"])
    return response
