"""Training pages: my tests and history; staff: assign a test, results, marking, weak topics."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import training
from engagement.choices import AttemptState, QuestionKind
from engagement.forms import ExamForm, MarkForm
from engagement.models import AttemptAnswer
from engagement.scoping import REVIEW_ROLES, attempts_visible_to, exams_visible_to, staff_units
from engagement.views.common import form_errors, run
from orgs.models import User


def _exam_form(user: User, data=None) -> ExamForm:
    form = ExamForm(data)
    form.fields["unit"].set_units(staff_units(user, REVIEW_ROLES))
    return form


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    organiser = user.is_superuser or bool(user.units_with(*REVIEW_ROLES))
    weak = []
    if organiser:
        for unit in staff_units(user, REVIEW_ROLES).order_by("path")[:1]:
            weak = training.weak_topics(user, unit)
    return render(request, "engagement/training.html", {
        "open": training.open_attempts(user, timezone.localdate()),
        "history": training.history(user)[:50],
        "organiser": organiser,
        "exam_form": _exam_form(user) if organiser else None,
        "exams": exams_visible_to(user).select_related("unit")[:30] if organiser else [],
        "weak": weak,
    })


@login_required
@require_POST
def exam_create(request: HttpRequest) -> HttpResponse:
    form = _exam_form(request.user, request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("engagement:training")
    d = form.cleaned_data
    exam, response = run(request, training.exam_assign, _("测试已下发给信访工作人员。"), reverse("engagement:training"),
                         unit=d["unit"], title=d["title"], acting_user=request.user, count=d["count"])
    if exam is not None:
        return redirect("engagement:exam_detail", pk=exam.pk)
    return response


@login_required
def exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exam = get_object_or_404(exams_visible_to(request.user).select_related("unit"), pk=pk)
    attempts = attempts_visible_to(request.user).filter(exam=exam).select_related("person", "unit")
    if not attempts.exists():
        raise Http404("no attempts visible")
    return render(request, "engagement/exam_detail.html", {
        "exam": exam, "attempts": attempts,
        "weak": training.weak_topics(request.user, exam.unit),
    })


@login_required
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(attempts_visible_to(request.user).select_related("exam", "person"), pk=pk)
    user = request.user
    questions = list(a.exam.questions.order_by("topic", "pk"))
    if request.method == "POST" and a.person_id == user.pk and a.state == AttemptState.ASSIGNED:
        responses: dict[int, list] = {}
        for q in questions:
            key = f"q{q.pk}"
            if q.kind == QuestionKind.SHORT:
                responses[q.pk] = [request.POST.get(key, "")]
            elif q.kind == QuestionKind.TRUE_FALSE:
                value = request.POST.get(key)
                responses[q.pk] = [value == "1"] if value in ("0", "1") else []
            else:
                responses[q.pk] = [int(v) for v in request.POST.getlist(key) if v.isdigit()]
        _r, response = run(request, training.attempt_submit, _("已交卷。"), request.path, attempt=a, acting_user=user,
                           responses=responses)
        return response
    answers = {ans.question_id: ans for ans in a.answers.select_related("marked_by")}
    rows = []
    for q in questions:
        ans = answers.get(q.pk)
        rows.append({"q": q, "ans": ans, "options": list(enumerate(q.options)),
                     "mark_form": MarkForm(auto_id=f"id_m{ans.pk}_%s", initial={"points": q.points})
                     if ans and ans.points is None and q.kind == QuestionKind.SHORT and training.may_mark(user, a)
                     else None})
    return render(request, "engagement/attempt.html", {
        "a": a, "rows": rows, "taking": a.person_id == user.pk and a.state == AttemptState.ASSIGNED,
        "show_key": a.state != AttemptState.ASSIGNED,
    })


@login_required
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    ans = get_object_or_404(AttemptAnswer.objects.filter(attempt__in=attempts_visible_to(request.user)), pk=pk)
    back = reverse("engagement:attempt", args=[ans.attempt_id])
    form = MarkForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, training.answer_mark, _("已评分。"), back, answer=ans, acting_user=request.user,
                       points=form.cleaned_data["points"])
    return response
