"""Petition-rules publicity (依法维权，科学信访): channels, procedure, periods, rights and duties in
plain Chinese, generated from the rule data the workflow itself enforces — the period policy in
force for the unit (petitions.policy.policy_for → tongxin.lib.periods.STATUTORY tightened), the
transition table (petitions.rules.TRANSITIONS) and the codes (petitions.choices) — so the text can
never drift from what the system does. Printable as an A4 poster (.docx)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from orgs.models import Unit
from petitions.choices import Channel, DeclineReason, LegalChannel, Rating, ReplyOutcome, State
from petitions.policy import policy_for
from petitions.rules import TRANSITIONS, Action
from tongxin.lib.periods import STATUTORY, PeriodPolicy

# The article of 《信访工作条例》 behind each period, for the periods table.
ARTICLES = {
    "acceptance": "第二十三条", "forward_objection": "第二十三条第三款", "handling": "第三十四条",
    "extension_max": "第三十四条", "review_request": "第三十五条", "review_answer": "第三十五条",
    "rereview_request": "第三十六条", "rereview_answer": "第三十六条", "supervision_reply": "第四十条",
    "rating_window": "国信发〔2022〕11号", "simple_acceptance": "简易办理办法", "simple_handling": "简易办理办法",
}
# Periods shown to employees (the internal ones — objection, supervision — are on the staff table only).
PUBLIC_PERIODS = ("acceptance", "handling", "extension_max", "rating_window", "review_request", "review_answer",
                  "rereview_request", "rereview_answer")


@dataclass
class Step:
    title: str
    text: str


@dataclass
class PeriodRow:
    name: str
    label: str
    value: str
    statutory: str
    article: str
    tightened: bool


@dataclass
class RulesSheet:
    unit: Unit | None
    channels: list[str]
    steps: list[Step]
    periods: list[PeriodRow]
    rights: list[str]
    duties: list[str]
    not_accepted: list[str]
    legal_channels: list[str]
    outcomes: list[str]
    ratings: list[str]
    prohibited: list[str] = field(default_factory=list)


PROHIBITED = [
    "在机关、单位办公场所周围、公共场所非法聚集，围堵、冲击机关、单位，拦截公务车辆，或者堵塞、阻断交通",
    "携带危险物品、管制器具",
    "侮辱、殴打、威胁国家机关工作人员，非法限制他人人身自由，或者毁坏财物",
    "在信访接待场所滞留、滋事，或者将生活不能自理的人弃留在信访接待场所",
    "煽动、串联、胁迫、以财物诱使、幕后操纵他人信访，或者以信访为名借机敛财",
]


def _from_states(action: Action) -> str:
    return "、".join(str(State(s).label) for s in sorted(TRANSITIONS[action][0]))


def rules_sheet(unit: Unit | None = None, policy: PeriodPolicy | None = None) -> RulesSheet:
    """Everything the publicity page and poster say, computed from the rule data in force."""
    p = policy or (policy_for(unit) if unit is not None else STATUTORY)
    outcomes = [str(label) for _v, label in ReplyOutcome.choices]
    steps = [
        Step("提出", "通过" + "、".join(str(c.label) for c in Channel if c != Channel.CADRE_VISIT)
             + "提出，写明姓名、诉求、事实和理由；可以匿名网上信访，凭查询码查询进度。"),
        Step("登记和受理告知", f"所有信访事项一律登记。自收到之日起{p.acceptance}内书面告知是否受理；"
             "不属于本单位职责的，告知向哪里反映或转送有权处理的单位。"),
        Step("办理", f"自受理之日起{p.handling}内办结；" + (
            f"情况复杂的，经单位负责人批准可延长{p.max_extensions}次，每次不超过{p.extension_max}，并告知延期理由。"
            if p.max_extensions else "本单位规定不得延长办理期限。")),
        Step("答复", "出具信访处理意见书，结论为" + "、".join(outcomes) + "之一，写明事实、理由和依据。"),
        Step("评价", f"收到处理意见后{p.rating_window}内可以评价：" + "、".join(str(r.label) for r in Rating) + "。"),
        Step("复查", f"对处理意见不服的，自收到书面答复之日起{p.review_request}内向上一级单位申请复查；"
             f"复查单位{p.review_answer}内书面答复。可申请复查的状态：{_from_states(Action.REQUEST_REVIEW)}。"),
        Step("复核", f"对复查意见不服的，自收到之日起{p.rereview_request}内申请复核；复核单位{p.rereview_answer}内答复。"),
        Step("终结", "复核后以同一事实和理由再次提出的，不再受理（第三十六条第三款）。"),
    ]
    periods = [
        PeriodRow(name=n, label=PeriodPolicy.label(n), value=str(getattr(p, n)), statutory=str(getattr(STATUTORY, n)),
                  article=ARTICLES[n], tightened=getattr(p, n) != getattr(STATUTORY, n))
        for n in PeriodPolicy.PERIOD_FIELDS
    ]
    return RulesSheet(
        unit=unit,
        channels=[str(c.label) for c in Channel],
        steps=steps,
        periods=periods,
        rights=[
            "通过网上信访、来信、来电、来访等渠道反映诉求，实名或匿名均可（第十七条）",
            "查询信访事项的办理进度和结果，并对办理情况进行评价（第二十一条）",
            f"在规定期限内收到是否受理的书面告知（{p.acceptance}）和处理意见书",
            "要求与信访事项有直接利害关系的工作人员回避（第二十八条第三款）",
            "检举控告的材料和有关情况不会透露或转送给被检举控告的人员和单位（第三十条第三款）",
            "对处理意见不服的，依法申请复查、复核",
            "任何组织和个人不得打击报复信访人（第十八条第四款）",
        ],
        duties=[
            "如实反映情况，不得捏造、歪曲事实，不得诬告、陷害他人（第十九条第二款）",
            f"多人走访反映同一事项的，推选代表，代表不超过{p.max_visit_representatives}人（第二十条第三款）",
            "到有权处理的本级或上一级单位设立或指定的接待场所走访（第二十条）",
            "应当通过诉讼、仲裁、行政复议等法定途径解决的，依照法定程序提出（第三十一条）",
            "遵守信访秩序，不得有第二十六条所列行为",
        ],
        not_accepted=[str(label) for _v, label in DeclineReason.choices],
        legal_channels=[str(label) for _v, label in LegalChannel.choices],
        outcomes=outcomes,
        ratings=[str(r.label) for r in Rating],
        prohibited=PROHIBITED,
    )


def poster_docx(sheet: RulesSheet) -> bytes:
    """An A4 poster for notice boards: title, channels, steps with the periods, rights, duties."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin = section.bottom_margin = Mm(12)

    def para(text: str, size: float = 11, bold: bool = False, center: bool = False, red: bool = False) -> None:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(3)
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        if red:
            run.font.color.rgb = RGBColor(0xB7, 0x1C, 0x1C)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    who = sheet.unit.name if sheet.unit is not None else ""
    para("依法维权　科学信访", 26, bold=True, center=True, red=True)
    para(f"{who}信访工作须知（依据《信访工作条例》）", 14, bold=True, center=True)
    para("一、信访渠道", 14, bold=True)
    para("、".join(sheet.channels))
    para("二、办理流程和期限", 14, bold=True)
    for i, step in enumerate(sheet.steps, start=1):
        para(f"{i}. {step.title}：{step.text}")
    para("三、您的权利", 14, bold=True)
    for line in sheet.rights:
        para(f"● {line}")
    para("四、您的义务", 14, bold=True)
    for line in sheet.duties:
        para(f"● {line}")
    para("五、不得实施的行为（第二十六条）", 14, bold=True)
    para("；".join(sheet.prohibited) + "。", 10)
    para("期限按《民法典》计算：从次日起算，最后一日是法定节假日的，顺延至节假日后第一个工作日。", 9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
