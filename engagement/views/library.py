"""Case library pages: list and search, a case (edit, submit, review, share), a case from a petition."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import library
from engagement.choices import CaseState, Lesson
from engagement.forms import CaseEditForm, LibrarySearchForm, ReviewForm, ShareForm
from engagement.models import LibraryCase
from engagement.scoping import ANSWER_ROLES, cases_visible_to, holds
from engagement.views.common import form_errors, run
from orgs.models import Unit
from petitions.selectors import visible_to


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_superuser or request.user.units_with(*ANSWER_ROLES)):
        raise Http404("not staff")


def _case(request: HttpRequest, pk: int) -> LibraryCase:
    return get_object_or_404(cases_visible_to(request.user).select_related("unit", "source", "created_by",
                                                                           "reviewed_by"), pk=pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = LibrarySearchForm(request.GET or None)
    cases = cases_visible_to(request.user).select_related("unit")
    if form.is_valid():
        if form.cleaned_data["category"]:
            cases = cases.filter(category=form.cleaned_data["category"])
        if form.cleaned_data["lesson"]:
            # The tags are a JSON list of codes; its text holds each code in quotes (SQLite and PostgreSQL).
            cases = cases.filter(lessons__icontains=f'"{form.cleaned_data["lesson"]}"')
        for term in form.cleaned_data["q"].split()[:5]:
            cases = cases.filter(Q(title__icontains=term) | Q(summary__icontains=term) | Q(lessons_text__icontains=term))
    user_units = request.user.units_with(*ANSWER_ROLES)
    return render(request, "engagement/library_list.html", {
        "form": form,
        "approved": cases.filter(state=CaseState.APPROVED).order_by("-reviewed_at")[:100],
        "drafts": cases.exclude(state=CaseState.APPROVED).order_by("-created_at")[:100],
        "lesson_labels": dict(Lesson.choices),
        "user_units": user_units,
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    case = _case(request, pk)
    user = request.user
    own_unit = library.may_share(user, case) or holds(user, ANSWER_ROLES, case.unit)
    editable = own_unit and case.state != CaseState.APPROVED
    sister_units = Unit.objects.filter(is_active=True, kind__in=["company", "mine", "plant"]).exclude(
        path__startswith=case.unit.path).order_by("path")
    context = {
        "case": case,
        "lesson_labels": [Lesson(k).label for k in case.lessons if k in Lesson.values],
        "own_unit": own_unit,
        "edit_form": CaseEditForm(initial={"title": case.title, "summary": case.summary, "handling": case.handling,
                                           "lessons": case.lessons, "lessons_text": case.lessons_text})
        if editable else None,
        "review_form": ReviewForm() if case.state == CaseState.IN_REVIEW and library.may_review(user, case) else None,
        "leftovers": library.case_leftovers(case) if own_unit and case.state != CaseState.APPROVED else [],
        "share_form": ShareForm(units=sister_units) if case.state == CaseState.APPROVED and library.may_share(user, case)
        else None,
        "shares": case.shares.select_related("unit", "granted_by") if own_unit else [],
        "source_visible": visible_to(user).filter(pk=case.source_id).exists(),
    }
    return render(request, "engagement/library_detail.html", context)


@login_required
@require_POST
def from_petition(request: HttpRequest, public_id) -> HttpResponse:
    petition = get_object_or_404(visible_to(request.user), public_id=public_id)
    case, response = run(request, library.case_from_petition, _("已生成脱敏案例草稿，请核对后提交审核。"),
                         reverse("petitions:detail", args=[petition.public_id]), petition=petition,
                         acting_user=request.user)
    if case is not None:
        return redirect("engagement:library_detail", pk=case.pk)
    return response


@login_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    back = reverse("engagement:library_detail", args=[case.pk])
    form = CaseEditForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    d = form.cleaned_data
    _r, response = run(request, library.case_edit, _("已保存。"), back, case=case, acting_user=request.user,
                       title=d["title"], summary=d["summary"], handling=d["handling"], lessons=d["lessons"],
                       lessons_text=d["lessons_text"])
    if _r is not None and request.POST.get("submit"):
        run(request, library.case_submit, _("已提交审核。"), back, case=case, acting_user=request.user)
    return response


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    back = reverse("engagement:library_detail", args=[case.pk])
    form = ReviewForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, library.case_review, _("审核完成。"), back, case=case, acting_user=request.user,
                       approve=form.cleaned_data["approve"], note=form.cleaned_data["note"])
    return response


@login_required
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    back = reverse("engagement:library_detail", args=[case.pk])
    form = ShareForm(request.POST, units=Unit.objects.filter(is_active=True).exclude(path__startswith=case.unit.path))
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    shares, response = run(request, library.case_share, "", back, case=case, acting_user=request.user,
                           units=list(form.cleaned_data["units"]))
    if shares is not None:
        messages.success(request, _("已共享给%(n)d个单位。") % {"n": len(shares)})
    return response
