"""Newsroom pages: the news (search), a correspondent's phone workspace, submitting a piece
with photos, a piece with its versions, reviews and comments, the editors' review queue,
photo downloads (permission-checked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orgs.models import Unit
from publicity import newsroom, selectors
from publicity.choices import Decision, PieceState
from publicity.forms import CommentForm, EditForm, PieceForm, ReviewForm, SearchForm
from publicity.models import Piece, PiecePhoto
from publicity.scoping import (
    correspondent_units,
    is_staff_for,
    news_visible_to,
    pieces_visible_to,
    staff_unit_choices,
)
from publicity.views.common import download_headers, forbidden, form_errors

STATE_TONES = {
    PieceState.DRAFT: "secondary", PieceState.IN_REVIEW: "primary", PieceState.RETURNED: "warning",
    PieceState.REJECTED: "dark", PieceState.PUBLISHED: "success", PieceState.WITHDRAWN: "dark",
}


@login_required
def news(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    page = min(page, 500)
    rows, more = selectors.news_search(request.user, q, offset=(page - 1) * selectors.NEWS_PAGE)
    return render(request, "publicity/news_list.html", {"rows": rows, "q": q, "page": page, "more": more,
                                                        "form": form})


@login_required
def news_detail(request: HttpRequest, public_id) -> HttpResponse:
    piece = get_object_or_404(news_visible_to(request.user).select_related("unit", "author", "theme"),
                              public_id=public_id)
    return render(request, "publicity/news_detail.html", {"piece": piece, "photos": piece.photos.all()})


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    from publicity.placements import points_of_person

    pieces = Piece.objects.filter(author=request.user).select_related("unit").order_by("-created_at")[:50]
    year = timezone.localdate().year
    return render(request, "publicity/workspace.html", {
        "pieces": pieces, "tones": STATE_TONES, "year": year,
        "points": points_of_person(request.user, year),
        "is_correspondent": bool(correspondent_units(request.user)),
    })


def _writable_units(user):
    units = correspondent_units(user)
    qs = staff_unit_choices(user)
    if units:
        qs = qs | Unit.objects.subtrees_of(units).filter(is_active=True)
    return qs.distinct().order_by("path")


@login_required
def piece_new(request: HttpRequest) -> HttpResponse:
    units = _writable_units(request.user)
    if not units.exists():
        return forbidden(request, _("您不是通讯员，不能投稿"))
    form = PieceForm(request.POST or None, request.FILES or None, units=units,
                     initial={"unit": units.first()})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            draft = newsroom.PieceDraft(
                title=d["title"], lead=d["lead"], body=d["body"], unit=d["unit"], kind=d["kind"],
                theme=d["theme"], video_url=d["video_url"], for_news=d["for_news"], for_outside=d["for_outside"],
                embargo_until=d["embargo_until"],
            )
            try:
                piece = newsroom.piece_create(
                    author=request.user, draft=draft, photos=request.FILES.getlist("photos"),
                    captions=[d["caption"]] * len(request.FILES.getlist("photos")),
                    submit="submit" in request.POST,
                )
            except DomainError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("稿件已送审") if piece.state == PieceState.IN_REVIEW else _("草稿已保存"))
                return redirect("publicity:piece", public_id=piece.public_id)
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/piece_form.html", {"form": form})


def _visible_piece(request: HttpRequest, public_id) -> Piece:
    return get_object_or_404(pieces_visible_to(request.user).select_related("unit", "author", "theme"),
                             public_id=public_id)


@login_required
def piece_detail(request: HttpRequest, public_id) -> HttpResponse:
    piece = _visible_piece(request, public_id)
    user = request.user
    return render(request, "publicity/piece_detail.html", {
        "piece": piece, "tone": STATE_TONES.get(piece.state, "secondary"),
        "versions": piece.versions.select_related("created_by"),
        "reviews": piece.reviews.select_related("reviewer"),
        "comments": piece.comments.select_related("author"),
        "photos": piece.photos.all(),
        "can_review": newsroom.can_review(user, piece),
        "can_edit": newsroom.can_edit(user, piece),
        "can_submit": piece.author_id == user.pk and piece.state in (PieceState.DRAFT, PieceState.RETURNED),
        "review_form": ReviewForm(auto_id="review-%s"), "comment_form": CommentForm(auto_id="comment-%s"),
        "edit_form": EditForm(initial={"title": piece.title, "lead": piece.lead, "body": piece.body},
                              auto_id="edit-%s"),
        "Decision": Decision,
        "may_place": piece.state == PieceState.PUBLISHED and is_staff_for(user, piece.unit),
        "may_withdraw": newsroom.may_withdraw(user, piece),
    })


@login_required
@require_POST
def piece_act(request: HttpRequest, public_id, action: str) -> HttpResponse:
    piece = _visible_piece(request, public_id)
    user = request.user
    try:
        if action == "submit":
            newsroom.piece_submit(piece=piece, acting_user=user)
            messages.success(request, _("已送审"))
        elif action == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors(form))
            else:
                d = form.cleaned_data
                piece = newsroom.piece_review(piece=piece, acting_user=user, decision=d["decision"],
                                              proofread=d["proofread"], comment=d["comment"])
                messages.success(request, _("审核意见已保存：%(state)s") % {"state": piece.get_state_display()})
        elif action == "comment":
            form = CommentForm(request.POST)
            if form.is_valid():
                newsroom.piece_comment(piece=piece, acting_user=user, text=form.cleaned_data["text"])
            else:
                messages.error(request, form_errors(form))
        elif action == "edit":
            form = EditForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                newsroom.piece_edit(piece=piece, acting_user=user, title=d["title"], body=d["body"], lead=d["lead"])
                messages.success(request, _("已保存新版本"))
            else:
                messages.error(request, form_errors(form))
        elif action == "withdraw":
            newsroom.piece_withdraw(piece=piece, acting_user=user, reason=request.POST.get("reason", "")[:500])
            messages.success(request, _("已撤稿，新闻页和检索中不再出现"))
        elif action == "photos":
            files = request.FILES.getlist("photos")
            if files:
                newsroom.piece_add_photos(piece=piece, acting_user=user, photos=files)
        else:
            raise Http404
    except DomainError as e:
        messages.error(request, e.message)
    if pieces_visible_to(user).filter(pk=piece.pk).exists():
        return redirect("publicity:piece", public_id=piece.public_id)
    return redirect("publicity:queue")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.review_queue(request.user)[:200])
    return render(request, "publicity/queue.html", {"rows": rows})


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(PiecePhoto.objects.select_related("piece"), pk=pk)
    user = request.user
    if not (news_visible_to(user).filter(pk=row.piece_id).exists()
            or pieces_visible_to(user).filter(pk=row.piece_id).exists()):
        raise Http404
    try:
        handle = default_storage.open(row.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=False, filename=row.original_name,
                            content_type=row.content_type or "application/octet-stream")
    return download_headers(response)


@login_required
def news_sw(request: HttpRequest) -> HttpResponse:
    """The news pages' service worker, from the app's static files, at a URL inside the scope it
    controls (/publicity/news/), so no Service-Worker-Allowed widening is needed."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    name = "publicity/news-sw.js"
    found = finders.find(name)
    try:
        if found:
            with open(found, "rb") as fh:
                body = fh.read()
        else:
            with staticfiles_storage.open(name) as fh:
                body = fh.read()
    except OSError:
        raise Http404 from None
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    response["Service-Worker-Allowed"] = request.path.rsplit("/", 1)[0] + "/"
    return response


@login_required
def news_offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a news page not saved on this phone while offline."""
    return render(request, "publicity/news_offline.html")
