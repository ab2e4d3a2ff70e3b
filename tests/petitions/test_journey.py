"""The whole statutory journey through the service layer, with dates checked against the law."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.errors import InvalidState, NotAllowed
from petitions.choices import NoticeKind, Rating, ReplyOutcome, ReviewOutcome, State
from petitions.events import verify_petition_chain
from petitions.models import Petition
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_rate,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
)
from tests.petitions.conftest import A, at, submit
from tongxin.lib.periods import SHANGHAI


def local(d: datetime) -> datetime:
    return d.astimezone(SHANGHAI)


def test_full_journey_named(world):
    result = submit(world, now=at(2025, 9, 15))
    p = result.petition
    assert result.receipt_code is None
    assert p.number.startswith("XF-2025-")
    assert p.state == State.REGISTERED
    # 15 days after 9-15 is 9-30 (a Tuesday, a working day): due at 10-01 00:00.
    assert local(p.acceptance_due_at) == datetime(2025, 10, 1, tzinfo=SHANGHAI)

    p = petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))
    assert p.state == State.ACCEPTED
    # 60 days after 9-20 is 11-19 (Wednesday).
    assert local(p.handling_due_at) == datetime(2025, 11, 20, tzinfo=SHANGHAI)

    p = petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader, now=at(2025, 9, 21))
    assert p.state == State.HANDLING and p.handler == world.handler

    p = petition_reply(petition=p, actor=A(world.handler), outcome=ReplyOutcome.SUPPORT,
                       text="经核实，十月绩效因考核系统录入错误少计，已于十一月随工资补发。", now=at(2025, 10, 20))
    assert p.state == State.REPLIED

    p = petition_rate(petition=p, actor=A(world.employee), rating=Rating.UNSATISFIED, now=at(2025, 10, 21))
    assert p.state == State.CLOSED

    review = petition_request_review(petition=p, actor=A(world.employee), text="补发金额不对，少算了夜班津贴。",
                                     now=at(2025, 10, 25))
    assert review.unit == world.company  # the unit above the mine that accepted and answered
    p.refresh_from_db()
    assert p.state == State.REVIEWING

    petition_decide_review(petition=p, actor=A(world.company_officer), outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，补发金额计算正确，夜班津贴已另行发放，维持原处理意见。", now=at(2025, 11, 10))
    p.refresh_from_db()
    assert p.state == State.REVIEWED

    petition_request_rereview(petition=p, actor=A(world.employee), text="仍不服，请求复核。", now=at(2025, 11, 15))
    p.refresh_from_db()
    petition_decide_rereview(petition=p, actor=A(world.group_officer), outcome=ReviewOutcome.UPHOLD,
                             opinion="经复核，维持复查意见，本事项终结。", now=at(2025, 11, 30))
    p.refresh_from_db()
    assert p.state == State.FINAL
    kinds = set(p.notices.values_list("kind", flat=True))
    assert {NoticeKind.ACCEPTANCE, NoticeKind.REPLY, NoticeKind.REVIEW, NoticeKind.REREVIEW} <= kinds
    assert verify_petition_chain(p) == []


def test_refused_action_changes_nothing(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    before = Petition.objects.values().get(pk=p.pk)
    with pytest.raises(NotAllowed):
        petition_accept(petition=p, actor=A(world.other_officer), now=at(2025, 9, 16))
    with pytest.raises(InvalidState):
        petition_reply(petition=p, actor=A(world.handler), outcome="support", text="x" * 20, now=at(2025, 9, 16))
    assert Petition.objects.values().get(pk=p.pk) == before
    assert p.events.count() == 1
