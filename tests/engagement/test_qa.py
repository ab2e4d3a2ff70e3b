"""Q&A board rules: answers are reviewed before anyone reads them, by someone other than the
answerer; public answers reach the FAQ, private ones only the asker; a question becomes a petition
in one step through the petition core's intake, keeping the link; anonymity holds."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core.errors import InvalidState, NotAllowed
from engagement import qa
from engagement.choices import QuestionState
from engagement.scoping import questions_visible_to
from petitions.choices import Category, Channel, State
from petitions.models import Notification, PetitionEvent

ANSWER = "工资核算有异议的，可先向本单位劳资部门申请复核，复核后仍有异议可以依法申请劳动仲裁。"


def ask(world, **kw):
    return qa.question_ask(asker=kw.pop("asker", world.employee), unit=kw.pop("unit", world.mine),
                           category=kw.pop("category", Category.WAGES), title=kw.pop("title", "夜班津贴怎么计算？"),
                           body=kw.pop("body", "想了解夜班津贴的计算标准和发放时间"), **kw)


def test_ask_answer_review_publish(world, second_officer, django_capture_on_commit_callbacks):
    q = ask(world)
    assert q.state == QuestionState.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER)
    q.refresh_from_db()
    assert q.state == QuestionState.IN_REVIEW
    # Not yet in the FAQ for anybody.
    assert qa.faq(world.outsider) == []
    assert Notification.objects.filter(user=second_officer, text__contains="待审核").exists()
    # The answerer may not approve their own answer.
    with pytest.raises(NotAllowed):
        qa.question_review(question=q, acting_user=world.officer, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        qa.question_review(question=q, acting_user=second_officer, approve=True)
    q.refresh_from_db()
    assert q.state == QuestionState.PUBLISHED and q.reviewed_by == second_officer
    assert qa.faq(world.outsider) == [q]
    assert Notification.objects.filter(user=world.employee, text__contains="已有答复").exists()
    actions = set(AuditEvent.objects.filter(target_id=str(q.pk)).values_list("action", flat=True))
    assert {"engagement.question.ask", "engagement.question.answer", "engagement.question.approve"} <= actions


def test_return_sends_the_answer_back(world, second_officer):
    q = ask(world)
    qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER)
    with pytest.raises(Exception, match="退回须写明意见"):
        qa.question_review(question=q, acting_user=second_officer, approve=False)
    qa.question_review(question=q, acting_user=second_officer, approve=False, note="请引用具体制度")
    q.refresh_from_db()
    assert q.state == QuestionState.OPEN and q.review_note == "请引用具体制度"


def test_private_answer_reaches_only_the_asker(world, second_officer):
    q = ask(world)
    qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER, public=False)
    qa.question_review(question=q, acting_user=second_officer, approve=True)
    q.refresh_from_db()
    assert q.state == QuestionState.ANSWERED
    assert q in questions_visible_to(world.employee)
    assert q not in questions_visible_to(world.outsider)
    assert q not in questions_visible_to(world.other_officer)  # another mine's staff
    assert qa.faq(world.employee) == []


def test_staff_of_another_unit_cannot_answer(world):
    q = ask(world)
    with pytest.raises(NotAllowed):
        qa.question_answer(question=q, acting_user=world.other_officer, answer=ANSWER)
    with pytest.raises(NotAllowed):
        qa.question_answer(question=q, acting_user=world.outsider, answer=ANSWER)


def test_faq_search_in_chinese(world, second_officer):
    titles = ["夜班津贴怎么计算？", "工伤认定需要哪些材料？", "住房公积金缴存比例是多少？"]
    for title in titles:
        q = ask(world, title=title, body="")
        qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER)
        qa.question_review(question=q, acting_user=second_officer, approve=True)
    assert [q.title for q in qa.faq(world.outsider, q="津贴")] == ["夜班津贴怎么计算？"]
    assert [q.title for q in qa.faq(world.outsider, q="工伤 材料")] == ["工伤认定需要哪些材料？"]
    # No substring match: ranked by character bigrams (word order, extra words).
    assert [q.title for q in qa.faq(world.outsider, q="公积金的缴存比例")][0] == "住房公积金缴存比例是多少？"
    assert qa.faq(world.outsider, category=Category.WAGES)  # all three are filed under wages


def test_staff_board_lists_unanswered_and_popular(world, second_officer):
    old = ask(world, title="第一个问题是什么？")
    ask(world, title="第二个问题是什么？")
    board = qa.staff_board(world.officer)
    assert [q.title for q in board.unanswered][0] == old.title
    assert qa.staff_board(world.other_officer).unanswered == []


def test_named_question_becomes_a_petition_keeping_the_link(world):
    q = ask(world, title="十月绩效工资少发八百元", body="十月份绩效工资比上月少发了八百元，队里没有任何说明。")
    result = qa.question_to_petition(question=q, acting_user=world.employee)
    q.refresh_from_db()
    p = result.petition
    assert q.state == QuestionState.CONVERTED and q.petition == p
    assert p.state == State.REGISTERED and p.channel == Channel.ONLINE and p.petitioner == world.employee
    assert p.acceptance_due_at is not None  # the petition core's periods apply
    assert PetitionEvent.objects.filter(petition=p, kind="registered").exists()
    with pytest.raises(NotAllowed):
        qa.question_to_petition(question=q, acting_user=world.employee)


def test_anonymous_question_becomes_an_anonymous_petition(world):
    q = ask(world, anonymous=True, body="十月份绩效工资比上月少发了八百元，队里没有任何说明。")
    assert not AuditEvent.objects.filter(target_id=str(q.pk), actor=world.employee).exists()
    result = qa.question_to_petition(question=q, acting_user=world.employee)
    q.refresh_from_db()
    assert result.receipt_code and len(result.receipt_code) == 16
    assert result.petition.is_anonymous and result.petition.petitioner is None
    assert q.asker is None  # the anonymous petition is tied to no account


def test_only_the_asker_converts(world):
    q = ask(world)
    with pytest.raises(NotAllowed):
        qa.question_to_petition(question=q, acting_user=world.officer)


def test_answer_after_publication_is_refused(world, second_officer):
    q = ask(world)
    qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER)
    qa.question_review(question=q, acting_user=second_officer, approve=True)
    with pytest.raises(InvalidState):
        qa.question_answer(question=q, acting_user=world.officer, answer=ANSWER)
