"""Staff pages: the inbox (信访工作台), work list (我的承办), the petition page with the
actions this user may take now, registration of letters/calls/visits, supervision answers,
accountability records, and downloads of notices and attachments.

Thin: every petition comes through ``selectors.visible_to`` (404 otherwise), the buttons
come from ``rules.allowed_actions``, every write is a workflow/intake function called with
``Actor(user=request.user)``; a refusal shows the DomainError's Chinese message.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.forms.utils import flatatt
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record
from core.dashboard import inbox_counts, sees_desk
from core.errors import DomainError
from orgs.choices import Role
from orgs.models import Unit, User
from petitions import selectors, workflow
from petitions.choices import (
    AccountabilityStatus,
    Category,
    Channel,
    Flag,
    NoticeKind,
    State,
    SupervisionStatus,
)
from petitions.identity import Identity, unseal
from petitions.intake import PetitionDraft, petition_register
from petitions.models import AccountabilityRecord, Attachment, Notice, Petition, SupervisionOrder
from petitions.reveal import identity_reveal as reveal_identity
from petitions.reveal import reveal_refusal
from petitions.rules import DESK_ROLES, Action, Actor, allowed_actions
from petitions.staff_forms import (
    ACTION_FORMS,
    ACTION_ICONS,
    ACTION_LABELS,
    AccountabilityDecideForm,
    InboxFilterForm,
    RegisterForm,
    SupervisionAnswerForm,
)
from tongxin.lib.periods import days_left, last_day_of

PAGE_SIZE = 25
SOON_DAYS = 3
# A list row's labels from dicts built once: get_FOO_display() rebuilds the choices dict (and
# translates every label) per call, which was a fifth of the inbox's time.
STATE_LABELS = dict(State.choices)
CATEGORY_LABELS = dict(Category.choices)
CHANNEL_LABELS = dict(Channel.choices)
# Long texts no list row shows: not read for the page's 25 rows.
LIST_DEFERRED = ("content", "reply_text", "rating_comment", "final_fingerprint", "event_head", "receipt_hash")
# Staff actions and the workflow verb each calls; the petitioner's steps live on the public pages.
ACTION_FUNCTIONS = {
    Action.ACCEPT: workflow.petition_accept,
    Action.DECLINE: workflow.petition_decline,
    Action.FORWARD: workflow.petition_forward,
    Action.ASSIGN: workflow.petition_assign,
    Action.REASSIGN: workflow.petition_reassign,
    Action.TRANSFER: workflow.petition_transfer,
    Action.EXTEND: workflow.petition_extend,
    Action.REPLY: workflow.petition_reply,
    Action.DECIDE_REVIEW: workflow.petition_decide_review,
    Action.DECIDE_REREVIEW: workflow.petition_decide_rereview,
    Action.MERGE: workflow.petition_merge,
    Action.SUPERVISE: workflow.petition_supervise,
}

STATE_TONES = {
    State.REGISTERED: "warning",
    State.ACCEPTED: "info",
    State.HANDLING: "primary",
    State.REPLIED: "success",
    State.REVIEWING: "primary",
    State.REVIEWED: "success",
    State.REREVIEWING: "primary",
    State.CLOSED: "secondary",
    State.FINAL: "dark",
    State.NOT_ACCEPTED: "secondary",
    State.WITHDRAWN: "secondary",
    State.MERGED: "secondary",
}


# --- helpers ---------------------------------------------------------------------------------


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def _scope_units(user: User, *roles: str):
    """Units in the subtrees where ``user`` holds one of ``roles``: the choices of unit pickers."""
    if user.is_superuser:
        return Unit.objects.all()
    units = user.units_with(*roles)
    return Unit.objects.subtrees_of(units) if units else Unit.objects.none()


def _deadline(p: Petition, now: datetime) -> None:
    """Attach the current deadline's last day, days left and tone to the row."""
    p.tone = STATE_TONES.get(p.state, "secondary")
    p.state_label = STATE_LABELS.get(p.state, p.state)
    p.category_label = CATEGORY_LABELS.get(p.category, p.category)
    p.channel_label = CHANNEL_LABELS.get(p.channel, p.channel)
    p.last_day = p.days_left = p.overdue_days = None
    p.due_tone = ""
    if p.due_at is not None and p.state not in (State.CLOSED, State.FINAL):
        p.last_day = last_day_of(p.due_at)
        p.days_left = days_left(p.due_at, now)
        p.overdue_days = -p.days_left
        p.due_tone = "overdue" if p.days_left < 0 else "soon" if p.days_left <= SOON_DAYS else ""


def _visible_petition(request: HttpRequest, public_id) -> Petition:
    qs = selectors.visible_to(request.user).select_related(
        "unit", "handling_unit", "handler", "leader", "registered_by", "accused_unit", "merged_into"
    )
    return get_object_or_404(qs, public_id=public_id)


def _is_visible(user: User, petition_id: int) -> bool:
    return selectors.visible_to(user).filter(pk=petition_id).exists()


def _as_staff(user: User, petition: Petition) -> bool:
    """Staff see internal events and orders; the petitioner (even one who is also staff, who
    must withdraw under 第二十八条第三款) sees the petition as the petitioner."""
    return petition.petitioner_id != user.pk


def _may_answer(user: User, order: SupervisionOrder, petition: Petition) -> bool:
    """Mirrors the check in workflow.supervision_answer: it shows the form, the service decides."""
    if order.status != SupervisionStatus.OPEN:
        return False
    return (
        user.is_superuser
        or user.has_role(Role.UNIT_LEADER, order.to_unit)
        or user.has_role(Role.PETITION_OFFICER, order.to_unit)
        or user.pk == petition.handler_id
    )


def _may_decide(user: User, record: AccountabilityRecord) -> bool:
    """Mirrors the check in workflow.accountability_decide."""
    if record.status != AccountabilityStatus.OPEN or user.pk in (record.responsible_id, record.leader_id):
        return False
    return user.is_superuser or user.has_role(Role.DISCIPLINE_INSPECTOR, record.unit)


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = "；".join(str(e) for e in errors)
        parts.append(f"{label}：{text}" if label else text)
    return "；".join(parts)


class _PlainSelect(forms.Select):
    """The markup of forms.Select, written directly: Django renders every <option> through a
    template, which for the group's 404 units was most of the inbox's time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}

        def option(value, label) -> str:
            v = "" if value is None else str(value)
            return f'<option value="{escape(v)}"{" selected" if v in chosen else ""}>{escape(label)}</option>'

        parts = []
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):
                inner = "".join(option(v, lbl) for v, lbl in label)
                parts.append(f'<optgroup label="{escape(value)}">{inner}</optgroup>')
            else:
                parts.append(option(value, label))
        attrs_html = flatatt({**self.build_attrs(self.attrs, attrs), "name": name})
        # Every value and label went through escape() above; flatatt escapes the attributes.
        return mark_safe(f"<select{attrs_html}>{''.join(parts)}</select>")  # nosec B308 B703


def _plain_selects(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = _PlainSelect(attrs=field.widget.attrs)
            widget.choices = field.choices
            widget.is_required = field.widget.is_required
            field.widget = widget
    return form


class _CountedPaginator(Paginator):
    """A paginator told its count (the inbox's counters have just counted the same rows)."""

    def __init__(self, object_list, per_page, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @property
    def count(self) -> int:
        return self._known


def _list_page(request: HttpRequest, qs, now: datetime, count: int | None = None):
    """One page of ``qs``: its ids first (the inbox's covering index answers that without the
    table), then those rows without their long texts, in the page's order."""
    ids_qs = qs.values_list("pk", flat=True)
    paginator = Paginator(ids_qs, PAGE_SIZE) if count is None else _CountedPaginator(ids_qs, PAGE_SIZE, count)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = {p.pk: p for p in qs.order_by().filter(pk__in=ids).defer(*LIST_DEFERRED)} if ids else {}
    # A row gone between the two reads (merged, withdrawn) is left out, never shown half.
    page.object_list = [rows[i] for i in ids if i in rows]
    for p in page.object_list:
        _deadline(p, now)
    return page


# --- lists -----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    inspector = user.has_role(Role.DISCIPLINE_INSPECTOR)
    if not (sees_desk(user) or inspector):
        return _forbidden(request, _("信访工作台供信访干事、单位负责人、纪检人员和系统管理员使用。"))
    now = timezone.now()
    units = _scope_units(user, *selectors.DESK_SCOPE_ROLES, Role.DISCIPLINE_INSPECTOR)
    form = _plain_selects(InboxFilterForm(request.GET or None, units=units))
    filters = form.filters()
    filtered = any(filters.values())
    counts = inbox_counts(user, now)
    # Unfiltered, the list is the open matters the counters have just counted: not again.
    page = _list_page(request, selectors.inbox(user, now=now, **filters), now,
                      count=None if filtered else counts["open"])
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "may_register": sees_desk(user),
        "filtered": filtered,
    }
    return render(request, "petitions/staff/inbox.html", context)


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = _list_page(request, selectors.worklist(request.user), now)
    return render(request, "petitions/staff/worklist.html", {"page": page})


# --- the petition page -----------------------------------------------------------------------


def _identity(petition: Petition) -> dict[str, str] | None:
    try:
        row = petition.identity
    except Petition.identity.RelatedObjectDoesNotExist:
        return None
    return unseal(row).masked()


@login_required
def detail(request: HttpRequest, public_id) -> HttpResponse:
    user = request.user
    p = _visible_petition(request, public_id)
    now = timezone.now()
    _deadline(p, now)
    as_staff = _as_staff(user, p)
    actions = []
    if as_staff:
        for action in allowed_actions(Actor(user=user), p, now):
            if action in ACTION_FORMS:
                form = ACTION_FORMS[action](petition=p, user=user)
                actions.append({"name": action.value, "label": ACTION_LABELS[action],
                                "icon": ACTION_ICONS[action], "form": form})
    events = p.events.select_related("actor").order_by("seq")
    notices = p.notices.select_related("unit").order_by("issued_at", "pk")
    if not as_staff:
        events = events.filter(public=True)
        notices = notices.exclude(kind=NoticeKind.SUPERVISION)
    events = list(events)
    for event in events:
        # The petitioner is named only in the (masked) identity card, never by account name.
        is_petitioner = event.actor_id is not None and event.actor_id == p.petitioner_id
        event.actor_label = _("信访人") if is_petitioner else (event.actor.name if event.actor else "")
        event.from_label = _state_label(event.from_state)
        event.to_label = _state_label(event.to_state)
    supervisions = []
    records = []
    if as_staff:
        supervisions = list(p.supervisions.select_related("issued_by_unit", "to_unit").order_by("issued_at"))
        for order in supervisions:
            order.last_day = last_day_of(order.due_at)
            if _may_answer(user, order, p):
                order.answer_form = SupervisionAnswerForm(auto_id=f"id_supervision{order.pk}_%s")
        records = list(selectors.accountability_visible_to(user).filter(petition=p).order_by("opened_at"))
        _decide_forms(request, user, records)
    reviews = p.review_list  # Review.last_day is a property of the model
    context = {
        "p": p,
        "as_staff": as_staff,
        "identity": _identity(p),
        "may_reveal": as_staff and reveal_refusal(petition=p, acting_user=user, visible=True) is None,
        "attachments": p.attachments.all(),
        "reviews": reviews,
        "supervisions": supervisions,
        "records": records,
        "notices": notices,
        "events": events,
        "actions": actions,
        "flag_labels": _flag_labels(p),
        "public_url": "" if as_staff else _reverse_or_empty("petitions:detail_public", public_id=p.public_id),
    }
    return render(request, "petitions/staff/detail.html", context)


def _reverse_or_empty(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _state_label(code: str) -> str:
    return State(code).label if code in State.values else ""


def _decide_forms(request: HttpRequest, user: User, records) -> None:
    """Attach a decide form to each record this user may decide."""
    for record in records:
        record.decide_form = None
        if _may_decide(user, record):
            record.decide_form = AccountabilityDecideForm(
                auto_id=f"id_record{record.pk}_%s", initial={"next": request.get_full_path()}
            )


def _flag_labels(p: Petition) -> list[str]:
    return [Flag(f).label if f in Flag.values else f for f in (p.flags or [])]


@login_required
@require_POST
def act(request: HttpRequest, public_id, action: str) -> HttpResponse:
    try:
        verb = Action(action)
    except ValueError:
        raise Http404("unknown action") from None
    if verb not in ACTION_FUNCTIONS:
        raise Http404("not a staff action")
    user = request.user
    p = _visible_petition(request, public_id)
    back = redirect("petitions:detail", public_id=p.public_id)
    form = ACTION_FORMS[verb](request.POST, petition=p, user=user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return back
    version = form.cleaned_data.get("version")
    if version is not None and version != p.version:
        messages.error(request, _("该信访事项已被他人更新，请查看最新情况后再操作。"))
        return back
    try:
        ACTION_FUNCTIONS[verb](petition=p, actor=Actor(user=user), **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("已%(action)s：%(number)s") % {"action": ACTION_LABELS[verb], "number": p.number})
    if not _is_visible(user, p.pk):  # e.g. forwarded or transferred out of the user's scope
        return redirect("petitions:inbox" if sees_desk(user) else "home")
    return back


@login_required
@require_POST
def supervision_answer(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(SupervisionOrder.objects.select_related("petition", "to_unit"), pk=pk)
    if not _is_visible(request.user, order.petition_id) or not _as_staff(request.user, order.petition):
        raise Http404
    back = redirect("petitions:detail", public_id=order.petition.public_id)
    form = SupervisionAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return back
    try:
        workflow.supervision_answer(order=order, actor=Actor(user=request.user), answer=form.cleaned_data["answer"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("已回复督办单。"))
    return back


# --- identity reveal -------------------------------------------------------------------------


@login_required
@require_POST
def identity_reveal(request: HttpRequest, public_id) -> HttpResponse:
    """查看实名信息: the identity in clear, once, in this response only (audited)."""
    p = _visible_petition(request, public_id)
    try:
        identity = reveal_identity(petition=p, acting_user=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("petitions:detail", public_id=p.public_id)
    context = {"p": p, "identity": identity, "reason": " ".join(request.POST.get("reason", "").split())}
    response = render(request, "petitions/staff/identity_reveal.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


# --- accountability --------------------------------------------------------------------------


@login_required
def accountability(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    qs = selectors.accountability_visible_to(user).select_related("petition__unit").order_by("-opened_at", "-pk")
    if status in AccountabilityStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _decide_forms(request, user, page.object_list)
    context = {"page": page, "status": status}
    return render(request, "petitions/staff/accountability.html", context)


@login_required
@require_POST
def accountability_decide(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.accountability_visible_to(request.user), pk=pk)
    form = AccountabilityDecideForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("petitions:accountability")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(target)
    try:
        workflow.accountability_decide(record=record, actor=Actor(user=request.user),
                                       status=form.cleaned_data["status"], outcome=form.cleaned_data["outcome"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    messages.success(request, _("追责记录已处理：%(number)s") % {"number": record.petition.number})
    return redirect(target)


# --- registration ----------------------------------------------------------------------------


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = _scope_units(user, *DESK_ROLES).filter(is_active=True)
    if not (user.is_superuser or user.units_with(*DESK_ROLES)):
        return _forbidden(request, _("只有信访干事、单位负责人和系统管理员可以登记信访事项。"))
    form = RegisterForm(request.POST or None, request.FILES or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            linked: User | None = data["employee_no"]
            identity = Identity(
                name=data["name"].strip() or (linked.name if linked else ""),
                phone=data["phone"].strip() or (linked.phone or "" if linked else ""),
                id_number=data["id_number"].strip(),
                address=data["address"].strip(),
                employee_no=linked.employee_no if linked else "",
                representatives=data["representatives"],
            )
            draft = PetitionDraft(
                title=data["title"], content=data["content"], category=data["category"], unit=data["unit"],
                ptype=data["ptype"], channel=data["channel"], identity=identity,
                anonymous=data["anonymous"], people_count=data["people_count"],
                accused_user=data["accused_no"], received_at=data["received_at"],
            )
            try:
                result = petition_register(officer=user, draft=draft, petitioner=linked,
                                           uploads=data["attachments"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                p = result.petition
                text = _("已登记，信访编号 %(number)s。") % {"number": p.number}
                if result.receipt_code:
                    text += _("匿名查询码：%(code)s（只显示这一次，请告知信访人妥善保管）") % {
                        "code": result.receipt_code}
                messages.success(request, text)
                if _is_visible(user, p.pk):
                    return redirect("petitions:detail", public_id=p.public_id)
                return redirect("petitions:inbox")
        else:
            status = 400
    return render(request, "petitions/staff/register.html", {"form": form}, status=status)


# --- downloads -------------------------------------------------------------------------------


def _download_headers(response: HttpResponse) -> HttpResponse:
    """A download is never rendered by the browser: saved as a file, its type not guessed,
    and sandboxed should it be opened in place anyway (no script, no same-origin access)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def notice_download(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.select_related("petition", "unit", "issued_by"), pk=pk)
    if not _is_visible(request.user, notice.petition_id):
        raise Http404
    if notice.kind == NoticeKind.SUPERVISION and not _as_staff(request.user, notice.petition):
        raise Http404
    from petitions.notices import notice_filename, render_notice  # written alongside; import lazily

    response = HttpResponse(
        render_notice(notice),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition_header(True, notice_filename(notice))
    petition = notice.petition
    if not petition.is_anonymous and petition.petitioner_id != request.user.pk:
        # The notice is addressed to the petitioner by name: downloading it reveals the identity.
        audit_record(actor=request.user, action="notice.download", target=petition,
                     data={"kind": notice.kind, "notice": notice.pk, "doc_number": notice.doc_number})
    return _download_headers(response)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    if not _is_visible(request.user, attachment.petition_id):
        raise Http404
    try:
        handle = default_storage.open(attachment.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("附件文件缺失") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type or "application/octet-stream")
    return _download_headers(response)


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("worklist/", worklist, name="worklist"),
    path("register/", register, name="register"),
    path("case/<uuid:public_id>/", detail, name="detail"),
    path("case/<uuid:public_id>/identity/reveal/", identity_reveal, name="identity_reveal"),
    path("case/<uuid:public_id>/<str:action>/", act, name="act"),
    path("supervision/<int:pk>/answer/", supervision_answer, name="supervision_answer"),
    path("accountability/", accountability, name="accountability"),
    path("accountability/<int:pk>/decide/", accountability_decide, name="accountability_decide"),
    path("notice/<int:pk>/", notice_download, name="notice_download"),
    path("attachment/<int:pk>/", attachment_download, name="attachment_download"),
]
