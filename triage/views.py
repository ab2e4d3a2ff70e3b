"""Triage pages: home (failures, recent high risk), search, confirm/correct/retry on a
petition, rules with a test-against-sample form, sensitive periods. Thin: services decide."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dashboard import sees_desk
from core.errors import DomainError
from petitions import selectors
from petitions.models import Petition
from tongxin.lib.periods import SHANGHAI
from triage import services
from triage.forms import CorrectForm, PeriodForm, RuleForm, RuleTestForm, SearchForm
from triage.models import ModelArtifact, RiskRule, SensitivePeriod, Triage

PAGE = 25


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def _desk(user) -> bool:
    return user.is_superuser or sees_desk(user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _desk(user):
        return _forbidden(request, _("智能研判供信访干事、单位负责人和系统管理员使用。"))
    visible = selectors.visible_to(user)
    context = {
        "failures": services.failures(user)[:20],
        "high": Triage.objects.filter(status=Triage.Status.OK, risk_level="high", petition__in=visible)
        .select_related("petition").order_by("-updated_at")[:20],
        "form": SearchForm(),
        "may_admin": services.may_admin_rules(user),
        "models": ModelArtifact.objects.all()[:5],
    }
    return render(request, "triage/home.html", context)


def _day_start(d) -> datetime | None:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI) if d else None


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _desk(user):
        return _forbidden(request, _("全文检索供信访干事、单位负责人和系统管理员使用。"))
    form = SearchForm(request.GET or None)
    rows, more, offset = [], False, 0
    if form.is_valid() and form.cleaned_data["q"].strip():
        c = form.cleaned_data
        try:
            offset = max(0, min(int(request.GET.get("offset", 0)), 10_000))
        except ValueError:
            offset = 0
        until = _day_start(c["until"])
        if until is not None:
            from datetime import timedelta

            until += timedelta(days=1)
        # No total count: a common two-character term matches a large share of a million rows.
        rows = services.search_page(user, c["q"], offset=offset, limit=PAGE + 1, category=c["category"],
                                    state=c["state"], risk=c["risk"], since=_day_start(c["since"]), until=until)
        more = len(rows) > PAGE
        rows = rows[:PAGE]
    query = request.GET.copy()
    query.pop("offset", None)
    return render(request, "triage/search.html", {"form": form, "rows": rows, "more": more, "offset": offset,
                                                  "next_offset": offset + PAGE, "prev_offset": max(0, offset - PAGE),
                                                  "query": query.urlencode()})


def _petition(request: HttpRequest, public_id) -> Petition:
    return get_object_or_404(selectors.visible_to(request.user).select_related("unit"), public_id=public_id)


@login_required
@require_POST
def confirm(request: HttpRequest, public_id) -> HttpResponse:
    p = _petition(request, public_id)
    back = redirect("petitions:detail", public_id=p.public_id)
    triage = Triage.objects.filter(petition=p).first()
    if triage is None:
        raise Http404
    category = ptype = ""
    if request.POST.get("correct"):
        form = CorrectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择有效的分类和性质"))
            return back
        category, ptype = form.cleaned_data["category"], form.cleaned_data["ptype"]
    try:
        fb = services.triage_confirm(triage=triage, user=request.user, category=category, ptype=ptype)
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("已确认分类：%(category)s · %(ptype)s") % {
        "category": fb.get_category_display(), "ptype": fb.get_ptype_display()})
    return back


@login_required
@require_POST
def retry(request: HttpRequest, public_id) -> HttpResponse:
    p = _petition(request, public_id)
    try:
        row = services.triage_retry(petition=p, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新研判") if row.status == Triage.Status.OK else _("研判仍然失败"))
    return redirect("petitions:detail", public_id=p.public_id)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _desk(user):
        return _forbidden(request, _("风险规则供信访干事、单位负责人和系统管理员查看。"))
    form = RuleTestForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        result = services.rules_test(c["text"], people_count=c["people_count"], prior=c["prior"])
    context = {"rules": RiskRule.objects.all(), "form": form, "result": result,
               "may_admin": services.may_admin_rules(user), "periods": SensitivePeriod.objects.all()}
    return render(request, "triage/rules.html", context)


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not services.may_admin_rules(user):
        return _forbidden(request, _("只有系统管理员可以修改风险规则。"))
    if pk:
        rule = get_object_or_404(RiskRule, pk=pk)
    else:
        from django.utils.crypto import get_random_string

        rule = RiskRule(code=f"rule-{get_random_string(8).lower()}")
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            services.rule_save(user=user, rule=obj)
        except DomainError as exc:
            messages.error(request, exc.message)
        except Exception as exc:  # ValidationError from full_clean
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            form.add_error(None, exc)
        else:
            messages.success(request, _("规则已保存：%(label)s") % {"label": obj.label})
            return redirect("triage:rules")
    return render(request, "triage/rule_edit.html", {"form": form, "rule": rule})


@login_required
def periods(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not services.may_admin_rules(user):
        return _forbidden(request, _("只有系统管理员可以设置敏感时期。"))
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        try:
            services.period_save(user=user, period=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("敏感时期已保存"))
            return redirect("triage:periods")
    return render(request, "triage/periods.html", {"form": form, "periods": SensitivePeriod.objects.all()})
