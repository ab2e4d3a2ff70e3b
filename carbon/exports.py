"""The annual report in the structure of the national guideline (.docx) and its tables (.xlsx):
1 reporting entity, 2 boundary, 3 emissions by source, 4 activity data and their sources,
5 factors and their sources, 6 uncertainty notes (and the verification trail)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from carbon.choices import QUANTITIES, STOCK_QUANTITIES, SourceCode
from carbon.models import ActivityRecord, Facility, Factor, InventoryResult, MeasuredFactor, Report
from orgs.models import subtree_q

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
T2 = Decimal("0.01")


def _fmt(v: Decimal | None) -> str:
    return "—" if v is None else f"{v.quantize(T2):,}"


def report_tables(report: Report) -> dict[str, tuple[list[str], list[list]]]:
    """The report's tables, shared by the .docx and the .xlsx."""
    facs = Facility.objects.filter(subtree_q([report.entity], field="unit__")).select_related("unit")
    boundary = [[f.unit.code, f.unit.name, f.get_kind_display(), f.get_mining_method_display(), f.get_gas_class_display(),
                 f.capacity_mtpa, f.get_status_display()] for f in facs]
    res = InventoryResult.objects.filter(run=report.run, facility__in=facs)
    labels = {**dict(SourceCode.choices), "ghg.ccus": _("CCUS扣减（方法学选择）")}
    by_source = [[code, str(labels.get(code, code)), scope, t, e] for code, scope, t, e in
                 res.filter(code__startswith="ghg.").values("code", "scope").annotate(t=Sum("tonnes"), e=Sum("co2e"))
                 .order_by("scope", "code").values_list("code", "scope", "t", "e")]
    by_facility = [[name, e] for name, e in res.filter(code__startswith="ghg.").values("facility__unit__name")
                   .annotate(e=Sum("co2e")).order_by("-e").values_list("facility__unit__name", "e")]
    acts = (ActivityRecord.objects.filter(facility__in=facs, month__year=report.year)
            .exclude(quantity__in=STOCK_QUANTITIES)
            .values("quantity", "unit").annotate(t=Sum("value")).order_by("quantity"))
    activity = [[a["quantity"], str(QUANTITIES[a["quantity"]].label), a["t"], a["unit"]] for a in acts]
    # stocks (renewable MW, intelligent faces): the year-end value of each facility, added up — never a sum of months
    from carbon.selectors import stock_values

    year_end: dict[str, Decimal] = {}
    for per in stock_values(facs, report.year).values():
        for code, v in per.items():
            year_end[code] = year_end.get(code, Decimal(0)) + v
    activity += [[code, f"{QUANTITIES[code].label}{_('（年末）')}", v, QUANTITIES[code].unit]
                 for code, v in sorted(year_end.items())]
    tiers = (ActivityRecord.objects.filter(facility__in=facs, month__year=report.year)
             .values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    versions = report.run.factor_versions
    factors = [[f.factor_set.version, f.code, f.value, f.unit, f.source, _("是") if f.to_verify else ""]
               for f in Factor.objects.filter(factor_set__version__in=versions).select_related("factor_set")]
    factors += [[f"measured:{m.pk}", m.code, m.value, m.unit, f"{m.facility.unit.name} {m.month_from:%Y-%m}–{m.month_to:%Y-%m}", ""]
                for m in MeasuredFactor.objects.filter(facility__in=facs).select_related("facility__unit")
                if f"measured:{m.pk}" in versions]
    from carbon.models import CcusMonth

    ccus = [[name, c, u, st, r, k] for name, c, u, st, r, k in
            CcusMonth.objects.filter(project__facility__in=facs, month__year=report.year).values("project__name")
            .annotate(c=Sum("captured"), u=Sum("utilized"), st=Sum("stored"), r=Sum("released"), k=Sum("in_stock"))
            .values_list("project__name", "c", "u", "st", "r", "k")]
    return {
        "ccus": ([_("CCUS项目"), _("捕集量（t）"), _("利用量（t）"), _("封存量（t）"), _("释放量（t）"), _("库存量（t）")], ccus),
        "boundary": ([_("单位代码"), _("设施"), _("类别"), _("开采方式"), _("瓦斯等级"), _("产能（Mt/a）"), _("状态")], boundary),
        "by_source": ([_("代码"), _("排放源"), _("范围"), _("排放量（t）"), _("排放量（t CO2e）")], by_source),
        "by_facility": ([_("设施"), _("排放量（t CO2e）")], by_facility),
        "activity": ([_("代码"), _("项目"), _("年合计"), _("单位")], activity),
        "tiers": ([_("数据层级"), _("条数")], [list(t) for t in tiers]),
        "factors": ([_("版本"), _("因子代码"), _("数值"), _("单位"), _("来源"), _("待核实")], factors),
    }


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    titles = {"ccus": _("CCUS备忘项"), "boundary": _("核算边界"), "by_source": _("分排放源"), "by_facility": _("分设施"),
              "activity": _("活动水平数据"), "tiers": _("数据层级"), "factors": _("排放因子")}
    for key, (header, rows) in report_tables(report).items():
        ws = wb.create_sheet(str(titles[key]))
        ws.append([str(h) for h in header])
        for r in rows:
            ws.append([float(c) if isinstance(c, Decimal) else c for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_docx(report: Report) -> bytes:
    from docx import Document

    doc = Document()
    by_scope = {1: Decimal(0), 2: Decimal(0)}
    for _code, _label, scope, _t, e in report_tables(report)["by_source"][1]:
        by_scope[scope] += e
    doc.add_heading(_("%(e)s %(y)s年度温室气体排放报告") % {"e": report.entity.name, "y": report.year}, 0)
    doc.add_paragraph(_("依据：GB/T 32151.11-2018《温室气体排放核算与报告要求 第11部分：煤炭生产企业》。"
                        "版本：第%(v)s版；核算版本：%(r)s；状态：%(s)s。")
                      % {"v": report.version, "r": str(report.run), "s": report.get_state_display()})
    tables = report_tables(report)

    def table(key: str) -> None:
        header, rows = tables[key]
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for i, h in enumerate(header):
            t.rows[0].cells[i].text = str(h)
        for r in rows:
            cells = t.add_row().cells
            for i, c in enumerate(r):
                cells[i].text = _fmt(c) if isinstance(c, Decimal) else ("" if c is None else str(c))

    doc.add_heading(_("一、报告主体"), 1)
    doc.add_paragraph(f"{report.entity.name}（{report.entity.code}）")
    doc.add_heading(_("二、核算边界"), 1)
    table("boundary")
    doc.add_heading(_("三、温室气体排放"), 1)
    doc.add_paragraph(_("排放总量 %(t)s t CO2e（范围一 %(s1)s，范围二 %(s2)s；GWP取值 %(g)s）。")
                      % {"t": _fmt(by_scope[1] + by_scope[2]), "s1": _fmt(by_scope[1]), "s2": _fmt(by_scope[2]),
                         "g": report.run.gwp_set})
    table("by_source")
    table("by_facility")
    doc.add_paragraph(methodology_text(report.run))
    if tables["ccus"][1]:
        table("ccus")
    doc.add_heading(_("四、活动水平数据及来源"), 1)
    table("activity")
    table("tiers")
    doc.add_heading(_("五、排放因子及来源"), 1)
    table("factors")
    doc.add_heading(_("六、不确定性说明"), 1)
    doc.add_paragraph(report.uncertainty_notes or _("（未填写）"))
    findings = list(report.findings.all())
    if findings:
        doc.add_heading(_("七、核查发现与整改"), 1)
        for f in findings:
            doc.add_paragraph(f"{f.text} —— {f.response or _('待整改')}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def methodology_text(run) -> str:
    """The run's methodology choices as one sentence (report, pages)."""
    from carbon.choices import CcusMethod

    unburnt = _("火炬未燃尽的CH4计入排放") if run.count_unburnt_ch4 else _("火炬未燃尽的CH4不计入排放")
    if run.ccus_method == CcusMethod.MEMO:
        ccus = _("CO2捕集利用（CCUS）作为备忘项单独列示，未从排放量中扣减")
    else:
        ccus = _("CO2捕集利用（CCUS）按所选方法学从范围一排放中扣减：%(m)s") % {"m": run.get_ccus_method_display()}
    return _("方法学选择（核算版本 v%(v)s）：%(u)s；%(c)s。") % {"v": run.version, "u": unburnt, "c": ccus}
