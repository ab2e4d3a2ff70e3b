"""Training and ability tests (专业能力测试常态化): a question bank on the petition rules — much of it
generated from the same rule data the workflow enforces — tests assigned periodically to petition
staff, automatic scoring (short answers marked by a reviewer), history per person, weak topics
per unit."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement.choices import AttemptState, QuestionKind, Topic
from engagement.models import Attempt, AttemptAnswer, BankQuestion, Exam
from engagement.scoping import REVIEW_ROLES, TESTED_ROLES, attempts_visible_to, holds, is_staff
from orgs.models import Unit, User, subtree_q
from petitions.notify import notify_user
from tongxin.lib.periods import STATUTORY, DayCount, PeriodPolicy, local_date

DEFAULT_QUESTIONS = 10
EXAM_DAYS = 14

# Which topic each statutory period belongs to, and the article that sets it.
PERIOD_TOPICS: dict[str, tuple[str, str]] = {
    "acceptance": (Topic.ACCEPTANCE, "第二十三条"),
    "forward_objection": (Topic.ACCEPTANCE, "第二十三条第三款"),
    "handling": (Topic.HANDLING, "第三十四条"),
    "extension_max": (Topic.HANDLING, "第三十四条"),
    "review_request": (Topic.REVIEW, "第三十五条"),
    "review_answer": (Topic.REVIEW, "第三十五条"),
    "rereview_request": (Topic.REVIEW, "第三十六条"),
    "rereview_answer": (Topic.REVIEW, "第三十六条"),
    "supervision_reply": (Topic.CONDUCT, "第四十条"),
}

# Hand-written questions (rules that are not numbers). Answers are option indexes.
FIXED_QUESTIONS: list[dict] = [
    {"key": "fixed:accused", "topic": Topic.PRIVACY, "kind": QuestionKind.TRUE_FALSE,
     "stem": "检举控告材料及有关情况可以转给被检举控告的人员或单位，以便其说明情况。", "answer": [False],
     "reference": "错误。《信访工作条例》第三十条第三款：不得将检举控告材料及有关情况透露或者转送给被检举控告的人员和单位。"},
    {"key": "fixed:withdraw", "topic": Topic.PRIVACY, "kind": QuestionKind.TRUE_FALSE,
     "stem": "与信访事项或者信访人有直接利害关系的工作人员应当回避。", "answer": [True],
     "reference": "正确。第二十八条第三款。"},
    {"key": "fixed:outcomes", "topic": Topic.HANDLING, "kind": QuestionKind.MULTIPLE,
     "stem": "对申诉求决类事项，信访处理意见书的处理结论包括哪些？",
     "options": ["予以支持", "解释说明", "不予支持", "暂缓处理"], "answer": [0, 1, 2],
     "reference": "第三十二条：予以支持、解释说明、不予支持三种。"},
    {"key": "fixed:final", "topic": Topic.REVIEW, "kind": QuestionKind.SINGLE,
     "stem": "信访人对复核意见不服，仍以同一事实和理由提出信访请求的，应当如何处理？",
     "options": ["重新受理", "不再受理", "转上级机关受理", "交纪检监察机关"], "answer": [1],
     "reference": "第三十六条第三款：不再受理。"},
    {"key": "fixed:prohibited", "topic": Topic.CONDUCT, "kind": QuestionKind.MULTIPLE,
     "stem": "下列哪些是信访人不得实施的行为？",
     "options": ["在机关、单位周围非法聚集", "携带危险物品", "通过网上信访反映诉求", "在信访接待场所滞留、滋事"],
     "answer": [0, 1, 3], "reference": "第二十六条。网上信访是法定渠道（第十七条）。"},
    {"key": "fixed:retaliation", "topic": Topic.CONDUCT, "kind": QuestionKind.TRUE_FALSE,
     "stem": "任何组织和个人不得打击报复信访人。", "answer": [True], "reference": "正确。第十八条第四款。"},
    {"key": "fixed:legal", "topic": Topic.ACCEPTANCE, "kind": QuestionKind.SHORT,
     "stem": "职工对解除劳动合同不服来信访，应当如何引导？请简述理由和途径。",
     "reference": "属于应当通过劳动人事争议仲裁、诉讼等法定途径解决的事项，依照第三十一条引导其依法申请仲裁或诉讼，"
                  "并书面告知；不得以信访代替法定途径（诉访分离）。"},
    {"key": "fixed:collective", "topic": Topic.CHANNELS, "kind": QuestionKind.SHORT,
     "stem": "二十多名职工集体来访反映欠薪问题，接待时应当怎么做？",
     "reference": "请其推选不超过5名代表（第二十条第三款）；如实登记；属重大紧急事项的立即报告（第二十五条）；"
                  "15日内书面告知是否受理；做好稳控和疏导。"},
]


def _period_question(name: str, period) -> dict:
    label = PeriodPolicy.label(name)
    topic, article = PERIOD_TOPICS[name]
    unit = "个工作日" if period.count is DayCount.WORKING else "日"
    correct = period.days
    wrong = sorted({d for d in (correct // 2, correct + 15, correct * 2, 10, 15, 30, 60, 90) if d > 0 and d != correct})
    rng = random.Random(name)  # stable options per rule, not a secret  # nosec B311
    distractors = rng.sample(wrong, 3)
    options = sorted([correct, *distractors])
    return {
        "key": f"period:{name}:{correct}{period.count}",
        "topic": topic, "kind": QuestionKind.SINGLE,
        "stem": f"依照《信访工作条例》{article}，{label}是多长？",
        "options": [f"{d}{unit}" for d in options],
        "answer": [options.index(correct)],
        "reference": f"{label}为{period}（{article}）。",
    }


def rule_questions(policy: PeriodPolicy = STATUTORY) -> list[dict]:
    """Questions generated from the period policy the workflow enforces, plus the fixed ones.
    Every key carries the value, so a change of the rule data retires the old question."""
    out = [_period_question(name, getattr(policy, name)) for name in PERIOD_TOPICS]
    out.append({
        "key": f"cap:max_visit_representatives:{policy.max_visit_representatives}", "topic": Topic.CHANNELS,
        "kind": QuestionKind.SINGLE, "stem": "多人采用走访形式提出同一信访事项的，推选的代表不超过几人？",
        "options": ["3人", "5人", "7人", "10人"],
        "answer": [["3人", "5人", "7人", "10人"].index(f"{policy.max_visit_representatives}人")]
        if f"{policy.max_visit_representatives}人" in ["3人", "5人", "7人", "10人"] else [1],
        "reference": f"不超过{policy.max_visit_representatives}人（第二十条第三款）。",
    })
    out.append({
        "key": f"cap:max_extensions:{policy.max_extensions}", "topic": Topic.HANDLING, "kind": QuestionKind.TRUE_FALSE,
        "stem": "情况复杂的信访事项，经本单位负责人批准，办理期限可以多次延长。", "answer": [policy.max_extensions > 1],
        "reference": f"延长次数上限为{policy.max_extensions}次，每次不超过{policy.extension_max}（第三十四条）。",
    })
    return out + FIXED_QUESTIONS


@transaction.atomic
def bank_sync(policy: PeriodPolicy = STATUTORY) -> int:
    """Bring the generated questions in line with the rule data: create missing ones, retire
    those whose rule value changed. Returns how many were created. Idempotent."""
    specs = rule_questions(policy)
    keys = {s["key"] for s in specs}
    retired = BankQuestion.objects.exclude(rule_key="").exclude(rule_key__in=keys).update(is_active=False)
    existing = set(BankQuestion.objects.filter(rule_key__in=keys).values_list("rule_key", flat=True))
    created = 0
    for s in specs:
        if s["key"] in existing:
            continue
        BankQuestion.objects.create(topic=s["topic"], kind=s["kind"], stem=s["stem"], options=s.get("options", []),
                                    answer=s.get("answer", []), reference=s.get("reference", ""),
                                    points=5 if s["kind"] == QuestionKind.SHORT else 2, rule_key=s["key"])
        created += 1
    if created or retired:
        audit_record(actor=None, action="engagement.bank.sync", target=None, data={"created": created, "retired": retired})
    return created


def tested_people(unit: Unit) -> QuerySet[User]:
    """Petition staff of the unit's subtree (信访干事, 承办人)."""
    return (User.objects.filter(is_active=True, roles__role__in=TESTED_ROLES)
            .filter(subtree_q([unit], "roles__unit__")).distinct().order_by("employee_no"))


def _pick(count: int, seed: str) -> list[BankQuestion]:
    """A balanced draw over the topics (round-robin), reproducible for a given seed."""
    by_topic: dict[str, list[BankQuestion]] = defaultdict(list)
    for q in BankQuestion.objects.filter(is_active=True).order_by("pk"):
        by_topic[q.topic].append(q)
    rng = random.Random(seed)  # a reproducible draw, not a secret  # nosec B311
    for qs in by_topic.values():
        rng.shuffle(qs)
    picked: list[BankQuestion] = []
    while len(picked) < count and any(by_topic.values()):
        for topic in sorted(by_topic):
            if by_topic[topic] and len(picked) < count:
                picked.append(by_topic[topic].pop())
    return picked


@transaction.atomic
def exam_assign(*, unit: Unit, title: str, acting_user: User | None, count: int = DEFAULT_QUESTIONS,
                period: str = "", now: datetime | None = None) -> Exam:
    """Create a test and assign it to every petition staff member of the unit's subtree."""
    now = now or timezone.now()
    if acting_user is not None and not holds(acting_user, REVIEW_ROLES, unit):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访工作负责人员，不能组织测试")
    if not 1 <= count <= 50:
        raise InvalidInput("invalid_count", "题量为1至50题")
    if period and Exam.objects.filter(unit=unit, period=period).exists():
        raise InvalidState("exam_exists", f"{unit.name}{period}的测试已组织")
    bank_sync()
    questions = _pick(count, f"{unit.code}:{period or now.isoformat()}")
    if not questions:
        raise InvalidState("empty_bank", "题库为空")
    exam = Exam.objects.create(unit=unit, title=title.strip() or f"{unit.name}信访业务能力测试", period=period,
                               due_on=local_date(now) + timedelta(days=EXAM_DAYS), created_by=acting_user,
                               created_at=now)
    exam.questions.set(questions)
    max_score = sum(q.points for q in questions)
    people = list(tested_people(unit))
    for person in people:
        Attempt.objects.create(exam=exam, person=person, unit=person.home_unit or unit, max_score=max_score)
        notify_user(person, None, f"能力测试：{exam.title}，请于{exam.due_on:%m月%d日}前完成")
    audit_record(actor=acting_user, action="engagement.exam.assign", target=exam,
                 data={"questions": len(questions), "people": len(people), "period": period})
    return exam


def assign_monthly(now: datetime | None = None) -> int:
    """The periodic assignment: one test per company each month (idempotent; run by the sweep
    job or `manage.py engagement_monthly_tests`). Returns how many tests were created."""
    from orgs.choices import UnitKind

    now = now or timezone.now()
    period = f"{local_date(now):%Y-%m}"
    created = 0
    for unit in Unit.objects.filter(kind=UnitKind.COMPANY, is_active=True).order_by("path"):
        if Exam.objects.filter(unit=unit, period=period).exists() or not tested_people(unit).exists():
            continue
        exam_assign(unit=unit, title=f"{unit.name}{local_date(now):%Y年%m月}信访业务能力测试", acting_user=None,
                    period=period, now=now)
        created += 1
    return created


def score_choice(question: BankQuestion, response: list) -> int | None:
    """Points for an objective answer; None for a short answer (a reviewer marks it)."""
    if question.kind == QuestionKind.SHORT:
        return None
    if question.kind == QuestionKind.MULTIPLE:
        return question.points if sorted(set(response)) == sorted(question.answer) else 0
    return question.points if list(response) == list(question.answer) else 0


def _finish(attempt: Attempt) -> None:
    answers = list(attempt.answers.all())
    if any(a.points is None for a in answers):
        attempt.state, attempt.score = AttemptState.SUBMITTED, None
    else:
        attempt.state, attempt.score = AttemptState.SCORED, sum(a.points or 0 for a in answers)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, acting_user: User, responses: dict[int, list],
                   now: datetime | None = None) -> Attempt:
    """The person hands in: objective questions are scored at once, short answers wait."""
    now = now or timezone.now()
    a = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
    if a.person_id != acting_user.pk:
        raise NotAllowed("not_allowed", "只能作答本人的试卷")
    if a.state != AttemptState.ASSIGNED:
        raise InvalidState("already_submitted", "试卷已提交")
    if local_date(now) > a.exam.due_on:
        raise InvalidState("past_due", "测试已截止")
    for q in a.exam.questions.all():
        response = responses.get(q.pk, [])
        if q.kind == QuestionKind.SHORT:
            response = [str(response[0])[:2000]] if response else [""]
        elif q.kind == QuestionKind.TRUE_FALSE:
            response = [bool(response[0])] if response else []
        else:
            response = sorted({int(i) for i in response if 0 <= int(i) < len(q.options)})
        points = score_choice(q, response)
        if q.kind == QuestionKind.SHORT and not response[0].strip():
            points = 0  # nothing to mark
        AttemptAnswer.objects.create(attempt=a, question=q, response=response, points=points)
    a.submitted_at = now
    _finish(a)
    a.save()
    audit_record(actor=acting_user, action="engagement.attempt.submit", target=a,
                 data={"state": a.state, "score": a.score})
    return a


def may_mark(user: User, attempt: Attempt) -> bool:
    return user.pk != attempt.person_id and holds(user, REVIEW_ROLES, attempt.unit)


@transaction.atomic
def answer_mark(*, answer: AttemptAnswer, acting_user: User, points: int) -> Attempt:
    """A reviewer marks a short answer; the attempt is scored once nothing waits any more."""
    ans = AttemptAnswer.objects.select_for_update().select_related("question", "attempt").get(pk=answer.pk)
    a = Attempt.objects.select_for_update().get(pk=ans.attempt_id)
    if not may_mark(acting_user, a):
        raise NotAllowed("not_allowed", "阅卷须由本单位信访工作负责人员进行，不能给自己阅卷")
    if ans.question.kind != QuestionKind.SHORT:
        raise InvalidState("not_short", "客观题自动评分")
    if a.state == AttemptState.ASSIGNED:
        raise InvalidState("not_submitted", "试卷尚未提交")
    if not 0 <= points <= ans.question.points:
        raise InvalidInput("invalid_points", f"得分应在0至{ans.question.points}分之间")
    ans.points, ans.marked_by = points, acting_user
    ans.save(update_fields=["points", "marked_by"])
    _finish(a)
    a.save()
    audit_record(actor=acting_user, action="engagement.attempt.mark", target=a,
                 data={"question": ans.question_id, "points": points, "state": a.state})
    if a.state == AttemptState.SCORED:
        notify_user(a.person, None, f"测试“{a.exam.title}”成绩：{a.score}/{a.max_score}")
    return a


def history(person: User) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person).select_related("exam").order_by("-exam__created_at")


@dataclass
class TopicRate:
    topic: str
    label: str
    answered: int
    earned: int
    possible: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.earned / self.possible) if self.possible else None


def weak_topics(user: User, unit: Unit) -> list[TopicRate]:
    """Score rate per topic over the marked answers of the unit's subtree, weakest first."""
    if not is_staff(user, unit):
        return []
    answers = (AttemptAnswer.objects.filter(attempt__in=attempts_visible_to(user), points__isnull=False)
               .filter(subtree_q([unit], "attempt__unit__")).values_list("question__topic", "points", "question__points"))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for topic, points, possible in answers:
        t = totals[topic]
        t[0] += 1
        t[1] += points
        t[2] += possible
    rows = [TopicRate(topic=k, label=str(Topic(k).label), answered=v[0], earned=v[1], possible=v[2])
            for k, v in totals.items()]
    return sorted(rows, key=lambda r: (r.percent if r.percent is not None else 101, r.topic))


def open_attempts(person: User, today: date) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person, state=AttemptState.ASSIGNED, exam__due_on__gte=today) \
        .select_related("exam")
