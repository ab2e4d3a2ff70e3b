"""The landing pages: the branch secretary's phone-first workspace, a member's own page, the
党委 dashboard with its drill-downs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from party import dashboard, life, scoping
from party.dates import month_key, shift_month
from party.development import STEPS, next_step
from party.dues import arrears
from party.models import Attendance, DevState, DuesAssessment, MeetingKind, Member
from tongxin.lib.periods import local_date

WORKSPACE_BRANCHES = 30


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scoping.manages_any(user):
        return workspace(request)
    return me(request)


def workspace(request: HttpRequest) -> HttpResponse:
    """What is due this month in the branches the user manages, whom to remind, one tap to record."""
    user = request.user
    today = local_date(timezone.now())
    managed = scoping.managed_orgs(user)
    branches = list(managed.branches().order_by("path")[:WORKSPACE_BRANCHES])
    month = month_key(today)
    cards = []
    for b in branches:
        members = Member.objects.filter(branch=b)
        due = life.reminders(b, today, within_days=31)
        owe = arrears(members, shift_month(month, -1))
        owing = {m.pk: m for m in members.filter(pk__in=[mid for mid, _n in owe]).select_related("person")}
        files = [(f, next_step(f)) for f in scoping.dev_files_visible_to(user).filter(
            branch=b, state__in=(DevState.ACTIVE, DevState.PROBATION)).select_related("person")[:20]]
        cards.append({
            "branch": b, "due": due,
            "owing": [(owing[mid], n) for mid, n in owe if mid in owing][:10],
            "absent": life.absence_flags(members, today)[:10],
            "files": [(f, w, STEPS.get(w.step) if w else "") for f, w in files if w],
        })
    return render(request, "party/workspace.html", {
        "cards": cards, "today": today, "more": managed.branches().count() > len(branches),
        "kinds": [MeetingKind.GENERAL, MeetingKind.COMMITTEE, MeetingKind.THEME_DAY, MeetingKind.LECTURE],
        "is_committee": any(r.kind in ("committee", "general_branch") for r in scoping.managed_roots(user)),
        "member": scoping.own_member(user),
    })


def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = scoping.own_member(user)
    dues = DuesAssessment.objects.filter(member=member).order_by("-month")[:12] if member else []
    meetings = (Attendance.objects.filter(member=member).select_related("meeting").order_by("-meeting__planned_on")[:12]
                if member else [])
    files = scoping.dev_files_visible_to(user).filter(person=user).prefetch_related("steps")
    return render(request, "party/me.html", {
        "member": member, "dues": dues, "meetings": meetings,
        "files": [(f, next_step(f), STEPS) for f in files],
        "history": member.memberships.select_related("branch").order_by("start") if member else [],
    })


def dashboard_page(request: HttpRequest) -> HttpResponse:
    from party.views import forbidden

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    org = None
    if request.GET.get("org", "").isdigit():
        org = scoping.managed_orgs(user).filter(pk=int(request.GET["org"])).first()
    org = org or scoping.managed_roots(user)[0]
    today = local_date(timezone.now())
    data = dashboard.board(org, today)
    children = scoping.managed_orgs(user).filter(parent=org).exclude(kind="group").order_by("path")[:50]
    return render(request, "party/dashboard.html", {"org": org, "b": data, "children": children, "today": today})


def drill_page(request: HttpRequest) -> HttpResponse:
    from party.views import forbidden

    user = request.user
    if not scoping.manages_any(user):
        return forbidden(request)
    org_id = request.GET.get("org", "")
    org = scoping.managed_orgs(user).filter(pk=int(org_id)).first() if org_id.isdigit() else None
    if org is None:
        raise Http404
    fig, key = request.GET.get("fig", "")[:20], request.GET.get("key", "")[:20]
    today = local_date(timezone.now())
    kind, qs = dashboard.drill_records(org, fig, key, today, scoping.members_visible_to(user),
                                       scoping.dev_files_visible_to(user), scoping.dues_visible_to(user))
    page = Paginator(qs.order_by("pk"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "party/drill.html", {"org": org, "kind": kind, "page": page, "fig": fig, "key": key,
                                                "query": params.urlencode() + "&"})
