"""Q&A board pages: FAQ with search, asking, the staff board, a question with its answer steps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import qa
from engagement.choices import QuestionState
from engagement.forms import AnswerForm, AskForm, ConvertForm, FaqSearchForm, ReviewForm
from engagement.models import Question
from engagement.scoping import ANSWER_ROLES, questions_visible_to
from engagement.views.common import form_errors, run


def _question(request: HttpRequest, public_id) -> Question:
    return get_object_or_404(questions_visible_to(request.user).select_related("unit", "answered_by", "petition"),
                             public_id=public_id)


@login_required
def faq(request: HttpRequest) -> HttpResponse:
    form = FaqSearchForm(request.GET or None)
    q = category = ""
    if form.is_valid():
        q, category = form.cleaned_data["q"], form.cleaned_data["category"]
    return render(request, "engagement/qa_faq.html", {
        "form": form, "questions": qa.faq(request.user, q=q, category=category), "q": q,
        "ask_form": AskForm(initial={"unit": request.user.home_unit_id}),
        "is_answerer": request.user.is_superuser or bool(request.user.units_with(*ANSWER_ROLES)),
    })


@login_required
@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    form = AskForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("engagement:qa")
    d = form.cleaned_data
    question, response = run(request, qa.question_ask, _("问题已提交，答复经审核后会通知您。"), reverse("engagement:qa_mine"),
                             asker=request.user, unit=d["unit"], category=d["category"], title=d["title"],
                             body=d["body"], anonymous=d["anonymous"])
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/qa_mine.html", {"questions": qa.my_questions(request.user)})


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.units_with(*ANSWER_ROLES)):
        raise Http404("not staff")
    return render(request, "engagement/qa_staff.html", {"board": qa.staff_board(request.user)})


@login_required
def detail(request: HttpRequest, public_id) -> HttpResponse:
    question = _question(request, public_id)
    user = request.user
    if question.state == QuestionState.PUBLISHED and request.method == "GET":
        qa.question_viewed(question)
    # The answer shows once approved, to the asker (private) or everyone (public); staff see drafts.
    staff_view = qa.may_answer(user, question) or qa.may_review(user, question) or user.is_superuser
    show_answer = question.state in (QuestionState.PUBLISHED, QuestionState.ANSWERED) or staff_view
    context = {
        "q": question,
        "staff_view": staff_view,
        "show_answer": show_answer and bool(question.answer),
        "asker_label": _("匿名职工") if question.is_anonymous else (question.asker.name if question.asker else "—"),
        "answer_form": AnswerForm(initial={"answer": question.answer, "public": question.answer_public})
        if qa.may_answer(user, question) and question.state in (QuestionState.OPEN, QuestionState.IN_REVIEW) else None,
        "review_form": ReviewForm() if question.state == QuestionState.IN_REVIEW and qa.may_review(user, question)
        else None,
        "convert_form": ConvertForm(initial={"content": question.body}) if qa.may_convert(user, question) else None,
    }
    return render(request, "engagement/qa_detail.html", context)


@login_required
@require_POST
def answer(request: HttpRequest, public_id) -> HttpResponse:
    question = _question(request, public_id)
    back = reverse("engagement:qa_detail", args=[question.public_id])
    form = AnswerForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, qa.question_answer, _("答复已提交审核。"), back, question=question,
                       acting_user=request.user, answer=form.cleaned_data["answer"], public=form.cleaned_data["public"])
    return response


@login_required
@require_POST
def review(request: HttpRequest, public_id) -> HttpResponse:
    question = _question(request, public_id)
    back = reverse("engagement:qa_detail", args=[question.public_id])
    form = ReviewForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    _r, response = run(request, qa.question_review, _("审核完成。"), back, question=question, acting_user=request.user,
                       approve=form.cleaned_data["approve"], note=form.cleaned_data["note"])
    return response


@login_required
@require_POST
def convert(request: HttpRequest, public_id) -> HttpResponse:
    question = _question(request, public_id)
    back = reverse("engagement:qa_detail", args=[question.public_id])
    form = ConvertForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back)
    result, response = run(request, qa.question_to_petition, "", back, question=question, acting_user=request.user,
                           content=form.cleaned_data["content"])
    if result is None:
        return response
    if result.receipt_code:
        # Shown once, as the petition core does for an anonymous submission.
        messages.warning(request, _("已转为匿名信访事项%(number)s。请牢记查询码：%(code)s（只显示这一次）")
                         % {"number": result.petition.number, "code": result.receipt_code})
        return redirect("engagement:qa")
    messages.success(request, _("已转为信访事项%(number)s。") % {"number": result.petition.number})
    return redirect("petitions:detail_public", public_id=result.petition.public_id)
