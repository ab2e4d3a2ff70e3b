"""Demo petitions for the demo coal group, made through the real intake and workflow
functions with dates in the past, so every state, deadline, notice and event is genuine."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orgs.choices import Role
from orgs.models import Unit, User
from petitions.choices import Category, Channel, PetitionType, Rating, ReplyOutcome, ReviewOutcome
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_register, petition_submit
from petitions.models import Petition
from petitions.rules import Actor
from petitions.sweep import run_sweep
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_decline,
    petition_extend,
    petition_rate,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
)

MARK = "【演示】"
MINES = ["TSK", "TXK", "YGK", "YZS", "WJW", "JJW"]

# (category, type, title, content) — the voices of a coal group.
MATTERS = [
    (Category.WAGES, PetitionType.REQUEST, "十月绩效工资少发八百元",
     "我是综采一队采煤工，十月份绩效工资比九月少了八百多元，队里没有公示考核细则，问了班长也说不清，请求核实并补发。"),
    (Category.WAGES, PetitionType.REQUEST, "夜班津贴三个月未发放",
     "掘进二队今年七、八、九三个月的夜班津贴一直没有发，工友们意见很大，希望矿上给个说法，尽快发放。"),
    (Category.SAFETY, PetitionType.REQUEST, "回风巷瓦斯传感器长期不校准",
     "8105工作面回风巷的瓦斯传感器已经两个多月没有校准，显示值和便携仪差得多，班组长让我们照常生产，担心出事，请安监站核查。"),
    (Category.OCCUPATIONAL_HEALTH, PetitionType.REQUEST, "尘肺病工伤认定迟迟没有结果",
     "我父亲在矿上干了二十六年，去年确诊尘肺病二期，工伤认定材料交上去半年了还没有结果，请帮助督促办理。"),
    (Category.HOUSING_LIVING, PetitionType.REQUEST, "棚改回迁房交房时间一再推迟",
     "我们是棚户区改造的回迁户，原定去年十月交房，现在一拖再拖，租房补贴也停了，一家老小没地方住，请求给出明确交房时间。"),
    (Category.HOUSING_LIVING, PetitionType.SUGGESTION, "建议早班班车提前十分钟发车",
     "早班班车六点二十发车，到矿换衣服下井时间太紧，建议提前到六点十分，方便职工按时入井。"),
    (Category.RETIREMENT, PetitionType.REQUEST, "退休后取暖补贴未按标准发放",
     "我去年十二月退休，今年的取暖补贴只发了一半，别的退休职工都是全额，请离退休中心核实。"),
    (Category.LAND_SUBSIDENCE, PetitionType.REQUEST, "采空区塌陷导致村民房屋开裂",
     "我们村在矿井采空区上方，今年雨季后多户房屋墙体开裂，院子地面塌陷，村民要求矿上鉴定并赔偿、安置。"),
    (Category.LABOUR_RELATIONS, PetitionType.APPEAL, "内退待遇计算有误申诉",
     "我办理内退时工龄少算了三年，导致内退生活费偏低，已向人力资源部反映过一次，答复不认可，现提出申诉。"),
    (Category.SOCIAL_INSURANCE, PetitionType.INQUIRY, "企业年金个人账户如何查询",
     "想咨询企业年金的个人账户余额在哪里可以查到，离职后年金怎么转移，请给予答复。"),
    (Category.CADRE_CONDUCT, PetitionType.ACCUSATION, "反映区队干部分配奖金不公",
     "运输队副队长在分配安全奖时优亲厚友，自己班组的人多拿，一线工人少拿，还让我们在表上签字，请纪委调查。"),
    (Category.RESTRUCTURING, PetitionType.REQUEST, "矿井关闭后分流安置岗位太远",
     "我们原来在关闭的矿井工作，分流到一百多公里外的新矿，家里有老人孩子照顾不了，请求就近安置。"),
    (Category.SUGGESTION, PetitionType.SUGGESTION, "井下食堂送餐保温建议",
     "井下班中餐送到工作面经常是凉的，建议配保温箱并按班次分批送，让一线工人吃上热饭。"),
]


def _desk_person(unit: Unit) -> User | None:
    """A petition officer (or leader/administrator) at the unit or above."""
    line = list(unit.ancestors()) + [unit]
    for role in (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR):
        for u in reversed(line):
            person = User.objects.filter(roles__role=role, roles__unit=u).order_by("employee_no").first()
            if person:
                return person
    return None


def _staff(mine: Unit) -> dict:
    team = Unit.objects.filter(parent=mine, kind="team").order_by("code").first()
    handler = User.objects.filter(roles__role=Role.HANDLER, roles__unit=team).order_by("employee_no").first()
    leader = User.objects.filter(roles__role=Role.UNIT_LEADER, roles__unit=mine).order_by("employee_no").first()
    employees = list(User.objects.filter(home_unit__parent=mine, roles__role=Role.EMPLOYEE)
                     .exclude(roles__role__in=[r for r in Role.values if r != Role.EMPLOYEE])
                     .order_by("employee_no")[:10])
    return {"team": team, "handler": handler, "leader": leader, "officer": _desk_person(mine),
            "reviewer": _desk_person(mine.parent), "rereviewer": _desk_person(mine.parent.parent or mine.parent),
            "employees": employees}


# How far along each demo petition goes; days ago it was received.
STAGES = [
    ("registered", 2), ("registered", 12), ("accepted", 20), ("handling", 30), ("handling", 75),
    ("extended", 50), ("replied", 25), ("closed", 60), ("reviewing", 70), ("reviewed", 100),
    ("final", 160), ("declined", 10), ("anonymous", 5),
]


@transaction.atomic
def build_petitions(units: dict[str, Unit] | None = None, *, now: datetime | None = None) -> int:
    """Create the demo petitions once (re-running adds nothing)."""
    if Petition.objects.filter(title__startswith=MARK).exists():
        return 0
    now = now or timezone.now()
    rnd = random.Random(2026)  # nosec B311 - reproducible demo data, not security
    made = 0
    for i, code in enumerate(MINES):
        mine = Unit.objects.filter(code=code).first()
        if mine is None:
            continue
        staff = _staff(mine)
        if not (staff["handler"] and staff["leader"] and staff["officer"] and staff["employees"]):
            continue
        for j, (stage, days_ago) in enumerate(STAGES):
            category, ptype, title, content = MATTERS[(i * 5 + j) % len(MATTERS)]
            if ptype == PetitionType.ACCUSATION:
                ptype = PetitionType.REQUEST  # accusations are built separately below
            petitioner = staff["employees"][j % len(staff["employees"])]
            start = now - timedelta(days=days_ago, hours=rnd.randint(0, 8))
            _walk(stage, start, now, mine, staff, petitioner, category, ptype, MARK + title, content)
            made += 1
    # An accusation against a team cadre, routed so that he and his leaders never see it.
    mine = Unit.objects.filter(code="TSK").first()
    if mine is not None:
        staff = _staff(mine)
        accused = staff["handler"]
        draft = PetitionDraft(title=MARK + MATTERS[10][2], content=MATTERS[10][3], category=Category.CADRE_CONDUCT,
                              ptype=PetitionType.ACCUSATION, unit=mine, anonymous=True, accused_user=accused)
        petition_submit(petitioner=staff["employees"][-1], draft=draft, now=now - timedelta(days=3))
        made += 1
    run_sweep(now)  # overdue demo matters get their 督办单 and accountability records
    return made


def _walk(stage, start, now, mine, staff, petitioner, category, ptype, title, content) -> None:
    actor = Actor(user=petitioner)
    officer, handler, leader = Actor(user=staff["officer"]), Actor(user=staff["handler"]), Actor(user=staff["leader"])
    if stage == "anonymous":
        draft = PetitionDraft(title=title, content=content, category=category, ptype=ptype, unit=mine, anonymous=True)
        petition_submit(petitioner=petitioner, draft=draft, now=start)
        return
    if stage in ("registered", "declined") and (start.day % 2 == 0):
        # A letter or phone call recorded by the officer.
        draft = PetitionDraft(title=title, content=content, category=category, ptype=ptype, unit=mine,
                              channel=Channel.LETTER if start.day % 4 == 0 else Channel.PHONE,
                              identity=Identity(name=petitioner.name, phone=petitioner.phone or ""), received_at=start)
        p = petition_register(officer=staff["officer"], draft=draft, petitioner=petitioner, now=start).petition
    else:
        draft = PetitionDraft(title=title, content=content, category=category, ptype=ptype, unit=mine)
        p = petition_submit(petitioner=petitioner, draft=draft, now=start).petition
    if stage == "registered":
        return
    t = start + timedelta(days=3)
    if stage == "declined":
        petition_decline(petition=p, actor=officer, reason="legal_procedure", legal_channel="arbitration",
                         note="属于劳动争议，请向劳动人事争议仲裁委员会申请仲裁。", now=t)
        return
    p = petition_accept(petition=p, actor=officer, now=t)
    if stage == "accepted":
        return
    t += timedelta(days=1)
    p = petition_assign(petition=p, actor=officer, handling_unit=staff["team"], handler=staff["handler"],
                        leader=staff["leader"], now=t)
    if stage == "handling":
        return
    if stage == "extended":
        petition_extend(petition=p, actor=leader, days=20, reason="涉及多个部门核实工资数据，需延长办理期限。",
                        now=t + timedelta(days=40))
        return
    t += timedelta(days=12)
    p = petition_reply(petition=p, actor=handler, outcome=ReplyOutcome.SUPPORT,
                       text="经核实，情况属实。已责成相关科室整改，差额部分随下月工资补发，并向全队公示考核细则。", now=t)
    if stage == "replied":
        return
    t += timedelta(days=2)
    if stage == "closed":
        petition_rate(petition=p, actor=actor, rating=Rating.SATISFIED, comment="问题解决了，谢谢。", now=t)
        return
    petition_rate(petition=p, actor=actor, rating=Rating.UNSATISFIED, comment="补发金额不对。", now=t)
    t += timedelta(days=3)
    petition_request_review(petition=p, actor=actor, text="补发金额少算了夜班津贴，申请复查。", now=t)
    if stage == "reviewing":
        return
    t += timedelta(days=15)
    petition_decide_review(petition=p, actor=Actor(user=staff["reviewer"]), outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，补发金额计算正确，夜班津贴已另行发放，维持原处理意见。", now=t)
    if stage == "reviewed":
        return
    t += timedelta(days=5)
    petition_request_rereview(petition=p, actor=actor, text="仍不服复查意见，申请复核。", now=t)
    t += timedelta(days=20)
    petition_decide_rereview(petition=p, actor=Actor(user=staff["rereviewer"]), outcome=ReviewOutcome.UPHOLD,
                             opinion="经复核，维持复查意见。本事项已终结，同一事实和理由不再受理。", now=t)
