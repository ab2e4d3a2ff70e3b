"""The dashboard's monthly figures per unit (Tally), kept true by the services that change what
they count — publication and withdrawal of pieces, placements, lecture audiences — in the same
transaction, and rebuilt from the records by ``manage.py publicity_tally --rebuild``.

Months are Asia/Shanghai calendar months. A published piece is counted in the month of its
``published_at`` (an embargoed piece's publication time lies ahead; the dashboard counts the
current month live, so it is counted only once due). tests/publicity/test_tally.py compares
every figure with the live aggregate after random sequences of the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

PIECE, PLACEMENT, REACH = "piece", "placement", "reach"


def month_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def add(metric: str, unit_id: int, when: date | datetime, *, level: str = "", n: int = 0,
        total: Decimal | int = 0) -> None:
    """Add to one figure (negative to subtract); the row is created on first use."""
    from publicity.models import Tally

    key = {"metric": metric, "unit_id": unit_id, "month": month_of(when), "level": level}
    if Tally.objects.filter(**key).update(n=F("n") + n, total=F("total") + total):
        return
    try:
        with transaction.atomic():
            Tally.objects.create(n=n, total=total, **key)
    except IntegrityError:  # created meanwhile by another transaction
        Tally.objects.filter(**key).update(n=F("n") + n, total=F("total") + total)


def piece_published(piece) -> None:
    add(PIECE, piece.unit_id, piece.published_at, n=1)


def piece_withdrawn(piece) -> None:
    add(PIECE, piece.unit_id, piece.published_at, n=-1)


def placement_recorded(placement) -> None:
    add(PLACEMENT, placement.unit_id, placement.published_on, level=placement.outlet_level, n=1,
        total=placement.points)


def audience_changed(lecture, before: list[tuple[int, int]], after: list[tuple[int, int]]) -> None:
    """A lecture's audience rows (unit id, person-times) replaced: move the person-times."""
    for unit_id, people in before:
        add(REACH, unit_id, lecture.held_at, total=-people)
    for unit_id, people in after:
        add(REACH, unit_id, lecture.held_at, total=people)


@transaction.atomic
def rebuild(models: dict | None = None) -> int:
    """Recompute every figure from the records (after a bulk load or to repair); returns rows.
    ``models`` (name → class) lets a migration pass its historical models."""
    from publicity import models as current
    from publicity.choices import PieceState

    m = models or {}
    Piece, Placement = m.get("Piece", current.Piece), m.get("Placement", current.Placement)
    LectureAudience, Tally = m.get("LectureAudience", current.LectureAudience), m.get("Tally", current.Tally)
    Tally.objects.all().delete()
    rows = []
    for r in (Piece.objects.filter(state=PieceState.PUBLISHED).annotate(m=TruncMonth("published_at"))
              .values("unit_id", "m").annotate(n=Count("id")).order_by()):
        rows.append(Tally(metric=PIECE, unit_id=r["unit_id"], month=month_of(r["m"]), n=r["n"]))
    for r in (Placement.objects.annotate(m=TruncMonth("published_on")).values("unit_id", "m", "outlet_level")
              .annotate(n=Count("id"), p=Sum("points")).order_by()):
        rows.append(Tally(metric=PLACEMENT, unit_id=r["unit_id"], month=month_of(r["m"]), level=r["outlet_level"],
                          n=r["n"], total=r["p"] or 0))
    for r in (LectureAudience.objects.annotate(m=TruncMonth("lecture__held_at")).values("unit_id", "m")
              .annotate(p=Sum("attendance")).order_by()):
        rows.append(Tally(metric=REACH, unit_id=r["unit_id"], month=month_of(r["m"]), total=r["p"] or 0))
    Tally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
