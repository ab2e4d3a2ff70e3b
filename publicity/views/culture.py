"""企业文化 pages: the concept system, a campaign with its activities and participation per unit,
the gallery (photos served after a permission check)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from publicity import culture, lectures
from publicity.forms import ActivityForm, ConceptForm, GalleryForm
from publicity.models import Concept
from publicity.scoping import is_staff_for, staff_unit_choices
from publicity.views.common import download_headers, forbidden, form_errors


@login_required
def culture_home(request: HttpRequest) -> HttpResponse:
    return render(request, "publicity/culture.html", {
        "concepts": Concept.objects.filter(is_active=True).select_related("unit"), "campaigns": culture.culture_campaigns().select_related("unit")[:50],
        "gallery": culture.gallery_visible_to(request.user).select_related("unit", "campaign")[:24],
        "is_staff": is_staff_for(request.user),
    })


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(lectures.campaigns_visible_to(request.user).select_related("unit", "theme"), pk=pk)
    units = staff_unit_choices(request.user)
    form = ActivityForm(request.POST or None, units=units)
    if request.method == "POST":
        if not units.exists():
            return forbidden(request, _("只有宣传干事可以登记活动开展情况"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                culture.activity_record(acting_user=request.user, campaign=campaign, unit=d["unit"], title=d["title"],
                                        held_on=d["held_on"], participants=d["participants"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:campaign", pk=campaign.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/campaign.html", {
        "c": campaign, "activities": campaign.activities.select_related("unit")[:200],
        "participation": culture.campaign_participation(campaign), "form": form, "may_record": units.exists(),
        "lectures": campaign.lectures.select_related("lecturer")[:50],
    })


@login_required
def gallery_new(request: HttpRequest) -> HttpResponse:
    units = staff_unit_choices(request.user)
    if not units.exists():
        return forbidden(request, _("只有宣传干事可以上传图片视频"))
    form = GalleryForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                culture.gallery_add(acting_user=request.user, caption=d["caption"], unit=d["unit"], photo=d["photo"],
                                    video_url=d["video_url"], campaign=d["campaign"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:culture")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("上传图片视频")})


@login_required
def gallery_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(culture.gallery_visible_to(request.user), pk=pk)
    if not item.file:
        raise Http404
    try:
        handle = default_storage.open(item.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return download_headers(FileResponse(handle, content_type=item.content_type or "application/octet-stream"))


def _concept_text(d: dict) -> culture.ConceptText:
    return culture.ConceptText(kind=d["kind"], title=d["title"], body=d["body"], order=d["order"] or 0,
                               is_active=d["is_active"], note=d.get("note") or "")


@login_required
def concept_list(request: HttpRequest) -> HttpResponse:
    if not is_staff_for(request.user):
        return forbidden(request, _("只有宣传干事可以维护理念体系"))
    rows = culture.concepts_editable_by(request.user).select_related("unit").order_by("unit__path", "order", "id")
    return render(request, "publicity/concepts.html", {"rows": rows})


@login_required
def concept_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以维护理念体系"))
    form = ConceptForm(request.POST or None, units=staff_unit_choices(user))
    if request.method == "POST":
        if form.is_valid():
            try:
                concept = culture.concept_save(acting_user=user, text=_concept_text(form.cleaned_data),
                                               unit=form.cleaned_data.get("unit"))
            except DomainError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("已保存"))
                return redirect("publicity:concept", pk=concept.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/concept_form.html", {"form": form, "concept": None, "versions": []})


@login_required
def concept_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    concept = get_object_or_404(culture.concepts_editable_by(user).select_related("unit"), pk=pk)
    initial = {"kind": concept.kind, "title": concept.title, "body": concept.body, "order": concept.order,
               "is_active": concept.is_active}
    form = ConceptForm(request.POST or None, initial=initial, with_unit=False)
    if request.method == "POST":
        if form.is_valid():
            try:
                culture.concept_save(acting_user=user, text=_concept_text(form.cleaned_data), concept=concept)
            except DomainError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("已保存新版本"))
                return redirect("publicity:concept", pk=concept.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/concept_form.html", {
        "form": form, "concept": concept, "versions": concept.versions.select_related("created_by")[:50]})
