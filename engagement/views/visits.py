"""Cadre-visit pages: plans and compliance, a plan, recording a visit, a visit and its matters."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import visits
from engagement.forms import MatterScreeningForm, PlanForm, VisitLogForm
from engagement.models import VisitAssignment, VisitMatter
from engagement.scoping import (
    is_staff,
    plans_visible_to,
    staff_anywhere,
    staff_people,
    staff_units,
    visit_logs_visible_to,
)
from engagement.views.common import form_errors, run
from orgs.models import User
from petitions.rules import DESK_ROLES


def _month(request: HttpRequest) -> date:
    try:
        return date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


def _plan_form(user: User, data=None) -> PlanForm:
    form = PlanForm(data, initial={"month": timezone.localdate()})
    form.fields["unit"].set_units(staff_units(user))
    form.fields["cadres"].queryset = staff_people(user)
    form.fields["targets"].queryset = staff_units(user).filter(kind__in=["mine", "plant", "team", "department"])
    return form


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    month = _month(request)
    plans = plans_visible_to(user).filter(month=month).select_related("unit").prefetch_related(
        "assignments__cadre", "assignments__target", "assignments__log")
    if not (staff_anywhere(user) or plans.exists()):
        raise Http404("no visits")
    mine = VisitAssignment.objects.filter(cadre=user, plan__month=month).select_related("target", "plan", "log")
    return render(request, "engagement/visits.html", {
        "month": month, "plans": plans, "mine": mine,
        "compliance": visits.compliance(user, month),
        "plan_form": _plan_form(user) if staff_anywhere(user) else None,
        "logs": visit_logs_visible_to(user).filter(visited_on__gte=month).select_related("unit", "cadre")[:50],
    })


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    form = _plan_form(request.user, request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("engagement:visits")
    d = form.cleaned_data
    plan, response = run(request, visits.plan_create, _("下访计划已制定，已通知下访干部。"), reverse("engagement:visits"),
                         unit=d["unit"], month=d["month"], cadres=list(d["cadres"]), targets=list(d["targets"]),
                         acting_user=request.user)
    if plan is not None:
        return redirect(f"{reverse('engagement:visits')}?month={plan.month:%Y-%m}")
    return response


@login_required
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the visit of one assignment (the cadre, or staff of the plan's unit)."""
    a = get_object_or_404(VisitAssignment.objects.filter(plan__in=plans_visible_to(request.user))
                          .select_related("plan", "plan__unit", "target", "cadre"), pk=pk)
    if hasattr(a, "log"):
        return redirect("engagement:visit_detail", pk=a.log.pk)
    form = VisitLogForm(request.POST or None, initial={"visited_on": timezone.localdate(), "place": a.target.name})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            matters = [visits.MatterInput(text=d[f"matter{i}"], category=d[f"category{i}"] or "other",
                                          people_count=d[f"people{i}"] or 1) for i in (1, 2) if d[f"matter{i}"]]
            log, response = run(request, visits.visit_log, _("下访记录已保存。"), request.path, cadre=a.cadre,
                                unit=a.target, visited_on=d["visited_on"], place=d["place"],
                                employees_met=d["employees_met"], summary=d["summary"], matters=matters,
                                acting_user=request.user, assignment=a)
            if log is not None:
                return redirect("engagement:visit_detail", pk=log.pk)
            return response
        form_errors(request, form)
    return render(request, "engagement/visit_log_form.html", {"a": a, "form": form})


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(visit_logs_visible_to(request.user).select_related("unit", "cadre", "recorded_by"), pk=pk)
    user = request.user
    matters = list(log.matters.select_related("petition", "screening"))
    may_register = user.is_superuser or any(user.has_role(r, log.unit) for r in DESK_ROLES)
    screening_form = None
    if is_staff(user, log.unit):
        screening_form = MatterScreeningForm()
        screening_form.fields["responsible"].queryset = staff_people(user)
    return render(request, "engagement/visit_detail.html", {
        "log": log, "matters": matters, "may_register": may_register, "screening_form": screening_form,
        "may_answer": user.pk == log.cadre_id or is_staff(user, log.unit),
    })


def _matter(request: HttpRequest, pk: int) -> VisitMatter:
    return get_object_or_404(VisitMatter.objects.filter(log__in=visit_logs_visible_to(request.user))
                             .select_related("log"), pk=pk)


@login_required
@require_POST
def matter_petition(request: HttpRequest, pk: int) -> HttpResponse:
    m = _matter(request, pk)
    back = reverse("engagement:visit_detail", args=[m.log_id])
    result, response = run(request, visits.matter_to_petition, "", back, matter=m, acting_user=request.user)
    if result is not None:
        messages.success(request, _("已登记为信访事项%(number)s（渠道：干部下访）。") % {"number": result.petition.number})
    return response


@login_required
@require_POST
def matter_screening(request: HttpRequest, pk: int) -> HttpResponse:
    m = _matter(request, pk)
    back = reverse("engagement:visit_detail", args=[m.log_id])
    form = MatterScreeningForm(request.POST)
    form.fields["responsible"].queryset = staff_people(request.user)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, visits.matter_to_screening, _("已列入不稳定因素排查台账。"), back, matter=m,
                       acting_user=request.user, responsible=form.cleaned_data["responsible"],
                       risk_level=form.cleaned_data["risk_level"])
    return response


@login_required
@require_POST
def matter_answered(request: HttpRequest, pk: int) -> HttpResponse:
    m = _matter(request, pk)
    _r, response = run(request, visits.matter_answered, _("已标记为当场解答。"),
                       reverse("engagement:visit_detail", args=[m.log_id]), matter=m, acting_user=request.user)
    return response
