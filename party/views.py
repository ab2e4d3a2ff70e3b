"""Pages of the party module. Thin: scoping from party.scoping, writes from the services; a
refused write shows the DomainError's message."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orgs.models import User
from party import orgtree, scoping
from party.forms import ElectionForm, OrgCreateForm, PostForm, style
from party.models import Member, PartyOrg, org_subtree_q
from tongxin.lib.periods import local_date

PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def today() -> object:
    return local_date(timezone.now())


def forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(request, "party/forbidden.html",
                  {"message": message or _("您不是党务工作人员，无权查看该页面。")}, status=403)


def visible_org(request: HttpRequest, pk: int) -> PartyOrg:
    org = scoping.orgs_visible_to(request.user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def managed_org(request: HttpRequest, pk: int) -> PartyOrg:
    org = scoping.managed_orgs(request.user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everyone lands here: managers see their workspace, members their own page."""
    from party import pages

    return pages.home(request)


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    orgs = list(scoping.managed_orgs(user).order_by("path")[:2000])
    counts = orgtree.branch_counts([o.pk for o in orgs])
    day = today()
    rows = []
    for org in orgs:
        c = counts.get(org.pk, {})
        rows.append({"org": org, "full": c.get("full", 0), "probationary": c.get("probationary", 0),
                     "indent": range(org.depth)})
    due = orgtree.elections_due([o for o in orgs if o.kind != "group"], day)
    return render(request, "party/org_list.html", {"rows": rows, "due": due, "today": day,
                                                   "form": style(OrgCreateForm())})


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = visible_org(request, pk)
    can_manage = scoping.manages(request.user, org)
    day = today()
    term = orgtree.current_term(org)
    findings = orgtree.org_checks(org, day, term=term) if can_manage else []
    members = Member.objects.filter(branch=org).select_related("person").order_by("person__employee_no")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    posts = org.posts.filter(end__isnull=True).select_related("person") if term else []
    return render(request, "party/org_detail.html", {
        "org": org, "can_manage": can_manage, "findings": findings, "term": term,
        "term_end": orgtree.term_end(term) if term else None, "posts": posts, "page": page,
        "children": org.children.order_by("path"), "units": org.units.all(),
        "election_form": style(ElectionForm()), "post_form": style(PostForm()),
        "child_form": style(OrgCreateForm()),
    })


@login_required
@require_POST
def org_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = managed_org(request, pk)
    form = OrgCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容：%(e)s") % {"e": form.errors.as_text()})
        return redirect("party:org", pk=parent.pk)
    try:
        org = orgtree.org_create(parent=parent, actor=request.user, units=list(parent.units.all()),
                                 **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("party:org", pk=parent.pk)
    messages.success(request, _("已设立%(name)s。") % {"name": org.name})
    return redirect("party:org", pk=org.pk)


@login_required
@require_POST
def org_election(request: HttpRequest, pk: int) -> HttpResponse:
    org = managed_org(request, pk)
    form = ElectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容：%(e)s") % {"e": form.errors.as_text()})
        return redirect("party:org", pk=org.pk)
    try:
        orgtree.term_record(org=org, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记换届选举。"))
    return redirect("party:org", pk=org.pk)


@login_required
@require_POST
def org_post(request: HttpRequest, pk: int) -> HttpResponse:
    org = managed_org(request, pk)
    form = PostForm(request.POST)
    term = orgtree.current_term(org)
    if not form.is_valid() or term is None:
        messages.error(request, _("请先登记届次，并填写工号、职务和任职日期。"))
        return redirect("party:org", pk=org.pk)
    person = User.objects.filter(employee_no=form.cleaned_data["employee_no"].strip()).first()
    if person is None:
        messages.error(request, _("没有该工号的人员。"))
        return redirect("party:org", pk=org.pk)
    try:
        orgtree.post_assign(term=term, person=person, post=form.cleaned_data["post"],
                            start=form.cleaned_data["start"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已任命。"))
    return redirect("party:org", pk=org.pk)


# --- members ----------------------------------------------------------------------------------


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    from party.forms import MemberFilterForm
    from party.members import member_gaps

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    form = MemberFilterForm(request.GET or None)
    qs = scoping.members_visible_to(user).filter(status__in=("full", "probationary"))
    branch = None
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(Q(person__name__contains=d["q"]) | Q(person__employee_no=d["q"]))
        if d["branch"]:
            branch = scoping.managed_orgs(user).filter(pk=d["branch"]).first()
            qs = qs.filter(branch=branch) if branch else qs.none()
        if d["status"]:
            qs = qs.filter(status=d["status"])
    qs = qs.select_related("person", "branch").order_by("branch__path", "person__employee_no")
    completeness = None
    if branch is not None:
        from party.members import branch_completeness

        completeness = branch_completeness(branch)
    if form.is_valid() and form.cleaned_data["gaps"]:
        rows = [(m, g) for m in qs[:3000] if (g := member_gaps(m))]
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = [(m, member_gaps(m)) for m in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "party/member_list.html", {
        "form": style(form), "page": page, "branch": branch, "completeness": completeness,
        "query": (params.urlencode() + "&") if params else "",
    })


@login_required
def member_export(request: HttpRequest) -> HttpResponse:
    from party.roster import roster_xlsx

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    qs = scoping.members_visible_to(user).filter(status__in=("full", "probationary"))
    branch = request.GET.get("branch", "")
    if branch.isdigit():
        qs = qs.filter(branch_id=int(branch))
    resp = HttpResponse(roster_xlsx(qs), content_type=XLSX)
    resp["Content-Disposition"] = content_disposition_header(True, "党员花名册.xlsx")
    return resp


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from party.forms import MemberEditForm
    from party.members import member_gaps, member_update

    member = scoping.members_visible_to(request.user).select_related("person", "branch").filter(pk=pk).first()
    if member is None:
        raise Http404
    can_manage = scoping.manages(request.user, member.branch)
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        form = MemberEditForm(request.POST)
        if form.is_valid():
            try:
                member_update(member=member, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("party:member", pk=member.pk)
    else:
        form = MemberEditForm(initial={f: getattr(member, f) for f in MemberEditForm.base_fields})
    history = member.memberships.select_related("branch").order_by("start", "id")
    letters = member.letters.select_related("from_org", "to_org")
    return render(request, "party/member_detail.html", {
        "member": member, "can_manage": can_manage, "form": style(form), "gaps": member_gaps(member),
        "history": history, "letters": letters,
    })


@login_required
def member_register_view(request: HttpRequest, pk: int) -> HttpResponse:
    from party.forms import MemberRegisterForm
    from party.members import member_register

    org = managed_org(request, pk)
    form = MemberRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            m = member_register(person=d["person"], branch=org, status=d["status"], actor=request.user,
                                joined_on=d["joined_on"], full_on=d["full_on"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记。"))
            return redirect("party:member", pk=m.pk)
    return render(request, "party/form.html", {"form": style(form), "title": _("登记党员"), "org": org})


@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    import uuid

    from party.forms import RosterUploadForm
    from party.models import RosterUpload

    if not scoping.manages_any(request.user):
        return forbidden(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            messages.error(request, _("文件不能超过5MB。"))
        else:
            up = RosterUpload.objects.create(public_id=uuid.uuid4(), filename=f.name[:200], data=f.read(),
                                             created_by=request.user)
            return redirect("party:roster_preview", public_id=up.public_id)
    return render(request, "party/form.html", {"form": style(form), "title": _("导入党员花名册"),
                                               "multipart": True})


@login_required
def roster_preview(request: HttpRequest, public_id) -> HttpResponse:
    from party.models import RosterUpload
    from party.roster import COLUMNS, parse, roster_import

    up = RosterUpload.objects.filter(public_id=public_id, created_by=request.user).first()
    if up is None or not scoping.manages_any(request.user):
        raise Http404
    allowed = list(scoping.managed_orgs(request.user).filter(kind__in=("branch", "joint_branch")))
    mapping = {int(k): v for k, v in up.mapping.items()} if up.mapping else None
    if request.method == "POST" and request.POST.get("action") == "map":
        mapping = {}
        for key, value in request.POST.items():
            if key.startswith("col_") and key[4:].isdigit() and value in COLUMNS and value not in mapping.values():
                mapping[int(key[4:])] = value
        up.mapping = mapping
        up.save(update_fields=["mapping"])
    try:
        preview = parse(bytes(up.data), allowed=allowed, mapping=mapping)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("party:roster_upload")
    if request.method == "POST" and request.POST.get("action") in ("all", "valid"):
        if up.summary:
            messages.info(request, _("该文件已导入。"))
        else:
            try:
                summary = roster_import(preview, actor=request.user, valid_only=request.POST["action"] == "valid")
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                up.summary = summary
                up.save(update_fields=["summary"])
                messages.success(request, _("已导入：新登记%(created)s人，更新%(updated)s人，跳过%(skipped)s行。") % summary)
                return redirect("party:members")
    columns = [(i, h, preview.mapping.get(i, "")) for i, h in enumerate(preview.headers)]
    return render(request, "party/roster_preview.html", {
        "up": up, "preview": preview, "columns": columns,
        "fields": [(k, str(v[0])) for k, v in COLUMNS.items()],
    })


# --- transfers --------------------------------------------------------------------------------


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    from party import transfers

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    day = today()
    transfers.expire_letters(day)
    letters = scoping.letters_visible_to(user).select_related("member__person", "from_org", "to_org")
    return render(request, "party/transfer_list.html", {
        "open": transfers.open_letters(letters)[:200],
        "missing": transfers.missing_receipts(letters)[:200],
        "away": transfers.away_without_transfer(scoping.members_visible_to(user), day)
        .select_related("person", "branch")[:200],
        "recent": letters[:50],
    })


@login_required
def letter_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    from party.forms import LetterForm
    from party.transfers import letter_issue

    member = scoping.members_visible_to(request.user).select_related("branch", "person").filter(pk=pk).first()
    if member is None or not scoping.manages(request.user, member.branch):
        raise Http404
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        to_org = None
        if d["to_code"].strip():
            to_org = PartyOrg.objects.filter(code=d["to_code"].strip()).first()
            if to_org is None:
                messages.error(request, _("没有该代码的党支部。"))
                return render(request, "party/form.html", {"form": style(form), "title": _("开具组织关系介绍信")})
        try:
            letter = letter_issue(member=member, to_org=to_org, to_name=d["to_name"], issued_on=d["issued_on"],
                                  dues_paid_to=d["dues_paid_to"], reason=d["reason"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已开具介绍信 %(n)s。") % {"n": letter.number})
            return redirect("party:letter", pk=letter.pk)
    return render(request, "party/form.html", {"form": style(form), "title": _("开具组织关系介绍信"),
                                               "intro": member.person.name})


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from party.forms import DateActionForm
    from party.transfers import letter_cancel, letter_receipt, letter_report

    letter = scoping.letters_visible_to(request.user).select_related("member__person", "from_org", "to_org").filter(pk=pk).first()
    if letter is None:
        raise Http404
    user = request.user
    if request.method == "POST":
        form = DateActionForm(request.POST)
        action = request.POST.get("action")
        if not form.is_valid():
            messages.error(request, _("请填写日期。"))
        else:
            d = form.cleaned_data
            try:
                if action == "report":
                    letter_report(letter=letter, on=d["on"], actor=user, late_certificate=d["note"])
                elif action == "receipt":
                    letter_receipt(letter=letter, on=d["on"], actor=user)
                elif action == "cancel":
                    letter_cancel(letter=letter, actor=user, reason=d["note"])
                else:
                    raise Http404
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已办理。"))
        return redirect("party:letter", pk=letter.pk)
    return render(request, "party/letter_detail.html", {
        "letter": letter, "form": style(DateActionForm(initial={"on": today()})),
        "at_to": letter.to_org is not None and scoping.manages(user, letter.to_org),
        "at_from": letter.from_org is not None and scoping.manages(user, letter.from_org),
    })


# --- member development ----------------------------------------------------------------------


@login_required
def dev_list(request: HttpRequest) -> HttpResponse:
    from party.development import STEPS, next_step, stage_of

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    files = scoping.dev_files_visible_to(user).filter(state__in=("active", "probation")).select_related("person", "branch")
    rows = []
    for f in files.order_by("branch__path", "id")[:500]:
        w = next_step(f)
        rows.append({"f": f, "w": w, "label": STEPS.get(w.step) if w else "", "stage": stage_of(f.current_step or 1)})
    return render(request, "party/dev_list.html", {"rows": rows, "today": today(),
                                                   "branches": scoping.managed_orgs(user).branches()[:200]})


@login_required
def dev_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    from party.development import dev_open
    from party.forms import DevOpenForm

    org = managed_org(request, pk)
    form = DevOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            f = dev_open(person=d["person"], branch=org, birth_date=d["birth_date"], applied_on=d["applied_on"],
                         leaving_on=d["leaving_on"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已建立发展档案。"))
            return redirect("party:dev", pk=f.pk)
    return render(request, "party/form.html", {"form": style(form), "title": _("受理入党申请"), "org": org})


@login_required
def dev_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from party.development import STAGES, STEPS, next_step, step_record
    from party.forms import DevStepForm

    f = scoping.dev_files_visible_to(request.user).select_related("person", "branch").filter(pk=pk).first()
    if f is None:
        raise Http404
    can_manage = scoping.manages(request.user, f.branch)
    w = next_step(f)
    form = DevStepForm(request.POST or None, request.FILES or None,
                       initial={"on": today(), "decided_by": f.branch.name})
    if request.method == "POST":
        if not can_manage or w is None:
            return forbidden(request)
        if form.is_valid():
            step = w.step
            try:
                step_record(file=f, step=step, on=form.cleaned_data["on"], decided_by=form.cleaned_data["decided_by"],
                            actor=request.user, data=form.data_for(step), note=form.cleaned_data["note"],
                            document=form.cleaned_data.get("document"))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已记录第%(n)s步。") % {"n": step})
                return redirect("party:dev", pk=f.pk)
    done = {s.step: s for s in f.steps.all()}
    stages = [(n, label, [(s, STEPS[s], done.get(s)) for s in steps]) for n, label, steps in STAGES]
    return render(request, "party/dev_detail.html", {
        "f": f, "w": w, "next_label": STEPS.get(w.step) if w else "", "stages": stages, "form": style(form),
        "can_manage": can_manage,
    })


@login_required
def dev_docx(request: HttpRequest, pk: int) -> HttpResponse:
    from party.docs import dev_record_docx

    f = scoping.dev_files_visible_to(request.user).select_related("person", "branch").filter(pk=pk).first()
    if f is None:
        raise Http404
    resp = HttpResponse(dev_record_docx(f), content_type=DOCX)
    resp["Content-Disposition"] = content_disposition_header(True, f"发展党员工作记实表-{f.person.name}.docx")
    return resp


# --- organizational life ----------------------------------------------------------------------


@login_required
def life_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    from party import life
    from party.models import Meeting

    org = managed_org(request, pk)
    day = today()
    try:
        year = int(request.GET.get("year", day.year))
    except ValueError:
        year = day.year
    year = min(max(year, 2000), 2100)
    rows = life.compliance_calendar(org, year, day) if org.is_branch else []
    meetings = Meeting.objects.filter(Q(org=org) | Q(org__parent=org)).order_by("-planned_on", "-id")[:100]
    flags = life.absence_flags(Member.objects.filter(branch=org), day) if org.is_branch else []
    lectures = life.secretary_lectures(org, year)
    return render(request, "party/life_calendar.html", {
        "org": org, "year": year, "rows": rows, "meetings": meetings, "flags": flags, "lectures": lectures,
        "prev": year - 1, "next": year + 1,
    })


@login_required
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    from party.forms import MeetingForm
    from party.life import meeting_plan

    org = managed_org(request, pk)
    form = MeetingForm(request.POST or None, initial={"planned_on": today(), "kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        lecturer = User.objects.filter(employee_no=d["lecturer"].strip()).first() if d["lecturer"].strip() else None
        try:
            m = meeting_plan(org=org, kind=d["kind"], title=d["title"], planned_on=d["planned_on"], agenda=d["agenda"],
                             place=d["place"], lecturer=lecturer, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("party:meeting", pk=m.pk)
    return render(request, "party/form.html", {"form": style(form), "title": _("记录组织生活"), "org": org})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from party import life
    from party.forms import HoldForm, PhotoForm, VoteForm

    m = scoping.meetings_visible_to(request.user).select_related("org", "lecturer").filter(pk=pk).first()
    if m is None:
        raise Http404
    can_manage = scoping.manages(request.user, m.org)
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        action = request.POST.get("action")
        try:
            if action == "hold":
                form = HoldForm(request.POST)
                if not form.is_valid():
                    raise_form(form)
                present = {int(x) for x in request.POST.getlist("present") if x.isdigit()}
                written = {int(x) for x in request.POST.getlist("written") if x.isdigit()}
                reasons = {int(k[7:]): v for k, v in request.POST.items() if k.startswith("reason_") and k[7:].isdigit()}
                life.meeting_hold(meeting=m, actor=request.user, present_ids=present, reasons=reasons,
                                  written=written, **form.cleaned_data)
            elif action == "vote":
                form = VoteForm(request.POST)
                if not form.is_valid():
                    raise_form(form)
                v = life.vote_record(meeting=m, actor=request.user, **form.cleaned_data)
                messages.info(request, _("表决结果：%(r)s") % {"r": _("通过") if v.passed else _("未通过")})
            elif action == "photo":
                form = PhotoForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise_form(form)
                life.meeting_photo_add(meeting=m, upload=form.cleaned_data["image"], actor=request.user)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存。"))
        return redirect("party:meeting", pk=m.pk)
    attendance = m.attendance.select_related("member__person").order_by("member__person__employee_no")
    return render(request, "party/meeting_detail.html", {
        "m": m, "can_manage": can_manage, "attendance": attendance, "votes": m.votes.all(),
        "hold_form": style(HoldForm(initial={"held_on": m.held_on or today(), "minutes": m.minutes,
                                             "speakers": m.speakers})),
        "vote_form": style(VoteForm()), "photo_form": style(PhotoForm()), "photos": m.photos.all(),
    })


def _file_response(name: str, content_type: str, filename: str, *, inline: bool) -> FileResponse:
    """A stored upload, never rendered as a page: its checked type, no sniffing, sandboxed."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    resp = FileResponse(handle, as_attachment=not inline, filename=filename,
                        content_type=content_type or "application/octet-stream")
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "sandbox"
    resp["Cache-Control"] = "no-store, private"
    return resp


@login_required
def meeting_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting photo, to whoever may see the meeting (its organization's managers, its members)."""
    from party.models import MeetingPhoto

    photo = MeetingPhoto.objects.filter(pk=pk, meeting__in=scoping.meetings_visible_to(request.user)).first()
    if photo is None:
        raise Http404
    return _file_response(photo.image.name, photo.content_type, photo.original_name or "photo", inline=True)


@login_required
def dev_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A development step's document, to the branch's managers only (political review and the
    like are not shown to the applicant, who sees that the step has a document)."""
    from party.models import DevStep

    step = DevStep.objects.select_related("file__branch").filter(
        pk=pk, file__in=scoping.dev_files_visible_to(request.user)).exclude(document="").first()
    if step is None or not scoping.manages(request.user, step.file.branch):
        raise Http404
    return _file_response(step.document.name, step.document_type, step.document_name or "document", inline=False)


def raise_form(form) -> None:
    from core.errors import InvalidInput

    raise InvalidInput("validation_error", _("请检查填写的内容：%(e)s") % {"e": form.errors.as_text()})


@login_required
def signin(request: HttpRequest) -> HttpResponse:
    """A member types the code shown at the meeting; any of today's meetings with that code."""
    from party.forms import SigninForm
    from party.life import meeting_signin
    from party.models import Attendance

    form = SigninForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = today()
        candidates = Attendance.objects.filter(member__person=request.user).filter(
            Q(meeting__held_on=day) | Q(meeting__held_on__isnull=True, meeting__planned_on=day)
        ).select_related("meeting")
        done = None
        for a in candidates:
            try:
                done = meeting_signin(meeting=a.meeting, user=request.user, code=form.cleaned_data["code"])
                break
            except DomainError:
                continue
        if done is None:
            messages.error(request, _("签到码不正确，或今天没有您应参加的该会议。"))
        else:
            messages.success(request, _("签到成功：%(m)s") % {"m": done.meeting.title})
            return redirect("party:home")
    return render(request, "party/signin.html", {"form": style(form)})


# --- dues -------------------------------------------------------------------------------------


@login_required
def dues_page(request: HttpRequest) -> HttpResponse:
    from party import dues
    from party.dates import month_key
    from party.forms import DuesFilterForm, ReductionForm
    from party.models import DuesAssessment, DuesReduction

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    form = DuesFilterForm(request.GET or None)
    day = today()
    month, org = month_key(day), None
    if form.is_valid():
        month = form.cleaned_data["month"] or month
        if form.cleaned_data["org"]:
            org = scoping.managed_orgs(user).filter(pk=form.cleaned_data["org"]).first()
    org = org or scoping.managed_roots(user)[0]
    assessments = scoping.dues_visible_to(user).filter(month=month).filter(
        org_subtree_q([org], field="branch__"))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "run":
                s = dues.dues_run(month=month, actor=user, root=org if org.parent_id else None)
                messages.success(request, _("已计算%(month)s党费：新增%(created)s条，更新%(updated)s条。") % s)
            elif action == "collect":
                ids = [int(x) for x in request.POST.getlist("a") if x.isdigit()]
                n = dues.dues_collect(assessments=assessments.filter(pk__in=ids), paid_on=day, actor=user)
                messages.success(request, _("已登记%(n)s人交纳。") % {"n": n})
            elif action == "reduce":
                rf = ReductionForm(request.POST)
                if not rf.is_valid():
                    raise_form(rf)
                d = rf.cleaned_data
                m = scoping.members_visible_to(user).filter(person__employee_no=d.pop("employee_no").strip()).first()
                if m is None:
                    raise Http404
                dues.reduction_request(member=m, actor=user, **d)
                messages.success(request, _("已提交减免，待上一级党组织批准。"))
            elif action == "approve":
                red = DuesReduction.objects.filter(pk=int(request.POST.get("reduction", "0") or 0)).first()
                if red is None:
                    raise Http404
                dues.reduction_approve(reduction=red, on=day, actor=user)
                messages.success(request, _("已批准。"))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?org={org.pk}&month={month}")
    if request.GET.get("ledger") in ("branch", "summary"):
        data = dues.ledger_xlsx(assessments, summary=request.GET["ledger"] == "summary")
        resp = HttpResponse(data, content_type=XLSX)
        resp["Content-Disposition"] = content_disposition_header(True, f"党费台账-{org.name}-{month}.xlsx")
        return resp
    members = scoping.members_visible_to(user).filter(org_subtree_q([org], field="branch__"))
    arrears = dues.arrears(members, month)[:200]
    names = {m.pk: m for m in Member.objects.filter(pk__in=[a for a, _n in arrears]).select_related("person", "branch")}
    pending = DuesReduction.objects.filter(approved_on__isnull=True).filter(
        org_subtree_q([org], field="member__branch__")).select_related("member__person", "member__branch")[:100]
    return render(request, "party/dues.html", {
        "org": org, "month": month, "form": form, "is_branch": org.is_branch,
        "by_branch": dues.collection_by_branch(assessments)[:300],
        "rows": assessments.select_related("member__person").order_by("paid_on", "member__person__employee_no")[:300]
        if org.is_branch else [],
        "arrears": [(names[mid], n, dues.arrears_level(n, day)) for mid, n in arrears if mid in names],
        "review": dues.base_review_due(members, day).select_related("person")[:100],
        "pending": [(r, r.member.branch.parent_id and scoping.manages(user, r.member.branch.parent)) for r in pending],
        "reduce_form": style(ReductionForm()), "has_rows": DuesAssessment.objects.filter(month=month).exists(),
    })


# --- responsibility and assessment; education ------------------------------------------------


def _person_or_error(no: str) -> User:
    from core.errors import InvalidInput

    p = User.objects.filter(employee_no=no.strip()).first()
    if p is None:
        raise InvalidInput("party.person", _("没有工号为%(no)s的人员") % {"no": no})
    return p


@login_required
def responsibility(request: HttpRequest, pk: int) -> HttpResponse:
    from decimal import Decimal, InvalidOperation

    from party import assessment
    from party.forms import DutyForm, PreResearchForm, ReviewForm
    from party.models import AssessmentResult, AssessmentScheme, PreResearchItem, ResponsibilityItem

    org = managed_org(request, pk)
    day = today()
    year = day.year
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "duty":
                f = DutyForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                d = f.cleaned_data
                assessment.duty_add(org=org, year=year, level=d["level"], owner=_person_or_error(d["employee_no"]),
                                    task=d["task"], due_on=d["due_on"], actor=user)
            elif action == "duty_done":
                item = ResponsibilityItem.objects.filter(org=org, pk=int(request.POST.get("item") or 0)).first()
                if item is None:
                    raise Http404
                assessment.duty_done(item=item, done_on=day, evidence=request.POST.get("evidence", ""), actor=user)
            elif action == "pre":
                f = PreResearchForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                assessment.pre_research_record(org=org, actor=user, **f.cleaned_data)
            elif action == "review":
                f = ReviewForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                d = f.cleaned_data
                child = scoping.managed_orgs(user).filter(pk=int(request.POST.get("child") or 0)).first()
                if child is None:
                    raise Http404
                assessment.review_record(org=child, year=d["year"], secretary=_person_or_error(d["employee_no"]),
                                         held_on=d["held_on"], rating=d["rating"], notes=d["notes"], actor=user)
            elif action == "scheme":
                assessment.scheme_create(name=_("%(y)s年党支部党建工作考核") % {"y": year}, year=year, items=None,
                                         actor=user)
            elif action == "assess":
                scheme = AssessmentScheme.objects.filter(year=year).order_by("-id").first()
                child = scoping.managed_orgs(user).filter(pk=int(request.POST.get("child") or 0)).first()
                if scheme is None or child is None:
                    raise Http404
                manual = {}
                for it in scheme.items:
                    if it["source"] == "manual":
                        with contextlib.suppress(InvalidOperation):
                            value = Decimal(request.POST.get(f"m_{it['code']}", "")[:12])
                            if value.is_finite():
                                manual[it["code"]] = value
                assessment.assess(scheme=scheme, org=child, manual=manual, actor=user, today=day)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存。"))
        return redirect("party:responsibility", pk=org.pk)
    scheme = AssessmentScheme.objects.filter(year=year).order_by("-id").first()
    children = list(scoping.managed_orgs(user).filter(parent=org).exclude(kind="group").order_by("path")[:100])
    targets = children or ([org] if org.is_branch else [])
    results = {r.org_id: r for r in AssessmentResult.objects.filter(scheme=scheme, org__in=targets)} if scheme else {}
    return render(request, "party/responsibility.html", {
        "org": org, "year": year, "duties": ResponsibilityItem.objects.filter(org=org, year=year).select_related("owner"),
        "pre": PreResearchItem.objects.filter(org=org)[:100], "scheme": scheme,
        "manual_items": [it for it in scheme.items if it["source"] == "manual"] if scheme else [],
        "targets": [(t, results.get(t.pk)) for t in targets],
        "reviews": [(c, c.reviews.filter(year=year).first()) for c in children],
        "duty_form": style(DutyForm()), "pre_form": style(PreResearchForm()),
        "review_form": style(ReviewForm(initial={"year": year})),
    })


@login_required
def education(request: HttpRequest, pk: int) -> HttpResponse:
    from party import education as edu
    from party.forms import ActivityForm, LecturerForm, StudyForm
    from party.models import Activity, StudyItem

    org = managed_org(request, pk)
    day = today()
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "study":
                f = StudyForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                edu.study_add(org=org, actor=user, **f.cleaned_data)
            elif action == "study_done":
                item = StudyItem.objects.filter(org=org, pk=int(request.POST.get("item") or 0)).first()
                if item is None:
                    raise Http404
                edu.study_done(item=item, done_on=day, actor=user)
            elif action == "lecturer":
                f = LecturerForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                edu.lecturer_add(org=org, person=_person_or_error(f.cleaned_data["employee_no"]),
                                 is_leader=f.cleaned_data["is_leader"], actor=user)
            elif action == "activity":
                f = ActivityForm(request.POST)
                if not f.is_valid():
                    raise_form(f)
                d = f.cleaned_data
                nos = [x.strip() for x in d.pop("participants").replace("，", ",").split(",") if x.strip()]
                people = scoping.members_visible_to(user).filter(person__employee_no__in=nos)
                edu.activity_record(org=org, actor=user, participants=list(people), **d)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存。"))
        return redirect("party:education", pk=org.pk)
    return render(request, "party/education.html", {
        "org": org, "year": day.year, "study": StudyItem.objects.filter(org=org, year=day.year),
        "lectures": edu.lectures_given(org, day.year),
        "activities": Activity.objects.filter(org=org).annotate(n=Count("participants"))[:100],
        "study_form": style(StudyForm()), "lecturer_form": style(LecturerForm()),
        "activity_form": style(ActivityForm(initial={"on": day})),
    })
