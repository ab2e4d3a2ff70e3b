""".xlsx exports of every list and KPI table (openpyxl, write-only: rows stream from the
database cursor to the sheet). The columns are the page's own (insights.lists, kpi_columns);
a list longer than ``SYNC_LIMIT`` rows is exported by a background job with its progress
shown on /jobs/<id>/ and a download when it is ready."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse, QueryDict
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.jobs import JobContext, JobOutput, register_job
from insights.lists import Column, DrillDown, parse_drill
from insights.tables import Figure, Group, KpiTable, MonthlyGrid
from insights.xlsx import SheetWriter
from tongxin.lib.kpi import Metric

SYNC_LIMIT = 5000  # longer lists are exported in the background
LIST_JOB = "insights.export_xlsx"
REPORT_JOB = "insights.report_docx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 1000


def kpi_columns(metrics: Sequence[Metric]) -> list[Column]:
    """The KPI table's columns, page and sheet: the group, then one figure per metric."""
    columns = [Column(_("单位/分组"), "label", width=18)]
    for m in metrics:
        columns.append(Column(gettext(m.label), (lambda g, key=m.key: g.figures[key]), kind="figure", width=10))
    return columns


# --------------------------------------------------------------------------- cells


def _plain(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime):  # sheets hold local wall-clock time (Excel has no zones)
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, date | int | float):
        return value
    return str(value)


def _expanded(columns: Sequence[Column]) -> list[tuple[str, Callable[[Any], Any], int]]:
    """Sheet columns: a figure becomes value, numerator, denominator, previous period, target."""
    out: list[tuple[str, Callable[[Any], Any], int]] = []
    for c in columns:
        if c.kind != "figure":
            read = c.reader()
            if c.kind == "bool":
                yes, no = gettext("是"), gettext("否")
                out.append((str(c.header), (lambda row, read=read, yes=yes, no=no: _yes_no(read(row), yes, no)), c.width))
            elif c.kind == "text" and c.choices is not None:
                out.append((str(c.header), read, c.width))  # labels, already text
            else:
                out.append((str(c.header), (lambda row, read=read, kind=c.kind: _plain(read(row), kind)), c.width))
            continue
        def fig(row, c=c) -> Figure:
            return c.value(row)

        h = str(c.header)
        out.append((h, (lambda row, fig=fig: fig(row).percent), c.width))
        out.append((gettext("%(metric)s·分子") % {"metric": h}, (lambda row, fig=fig: fig(row).num if fig(row).den is not None else None), 8))
        out.append((gettext("%(metric)s·分母") % {"metric": h}, (lambda row, fig=fig: fig(row).den), 8))
        out.append((gettext("%(metric)s·上期") % {"metric": h}, (lambda row, fig=fig: _previous(fig(row))), 8))
        out.append((gettext("%(metric)s·目标") % {"metric": h}, (lambda row, fig=fig: float(fig(row).target) if fig(row).target is not None else None), 8))
    return out


def _yes_no(value: Any, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)


def _previous(f: Figure) -> float | None:
    if f.previous is None or f.previous.other is None:
        return None
    other = f.previous.other
    return round(other * 100, 1) if f.metric.is_rate else round(other, 2)


def write_sheet(wb: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Any], *,
                progress: Callable[[int], None] | None = None, note: str = "") -> int:
    """Append a sheet; returns the number of data rows written."""
    ws = wb.create_sheet(title=title[:31])
    sheet_columns = _expanded(columns)
    for i, (_h, _g, width) in enumerate(sheet_columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    ws.freeze_panes = "A3" if note else "A2"
    if note:
        cell = WriteOnlyCell(ws, value=note)
        cell.font = Font(italic=True, color="666666")
        ws.append([cell])
    header = []
    for h, _g, _w in sheet_columns:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)
    getters = [g for _h, g, _w in sheet_columns]
    n = 0
    for row in rows:
        ws.append([g(row) for g in getters])
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
    return n


def workbook_bytes(wb: Workbook) -> bytes:
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)
        fh.seek(0)
        return fh.read()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --------------------------------------------------------------------------- lists


def drill_filename(down: DrillDown) -> str:
    return f"{down.metric.label}-{down.table.title}-{down.window.spec}.xlsx"


def drill_xlsx(down: DrillDown, progress: Callable[[int], None] | None = None) -> bytes:
    """A drill-down's rows, the page's columns: streamed by insights.xlsx (up to hundreds of
    thousands of rows; openpyxl's cell objects were most of the time)."""
    note = f"{down.title}　统计周期：{down.window.label}"
    sheet_columns = _expanded(down.columns)
    writer = SheetWriter(down.table.title, [w + 2 for _h, _g, w in sheet_columns], [h for h, _g, _w in sheet_columns],
                         note=note)
    getters = [g for _h, g, _w in sheet_columns]

    def rows() -> Iterator[list[Any]]:
        for n, row in enumerate(down.iter_rows(), start=1):
            yield [g(row) for g in getters]
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(n)

    writer.rows(rows())
    return writer.close()


def drill_response(down: DrillDown) -> HttpResponse:
    return xlsx_response(drill_xlsx(down), drill_filename(down))


@register_job(LIST_JOB, idempotent=True)  # a pure function of its parameters (the moment is frozen in them)
def export_list_job(ctx: JobContext) -> JobOutput:
    """A long drill-down, exported as its owner sees it at the moment the export was asked."""
    job = ctx.job
    now = datetime.fromisoformat(job.params["now"])
    down = parse_drill(QueryDict(job.params["query"]), job.owner, now)
    total = down.count()
    ctx.progress(0, total, "正在导出")
    content = drill_xlsx(down, progress=lambda n: ctx.progress(n, total, f"已导出{n}行"))
    ctx.progress(total, total, "导出完成")
    return JobOutput(filename=drill_filename(down), content=content, summary={"rows": total})


# --------------------------------------------------------------------------- KPI tables


def _table_rows(kpis: KpiTable) -> Iterator[Group]:
    yield from kpis.groups
    yield kpis.total


def kpi_table_xlsx(kpis: KpiTable) -> bytes:
    wb = Workbook(write_only=True)
    note = (f"统计周期：{kpis.window.label}" + (f"　上期：{kpis.previous.label}" if kpis.previous else "")
            + "　比率以百分数表示，平均用时以日表示")
    write_sheet(wb, "考核指标", kpi_columns(kpis.metrics), _table_rows(kpis), note=note)
    return workbook_bytes(wb)


def kpi_table_response(kpis: KpiTable) -> HttpResponse:
    by = f"按{kpis.by_label}" if kpis.by else ""
    return xlsx_response(kpi_table_xlsx(kpis), f"信访考核指标{by}-{kpis.window.spec}.xlsx")


def monthly_columns(grid: MonthlyGrid) -> list[Column]:
    columns = [Column("单位", "label", width=18)]
    for i, w in enumerate(grid.months):
        columns.append(Column(f"{w.first.year}-{w.first.month:02d}", (lambda r, i=i: r.cells[i].percent), kind="float", width=9))
    columns.append(Column("合计", (lambda r: r.whole.percent), kind="float", width=9))
    return columns


def monthly_xlsx(grid: MonthlyGrid) -> bytes:
    wb = Workbook(write_only=True)
    suffix = "（%）" if grid.metric.is_rate else ""
    note = f"{grid.metric.label}{suffix}　{grid.span.label}"
    write_sheet(wb, grid.metric.label, monthly_columns(grid), [*grid.rows, grid.total], note=note)
    return workbook_bytes(wb)


def monthly_response(grid: MonthlyGrid) -> HttpResponse:
    return xlsx_response(monthly_xlsx(grid), f"{grid.metric.label}-分月-{grid.span.spec}.xlsx")
