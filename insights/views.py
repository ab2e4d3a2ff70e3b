"""Statistics pages: the leader's dashboard, a unit's dashboard, a handler's own, the KPI table,
the unit × month table, the drill-down lists, the exports and the reports.

Thin: parse the choices (insights.forms), call the engine (insights.kpi / tables / dashboards),
render. Every number is counted over ``visible_to(request.user)``; every list is its
drill-down, through the same functions.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.jobs import job_start
from insights import dashboards, exports, targets
from insights.forms import SCOPE_ROLES, InsightsForm, scope_roots
from insights.kpi import Dim, Filters
from insights.lists import DrillDownError, parse_drill
from insights.models import KpiTarget
from insights.reports import REPORT_KINDS, report_title
from insights.tables import kpi_table, monthly_table
from orgs.choices import Role
from orgs.models import Unit, User
from tongxin.lib.kpi import METRICS, Window, WindowKind, metric

PAGE_SIZE = 25
READ_ROLES = frozenset({*SCOPE_ROLES, Role.HANDLER})


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def _reads(user: User) -> bool:
    return user.is_superuser or bool(user.role_set & READ_ROLES)


def _reads_units(user: User) -> bool:
    return user.is_superuser or bool(user.role_set & set(SCOPE_ROLES))


def _deny(request: HttpRequest) -> HttpResponse:
    return _forbidden(request, _("统计分析供信访干事、承办人、单位负责人、纪检人员和系统管理员使用。"))


RANKING_KEYS = ("received", "acceptance_rate", "handling_rate", "satisfaction_rate", "overdue")


def _context(request: HttpRequest, form: InsightsForm, **extra) -> dict:
    return {"form": form, "reads_units": _reads_units(request.user), "query": request.GET.urlencode(),
            "ranking_keys": RANKING_KEYS, **extra}


# --- dashboards ------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _reads(user):
        return _deny(request)
    if not _reads_units(user):
        return redirect("insights:mine")
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now)
    board = dashboards.build(user, window=form.window, filters=form.filters(), level=form.level, now=now)
    return render(request, "insights/dashboard.html", _context(
        request, form, board=board, view="dashboard", trend_url=_trend_url(board.window, board.filters)))


@login_required
def unit_view(request: HttpRequest, code: str) -> HttpResponse:
    """One unit's dashboard: its subunits, its handlers, its categories."""
    user = request.user
    if not _reads_units(user):
        return _deny(request)
    unit = get_object_or_404(Unit, code=code)
    if not (user.is_superuser or any(unit.is_within(r) for r in scope_roots(user))):
        raise Http404
    now = timezone.now()
    params = request.GET.copy()
    params["root"] = unit.code
    form = InsightsForm(params, user=user, now=now)
    filters = form.filters(root=unit)
    board = dashboards.build(user, window=form.window, filters=filters, level=form.level, now=now)
    people = kpi_table(user, window=form.window, filters=filters, by=Dim.HANDLER, metrics=_person_metrics(), now=now)
    return render(request, "insights/dashboard.html", _context(
        request, form, board=board, unit=unit, people=people, view="unit", trend_url=_trend_url(board.window, filters)))


def _person_metrics():
    keys = ("handling_rate", "rating_rate", "satisfaction_rate", "avg_reply_days", "review_rate", "overdue")
    return [metric(k) for k in keys]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A handler's own statistics: the matters they handle, nothing else."""
    user = request.user
    if not _reads(user):
        return _deny(request)
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now, with_units=False)
    filters = form.filters(root=None, handler_id=user.pk)
    board = dashboards.build(user, window=form.window, filters=filters, level=None, now=now, by_unit=False)
    return render(request, "insights/dashboard.html", _context(
        request, form, board=board, view="mine", trend_url=_trend_url(board.window, filters, mine=True)))


def _trend_url(window: Window, filters: Filters, *, mine: bool = False) -> str:
    params = {"p": window.spec}
    if filters.root is not None:
        params["root"] = filters.root.code
    for name, key in (("category", "cat"), ("ptype", "pt"), ("channel", "ch")):
        if getattr(filters, name):
            params[key] = getattr(filters, name)
    if mine:
        params["me"] = "1"
    return f"{reverse('insights:trend')}?{urlencode(params)}"


@login_required
def trend(request: HttpRequest) -> JsonResponse | HttpResponse:
    """The 12-month trend of a dashboard, as the chart's JSON (fetched after the page shows)."""
    user = request.user
    mine = request.GET.get("me") == "1"
    if not (_reads(user) if mine else _reads_units(user)):
        return _deny(request)
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now, with_units=not mine)
    filters = form.filters(root=None, handler_id=user.pk) if mine else form.filters()
    monthly = dashboards.trend(user, window=form.window, filters=filters, now=now)
    year_targets = targets.targets_for([filters.root.path], form.window.last.year) if filters.root else {}
    chart = dashboards.trend_chart(monthly, year_targets.get(filters.root.path, {}) if filters.root else {}, filters)
    return JsonResponse(chart)


# --- tables ----------------------------------------------------------------------------------


@login_required
def table(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _reads_units(user):
        return _deny(request)
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now)
    kpis = kpi_table(user, window=form.window, filters=form.filters(), by=form.group_by, level=form.level, now=now)
    if request.GET.get("export") == "xlsx":
        return exports.kpi_table_response(kpis)
    return render(request, "insights/table.html", _context(request, form, kpis=kpis, view="table",
                                                          columns=exports.kpi_columns(kpis.metrics)))


@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    """Units × months for one metric (the 12 months up to the chosen one)."""
    user = request.user
    if not _reads_units(user):
        return _deny(request)
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now)
    try:
        m = metric(request.GET.get("m") or "handling_rate")
    except KeyError:
        m = metric("handling_rate")
    end = form.window
    span = Window.last_months(12, end.end - timedelta(seconds=1))
    grid = monthly_table(user, span=span, metric_key=m.key, filters=form.filters(), level=form.level, now=now)
    if request.GET.get("export") == "xlsx":
        return exports.monthly_response(grid)
    return render(request, "insights/monthly.html", _context(
        request, form, grid=grid, view="monthly", metrics=[x for x in METRICS if not x.snapshot], chosen=m))


# --- drill-down lists ------------------------------------------------------------------------


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _reads(user):
        return _deny(request)
    now = timezone.now()
    try:
        down = parse_drill(request.GET, user, now)
    except DrillDownError:
        return render(request, "insights/list.html", {"invalid": True, "view": "list"}, status=400)
    if request.GET.get("export") == "xlsx":
        total = down.count()
        if total > exports.SYNC_LIMIT:
            job = job_start(kind=exports.LIST_JOB, title=f"{down.title}（{total}件）.xlsx", owner=user,
                            params={"query": _without_export(request), "now": now.isoformat()})
            return redirect("job_status", public_id=job.public_id)
        return exports.drill_response(down)
    page = Paginator(down, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/list.html", {
        "down": down, "page": page, "view": "list", "query": request.GET.urlencode(),
        "export_query": _without_export(request), "sync_limit": exports.SYNC_LIMIT,
    })


def _without_export(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("export", None)
    params.pop("page", None)
    return params.urlencode()


# --- reports ---------------------------------------------------------------------------------


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The monthly (信访维稳专题会) and quarterly (党组织书记议稳会) briefing, as .docx."""
    user = request.user
    if not _reads_units(user):
        return _deny(request)
    now = timezone.now()
    if request.method == "POST":
        kind = request.POST.get("kind", "monthly")
        form = InsightsForm(request.POST, user=user, now=now,
                            default_kind=WindowKind.QUARTER if kind == "quarterly" else WindowKind.MONTH)
        if kind not in REPORT_KINDS:
            messages.error(request, _("请选择月度或季度报告"))
            return redirect("insights:report")
        window = form.window
        if kind == "quarterly" and window.kind is not WindowKind.QUARTER:
            window = Window.containing(WindowKind.QUARTER, window.start)
        if kind == "monthly" and window.kind is not WindowKind.MONTH:
            window = Window.containing(WindowKind.MONTH, window.start)
        root = form.unit
        job = job_start(kind=exports.REPORT_JOB, title=report_title(kind, window, root), owner=user, params={
            "kind": kind, "p": window.spec, "root": root.code if root else "", "level": form.level,
            "now": now.isoformat(),
        })
        return redirect("job_status", public_id=job.public_id)
    form = InsightsForm(request.GET, user=user, now=now)
    return render(request, "insights/report.html", _context(request, form, view="report", kinds=REPORT_KINDS))


# --- targets ---------------------------------------------------------------------------------


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _reads_units(user):
        return _deny(request)
    now = timezone.now()
    form = InsightsForm(request.GET, user=user, now=now, default_kind=WindowKind.YEAR)
    year = form.window.first.year
    unit = form.unit
    may_set = unit is not None and targets.may_set_targets(user, unit)
    if request.method == "POST":
        if unit is None or not may_set:
            return _forbidden(request, _("只有单位负责人和系统管理员可以设定考核目标。"))
        try:
            targets.target_set(unit=unit, metric_key=request.POST.get("metric", ""), year=year,
                               target=request.POST.get("target", ""), acting_user=user,
                               note=request.POST.get("note", ""))
        except (DomainError, ArithmeticError, KeyError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", None) or _("目标值无效"))
        else:
            messages.success(request, _("考核目标已保存（新版本）。"))
        return redirect(f"{reverse('insights:targets')}?{request.GET.urlencode()}")
    effective = targets.targets_for([unit.path], year).get(unit.path, {}) if unit else {}
    history = (KpiTarget.objects.filter(unit=unit, year=year).select_related("set_by").order_by("metric", "-version")
               if unit else KpiTarget.objects.none())
    rows = [{"metric": m, "target": effective.get(m.key)} for m in METRICS if not m.snapshot]
    return render(request, "insights/targets.html", _context(
        request, form, view="targets", year=year, unit=unit, rows=rows, history=history, may_set=may_set))


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("unit/<str:code>/", unit_view, name="unit"),
    path("me/", mine, name="mine"),
    path("trend/", trend, name="trend"),
    path("table/", table, name="table"),
    path("monthly/", monthly, name="monthly"),
    path("list/", drill, name="list"),
    path("report/", report, name="report"),
    path("targets/", target_list, name="targets"),
]
