"""对外发稿台账 pages: the year (or month) with its breakdown, recording a placement, the .xlsx tables."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from orgs.models import Unit, User, subtree_q
from publicity import exports
from publicity import placements as ledger
from publicity.choices import PieceState
from publicity.forms import LedgerFilterForm, PlacementForm
from publicity.scoping import is_staff_for, pieces_visible_to, staff_unit_choices
from publicity.views.common import forbidden, form_errors


def _period(request: HttpRequest) -> tuple[int, int | None]:
    form = LedgerFilterForm(request.GET)
    year, month = timezone.localdate().year, None
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        month = form.cleaned_data["month"]
    return year, month


def _unit(request: HttpRequest) -> Unit | None:
    code = request.GET.get("unit", "")[:32].strip().upper()
    return Unit.objects.filter(code=code).first() if code else None


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    year, month = _period(request)
    unit = _unit(request)
    qs = ledger.placements_of_year(request.user, year, month)
    if unit is not None:
        qs = qs.filter(subtree_q([unit], field="unit__"))
    rows = list(qs.select_related("outlet", "unit", "piece").order_by("-published_on", "-id")[:100])
    b = ledger.breakdown(request.user, year, month, within=unit)
    return render(request, "publicity/ledger.html", {
        "year": year, "month": month, "rows": rows, "b": b, "is_staff": is_staff_for(request.user), "unit": unit,
        "years": range(timezone.localdate().year, timezone.localdate().year - 11, -1), "months": range(1, 13),
    })


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    if not is_staff_for(request.user):
        return forbidden(request, _("只有宣传干事可以导出台账"))
    year, month = _period(request)
    return exports.ledger_response(request.user, year, month)


def _bylines(text: str, unit) -> list[ledger.Byline]:
    out = []
    for line in text.splitlines():
        token = line.strip()[:50]
        if not token:
            continue
        user = User.objects.filter(employee_no=token, is_active=True).select_related("home_unit").first()
        if user is not None:
            home = user.home_unit if user.home_unit and user.home_unit.is_within(unit) else unit
            out.append(ledger.Byline(unit=home, user=user))
        else:
            out.append(ledger.Byline(unit=unit, name=token))
    return out


@login_required
def placement_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_for(user):
        return forbidden(request, _("只有宣传干事可以登记对外发稿"))
    pieces = pieces_visible_to(user).filter(state=PieceState.PUBLISHED).order_by("-published_at")[:200]
    from publicity.models import Piece

    piece_qs = Piece.objects.filter(pk__in=[p.pk for p in pieces])
    initial = {"published_on": timezone.localdate()}
    if request.GET.get("piece"):
        initial["piece"] = request.GET["piece"][:36]
    form = PlacementForm(request.POST or None, request.FILES or None, units=staff_unit_choices(user),
                         pieces=piece_qs, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                outlet = d["outlet"]
                if outlet is None:
                    outlet = ledger.outlet_create(name=d["new_outlet"], level=d["new_outlet_level"], acting_user=user)
                ledger.placement_record(
                    acting_user=user, outlet=outlet, kind=d["kind"], published_on=d["published_on"],
                    title=d["title"], unit=d["unit"], authors=_bylines(d["authors"], d["unit"]), link=d["link"],
                    clipping=d["clipping"], piece=d["piece"], theme=d["theme"],
                )
            except DomainError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("已登记"))
                return redirect("publicity:ledger")
        else:
            messages.error(request, form_errors(form))
    return render(request, "publicity/placement_form.html", {"form": form})
