"""The 宣传部 dashboard (ECharts, drill-down to the records) and the rule-versions page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from orgs.models import Unit
from publicity import dashboard
from publicity.models import RuleSet
from publicity.rules import DEFAULTS, current_rule, rule_set_publish
from publicity.scoping import is_staff_for, staff_units
from publicity.views.common import forbidden


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("宣传工作看板只供宣传干事查看"))
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    unit = None
    code = request.GET.get("unit", "")[:32].strip().upper()
    if code:
        unit = Unit.objects.filter(code=code).first()
        scope = staff_units(user)
        if unit is not None and scope is not None and not any(unit.is_within(u) for u in scope):
            unit = None  # outside the viewer's scope: the whole scope instead
    board = dashboard.build(user, year, unit)
    this_year = timezone.localdate().year
    return render(request, "publicity/dashboard.html", {"board": board, "years": range(this_year, this_year - 11, -1)})


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.is_administrator):
        return forbidden(request, _("只有系统管理员可以调整规则参数"))
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            params = json.loads(request.POST.get("params", ""))
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            messages.error(request, _("参数须为JSON对象"))
        else:
            try:
                rule = rule_set_publish(code=code, params=params, acting_user=user, note=request.POST.get("note", ""))
                messages.success(request, _("已发布 %(code)s 第 %(v)s 版") % {"code": rule.code, "v": rule.version})
            except DomainError as e:
                messages.error(request, e.message)
        return redirect("publicity:rules")
    rows = [(code, current_rule(code)) for code in DEFAULTS]
    return render(request, "publicity/rules.html", {
        "rows": [(code, r.version, json.dumps(r.params, ensure_ascii=False, indent=1)) for code, r in rows],
        "history": RuleSet.objects.select_related("created_by")[:50],
    })
