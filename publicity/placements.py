"""对外发稿台账 (pub.external_ledger) and points (pub.points).

A placement records outlet, outlet level (as it was that day), type, date, title, authors and
units, and a link or a clipping. Its points come from the points table in force
(``publicity.rules``), are split evenly among the authors (the cent left over goes to the first
author, so the shares add up), and keep the table's version.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth

from audit.services import audit_record
from core.errors import InvalidInput, NotAllowed
from orgs.models import Unit, User, subtree_q
from petitions.uploads import check_upload
from publicity import tally
from publicity.choices import OutletLevel, PieceKind, PieceState
from publicity.models import Outlet, Piece, Placement, PlacementAuthor, Theme
from publicity.rules import current_rule
from publicity.scoping import is_staff_for, staff_units

CENT = Decimal("0.01")


@dataclass
class Byline:
    """One author of a placement: a platform user, or just a name with a unit."""

    unit: Unit
    user: User | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return self.user.name if self.user is not None else self.name.strip()


def points_for(level: str, kind: str) -> tuple[Decimal, int]:
    """Points of one placement by the table in force, and the table's version."""
    rule = current_rule("pub.points")
    value = rule.params["table"].get(level, {}).get(kind, 0)
    return Decimal(str(value)).quantize(CENT), rule.version


def split_points(total: Decimal, n: int) -> list[Decimal]:
    """``total`` split evenly among ``n`` authors, rounded down to the cent; the remainder
    goes to the first author so the shares add up to ``total`` exactly."""
    if n <= 0:
        return []
    share = (total / n).quantize(CENT, rounding=ROUND_DOWN)
    shares = [share] * n
    shares[0] += total - share * n
    return shares


@transaction.atomic
def outlet_create(*, name: str, level: str, acting_user: User) -> Outlet:
    if not is_staff_for(acting_user):
        raise NotAllowed("not_publicity_staff", "只有宣传干事可以登记媒体")
    if level not in OutletLevel.values or not name.strip():
        raise InvalidInput("bad_outlet", "请填写媒体名称并选择级别")
    outlet, _ = Outlet.objects.get_or_create(name=name.strip()[:80], defaults={"level": level})
    audit_record(actor=acting_user, action="publicity.outlet.create", target=outlet, data={"level": outlet.level})
    return outlet


@transaction.atomic
def placement_record(*, acting_user: User, outlet: Outlet, kind: str, published_on: date, title: str,
                     unit: Unit, authors: list[Byline], link: str = "", clipping=None,
                     piece: Piece | None = None, theme: Theme | None = None) -> Placement:
    """Record one outside placement with its authors and points."""
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以登记对外发稿")
    if kind not in PieceKind.values:
        raise InvalidInput("bad_kind", "类型无效")
    if not title.strip():
        raise InvalidInput("title_required", "请填写标题")
    if not link.strip() and clipping is None:
        raise InvalidInput("link_or_clipping", "请填写链接或上传剪报")
    bylines = [b for b in authors if b.label]
    if not bylines:
        raise InvalidInput("authors_required", "请至少填写一位作者")
    if piece is not None and piece.state != PieceState.PUBLISHED and not piece.for_outside:
        raise InvalidInput("piece_not_ready", "关联的稿件尚未签发，也未推荐对外投稿")
    total, version = points_for(outlet.level, kind)
    placement = Placement(outlet=outlet, outlet_level=outlet.level, kind=kind, published_on=published_on,
                          title=title.strip()[:200], link=link.strip(), piece=piece,
                          theme=theme or (piece.theme if piece is not None else None), unit=unit,
                          points=total, points_rule_version=version, created_by=acting_user)
    if clipping is not None:
        checked = check_upload(clipping)
        placement.clipping.save(checked.name, checked.upload, save=False)
    placement.save()
    for byline, share in zip(bylines, split_points(total, len(bylines)), strict=True):
        PlacementAuthor.objects.create(placement=placement, user=byline.user, name=byline.label[:50],
                                       unit=byline.unit, points=share)
    tally.placement_recorded(placement)
    audit_record(actor=acting_user, action="publicity.placement.record", target=placement,
                 data={"outlet": outlet.name, "level": outlet.level, "kind": kind, "points": str(total),
                       "rule_version": version, "piece": str(piece.public_id) if piece else None})
    return placement


# --- reading -----------------------------------------------------------------------------------


def placements_visible_to(user: User) -> QuerySet[Placement]:
    """宣传干事 see their subtree's placements, administrators all; an author sees their own."""
    if not user.is_authenticated:
        return Placement.objects.none()
    units = staff_units(user)
    if units is None:
        return Placement.objects.all()
    mine = Q(pk__in=PlacementAuthor.objects.filter(user=user).values("placement_id"))
    return Placement.objects.filter(subtree_q(units, field="unit__") | mine if units else mine)


def points_of_person(user: User, year: int) -> Decimal:
    total = PlacementAuthor.objects.filter(user=user, placement__published_on__year=year).aggregate(s=Sum("points"))
    return total["s"] or Decimal("0.00")


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def placements_of_year(user: User, year: int, month: int | None = None) -> QuerySet[Placement]:
    start, end = year_range(year)
    if month:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    return placements_visible_to(user).filter(published_on__gte=start, published_on__lt=end)


@dataclass
class Breakdown:
    """A year's placements counted by outlet, level, unit, theme and month (the 428 of 2022)."""

    year: int
    total: int = 0
    points: Decimal = Decimal("0.00")
    by_outlet: list[tuple[str, int]] = field(default_factory=list)
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[tuple[str, int, Decimal]] = field(default_factory=list)
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[int] = field(default_factory=lambda: [0] * 12)
    people: list[tuple[str, str, int, Decimal]] = field(default_factory=list)


def breakdown(user: User, year: int, month: int | None = None, within: Unit | None = None) -> Breakdown:
    qs = placements_of_year(user, year, month)
    if within is not None:
        qs = qs.filter(subtree_q([within], field="unit__"))
    out = Breakdown(year=year)
    agg = qs.aggregate(n=Count("id"), p=Sum("points"))
    out.total, out.points = agg["n"] or 0, agg["p"] or Decimal("0.00")
    levels = dict(OutletLevel.choices)
    kinds = dict(PieceKind.choices)
    out.by_outlet = [(r["outlet__name"], r["n"]) for r in
                     qs.values("outlet__name").annotate(n=Count("id")).order_by("-n", "outlet__name")]
    level_counts = dict(qs.values_list("outlet_level").annotate(n=Count("id")).values_list("outlet_level", "n"))
    out.by_level = [(str(levels[k]), level_counts.get(k, 0)) for k in OutletLevel.values]
    kind_counts = dict(qs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    out.by_kind = [(str(kinds[k]), kind_counts.get(k, 0)) for k in PieceKind.values]
    out.by_unit = [(r["unit__name"], r["n"], r["p"]) for r in
                   qs.values("unit__name").annotate(n=Count("id"), p=Sum("points")).order_by("-n", "unit__name")]
    themes = Counter(dict(qs.values_list("theme__name").annotate(n=Count("id")).values_list("theme__name", "n")))
    out.by_theme = sorted(((k or "（未标主题）", v) for k, v in themes.items()), key=lambda x: (-x[1], x[0]))
    for m, n in qs.annotate(m=ExtractMonth("published_on")).values_list("m").annotate(n=Count("id")).values_list("m", "n"):
        out.by_month[m - 1] = n
    people: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal("0.00")])
    authors = PlacementAuthor.objects.filter(placement__in=qs.values("pk")).values("name", "unit__name") \
        .annotate(n=Count("id"), p=Sum("points"))
    for r in authors:
        row = people[(r["name"], r["unit__name"])]
        row[0] += r["n"]
        row[1] += r["p"]
    out.people = sorted(((k[0], k[1], v[0], v[1]) for k, v in people.items()), key=lambda x: (-x[3], x[0]))
    return out
