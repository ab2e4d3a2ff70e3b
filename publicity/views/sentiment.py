"""职工思想动态 pages: assemble a quarter, edit the analysis, file it, download the .docx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from core.errors import DomainError
from petitions.choices import Category
from publicity import sentiment
from publicity.forms import BriefEditForm, BriefForm
from publicity.scoping import is_staff_for, staff_unit_choices
from publicity.views.common import download_headers, forbidden, form_errors

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def brief_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("职工思想动态只供宣传干事查看"))
    today = timezone.localdate()
    form = BriefForm(request.POST or None, units=staff_unit_choices(user),
                     initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                brief = sentiment.brief_assemble(acting_user=user, unit=d["unit"], year=d["year"], quarter=d["quarter"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:brief", pk=brief.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/briefs.html", {
        "form": form, "rows": sentiment.briefs_visible_to(user).select_related("unit")[:50]})


@login_required
def brief_detail(request: HttpRequest, pk: int) -> HttpResponse:
    brief = get_object_or_404(sentiment.briefs_visible_to(request.user).select_related("unit"), pk=pk)
    form = BriefEditForm(request.POST or None, initial={"analysis": brief.analysis, "suggestions": brief.suggestions})
    if request.method == "POST":
        try:
            if "file" in request.POST:
                sentiment.brief_file(brief=brief, acting_user=request.user)
                messages.success(request, _("已归档"))
            elif form.is_valid():
                sentiment.brief_edit(brief=brief, acting_user=request.user, analysis=form.cleaned_data["analysis"],
                                     suggestions=form.cleaned_data["suggestions"])
                messages.success(request, _("已保存"))
        except DomainError as e:
            messages.error(request, e.message)
        return redirect("publicity:brief", pk=brief.pk)
    labels = dict(Category.choices)
    d = brief.data
    qa = (d.get("qa_questions") or {}).get("by_category", {})
    cats = sorted(set(d["petitions"]["by_category"]) | set(qa),
                  key=lambda c: -(d["petitions"]["by_category"].get(c, 0) + qa.get(c, 0)))
    rows = [(labels.get(c, c), d["petitions"]["by_category"].get(c, 0), d["previous"]["by_category"].get(c, 0),
             qa.get(c, 0), d["answers"].get(c, {})) for c in cats]
    return render(request, "publicity/brief.html", {"b": brief, "rows": rows, "form": form})


@login_required
def brief_download(request: HttpRequest, pk: int) -> HttpResponse:
    brief = get_object_or_404(sentiment.briefs_visible_to(request.user).select_related("unit"), pk=pk)
    response = HttpResponse(sentiment.brief_docx(brief), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"职工思想动态-{brief.unit.name}-{brief.year}Q{brief.quarter}.docx")
    return download_headers(response)
