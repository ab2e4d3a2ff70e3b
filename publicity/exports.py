"""The ledger's tables in the form the 宣传部 reports them (.xlsx): a year (明细, by month ×
level, by outlet, by unit, by theme, correspondents' and units' points) and a month (明细)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from insights.exports import workbook_bytes, xlsx_response
from orgs.models import User
from publicity.choices import OutletLevel, PieceKind
from publicity.models import PlacementAuthor
from publicity.placements import breakdown, placements_of_year


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
           widths: Sequence[int] | None = None) -> None:
    ws = wb.create_sheet(title=title[:31])
    for i, w in enumerate(widths or [], start=1):
        ws.column_dimensions[chr(64 + i)].width = w
    cells = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        cells.append(c)
    ws.append(cells)
    for row in rows:
        ws.append(list(row))


def _detail_rows(user: User, year: int, month: int | None):
    qs = (placements_of_year(user, year, month).select_related("outlet", "unit", "theme")
          .order_by("published_on", "id"))
    names: dict[int, list[str]] = {}
    for pk, name in PlacementAuthor.objects.filter(placement__in=qs.values("pk")).order_by("pk") \
            .values_list("placement_id", "name"):
        names.setdefault(pk, []).append(name)
    levels, kinds = dict(OutletLevel.choices), dict(PieceKind.choices)
    for i, p in enumerate(qs.iterator(chunk_size=2000), start=1):
        yield (i, p.published_on, p.outlet.name, str(levels.get(p.outlet_level, "")), str(kinds.get(p.kind, "")),
               p.title, "、".join(names.get(p.pk, [])), p.unit.name, p.theme.name if p.theme else "",
               float(p.points), p.link)


DETAIL_HEADER = (_l("序号"), _l("刊发日期"), _l("媒体"), _l("级别"), _l("类型"), _l("标题"), _l("作者"), _l("供稿单位"),
                 _l("主题"), _l("积分"), _l("链接"))


def yearly_xlsx(user: User, year: int) -> bytes:
    wb = Workbook(write_only=True)
    b = breakdown(user, year)
    _sheet(wb, _("%(year)s年对外发稿明细") % {"year": year}, [str(h) for h in DETAIL_HEADER],
           _detail_rows(user, year, None), [6, 12, 18, 8, 8, 48, 20, 18, 16, 8, 30])
    qs = placements_of_year(user, year)
    grid = {(m, lv): 0 for m in range(1, 13) for lv in OutletLevel.values}
    from django.db.models import Count
    from django.db.models.functions import ExtractMonth

    for m, lv, n in qs.annotate(m=ExtractMonth("published_on")).values_list("m", "outlet_level") \
            .annotate(n=Count("id")).values_list("m", "outlet_level", "n"):
        grid[(m, lv)] = n
    _sheet(wb, _("按月份和级别"), [_("月份"), *[str(x.label) for x in OutletLevel], _("合计")],
           ([f"{m}月", *[grid[(m, lv)] for lv in OutletLevel.values],
             sum(grid[(m, lv)] for lv in OutletLevel.values)] for m in range(1, 13)))
    _sheet(wb, _("按媒体"), [_("媒体"), _("篇数")], b.by_outlet, [24, 8])
    _sheet(wb, _("按单位"), [_("单位"), _("篇数"), _("积分")], ((u, n, float(p)) for u, n, p in b.by_unit), [24, 8, 8])
    _sheet(wb, _("按主题"), [_("主题"), _("篇数")], b.by_theme, [24, 8])
    _sheet(wb, _("按类型"), [_("类型"), _("篇数")], b.by_kind, [12, 8])
    _sheet(wb, _("通讯员积分"), [_("作者"), _("单位"), _("篇数"), _("积分")],
           ((a, u, n, float(p)) for a, u, n, p in b.people), [16, 24, 8, 8])
    _sheet(wb, _("合计"), [_("年份"), _("篇数"), _("积分")], [(year, b.total, float(b.points))])
    return workbook_bytes(wb)


def monthly_xlsx(user: User, year: int, month: int) -> bytes:
    wb = Workbook(write_only=True)
    _sheet(wb, _("%(year)s年%(month)s月对外发稿") % {"year": year, "month": month}, [str(h) for h in DETAIL_HEADER],
           _detail_rows(user, year, month), [6, 12, 18, 8, 8, 48, 20, 18, 16, 8, 30])
    return workbook_bytes(wb)


def ledger_response(user: User, year: int, month: int | None = None):
    if month:
        return xlsx_response(monthly_xlsx(user, year, month), f"对外发稿台账-{year}-{month:02d}.xlsx")
    return xlsx_response(yearly_xlsx(user, year), f"对外发稿台账-{year}.xlsx")
