"""Official notices (告知书、意见书、督办单) rendered as .docx from a ``Notice`` row.

The workflow records each notice with the facts it stated (``Notice.context``, see
petitions.workflow); this module only turns that record into a printable document, so a
notice downloaded years later reads exactly as it did on the day it was issued. Rendering is
pure: it reads the notice (and, for the addressee, the petition) and writes nothing.

The addressee of a petitioner's notice is the petitioner's name, decrypted from the identity
row. A caller that shows the document to staff is revealing an identity and writes that
reveal to the audit log (DESIGN §4); it may pass ``addressee=`` to render a masked copy.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from petitions.choices import DeclineReason, NoticeKind, ReplyOutcome
from petitions.models import Notice
from tongxin.lib.periods import local_date

__all__ = ["cn_date", "notice_filename", "render_notice"]

FONT = "宋体"  # East Asian font (SimSun); Latin text falls back to Times New Roman
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
ANONYMOUS_ADDRESSEE = "信访人"

# Why a matter was not accepted, and the article that says so.
DECLINE_BASIS = {
    DeclineReason.OUTSIDE_REMIT: "第二十三条第一款",
    DeclineReason.LEGAL_PROCEDURE: "第二十二条、第三十一条",
    DeclineReason.IN_PROGRESS_ELSEWHERE: "第十九条第三款",
    DeclineReason.FINAL_SAME_MATTER: "第三十六条第三款",
    DeclineReason.UNCLEAR: "第十九条第一款、第二十三条第二款",
}

# 第三十二条: the three conclusions of a 信访处理意见书 and the standard each meets.
REPLY_STANDARD = {
    ReplyOutcome.SUPPORT: "请求事实清楚，符合法律、法规、规章或者其他有关规定的，予以支持",
    ReplyOutcome.EXPLAIN: "请求事由合理但缺乏法律依据的，应当作出解释说明",
    ReplyOutcome.NOT_SUPPORT: "请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定的，不予支持",
}
REPLY_ITEM = {ReplyOutcome.SUPPORT: "（一）", ReplyOutcome.EXPLAIN: "（二）", ReplyOutcome.NOT_SUPPORT: "（三）"}


# --- small helpers ---------------------------------------------------------------------------


def cn_date(value: str | date | datetime | None) -> str:
    """2026-03-05 (ISO text, date or aware datetime) → 2026年3月5日; empty stays empty."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local_date(value)
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def _by_label(choices, label: str) -> str:
    """The code of a choice whose label was stored in the context (labels are stored as text)."""
    for value, text in choices.choices:
        if str(text) == label:
            return value
    return ""


def _set_run_font(run, *, size: float | None = None, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold or None
    if color is not None:
        run.font.color.rgb = color


class _Doc:
    """A GB/T 9704-like page: A4, official margins, 宋体 throughout."""

    BODY_PT = 14  # 四号

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(self.BODY_PT)
        rpr = normal.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), FONT)
        fmt = normal.paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(4), 1.35

    def para(
        self,
        text: str = "",
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        size: float | None = None,
        bold: bool = False,
        color: RGBColor | None = None,
        indent: bool = False,
        space_after: float | None = None,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(self.BODY_PT * 2)  # 首行缩进两字
        if space_after is not None:
            p.paragraph_format.space_after = Pt(space_after)
        if text:
            _set_run_font(p.add_run(text), size=size, bold=bold, color=color)
        return p

    def body(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            if line.strip():
                self.para(line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    def heading(self, text: str) -> None:
        self.para(text, bold=True, indent=True)

    def red_rule(self) -> None:
        """The red line under the letterhead (版头分隔线)."""
        p = self.para(space_after=12)
        ppr = p._element.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "C00000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        ppr.append(border)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# --- addressee -------------------------------------------------------------------------------


def _petitioner_name(notice: Notice) -> str:
    petition = notice.petition
    if petition.is_anonymous:
        return ANONYMOUS_ADDRESSEE
    from petitions.identity import unseal
    from petitions.models import PetitionerIdentity

    row = PetitionerIdentity.objects.filter(petition_id=petition.pk).first()
    name = unseal(row).name if row is not None else ""
    if not name and petition.petitioner_id:
        name = petition.petitioner.name
    return name or ANONYMOUS_ADDRESSEE


# --- the bodies, one per kind ---------------------------------------------------------------


def _matter(c: dict) -> str:
    """你于X年X月X日提出的信访事项（信访编号…，“标题”）"""
    return f"你于{cn_date(c.get('received_on'))}提出的信访事项（信访编号{c['number']}，“{c.get('title', '')}”）"


def _acceptance(d: _Doc, c: dict, notice: Notice) -> None:
    d.body(
        f"{_matter(c)}，本单位已收悉。根据《信访工作条例》第二十三条的规定，经审查，该事项属于本单位职责范围，"
        f"本单位已于{cn_date(c.get('issued_on'))}依法受理。"
    )
    d.body(
        f"根据《信访工作条例》第三十四条的规定，本单位将自受理之日起{c.get('period') or '60日'}内办结，"
        f"即于{cn_date(c.get('handling_last_day'))}前办结，并向你出具书面处理意见；情况复杂的，经本单位负责人批准，"
        "可以适当延长办理期限，但延长期限不超过30日，并告知你延期理由。"
    )
    d.body("你可以登录同心信访平台或凭查询码查询办理进展和结果，并对办理情况作出评价（第二十一条）。")


def _non_acceptance(d: _Doc, c: dict, notice: Notice) -> None:
    reason = c.get("reason", "")
    code = _by_label(DeclineReason, reason) or notice.petition.decision_reason
    basis = DECLINE_BASIS.get(code, "第二十三条")
    d.body(
        f"{_matter(c)}，本单位已收悉。经审查，该事项{reason}。根据《信访工作条例》{basis}的规定，本单位不予受理。"
    )
    if c.get("detail"):
        d.body(f"具体理由：{c['detail']}")
    channel = c.get("legal_channel")
    if channel:
        d.body(
            f"根据《信访工作条例》第三十一条的规定，你的请求应当通过{channel}途径解决，请你依照有关法律、"
            "行政法规规定的程序向有关机关或者单位提出。"
        )
    elif code == DeclineReason.FINAL_SAME_MATTER:
        d.body("该事项已经复核终结，以同一事实和理由再次提出的，各级机关、单位不再受理（第三十六条第三款）。")
    elif code == DeclineReason.OUTSIDE_REMIT:
        d.body("请你向依法有权处理该事项的机关或者单位提出（第二十三条第一款）。")


def _forward(d: _Doc, c: dict, notice: Notice) -> None:
    to_unit = c.get("to_unit", "")
    d.body(
        f"{_matter(c)}，本单位已收悉。根据《信访工作条例》第二十三条第一款的规定，经审查，该事项属于{to_unit}"
        f"的职责范围，本单位已于{cn_date(c.get('issued_on'))}将该事项转送{to_unit}办理。"
    )
    d.body(
        f"根据《信访工作条例》第二十三条第三款的规定，{to_unit}应当自收到该事项之日起15日内书面告知你是否受理。"
        f"请你向{to_unit}了解办理情况。"
    )
    if c.get("detail"):
        d.body(f"说明：{c['detail']}")


def _extension(d: _Doc, c: dict, notice: Notice) -> None:
    d.body(
        f"{_matter(c)}，本单位已依法受理，原定办理期限至{cn_date(c.get('old_last_day'))}届满。"
    )
    d.body(
        f"因{c.get('reason', '')}，经本单位负责人批准，根据《信访工作条例》第三十四条的规定，该事项办理期限延长"
        f"{c.get('days', '')}日，至{cn_date(c.get('new_last_day'))}届满。本单位将在延长的期限内办结并向你出具书面处理意见。"
    )
    d.body("特此告知。")


def _reply(d: _Doc, c: dict, notice: Notice) -> None:
    outcome = c.get("outcome", "")
    code = _by_label(ReplyOutcome, outcome)
    d.body(f"{_matter(c)}，本单位已依法受理，由{c.get('handling_unit', '')}承办。经调查核实，现出具处理意见如下：")
    d.heading("一、信访请求")
    d.body(c.get("content", ""))
    d.heading("二、事实和理由")
    d.body(c.get("text", ""))
    d.heading("三、处理意见")
    d.body(f"本单位对你的信访请求{outcome}。")
    d.heading("四、依据")
    standard = REPLY_STANDARD.get(code, "")
    item = REPLY_ITEM.get(code, "")
    d.body(f"《信访工作条例》第三十二条{item}：{standard}。" if standard else "《信访工作条例》第三十二条。")
    d.body(
        f"如对本处理意见不服，你可以自收到本意见书之日起30日内（即{cn_date(c.get('review_last_day'))}前）"
        f"请求{c.get('review_unit', '')}复查（《信访工作条例》第三十五条）。"
    )


def _review(d: _Doc, c: dict, notice: Notice) -> None:
    original = c.get("original_outcome")
    d.body(
        f"{_matter(c)}，已由承办单位出具处理意见{f'（{original}）' if original else ''}。你对该处理意见不服，"
        "向本单位请求复查。根据《信访工作条例》第三十五条的规定，本单位已依法进行复查。"
    )
    d.heading("一、复查请求")
    d.body(c.get("request_text", ""))
    d.heading("二、复查意见")
    d.body(c.get("opinion", ""))
    d.body(f"复查结论：{c.get('outcome', '')}。")
    last_day = c.get("rereview_last_day") or (
        notice.petition.rereview_request_due_at and _last_day(notice.petition.rereview_request_due_at)
    )
    rereview_unit = c.get("rereview_unit") or "上一级单位"
    d.body(
        f"如对本复查意见不服，你可以自收到本意见书之日起30日内（即{cn_date(last_day)}前）"
        f"向{rereview_unit}请求复核（《信访工作条例》第三十六条第一款）。"
    )


def _rereview(d: _Doc, c: dict, notice: Notice) -> None:
    d.body(
        f"{_matter(c)}，已经办理和复查。你对复查意见不服，向本单位请求复核。根据《信访工作条例》第三十六条的规定，"
        "本单位已依法进行复核。"
    )
    d.heading("一、复核请求")
    d.body(c.get("request_text", ""))
    d.heading("二、复核意见")
    d.body(c.get("opinion", ""))
    d.body(f"复核结论：{c.get('outcome', '')}。")
    d.body(
        "根据《信访工作条例》第三十六条第三款的规定，本复核意见为该信访事项的终结意见。"
        "你对复核意见不服，仍然以同一事实和理由提出信访的，各级机关、单位不再受理。"
    )


def _supervision(d: _Doc, c: dict, notice: Notice) -> None:
    d.body(
        f"信访事项{c['number']}（“{c.get('title', '')}”，{cn_date(c.get('received_on'))}收到，"
        f"受理单位{c.get('to_unit', '')}）：{c.get('reason', '')}"
    )
    d.body(
        f"根据《信访工作条例》第四十条的规定，现予督办。请你单位认真核查，依法及时办理，并于"
        f"{cn_date(c.get('reply_last_day'))}前将办理情况和是否采纳督办意见书面回复{c.get('unit_name', '')}。"
    )
    d.body("逾期不回复的，将依照《信访工作条例》第四十四条的规定追究责任。")


def _last_day(due: datetime) -> str:
    from tongxin.lib.periods import last_day_of

    return last_day_of(due).isoformat()


BODIES: dict[str, Callable[[_Doc, dict, Notice], None]] = {
    NoticeKind.ACCEPTANCE: _acceptance,
    NoticeKind.NON_ACCEPTANCE: _non_acceptance,
    NoticeKind.FORWARD: _forward,
    NoticeKind.EXTENSION: _extension,
    NoticeKind.REPLY: _reply,
    NoticeKind.REVIEW: _review,
    NoticeKind.REREVIEW: _rereview,
    NoticeKind.SUPERVISION: _supervision,
}


# --- public API ------------------------------------------------------------------------------


def render_notice(notice: Notice, *, addressee: str | None = None) -> bytes:
    """The notice as a .docx document (bytes). Writes nothing."""
    c = dict(notice.context or {})
    c.setdefault("number", notice.petition.number)
    unit_name = c.get("unit_name") or notice.unit.name
    title = NoticeKind(notice.kind).label
    issued = c.get("issued_on") or local_date(notice.issued_at).isoformat()

    d = _Doc()
    d.para(unit_name, align=WD_ALIGN_PARAGRAPH.CENTER, size=24, bold=True, color=RED, space_after=2)
    d.red_rule()
    d.para(str(title), align=WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True, space_after=6)
    d.para(f"文号：{notice.doc_number}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    d.para(f"信访编号：{c['number']}")
    if notice.kind == NoticeKind.SUPERVISION:
        to = c.get("to_unit") or ""
    else:
        to = addressee if addressee is not None else _petitioner_name(notice)
    d.para(f"{to}：")
    BODIES[notice.kind](d, c, notice)
    d.para()
    d.para(unit_name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    d.para("（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    d.para(cn_date(issued), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return d.save()


def notice_filename(notice: Notice) -> str:
    """受理告知书-XF-2026-000001.docx; a second notice of the same kind gets "-2"."""
    number = notice.context.get("number") if notice.context else None
    number = number or notice.petition.number
    match = re.search(r"(\d+)$", notice.doc_number or "")
    suffix = f"-{match.group(1)}" if match and int(match.group(1)) > 1 else ""
    return f"{NoticeKind(notice.kind).label}-{number}{suffix}.docx"
