"""宣讲 pages: lectures with their reach, recording a lecture, phone sign-in, campaigns."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orgs.models import User
from publicity import lectures
from publicity.forms import CampaignForm, LectureForm, PeriodForm
from publicity.scoping import is_staff_for, staff_unit_choices
from publicity.views.common import forbidden, form_errors


def period_of(request: HttpRequest) -> tuple[date, date]:
    """[start, end) from ?start=&end= (end inclusive in the form); default: this year so far."""
    today = timezone.localdate()
    form = PeriodForm(request.GET)
    start, end = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        if form.cleaned_data["end"]:
            end = date.fromordinal(form.cleaned_data["end"].toordinal() + 1)
    return start, max(end, start)


@login_required
def lecture_list(request: HttpRequest) -> HttpResponse:
    start, end = period_of(request)
    lo = timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time()))
    hi = timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.min.time()))
    rows = (lectures.lectures_visible_to(request.user).filter(held_at__gte=lo, held_at__lt=hi)
            .select_related("unit", "lecturer", "theme").order_by("-held_at")[:100])
    return render(request, "publicity/lectures.html", {
        "rows": rows, "reach": lectures.reach(request.user, start, end), "start": start,
        "end": date.fromordinal(end.toordinal() - 1), "is_staff": is_staff_for(request.user),
    })


@login_required
def lecture_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以登记宣讲"))
    form = LectureForm(request.POST or None, request.FILES or None, units=staff_unit_choices(user))
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            lecturer = User.objects.filter(employee_no=d["lecturer"].strip(), is_active=True).first()
            if lecturer is None:
                messages.error(request, _("没有这个工号的在职人员"))
            else:
                try:
                    lecture = lectures.lecture_record(
                        acting_user=user, topic=d["topic"], lecturer=lecturer, unit=d["unit"], held_at=d["held_at"],
                        audience=d["audience"], theme=d["theme"], campaign=d["campaign"], place=d["place"],
                        online=d["online"], photos=request.FILES.getlist("photos"),
                    )
                except DomainError as e:
                    messages.error(request, e.message)
                else:
                    return redirect("publicity:lecture", public_id=lecture.public_id)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("登记宣讲")})


@login_required
def lecture_detail(request: HttpRequest, public_id) -> HttpResponse:
    lecture = get_object_or_404(lectures.lectures_visible_to(request.user).select_related(
        "unit", "lecturer", "theme", "campaign"), public_id=public_id)
    opens, closes = lectures.sign_in_window(lecture)
    return render(request, "publicity/lecture_detail.html", {
        "lecture": lecture, "audience": lecture.audience.select_related("unit"), "photos": lecture.photos.all(),
        "sign_ins": lecture.sign_ins.select_related("user").order_by("signed_at"),
        "signed": lecture.sign_ins.filter(user=request.user).exists(), "opens": opens, "closes": closes,
        "is_staff": is_staff_for(request.user, lecture.unit),
    })


@login_required
def lecture_photo(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    from publicity.models import LecturePhoto
    from publicity.views.common import download_headers

    photo = get_object_or_404(LecturePhoto.objects.filter(
        lecture__in=lectures.lectures_visible_to(request.user).values("pk")), pk=pk)
    try:
        handle = default_storage.open(photo.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return download_headers(FileResponse(handle, content_type=photo.content_type or "application/octet-stream"))


@login_required
@require_POST
def lecture_act(request: HttpRequest, public_id, action: str) -> HttpResponse:
    lecture = get_object_or_404(lectures.lectures_visible_to(request.user), public_id=public_id)
    try:
        if action == "sign-in":
            lectures.lecture_sign_in(lecture=lecture, user=request.user)
            messages.success(request, _("签到成功"))
        elif action == "tally":
            lectures.lecture_attendance_from_sign_ins(lecture=lecture, acting_user=request.user)
            messages.success(request, _("已按签到汇总人次"))
        else:
            messages.error(request, _("未知操作"))
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("publicity:lecture", public_id=lecture.public_id)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = list(lectures.campaigns_visible_to(request.user).select_related("unit", "theme")[:100])
    return render(request, "publicity/campaigns.html", {"rows": rows, "is_staff": is_staff_for(request.user)})


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以发起活动"))
    units = staff_unit_choices(user)
    form = CampaignForm(request.POST or None, units=units)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                lectures.campaign_create(acting_user=user, name=d["name"], kind=d["kind"], unit=d["unit"],
                                         units=list(d["units"]), theme=d["theme"], starts_on=d["starts_on"],
                                         ends_on=d["ends_on"], description=d["description"])
            except DomainError as e:
                messages.error(request, e.message)
            else:
                return redirect("publicity:campaigns")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/form.html", {"form": form, "title": _("发起活动")})

