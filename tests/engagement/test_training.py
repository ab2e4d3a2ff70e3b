"""Training rules: the bank's period questions come from the period policy the workflow enforces
(a change of the rule retires the old question); tests go to petition staff of the subtree;
objective questions are scored automatically, short answers by a reviewer who is not the
candidate; history per person; weak topics per unit; the monthly assignment is idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import InvalidState, NotAllowed
from engagement import training
from engagement.choices import AttemptState, QuestionKind, Topic
from engagement.models import Attempt, BankQuestion
from tongxin.lib.periods import STATUTORY


def test_period_questions_follow_the_rule_data(db):
    training.bank_sync()
    q = BankQuestion.objects.get(rule_key__startswith="period:handling:", is_active=True)
    assert q.options[q.answer[0]] == f"{STATUTORY.handling.days}日"
    assert training.bank_sync() == 0  # idempotent
    tighter = STATUTORY.tightened(handling=45)
    assert training.bank_sync(tighter) == 1
    q.refresh_from_db()
    assert not q.is_active  # the 60-day question is retired
    new = BankQuestion.objects.get(rule_key__startswith="period:handling:", is_active=True)
    assert new.options[new.answer[0]] == "45日"
    for spec in training.rule_questions():
        if spec["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            assert all(0 <= i < len(spec["options"]) for i in spec["answer"]) and len(set(spec["options"])) == len(spec["options"])


def test_assign_take_score_and_mark(world):
    exam = training.exam_assign(unit=world.company, title="十一月测试", acting_user=world.company_officer, count=12)
    people = set(Attempt.objects.filter(exam=exam).values_list("person__employee_no", flat=True))
    assert people == {"X1", "H1", "X4", "X2"}  # officers and handlers of the company's subtree, not employees
    with pytest.raises(NotAllowed):
        training.exam_assign(unit=world.company, title="x", acting_user=world.officer)
    topics = {q.topic for q in exam.questions.all()}
    assert len(topics) == len(Topic)  # a balanced draw covers every topic
    attempt = Attempt.objects.get(exam=exam, person=world.handler)
    questions = list(exam.questions.all())
    responses = {}
    for i, q in enumerate(questions):
        if q.kind == QuestionKind.SHORT:
            responses[q.pk] = ["引导其依法申请劳动仲裁"]
        elif q.kind == QuestionKind.TRUE_FALSE:
            responses[q.pk] = list(q.answer)
        else:
            responses[q.pk] = list(q.answer) if i % 2 == 0 else [(q.answer[0] + 1) % len(q.options)]
    with pytest.raises(NotAllowed):
        training.attempt_submit(attempt=attempt, acting_user=world.officer, responses=responses)
    attempt = training.attempt_submit(attempt=attempt, acting_user=world.handler, responses=responses)
    expected = sum(q.points for i, q in enumerate(questions)
                   if q.kind == QuestionKind.TRUE_FALSE or (q.kind != QuestionKind.SHORT and i % 2 == 0))
    shorts = [a for a in attempt.answers.all() if a.question.kind == QuestionKind.SHORT]
    assert shorts  # 12 questions over 6 topics: the channels topic's short answer is always drawn
    if shorts:
        assert attempt.state == AttemptState.SUBMITTED and attempt.score is None
        with pytest.raises(NotAllowed):
            training.answer_mark(answer=shorts[0], acting_user=world.handler, points=5)  # not one's own paper
        for a in shorts:
            attempt = training.answer_mark(answer=a, acting_user=world.officer, points=3)
        expected += 3 * len(shorts)
    assert attempt.state == AttemptState.SCORED and attempt.score == expected
    with pytest.raises(InvalidState):
        training.attempt_submit(attempt=attempt, acting_user=world.handler, responses=responses)
    assert list(training.history(world.handler)) == [attempt]
    weak = training.weak_topics(world.officer, world.mine)
    assert weak and weak == sorted(weak, key=lambda r: (r.percent, r.topic))
    assert training.weak_topics(world.employee, world.mine) == []


def test_multiple_choice_needs_the_exact_set():
    q = BankQuestion(kind=QuestionKind.MULTIPLE, answer=[0, 1, 2], points=2)
    assert training.score_choice(q, [2, 1, 0]) == 2
    assert training.score_choice(q, [0, 1]) == 0
    assert training.score_choice(q, [0, 1, 2, 3]) == 0
    assert training.score_choice(BankQuestion(kind=QuestionKind.SHORT), ["x"]) is None


def test_monthly_assignment_is_idempotent(world):
    now = timezone.now()
    assert training.assign_monthly(now) == 1  # one company with petition staff
    assert training.assign_monthly(now) == 0


def test_monthly_command_and_task(world):
    from io import StringIO

    from django.core.management import call_command

    from engagement.tasks import assign_monthly_tests

    out = StringIO()
    call_command("engagement_monthly_tests", stdout=out)
    assert "新下发测试 1 份" in out.getvalue()
    assert assign_monthly_tests() == 0  # the task is the same idempotent step
