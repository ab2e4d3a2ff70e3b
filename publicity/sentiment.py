"""职工思想动态: the quarterly brief assembled from data the platform already holds.

What employees ask: petitions by category and by unit, counted with aggregate queries only —
no petition is read, no name, number or text leaves the petition module. What publicity did
about it: the lectures held and the pieces published in the quarter under themes that answer
those categories (Theme.categories). The 宣传部 writes the analysis and files the brief (.docx).
Questions of the employee Q&A board (engagement.Question) are counted the same way: category and
unit, aggregates only, never the asker."""

from __future__ import annotations

import io
from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import Unit, User, subtree_q
from petitions.choices import Category
from petitions.models import Petition
from publicity.choices import PieceState
from publicity.models import Lecture, Piece, SentimentBrief, Theme
from publicity.scoping import is_staff_for, staff_units


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("bad_quarter", "季度须为1–4")
    tz = timezone.get_current_timezone()
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = datetime(year + (quarter == 4), (3 * quarter) % 12 + 1, 1, tzinfo=tz)
    return start, end


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def petition_counts(unit: Unit, year: int, quarter: int) -> dict:
    """Petitions received in the quarter within ``unit``'s subtree: by category, and by the
    child unit of ``unit`` they fall under. Aggregates only (DESIGN §4)."""
    start, end = quarter_bounds(year, quarter)
    qs = Petition.objects.filter(subtree_q([unit], field="unit__"), received_at__gte=start, received_at__lt=end)
    by_category = dict(qs.values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    children = list(Unit.objects.filter(parent=unit).order_by("path"))
    rows = qs.values_list("unit__path", "category").annotate(n=Count("id")).values_list("unit__path", "category", "n")
    by_unit: dict[str, dict[str, int]] = {}
    for path, category, n in rows:
        child = next((c for c in children if path.startswith(c.path)), None)
        name = child.name if child is not None else unit.name
        by_unit.setdefault(name, {}).setdefault(category, 0)
        by_unit[name][category] += n
    return {"total": sum(by_category.values()), "by_category": by_category, "by_unit": by_unit}


def question_counts(unit: Unit, year: int, quarter: int) -> dict:
    """Q&A-board questions asked in the quarter within the subtree, by category (aggregates only)."""
    from engagement.models import Question

    start, end = quarter_bounds(year, quarter)
    qs = Question.objects.filter(subtree_q([unit], field="unit__"), created_at__gte=start, created_at__lt=end)
    by_category = dict(qs.values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    return {"total": sum(by_category.values()), "by_category": by_category}


def answers(unit: Unit, year: int, quarter: int, categories: list[str]) -> dict[str, dict]:
    """Per category: the lectures and published pieces of the quarter whose theme answers it."""
    start, end = quarter_bounds(year, quarter)
    out: dict[str, dict] = {}
    themes = [t for t in Theme.objects.all() if t.categories]
    for category in categories:
        ids = [t.pk for t in themes if category in t.categories]
        if not ids:
            out[category] = {"lectures": 0, "person_times": 0, "pieces": 0, "titles": []}
            continue
        lectures = Lecture.objects.filter(subtree_q([unit], field="unit__"), theme_id__in=ids, held_at__gte=start,
                                          held_at__lt=end)
        pieces = Piece.objects.filter(subtree_q([unit], field="unit__"), theme_id__in=ids, state=PieceState.PUBLISHED,
                                      published_at__gte=start, published_at__lt=end)
        out[category] = {
            "lectures": lectures.count(), "person_times": sum(lectures.values_list("attendance", flat=True)),
            "pieces": pieces.count(),
            "titles": [*lectures.order_by("-attendance").values_list("topic", flat=True)[:2],
                       *pieces.order_by("-published_at").values_list("title", flat=True)[:2]],
        }
    return out


def assemble(unit: Unit, year: int, quarter: int) -> dict:
    now_counts = petition_counts(unit, year, quarter)
    prev = petition_counts(unit, *_previous(year, quarter))
    questions = question_counts(unit, year, quarter)
    categories = sorted(set(now_counts["by_category"]) | set(questions["by_category"]),
                        key=lambda c: -(now_counts["by_category"].get(c, 0) + questions["by_category"].get(c, 0)))
    return {"unit": unit.name, "year": year, "quarter": quarter, "petitions": now_counts,
            "previous": {"total": prev["total"], "by_category": prev["by_category"]},
            "answers": answers(unit, year, quarter, categories), "qa_questions": questions,
            "assembled_at": timezone.now().isoformat()}


def briefs_visible_to(user: User):
    if not user.is_authenticated:
        return SentimentBrief.objects.none()
    units = staff_units(user)
    if units is None:
        return SentimentBrief.objects.all()
    return SentimentBrief.objects.filter(subtree_q(units, field="unit__")) if units else SentimentBrief.objects.none()


@transaction.atomic
def brief_assemble(*, acting_user: User, unit: Unit, year: int, quarter: int) -> SentimentBrief:
    """Create (or refresh, while not filed) the brief's data for a unit and quarter."""
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以生成职工思想动态")
    data = assemble(unit, year, quarter)
    brief = SentimentBrief.objects.select_for_update().filter(unit=unit, year=year, quarter=quarter).first()
    if brief is None:
        brief = SentimentBrief.objects.create(unit=unit, year=year, quarter=quarter, data=data, created_by=acting_user)
    elif brief.filed_at is not None:
        raise InvalidState("filed", "该季度的职工思想动态已归档，不能再改")
    else:
        brief.data = data
        brief.save(update_fields=["data"])
    audit_record(actor=acting_user, action="publicity.brief.assemble", target=brief,
                 data={"total": data["petitions"]["total"]})
    return brief


@transaction.atomic
def brief_edit(*, brief: SentimentBrief, acting_user: User, analysis: str, suggestions: str) -> SentimentBrief:
    brief = SentimentBrief.objects.select_for_update().get(pk=brief.pk)
    if not is_staff_for(acting_user, brief.unit):
        raise NotAllowed("not_publicity_staff", "只有宣传干事可以编辑")
    if brief.filed_at is not None:
        raise InvalidState("filed", "已归档的职工思想动态不能再改")
    brief.analysis, brief.suggestions = analysis.strip(), suggestions.strip()
    brief.save(update_fields=["analysis", "suggestions"])
    audit_record(actor=acting_user, action="publicity.brief.edit", target=brief, data={})
    return brief


@transaction.atomic
def brief_file(*, brief: SentimentBrief, acting_user: User, now: datetime | None = None) -> SentimentBrief:
    brief = SentimentBrief.objects.select_for_update().get(pk=brief.pk)
    if not is_staff_for(acting_user, brief.unit):
        raise NotAllowed("not_publicity_staff", "只有宣传干事可以归档")
    if brief.filed_at is not None:
        raise InvalidState("filed", "已归档")
    if not brief.analysis.strip():
        raise InvalidInput("analysis_required", "请先填写动态分析")
    brief.filed_at, brief.filed_by = now or timezone.now(), acting_user
    brief.save(update_fields=["filed_at", "filed_by"])
    audit_record(actor=acting_user, action="publicity.brief.file", target=brief, data={})
    return brief


def brief_docx(brief: SentimentBrief) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from insights.reports import _heading, _para, _table

    labels = dict(Category.choices)
    d = brief.data
    doc = Document()
    _para(doc, f"{d['unit']}{d['year']}年第{d['quarter']}季度职工思想动态", size=18, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    status = f"归档：{timezone.localtime(brief.filed_at):%Y-%m-%d}" if brief.filed_at else "草稿（未归档）"
    _para(doc, status, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    p = d["petitions"]
    _heading(doc, "一、职工反映的问题")
    _para(doc, f"本季度收到信访事项{p['total']}件，上季度{d['previous']['total']}件。以下只统计数量，不含任何个人信息。")
    qa = (d.get("qa_questions") or {}).get("by_category", {})
    _para(doc, f"职工问答栏提问{sum(qa.values())}件。")
    cats = sorted(set(p["by_category"]) | set(qa), key=lambda c: -(p["by_category"].get(c, 0) + qa.get(c, 0)))
    _table(doc, ["分类", "信访（本季度）", "信访（上季度）", "问答栏提问"],
           [[str(labels.get(c, c)), p["by_category"].get(c, 0), d["previous"]["by_category"].get(c, 0), qa.get(c, 0)]
            for c in cats])
    if p["by_unit"]:
        _para(doc, "分单位情况：", indent=False)
        _table(doc, ["单位", *[str(labels.get(c, c)) for c in cats[:6]], "信访合计"],
               [[u, *[row.get(c, 0) for c in cats[:6]], sum(row.values())] for u, row in sorted(p["by_unit"].items())])
    _heading(doc, "二、宣传思想工作的回应")
    rows = []
    for c in cats:
        a = d["answers"].get(c, {})
        rows.append([str(labels.get(c, c)), a.get("lectures", 0), a.get("person_times", 0), a.get("pieces", 0),
                     "；".join(a.get("titles", []))[:120] or "（尚无回应）"])
    _table(doc, ["分类", "宣讲场次", "受众人次", "稿件篇数", "代表性宣讲和稿件"], rows)
    _heading(doc, "三、动态分析")
    for para in (brief.analysis or "（待填写）").splitlines():
        if para.strip():
            _para(doc, para.strip())
    _heading(doc, "四、工作建议")
    for para in (brief.suggestions or "（待填写）").splitlines():
        if para.strip():
            _para(doc, para.strip())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


