"""Demo data of the engagement module, made through its services (and the petition core's), so
every state, audit row and notification is genuine. Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from engagement import library, meetings, qa, screening, training, visits
from engagement.choices import Lesson, MeetingKind
from engagement.models import Question
from orgs.choices import Role, UnitKind
from orgs.models import Unit, User
from petitions.choices import Category, RiskLevel, State
from petitions.models import Petition
from tongxin.lib.periods import SHANGHAI

MARK = "【演示】"

QUESTIONS = [
    (Category.WAGES, "夜班津贴的计算标准是什么？", "想了解井下夜班津贴怎么计算、什么时候发放。",
     "夜班津贴按矿劳资科公示的标准计发（井下每班三十元，地面每班十五元），随当月工资一并发放；对金额有疑问的，"
     "可先到区队核对考勤，再向劳资科申请复核。", True),
    (Category.SOCIAL_INSURANCE, "企业年金个人账户在哪里查询？", "离职后企业年金怎么转移？",
     "可登录集团人力资源共享服务平台“我的年金”查询个人账户；离职时由人力资源部办理转移，新单位有年金的转入新单位，"
     "没有的转入个人养老金账户。", True),
    (Category.OCCUPATIONAL_HEALTH, "工伤认定需要准备哪些材料？", "井下作业受伤，申请工伤认定要交什么？",
     "工伤认定申请表、劳动关系证明、医疗诊断证明或职业病诊断证明；单位应在事故发生之日起30日内提出申请，"
     "单位未申请的，本人或近亲属可在1年内提出。", True),
    (Category.HOUSING_LIVING, "单身宿舍什么时候能通暖气？", "", "", False),
    (Category.RETIREMENT, "内退人员取暖补贴按什么标准发？", "今年取暖补贴只发了一半。", "", False),
]


def _person(role: str, unit: Unit) -> User | None:
    return (User.objects.filter(roles__role=role, roles__unit=unit, is_active=True).order_by("employee_no").first())


@transaction.atomic
def build_engagement() -> int:
    """Returns how many demo questions were created (0 on a second run)."""
    if Question.objects.filter(title__startswith=MARK).exists():
        return 0
    mine = Unit.objects.filter(code="TSK").first()
    if mine is None:
        return 0
    company = mine.parent
    other = Unit.objects.filter(kind=UnitKind.MINE, parent=company).exclude(pk=mine.pk).order_by("code").first()
    officer = _person(Role.PETITION_OFFICER, mine)
    leader = _person(Role.UNIT_LEADER, mine)
    employees = list(User.objects.filter(home_unit__in=mine.subtree(), roles__role=Role.EMPLOYEE)
                     .exclude(roles__role__in=[Role.PETITION_OFFICER, Role.UNIT_LEADER]).distinct()
                     .order_by("employee_no")[:5])
    if officer is None or leader is None or not employees:
        return 0
    now = timezone.now()
    training.bank_sync()

    # Q&A board: published answers, open questions.
    created = 0
    for i, (category, title, body, answer, public) in enumerate(QUESTIONS):
        q = qa.question_ask(asker=employees[i % len(employees)], unit=mine, category=category, title=MARK + title,
                            body=body, anonymous=i == 3, now=now - timedelta(days=10 - i))
        created += 1
        if answer:
            qa.question_answer(question=q, acting_user=officer, answer=answer, public=public, now=now - timedelta(days=8 - i))
            qa.question_review(question=q, acting_user=leader, approve=True, now=now - timedelta(days=7 - i))
            Question.objects.filter(pk=q.pk).update(views=40 - 9 * i)

    # Case library: a closed petition of the mine, de-identified, approved, shared with a sister mine.
    source = (Petition.objects.filter(unit=mine, state__in=[State.CLOSED, State.FINAL], library_case__isnull=True)
              .order_by("received_at").first())
    if source is not None and library.may_write(officer, source):
        case = library.case_from_petition(petition=source, acting_user=officer, now=now)
        library.case_edit(case=case, acting_user=officer, title=case.title, summary=case.summary,
                          handling=case.handling, lessons=[Lesson.POLICY_EXPLANATION, Lesson.TIMELY_RESPONSE],
                          lessons_text="接访后当天核实，公开考核细则，当面说明补发依据，职工满意。")
        library.case_submit(case=case, acting_user=officer)
        if not library.case_leftovers(case):
            library.case_review(case=case, acting_user=leader, approve=True, now=now)
            if other is not None:
                library.case_share(case=case, acting_user=leader, units=[other], now=now)

    # Cadre visits: this month's rotation of the company's leaders to its mines; one visit logged.
    company_officer = _person(Role.PETITION_OFFICER, company)
    cadres = list(User.objects.filter(roles__role=Role.UNIT_LEADER, roles__unit=company).distinct()
                  .order_by("employee_no")[:3])
    targets = list(Unit.objects.filter(parent=company, kind=UnitKind.MINE).order_by("code")[:4])
    if company_officer is not None and cadres and targets:
        plan = visits.plan_create(unit=company, month=timezone.localdate(now), cadres=cadres, targets=targets,
                                  acting_user=company_officer, now=now)
        first = plan.assignments.order_by("pk").first()
        log = visits.visit_log(
            cadre=first.cadre, unit=first.target, visited_on=timezone.localdate(now), place=f"{first.target.name}职工之家",
            employees_met=26, summary="宣传《信访工作条例》，通报本月安全稳定形势，与一线职工座谈。",
            matters=[visits.MatterInput("井下班中餐补贴标准多年未调整，职工希望提高", Category.WAGES, 40),
                     visits.MatterInput("家属区二号楼下水道经常堵塞", Category.HOUSING_LIVING, 12)],
            acting_user=first.cadre, assignment=first, now=now)
        unit_officer = _person(Role.PETITION_OFFICER, first.target)
        if unit_officer is not None:
            matters = list(log.matters.order_by("pk"))
            visits.matter_to_screening(matter=matters[1], acting_user=unit_officer, responsible=unit_officer,
                                       risk_level=RiskLevel.LOW, now=now)

    # Screening ledger of the mine.
    handler = _person(Role.HANDLER, Unit.objects.filter(code="TSK-ZC1").first() or mine) or officer
    screening.entry_create(unit=mine, dispute="综采一队绩效分配争议", source=Category.WAGES, source_note="班组座谈",
                           people="综采一队部分职工", people_count=15, risk_level=RiskLevel.MEDIUM,
                           measures="队长逐一谈心，公开考核细则，矿劳资科复核十月绩效。", responsible=handler,
                           acting_user=officer, now=now)
    screening.entry_create(unit=mine, dispute="棚改回迁房交房推迟", source=Category.HOUSING_LIVING, source_note="来访",
                           people="回迁户", people_count=60, risk_level=RiskLevel.HIGH,
                           measures="矿领导包案，每周通报工程进度，协调恢复租房补贴。", responsible=leader,
                           acting_user=officer, now=now)

    # Stability meetings: last month's 专题会 held with a decision; this month's scheduled.
    last_month = (timezone.localdate(now).replace(day=1) - timedelta(days=1)).replace(day=15)
    held = meetings.meeting_schedule(
        unit=mine, kind=MeetingKind.MONTHLY, period=f"{last_month:%Y-%m}",
        scheduled_at=datetime.combine(last_month, time(15), tzinfo=SHANGHAI), place="矿调度楼三楼会议室", chair=leader, attendees=[leader, officer, handler],
        acting_user=officer)
    meetings.meeting_minutes(meeting=held, acting_user=officer, absent=[], now=now,
                             minutes="会议通报了上月信访形势，研究了绩效分配争议和回迁房交房问题，明确了责任人和时限。")
    meetings.decision_add(meeting=held, acting_user=officer, text="月底前公示各区队绩效考核细则", owner=handler,
                          due_on=timezone.localdate(now) + timedelta(days=10), now=now)
    meetings.meeting_schedule(unit=mine, kind=MeetingKind.MONTHLY, period=f"{timezone.localdate(now):%Y-%m}",
                              scheduled_at=now + timedelta(days=3), place="矿调度楼三楼会议室", chair=leader,
                              attendees=[leader, officer, handler], acting_user=officer)

    # Training: the month's test of the company.
    training.assign_monthly(now)
    return created
