"""Every official notice, produced by the real workflow, rendered and read back as a citizen would."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from petitions.choices import DeclineReason, LegalChannel, NoticeKind, ReplyOutcome, ReviewOutcome
from petitions.models import Notice, Petition, PetitionEvent
from petitions.notices import cn_date, notice_filename, render_notice
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_decline,
    petition_extend,
    petition_forward,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
    petition_supervise,
)
from tests.petitions.conftest import A, at, submit
from tongxin.lib.periods import last_day_of

REPLY_TEXT = "经核实，十月绩效因考核系统录入错误少计八百元，已于十一月随工资补发，并向职工作出说明。"


# --- driving the workflow to each notice ------------------------------------------------------


def accepted(world, *, anonymous=False) -> Petition:
    p = submit(world, now=at(2025, 9, 15), anonymous=anonymous).petition
    return petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))


def handling(world) -> Petition:
    return petition_assign(petition=accepted(world), actor=A(world.officer), handling_unit=world.team,
                           handler=world.handler, leader=world.leader, now=at(2025, 9, 21))


def replied(world) -> Petition:
    return petition_reply(petition=handling(world), actor=A(world.handler), outcome=ReplyOutcome.SUPPORT,
                          text=REPLY_TEXT, now=at(2025, 10, 20))


def reviewed(world) -> Petition:
    p = replied(world)
    petition_request_review(petition=p, actor=A(world.employee), text="补发金额不对，少算了夜班津贴。",
                            now=at(2025, 10, 25))
    petition_decide_review(petition=Petition.objects.get(pk=p.pk), actor=A(world.company_officer),
                           outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，补发金额计算正确，夜班津贴已另行发放，维持原处理意见。", now=at(2025, 11, 10))
    return Petition.objects.get(pk=p.pk)


def final(world) -> Petition:
    p = reviewed(world)
    petition_request_rereview(petition=p, actor=A(world.employee), text="仍不服，请求复核。", now=at(2025, 11, 15))
    petition_decide_rereview(petition=Petition.objects.get(pk=p.pk), actor=A(world.group_officer),
                             outcome=ReviewOutcome.UPHOLD, opinion="经复核，维持复查意见，本事项终结。",
                             now=at(2025, 11, 30))
    return Petition.objects.get(pk=p.pk)


def notice_of(p: Petition, kind: str) -> Notice:
    return Notice.objects.select_related("petition", "unit").get(petition=p, kind=kind)


def text_of(notice: Notice, **kw) -> str:
    document = Document(io.BytesIO(render_notice(notice, **kw)))
    return "\n".join(par.text for par in document.paragraphs)


def assert_common(notice: Notice, text: str, unit_name: str) -> None:
    lines = text.splitlines()
    assert lines[0] == unit_name  # letterhead
    assert NoticeKind(notice.kind).label in lines[:3]
    assert f"文号：{notice.doc_number}" in text
    assert f"信访编号：{notice.petition.number}" in text
    assert "（盖章）" in text
    assert lines[-1] == cn_date(notice.issued_at)  # dated the day it was issued


# --- one test per kind ------------------------------------------------------------------------


def test_acceptance_notice_states_the_handling_last_day(world):
    p = accepted(world)
    notice = notice_of(p, NoticeKind.ACCEPTANCE)
    text = text_of(notice)
    assert_common(notice, text, "塔山矿")
    assert "王建国：" in text  # the named petitioner is addressed by name
    last_day = last_day_of(p.handling_due_at)
    assert cn_date(last_day) == "2025年11月19日"  # 60 days after 2025-09-20
    assert "自受理之日起60日内办结，即于2025年11月19日前办结" in text
    assert "第二十三条" in text and "第三十四条" in text
    assert "2025年9月15日提出" in text  # the day it was received
    assert cn_date(notice.issued_at) == "2025年9月20日"


def test_acceptance_notice_to_an_anonymous_petitioner_names_nobody(world):
    p = accepted(world, anonymous=True)
    text = text_of(notice_of(p, NoticeKind.ACCEPTANCE))
    assert "信访人：" in text
    assert "王建国" not in text


def test_non_acceptance_notice_gives_the_reason_and_the_legal_channel(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    petition_decline(petition=p, actor=A(world.officer), reason=DeclineReason.LEGAL_PROCEDURE,
                     legal_channel=LegalChannel.ARBITRATION, note="劳动合同解除争议已申请仲裁，应依仲裁程序解决。",
                     now=at(2025, 9, 18))
    notice = notice_of(p, NoticeKind.NON_ACCEPTANCE)
    text = text_of(notice)
    assert_common(notice, text, "塔山矿")
    assert "应通过法定途径解决" in text
    assert "不予受理" in text
    assert "劳动人事争议仲裁途径" in text
    assert "第三十一条" in text
    assert "劳动合同解除争议已申请仲裁" in text
    assert "2025年9月18日" in text


def test_non_acceptance_outside_remit_cites_article_23(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    petition_decline(petition=p, actor=A(world.officer), reason=DeclineReason.OUTSIDE_REMIT,
                     note="宅基地纠纷属于地方政府职责。", now=at(2025, 9, 16))
    text = text_of(notice_of(p, NoticeKind.NON_ACCEPTANCE))
    assert "不属于本单位职责范围" in text
    assert "第二十三条第一款" in text


def test_forward_notice_names_the_receiving_unit_and_its_15_days(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    p = petition_forward(petition=p, actor=A(world.officer), to_unit=world.other_mine,
                         note="反映的是同忻矿的工资发放问题。", now=at(2025, 9, 17))
    notice = notice_of(p, NoticeKind.FORWARD)
    assert notice.unit == world.mine
    text = text_of(notice)
    assert_common(notice, text, "塔山矿")  # issued by the forwarding unit
    assert "转送同忻矿办理" in text
    assert "15日内" in text and "第二十三条第三款" in text
    assert "2025年9月17日" in text


def test_extension_notice_gives_old_and_new_last_days_and_the_reason(world):
    p = handling(world)
    p = petition_extend(petition=p, actor=A(world.leader), days=30, reason="涉及多个区队的考核数据需要逐一核对",
                        now=at(2025, 11, 1))
    notice = notice_of(p, NoticeKind.EXTENSION)
    text = text_of(notice)
    assert_common(notice, text, "塔山矿")
    assert "2025年11月19日" in text  # the old last day
    assert cn_date(last_day_of(p.handling_due_at)) == "2025年12月19日"
    assert "延长30日，至2025年12月19日届满" in text
    assert "涉及多个区队的考核数据需要逐一核对" in text
    assert "第三十四条" in text and "负责人批准" in text


def test_reply_notice_has_request_facts_decision_basis_and_review_window(world):
    p = replied(world)
    notice = notice_of(p, NoticeKind.REPLY)
    text = text_of(notice)
    assert_common(notice, text, "塔山矿")
    for heading in ("一、信访请求", "二、事实和理由", "三、处理意见", "四、依据"):
        assert heading in text
    assert "十月份绩效工资比上月少发了八百元" in text  # the request, from the petition
    assert REPLY_TEXT in text
    assert "予以支持" in text
    assert "第三十二条（一）" in text
    assert "综采一队承办" in text
    # 30 days from the reply on 2025-10-20: 2025-11-19, a Wednesday.
    assert cn_date(last_day_of(p.review_request_due_at)) == "2025年11月19日"
    assert "30日内（即2025年11月19日前）请求煤业一公司复查" in text
    assert "第三十五条" in text


@pytest.mark.parametrize(
    ("outcome", "item"), [(ReplyOutcome.EXPLAIN, "（二）"), (ReplyOutcome.NOT_SUPPORT, "（三）")]
)
def test_reply_notice_cites_the_item_of_article_32_that_fits(world, outcome, item):
    p = petition_reply(petition=handling(world), actor=A(world.handler), outcome=outcome, text=REPLY_TEXT,
                       now=at(2025, 10, 20))
    text = text_of(notice_of(p, NoticeKind.REPLY))
    assert f"第三十二条{item}" in text
    assert str(ReplyOutcome(outcome).label) in text


def test_review_notice_names_the_rereview_unit_and_window(world):
    p = reviewed(world)
    notice = notice_of(p, NoticeKind.REVIEW)
    assert notice.unit == world.company
    text = text_of(notice)
    assert_common(notice, text, "煤业一公司")  # issued by the reviewing unit
    assert "补发金额不对，少算了夜班津贴。" in text
    assert "维持原处理意见" in text
    assert "（予以支持）" in text  # the original outcome
    # 30 days from the decision on 2025-11-10: 2025-12-10, a Wednesday.
    assert cn_date(last_day_of(p.rereview_request_due_at)) == "2025年12月10日"
    assert "30日内（即2025年12月10日前）向晋能控股煤业集团请求复核" in text
    assert "第三十六条第一款" in text


def test_rereview_notice_states_finality(world):
    p = final(world)
    notice = notice_of(p, NoticeKind.REREVIEW)
    assert notice.unit == world.group
    text = text_of(notice)
    assert_common(notice, text, "晋能控股煤业集团")
    assert "经复核，维持复查意见，本事项终结。" in text
    assert "第三十六条第三款" in text
    assert "终结意见" in text and "不再受理" in text
    assert "2025年11月30日" in text


def test_supervision_notice_is_addressed_to_the_unit_with_a_reply_deadline(world):
    p = handling(world)
    order = petition_supervise(petition=p, actor=A(world.company_officer), reason="群众反映办理进度缓慢，请加快办理。",
                               now=at(2025, 10, 10))
    notice = notice_of(p, NoticeKind.SUPERVISION)
    assert notice.unit == world.company
    text = text_of(notice)
    assert_common(notice, text, "煤业一公司")
    assert "塔山矿：" in text  # addressed to the supervised unit, not to the petitioner
    assert "王建国" not in text
    assert "群众反映办理进度缓慢" in text
    assert cn_date(last_day_of(order.due_at)) == "2025年11月10日"  # 30 days after 10-10 is Sunday 11-09
    assert "于2025年11月10日前将办理情况和是否采纳督办意见书面回复煤业一公司" in text
    assert "第四十条" in text


# --- properties of every notice ---------------------------------------------------------------


def test_every_kind_has_a_test_above():
    tested = {"acceptance", "non_acceptance", "forward", "extension", "reply", "review", "rereview", "supervision"}
    assert tested == set(NoticeKind.values)


def test_documents_use_songti_for_east_asian_text(world):
    document = Document(io.BytesIO(render_notice(notice_of(accepted(world), NoticeKind.ACCEPTANCE))))
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体"
    runs = [run for par in document.paragraphs for run in par.runs]
    assert runs and all(run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体" for run in runs)


def test_rendering_writes_nothing(world, django_assert_max_num_queries):
    p = final(world)
    notices = list(Notice.objects.select_related("petition", "unit").filter(petition=p))
    events_before = PetitionEvent.objects.count()
    row_before = Petition.objects.values().get(pk=p.pk)
    for notice in notices:
        with django_assert_max_num_queries(3):  # reads only: identity (and the account)
            assert render_notice(notice).startswith(b"PK")  # a zip container: a real .docx
    assert PetitionEvent.objects.count() == events_before
    assert Petition.objects.values().get(pk=p.pk) == row_before
    assert Notice.objects.filter(petition=p).count() == len(notices)


def test_an_explicit_addressee_replaces_the_name(world):
    notice = notice_of(accepted(world), NoticeKind.ACCEPTANCE)
    text = text_of(notice, addressee="王*国")
    assert "王*国：" in text
    assert "王建国" not in text


def test_filenames(world):
    p = handling(world)
    assert notice_filename(notice_of(p, NoticeKind.ACCEPTANCE)) == f"受理告知书-{p.number}.docx"
    for day in (10, 20):
        petition_supervise(petition=p, actor=A(world.company_officer), reason="请加快办理。", now=at(2025, 10, day))
    names = [notice_filename(n) for n in Notice.objects.filter(petition=p, kind=NoticeKind.SUPERVISION)]
    assert names == [f"督办单-{p.number}.docx", f"督办单-{p.number}-2.docx"]


def test_cn_date():
    assert cn_date("2026-03-05") == "2026年3月5日"
    assert cn_date(at(2026, 12, 31, 23)) == "2026年12月31日"  # the local date, not UTC
    assert cn_date("") == ""
