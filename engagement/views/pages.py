"""The module's overview page and the petition-rules publicity (page and poster)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from engagement import rules_sheet, training
from engagement.choices import DecisionState, QuestionState, ScreeningStatus
from engagement.models import Decision, Question, VisitAssignment
from engagement.scoping import (
    ANSWER_ROLES,
    questions_visible_to,
    screening_visible_to,
    staff_anywhere,
)
from orgs.models import Unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    answerer = user.is_superuser or bool(user.units_with(*ANSWER_ROLES))
    counts = {
        "unanswered": questions_visible_to(user).filter(state=QuestionState.OPEN).exclude(asker=user).count()
        if answerer else None,
        "in_review": questions_visible_to(user).filter(state=QuestionState.IN_REVIEW).count() if answerer else None,
        "my_questions": Question.objects.filter(asker=user).count(),
        "my_tests": training.open_attempts(user, today).count(),
        "my_decisions": Decision.objects.filter(owner=user, state=DecisionState.OPEN).count(),
        "my_visits": VisitAssignment.objects.filter(cadre=user, log__isnull=True, plan__month=today.replace(day=1)).count(),
        "open_screening": screening_visible_to(user).exclude(status=ScreeningStatus.RESOLVED).count()
        if staff_anywhere(user) else None,
    }
    return render(request, "engagement/home.html", {"counts": counts, "staff": staff_anywhere(user)})


def _unit(request: HttpRequest) -> Unit | None:
    code = request.GET.get("unit", "")
    unit = Unit.objects.filter(code=code).first() if code else None
    return unit or request.user.home_unit


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    return render(request, "engagement/rules.html", {"sheet": rules_sheet.rules_sheet(unit), "unit": unit})


@login_required
def poster(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    response = HttpResponse(rules_sheet.poster_docx(rules_sheet.rules_sheet(unit)), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, "依法维权科学信访-信访须知海报.docx")
    return response
