"""理论武装 pages: 第一议题 with follow-up tasks, 中心组 plans with sessions and compliance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orgs.models import Unit
from publicity import branch_study, study
from publicity.forms import FirstTopicForm, PlanForm, SessionForm, TaskDoneForm
from publicity.models import CenterGroupSession, FollowUpTask
from publicity.views.common import forbidden, form_errors


def _keeper_units(user):
    units = study.study_units(user)
    if units is None:
        return Unit.objects.filter(is_active=True)
    return Unit.objects.subtrees_of(units).filter(is_active=True) if units else Unit.objects.none()


@login_required
def study_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    topics = list(study.first_topics_visible_to(user).select_related("unit", "led_by")[:50])
    tasks = (FollowUpTask.objects.filter(first_topic__in=study.first_topics_visible_to(user).values("pk"),
                                         done_at__isnull=True).select_related("owner", "first_topic").order_by("due_on")[:100])
    plans = list(study.plans_visible_to(user).select_related("unit")[:20])
    branch = branch_study.summary(user, [branch_study.ref_of_first_topic(t) for t in topics])
    return render(request, "publicity/study.html", {
        "topics": list(zip(topics, branch, strict=True)), "tasks": [(t, study.task_is_overdue(t, today)) for t in tasks],
        "plans": [(p, study.center_compliance(p, today=today)) for p in plans],
        "may_keep": _keeper_units(user).exists(), "done_form": TaskDoneForm(auto_id=False),
    })


@login_required
def first_topic_new(request: HttpRequest) -> HttpResponse:
    units = _keeper_units(request.user)
    if not units.exists():
        return forbidden(request, _("只有宣传或党务干事可以登记第一议题"))
    form = FirstTopicForm(request.POST or None, units=units)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                study.first_topic_record(acting_user=request.user, unit=d["unit"], meeting_on=d["meeting_on"],
                                         material=d["material"], summary=d["summary"], led_by=d["led_by"],
                                         attendees=d["attendees"], tasks=d["tasks"], branch_key=d["branch_key"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:study")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("登记第一议题")})


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(FollowUpTask.objects.filter(
        first_topic__in=study.first_topics_visible_to(request.user).values("pk")), pk=pk)
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        try:
            study.follow_up_done(acting_user=request.user, task=task, note=form.cleaned_data["note"])
            messages.success(request, _("已报告完成"))
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(request, form_errors(form))
    return redirect("publicity:study")


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    units = _keeper_units(request.user)
    if not units.exists():
        return forbidden(request, _("只有宣传或党务干事可以制定中心组学习计划"))
    form = PlanForm(request.POST or None, units=units, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = study.center_plan_create(acting_user=request.user, unit=d["unit"], year=d["year"],
                                                topics=d["topics"], members=d["members"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:plan", pk=plan.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("制定中心组学习计划")})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(study.plans_visible_to(request.user).select_related("unit"), pk=pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            absent = {u.pk for u in d["absent"]}
            try:
                study.center_session_record(acting_user=request.user, plan=plan, held_on=d["held_on"],
                                            hours=d["hours"], topic=d["topic"], seminar=d["seminar"],
                                            present=[m for m in plan.members.all() if m.pk not in absent])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:plan", pk=plan.pk)
        else:
            messages.error(request, form_errors(form))
    sessions = list(plan.sessions.select_related("plan__unit").prefetch_related("attendance__user"))
    branch = branch_study.summary(request.user, [branch_study.ref_of_session(s) for s in sessions])
    return render(request, "publicity/plan.html", {
        "plan": plan, "sessions": list(zip(sessions, branch, strict=True)),
        "compliance": study.center_compliance(plan), "form": form,
        "may_keep": study.may_keep_study(request.user, plan.unit),
    })


@login_required
def branch_meetings(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Drill-down: the branches' study meetings held on one 第一议题 or 中心组 session (from the
    party module's records), each linked to the party module's meeting page when the viewer may
    open it there."""
    from party.scoping import meetings_visible_to

    user = request.user
    if kind == "first-topic":
        topic = get_object_or_404(study.first_topics_visible_to(user).select_related("unit"), pk=pk)
        ref, title = branch_study.ref_of_first_topic(topic), topic.material
    elif kind == "session":
        session = get_object_or_404(CenterGroupSession.objects.filter(
            plan__in=study.plans_visible_to(user).values("pk")).select_related("plan__unit"), pk=pk)
        ref, title = branch_study.ref_of_session(session), session.topic
    else:
        raise Http404
    rows = list(branch_study.meetings_on(user, ref)[:500])
    openable = set(meetings_visible_to(user).filter(pk__in=[m.pk for m in rows]).values_list("pk", flat=True))
    return render(request, "publicity/branch_meetings.html", {
        "title": title, "ref": ref, "end": ref.end(), "rows": [(m, m.pk in openable) for m in rows],
    })
