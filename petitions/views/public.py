"""Petitioner-side pages: submit (with a summary step), my petitions, the petitioner's view
of one petition, and anonymous tracking by receipt code.

Thin: intake and workflow functions do every write and enforce every rule; the pages parse
input, keep what was typed, and show a refusal's message. Petitions are read through
``selectors.mine`` / ``selectors.visible_to``; an anonymous receipt holder reaches only the
petition their code opened (kept in the session).
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from core.errors import DomainError, InvalidInput
from petitions import selectors
from petitions.choices import Category, DueKind, NoticeKind, PetitionType, State
from petitions.forms import (
    CATEGORY_HINTS,
    TYPE_HINTS,
    MaterialForm,
    RateForm,
    ReviewRequestForm,
    SubmitForm,
    TrackForm,
    WithdrawForm,
    suggest_category,
)
from petitions.intake import (
    MAX_ATTACHMENTS,
    RECEIPT_ACTOR,
    find_by_receipt,
    petition_submit,
    receipt_try_allowed,
)
from petitions.models import Attachment, Petition
from petitions.rules import PETITIONER_ACTIONS, Action, Actor, allowed_actions, refusal
from petitions.uploads import check_upload
from petitions.workflow import (
    petition_add_material,
    petition_rate,
    petition_request_rereview,
    petition_request_review,
    petition_withdraw,
)
from tongxin.lib.periods import days_left, last_day_of

DRAFTS_KEY = "petition_drafts"  # token → files stashed between the form and the summary step
USED_KEY = "petition_drafts_used"  # tokens already submitted: a second click does not submit twice
DONE_KEY = "petition_submitted"  # what the confirmation page shows (the receipt code only once)
TRACK_KEY = "tracked_petition"  # public_id opened with a receipt code
TMP_ROOT = "tmp/submit"  # under the default storage; one folder per day, per draft
TMP_KEEP_DAYS = 2
MAX_DRAFTS = 3

# Colour of each state's badge (Bootstrap text-bg-*).
STATE_BADGE = {
    State.REGISTERED: "secondary",
    State.ACCEPTED: "info",
    State.HANDLING: "primary",
    State.REPLIED: "success",
    State.REVIEWING: "warning",
    State.REVIEWED: "success",
    State.REREVIEWING: "warning",
    State.CLOSED: "dark",
    State.FINAL: "dark",
    State.NOT_ACCEPTED: "danger",
    State.WITHDRAWN: "light",
    State.MERGED: "light",
}
# What each state means, in plain words for the petitioner.
STATE_HINT = {
    State.REGISTERED: gettext_lazy("已收到，受理单位将在15日内告知是否受理。"),
    State.ACCEPTED: gettext_lazy("已受理，正在安排承办单位。"),
    State.HANDLING: gettext_lazy("正在办理，一般在受理之日起60日内办结。"),
    State.REPLIED: gettext_lazy("已出具处理意见。您可以评价；不服的可以在期限内申请复查。"),
    State.REVIEWING: gettext_lazy("上一级单位正在复查，30日内答复。"),
    State.REVIEWED: gettext_lazy("已作出复查意见。不服的可以在期限内申请复核。"),
    State.REREVIEWING: gettext_lazy("正在复核，30日内答复。"),
    State.CLOSED: gettext_lazy("已办结。"),
    State.FINAL: gettext_lazy("已复核终结，以同一事实和理由再次提出的不再受理。"),
    State.NOT_ACCEPTED: gettext_lazy("不予受理，原因和应当通过的途径见告知书。"),
    State.WITHDRAWN: gettext_lazy("您已撤回。"),
    State.MERGED: gettext_lazy("与另一件相同事项合并办理。"),
}


def _state_badge(state: str) -> str:
    return STATE_BADGE.get(state, "secondary")


# --- submit: the form, the summary step, the confirmation -------------------------------------


def _drafts(request: HttpRequest) -> dict:
    return request.session.get(DRAFTS_KEY, {})


def _draft_files(request: HttpRequest, token: str) -> list[dict]:
    return list(_drafts(request).get(token, {}).get("files", []))


def _save_draft(request: HttpRequest, token: str, files: list[dict]) -> None:
    drafts = _drafts(request)
    drafts[token] = {"files": files, "created": drafts.get(token, {}).get("created", timezone.now().isoformat())}
    # Keep the newest few drafts of this session; older ones lose their stashed files.
    for old in sorted(drafts, key=lambda t: drafts[t]["created"])[:-MAX_DRAFTS]:
        _delete_files(drafts.pop(old)["files"])
    request.session[DRAFTS_KEY] = drafts


def _discard_draft(request: HttpRequest, token: str) -> None:
    drafts = _drafts(request)
    entry = drafts.pop(token, None)
    if entry is not None:
        _delete_files(entry["files"])
    request.session[DRAFTS_KEY] = drafts


def _delete_files(files: list[dict]) -> None:
    for f in files:
        with contextlib.suppress(OSError):
            default_storage.delete(f["path"])


def _purge_stale_stash(now: datetime) -> None:
    """Delete day folders of abandoned drafts (older than TMP_KEEP_DAYS). Cheap: one listing."""
    oldest = (now - timedelta(days=TMP_KEEP_DAYS)).strftime("%Y%m%d")
    try:
        days, _files = default_storage.listdir(TMP_ROOT)
    except (FileNotFoundError, NotADirectoryError):
        return
    for day in days:
        if day.isdigit() and day < oldest:
            for draft in default_storage.listdir(f"{TMP_ROOT}/{day}")[0]:
                for name in default_storage.listdir(f"{TMP_ROOT}/{day}/{draft}")[1]:
                    default_storage.delete(f"{TMP_ROOT}/{day}/{draft}/{name}")


def _stash_uploads(token: str, uploads: list, already: int) -> tuple[list[dict], list[str]]:
    """Check each new file and keep the good ones in temporary storage until the confirm step."""
    stored, errors = [], []
    day = timezone.localdate().strftime("%Y%m%d")
    for upload in uploads:
        if already + len(stored) >= MAX_ATTACHMENTS:
            errors.append(_("附件最多%(n)d个，“%(name)s”未保存") % {"n": MAX_ATTACHMENTS, "name": upload.name})
            continue
        try:
            checked = check_upload(upload)
        except DomainError as exc:
            errors.append(exc.message)
            continue
        name = default_storage.save(f"{TMP_ROOT}/{day}/{token}/{secrets.token_hex(8)}", checked.upload)
        stored.append({"path": name, "name": checked.name, "size": checked.size})
    return stored, errors


def _draft_token(request: HttpRequest) -> str | None:
    token = request.POST.get("draft_token", "")
    return token if token in _drafts(request) else None


def _render_form(
    request: HttpRequest, form: SubmitForm, *, token: str = "", files: list[dict] | None = None,
    error: DomainError | None = None, status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "token": token,
        "files": files or [],
        "error": error,
        "error_list": (error.details.get("errors") or []) if error is not None else [],
        "ptype_radios": [(r, TYPE_HINTS.get(r.data["value"], "")) for r in form["ptype"]],
        "category_help": [(label, CATEGORY_HINTS.get(value, "")) for value, label in Category.choices],
        "accusation": PetitionType.ACCUSATION,
    }
    return render(request, "petitions/public/submit_form.html", context, status=status)


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        return _render_form(request, SubmitForm(user=user))
    step = request.POST.get("step", "preview")
    token = _draft_token(request)
    if step == "confirm":
        return _submit_confirm(request, token)
    form = SubmitForm(request.POST, request.FILES, user=user)
    if token is None:
        token = secrets.token_urlsafe(16)
        _purge_stale_stash(timezone.now())
    files = _draft_files(request, token)
    removed = set(request.POST.getlist("remove_file"))
    if removed:
        _delete_files([f for f in files if f["path"] in removed])
        files = [f for f in files if f["path"] not in removed]
    valid = form.is_valid()
    new_files, file_errors = _stash_uploads(token, request.FILES.getlist("attachments"), len(files))
    files += new_files
    _save_draft(request, token, files)
    for message in file_errors:
        form.add_error("attachments", message)
    if step == "edit":
        return _render_form(request, form, token=token, files=files)
    if not (valid and not file_errors):
        return _render_form(request, form, token=token, files=files, status=400)
    return _render_preview(request, form, token=token, files=files)


def _render_preview(request: HttpRequest, form: SubmitForm, *, token: str, files: list[dict]) -> HttpResponse:
    data = form.cleaned_data
    suggestion = None
    category = data["category"]
    if not category:
        suggestion = suggest_category(f"{data['title']} {data['content']}")
        category = suggestion or Category.OTHER
    context = {
        "form": form,
        "data": data,
        "token": token,
        "files": files,
        "category": category,
        "suggestion": suggestion,
        "suggestion_label": Category(suggestion).label if suggestion else "",
        "category_choices": [(v, label, CATEGORY_HINTS.get(v, "")) for v, label in Category.choices],
        "ptype_label": PetitionType(data["ptype"]).label,
        "anonymous": form.is_anonymous,
        "hidden_fields": [f for f in form if f.name not in ("category", "attachments", "content")],
    }
    return render(request, "petitions/public/submit_preview.html", context)


def _submit_confirm(request: HttpRequest, token: str | None) -> HttpResponse:
    user = request.user
    posted = request.POST.get("draft_token", "")
    if token is None and posted and posted in request.session.get(USED_KEY, []):
        messages.info(request, _("这件信访已经提交，请勿重复提交。"))
        return redirect("petitions:submit_done" if request.session.get(DONE_KEY) else "petitions:mine")
    form = SubmitForm(request.POST, user=user)
    if token is None:
        form.is_valid()
        form.add_error(None, _("页面已过期，请核对内容并重新选择附件后再提交。"))
        return _render_form(request, form, status=400)
    files = _draft_files(request, token)
    if not form.is_valid():
        return _render_form(request, form, token=token, files=files, status=400)
    category = form.cleaned_data["category"]
    if not category:
        form.add_error("category", _("请选择内容分类"))
        return _render_form(request, form, token=token, files=files, status=400)
    handles = []
    try:
        for f in files:
            handles.append(File(default_storage.open(f["path"], "rb"), name=f["name"]))
        result = petition_submit(petitioner=user, draft=form.draft(category=category), uploads=handles)
    except DomainError as exc:
        return _render_form(request, form, token=token, files=files, error=exc, status=exc.status)
    except FileNotFoundError:
        form.add_error("attachments", _("暂存的附件已失效，请重新选择附件"))
        _save_draft(request, token, [])
        return _render_form(request, form, token=token, status=400)
    finally:
        for h in handles:
            h.close()
    _discard_draft(request, token)
    request.session[USED_KEY] = [*request.session.get(USED_KEY, [])[-4:], token]
    petition = result.petition
    done = {"number": petition.number, "public_id": str(petition.public_id), "anonymous": petition.is_anonymous}
    if result.receipt_code:
        done["receipt_code"] = result.receipt_code
    request.session[DONE_KEY] = done
    return redirect("petitions:submit_done")


@login_required
@never_cache
def submit_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get(DONE_KEY)
    if not done:
        return redirect("petitions:mine")
    code = done.pop("receipt_code", None)
    if code is not None:
        request.session[DONE_KEY] = done  # the code is shown this once, then forgotten
    groups = [code[i : i + 4] for i in range(0, len(code), 4)] if code else []
    return render(request, "petitions/public/submit_done.html", {"done": done, "code_groups": groups})


# --- my petitions --------------------------------------------------------------------------


@dataclass
class Deadline:
    label: str
    last_day: date | None = None
    days_left: int | None = None
    status: str = ""  # shown instead of days left when the period is met or over

    @property
    def overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def css(self) -> str:
        if self.days_left is None:
            return ""
        return "overdue" if self.days_left < 0 else "soon" if self.days_left <= 3 else ""


def _current_deadline(p: Petition, now: datetime) -> Deadline | None:
    if p.due_at is None or not p.due_kind:
        return None
    return Deadline(DueKind(p.due_kind).label, last_day_of(p.due_at), days_left(p.due_at, now))


def _deadlines(p: Petition, now: datetime) -> list[Deadline]:
    """Every period of this petition, with what became of it (for the petitioner's page)."""
    out: list[Deadline] = []

    def day(at: datetime) -> str:
        return formats.date_format(timezone.localdate(at), "DATE_FORMAT")  # 2026年3月5日 / Mar. 5, 2026

    def period(label: str, due: datetime | None, met_at: datetime | None, met: str, running: bool) -> None:
        if due is None:
            return
        if met_at is not None:
            out.append(Deadline(label, last_day_of(due), None, met % {"day": day(met_at)}))
        elif running:
            out.append(Deadline(label, last_day_of(due), days_left(due, now)))
        else:
            out.append(Deadline(label, last_day_of(due), None, _("—")))

    period(_("受理告知期限"), p.acceptance_due_at, p.accepted_at, _("已于%(day)s受理"), p.state == State.REGISTERED)
    period(_("办理期限"), p.handling_due_at, p.replied_at, _("已于%(day)s答复"),
           p.state in (State.ACCEPTED, State.HANDLING))
    for review in p.review_list:
        period(_("%(level)s答复期限") % {"level": review.get_level_display()}, review.due_at, review.decided_at,
               _("已于%(day)s作出意见"), True)
    if p.review_request_due_at and not p.reviews_requested(level="review"):
        open_ = p.state in (State.REPLIED, State.CLOSED) and now < p.review_request_due_at
        period(_("复查申请期限"), p.review_request_due_at, None, "", open_)
    if p.rereview_request_due_at and not p.reviews_requested(level="rereview"):
        open_ = p.state in (State.REVIEWED, State.CLOSED) and now < p.rereview_request_due_at
        period(_("复核申请期限"), p.rereview_request_due_at, None, "", open_)
    return out


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = Paginator(selectors.mine(request.user), 20).get_page(request.GET.get("page"))
    cards = [
        {"p": p, "badge": _state_badge(p.state), "deadline": _current_deadline(p, now)}
        for p in page.object_list
    ]
    return render(request, "petitions/public/mine.html", {"page": page, "cards": cards})


# --- one petition, as its petitioner sees it ------------------------------------------------


ACTION_FORMS = {
    Action.RATE: RateForm,
    Action.REQUEST_REVIEW: ReviewRequestForm,
    Action.REQUEST_REREVIEW: ReviewRequestForm,
    Action.WITHDRAW: WithdrawForm,
    Action.ADD_MATERIAL: MaterialForm,
}
ACTION_LABELS = {
    Action.RATE: (gettext_lazy("评价"), "star"),
    Action.REQUEST_REVIEW: (gettext_lazy("申请复查"), "arrow-repeat"),
    Action.REQUEST_REREVIEW: (gettext_lazy("申请复核"), "arrow-up-circle"),
    Action.ADD_MATERIAL: (gettext_lazy("补充材料"), "paperclip"),
    Action.WITHDRAW: (gettext_lazy("撤回信访"), "x-circle"),
}
ACTION_HINTS = {
    Action.RATE: gettext_lazy("对处理结果作出评价。评价后事项办结；不服的仍可在期限内申请复查。"),
    Action.REQUEST_REVIEW: gettext_lazy(
        "对处理意见不服的，可以自收到处理意见书之日起30日内，请求上一级单位复查（《信访工作条例》第三十五条）。"
    ),
    Action.REQUEST_REREVIEW: gettext_lazy(
        "对复查意见不服的，可以自收到复查意见之日起30日内，请求再上一级单位复核（第三十六条）。复核后事项终结。"
    ),
    Action.ADD_MATERIAL: gettext_lazy("补充新的事实、证据或照片，承办人会看到。"),
    Action.WITHDRAW: gettext_lazy("撤回后本事项不再办理。"),
}
ACTION_DONE = {
    Action.RATE: gettext_lazy("感谢您的评价。"),
    Action.REQUEST_REVIEW: gettext_lazy("复查申请已提交。"),
    Action.REQUEST_REREVIEW: gettext_lazy("复核申请已提交。"),
    Action.ADD_MATERIAL: gettext_lazy("补充材料已提交。"),
    Action.WITHDRAW: gettext_lazy("信访事项已撤回。"),
}


def _add_material(petition: Petition, actor: Actor, text: str, uploads: list) -> None:
    """Store the files and record the material in one transaction (the workflow takes the ids)."""
    error = refusal(Action.ADD_MATERIAL, actor, petition)
    if error is not None:
        raise error
    checked = [check_upload(u) for u in uploads]
    if len(checked) > MAX_ATTACHMENTS:
        raise InvalidInput("too_many_files", _("附件最多%(n)d个") % {"n": MAX_ATTACHMENTS})
    saved: list[str] = []
    try:
        with transaction.atomic():
            ids = []
            for c in checked:
                attachment = Attachment(
                    petition=petition, original_name=c.name, content_type=c.content_type, size=c.size,
                    sha256=c.sha256, uploaded_by=actor.user, by_petitioner=True,
                )
                attachment.file.save(c.name, c.upload, save=False)
                saved.append(attachment.file.name)
                attachment.save()
                ids.append(attachment.pk)
            petition_add_material(petition=petition, actor=actor, text=text, attachment_ids=ids)
    except DomainError:
        for name in saved:
            default_storage.delete(name)
        raise


def _perform(action: Action, form, petition: Petition, actor: Actor) -> None:
    data = form.cleaned_data
    if action == Action.RATE:
        petition_rate(petition=petition, actor=actor, rating=data["rating"], comment=data["comment"])
    elif action == Action.REQUEST_REVIEW:
        petition_request_review(petition=petition, actor=actor, text=data["text"])
    elif action == Action.REQUEST_REREVIEW:
        petition_request_rereview(petition=petition, actor=actor, text=data["text"])
    elif action == Action.WITHDRAW:
        petition_withdraw(petition=petition, actor=actor, reason=data["reason"])
    elif action == Action.ADD_MATERIAL:
        _add_material(petition, actor, data["text"], data["files"])


def _url_or_blank(name: str, pk: int) -> str:
    """The staff pages provide the downloads; a deployment without them shows plain names."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _documents(petition: Petition, *, links: bool) -> tuple[list[dict], list[dict]]:
    """Notices the petitioner receives (never the internal 督办单) and their own attachments."""
    notices = [
        {"notice": n, "url": _url_or_blank("petitions:notice_download", n.pk) if links else ""}
        for n in petition.notices.exclude(kind=NoticeKind.SUPERVISION)
    ]
    attachments = [
        {"a": a, "url": _url_or_blank("petitions:attachment_download", a.pk) if links else ""}
        for a in petition.attachments.filter(by_petitioner=True)
    ]
    return notices, attachments


def _case_page(
    request: HttpRequest, petition: Petition, actor: Actor, *, template: str, links: bool = True
) -> HttpResponse:
    """GET shows the petition; POST ``action=…`` runs one petitioner action, then redirects."""
    bound: dict[str, object] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            action = Action(request.POST.get("action", ""))
        except ValueError:
            action = None
        if action not in ACTION_FORMS:
            messages.error(request, _("未知操作"))
            return redirect(request.path)
        form = ACTION_FORMS[action](request.POST, request.FILES, auto_id=f"{action}-%s")
        if form.is_valid():
            try:
                _perform(action, form, petition, actor)
            except DomainError as exc:
                errors[action] = exc.message
                status = exc.status
            else:
                messages.success(request, ACTION_DONE[action])
                return redirect(request.path)
        else:
            status = 400
        bound[action] = form
        petition.refresh_from_db()
        petition.forget_reviews()
    now = timezone.now()
    actions = []
    allowed = set(allowed_actions(actor, petition, now)) & PETITIONER_ACTIONS
    for action in [a for a in ACTION_LABELS if a in allowed]:  # withdrawal last
        label, icon = ACTION_LABELS[action]
        form = bound.get(action) or ACTION_FORMS[action](auto_id=f"{action}-%s")
        actions.append({"name": str(action), "label": label, "icon": icon, "form": form, "hint": ACTION_HINTS[action],
                        "error": errors.get(action, ""), "open": action in bound})
    # A refused action that is no longer offered still shows why.
    stray = [msg for a, msg in errors.items() if a not in {x["name"] for x in actions}]
    notices, attachments = _documents(petition, links=links)
    context = {
        "p": petition,
        "badge": _state_badge(petition.state),
        "state_hint": STATE_HINT.get(petition.state, ""),
        "current": _current_deadline(petition, now),
        "deadlines": _deadlines(petition, now),
        "events": petition.events.filter(public=True).order_by("seq"),
        "reviews": petition.review_list,
        "attachments": attachments,
        "notices": notices,
        "actions": actions,
        "stray_errors": stray,
    }
    return render(request, template, context, status=status)


@login_required
def detail_public(request: HttpRequest, public_id) -> HttpResponse:
    user = request.user
    petition = get_object_or_404(
        selectors.visible_to(user).filter(petitioner=user).select_related("unit"), public_id=public_id
    )
    return _case_page(request, petition, Actor(user=user), template="petitions/public/detail.html")


# --- anonymous tracking by receipt code ----------------------------------------------------


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    status, blocked = 200, ""
    if request.method == "POST":
        if not receipt_try_allowed(request):
            form = TrackForm()
            blocked = _("尝试次数过多。为保护信访人，请10分钟后再试。")
            status = 429
        elif form.is_valid():
            petition = find_by_receipt(form.cleaned_data["code"])
            if petition is not None:
                request.session.cycle_key()
                request.session[TRACK_KEY] = {"id": str(petition.public_id), "at": timezone.now().isoformat()}
                return redirect("petitions:track_detail")
            form.add_error("code", _("查询码不正确，请核对后重新输入"))
            status = 400
        else:
            status = 400
    return render(request, "petitions/public/track.html", {"form": form, "blocked": blocked}, status=status)


TRACK_IDLE = timedelta(hours=1)


@never_cache
def track_detail(request: HttpRequest) -> HttpResponse:
    tracked = request.session.get(TRACK_KEY)
    if request.method == "POST" and request.POST.get("action") == "exit":
        request.session.pop(TRACK_KEY, None)
        messages.info(request, _("已退出查询。"))
        return redirect("petitions:track")
    now = timezone.now()
    expired = not tracked or datetime.fromisoformat(tracked["at"]) + TRACK_IDLE < now
    petition = None if expired else Petition.objects.filter(public_id=tracked["id"], is_anonymous=True).first()
    if petition is None:
        request.session.pop(TRACK_KEY, None)
        messages.info(request, _("请输入查询码查询。"))
        return redirect("petitions:track")
    request.session[TRACK_KEY] = {"id": tracked["id"], "at": now.isoformat()}
    return _case_page(
        request, petition, RECEIPT_ACTOR, template="petitions/public/track_detail.html", links=False
    )


urlpatterns = [
    path("submit/", submit, name="submit"),
    path("submit/done/", submit_done, name="submit_done"),
    path("mine/", mine, name="mine"),
    path("p/<uuid:public_id>/", detail_public, name="detail_public"),
    path("track/", track, name="track"),
    path("track/view/", track_detail, name="track_detail"),
]
