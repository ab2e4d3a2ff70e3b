"""The deadline sweep: reminders, supervision of overdue matters, accountability, closing
expired windows — each exactly once however often it runs."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from core.errors import InvalidInput, NotAllowed
from orgs.choices import Role
from orgs.models import RoleAssignment
from petitions import sweep
from petitions.choices import (
    AccountabilityGround,
    AccountabilityStatus,
    NoticeKind,
    Rating,
    ReplyOutcome,
    ReviewOutcome,
    State,
    SupervisionStatus,
)
from petitions.events import verify_petition_chain
from petitions.models import (
    AccountabilityRecord,
    Notice,
    Notification,
    Petition,
    PetitionEvent,
    ReminderSent,
    SupervisionOrder,
)
from petitions.sweep import run_sweep
from petitions.workflow import (
    accountability_decide,
    petition_accept,
    petition_assign,
    petition_decide_review,
    petition_rate,
    petition_reply,
    petition_request_review,
    supervision_answer,
)
from tests.petitions.conftest import A, at, person, submit
from tongxin.lib.periods import last_day_of

Kind = PetitionEvent.Kind


def handling(world) -> Petition:
    """Accepted 2025-09-20: the handling period's last day is 2025-11-19 (due 11-20 00:00)."""
    p = submit(world, now=at(2025, 9, 15)).petition
    p = petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))
    return petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                           leader=world.leader, now=at(2025, 9, 21))


def replied(world) -> Petition:
    """Replied 2025-10-20: the review window's last day is 2025-11-19."""
    return petition_reply(petition=handling(world), actor=A(world.handler), outcome=ReplyOutcome.SUPPORT,
                          text="经核实，十月绩效少计八百元，已随十一月工资补发。", now=at(2025, 10, 20))


def sweep_at(capture, now) -> dict:
    with capture(execute=True):
        return run_sweep(now)


def counts() -> dict:
    return {
        "reminders": ReminderSent.objects.count(),
        "notifications": Notification.objects.count(),
        "orders": SupervisionOrder.objects.count(),
        "records": AccountabilityRecord.objects.count(),
        "notices": Notice.objects.count(),
        "events": PetitionEvent.objects.count(),
    }


def notes(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True))


# --- reminders ------------------------------------------------------------------------------------


def test_reminders_three_days_and_one_day_before_go_to_handler_and_leader_once(
    world, django_capture_on_commit_callbacks
):
    p = handling(world)
    assert last_day_of(p.due_at) == date(2025, 11, 19)
    capture = django_capture_on_commit_callbacks

    assert sweep_at(capture, at(2025, 11, 12))["reminders"] == 0  # 7 days left: too early
    assert sweep_at(capture, at(2025, 11, 16))["reminders"] == 1  # 3 days left
    for person_ in (world.handler, world.leader):
        [text] = [t for t in notes(person_) if "届满" in t]
        assert p.number in text and "2025-11-19" in text and "剩3天" in text
    before = counts()
    assert sweep_at(capture, at(2025, 11, 16, 15))["reminders"] == 0  # same day again: nothing
    assert sweep_at(capture, at(2025, 11, 17))["reminders"] == 0  # 2 days left: already reminded
    assert counts() == before

    assert sweep_at(capture, at(2025, 11, 18))["reminders"] == 1  # 1 day left
    for person_ in (world.handler, world.leader):
        assert [t for t in notes(person_) if "届满" in t][-1].endswith("（剩1天）。")
    assert sweep_at(capture, at(2025, 11, 18, 16))["reminders"] == 0
    assert sweep_at(capture, at(2025, 11, 19))["reminders"] == 0  # due today: the 1-day reminder was sent

    keys = sorted(ReminderSent.objects.filter(petition=p).values_list("key", flat=True))
    assert [k.rsplit(":", 1)[1] for k in keys] == ["1", "3"]
    reminded = p.events.filter(kind=Kind.REMINDED)
    assert reminded.count() == 2 and not reminded.filter(public=True).exists()
    assert not Notification.objects.filter(user=world.employee, text__contains="届满").exists()
    assert verify_petition_chain(Petition.objects.get(pk=p.pk)) == []


def test_a_late_first_run_sends_the_nearest_reminder_only(world, django_capture_on_commit_callbacks):
    handling(world)
    assert sweep_at(django_capture_on_commit_callbacks, at(2025, 11, 18))["reminders"] == 1
    assert [k.rsplit(":", 1)[1] for k in ReminderSent.objects.values_list("key", flat=True)] == ["1"]
    assert len([t for t in notes(world.handler) if "届满" in t]) == 1


# --- overdue obligations --------------------------------------------------------------------------


def test_overdue_handling_is_supervised_and_accounted_for_once(world, django_capture_on_commit_callbacks):
    p = handling(world)
    capture = django_capture_on_commit_callbacks
    assert sweep_at(capture, at(2025, 11, 19, 23))["escalated"] == 0  # still the last day
    result = sweep_at(capture, at(2025, 11, 20, 9))
    assert result["escalated"] == 1

    order = SupervisionOrder.objects.get(petition=p)
    assert order.to_unit == world.mine and order.issued_by_unit == world.company
    assert order.status == SupervisionStatus.OPEN
    assert "办理期限已于2025-11-19届满" in order.reason
    assert last_day_of(order.due_at) == date(2025, 12, 22)  # 30 days: 12-20 is a Saturday
    notice = Notice.objects.get(petition=p, kind=NoticeKind.SUPERVISION)
    assert notice.unit == world.company and notice.context["to_unit"] == "塔山矿"

    record = AccountabilityRecord.objects.get(petition=p)
    assert record.ground == AccountabilityGround.LATE_REPLY
    assert record.unit == world.team
    assert (record.responsible, record.leader) == (world.handler, world.leader)
    assert record.status == AccountabilityStatus.OPEN

    supervised = p.events.get(kind=Kind.SUPERVISED)
    opened = p.events.get(kind=Kind.ACCOUNTABILITY_OPENED)
    notice_event = p.events.get(kind=Kind.NOTICE_ISSUED, data__notice_kind=NoticeKind.SUPERVISION)
    assert not (supervised.public or opened.public or notice_event.public)  # internal, not on the public timeline
    assert opened.data["record_id"] == record.pk
    assert any("督办" in t for t in notes(world.handler))
    assert any("督办" in t for t in notes(world.leader))

    before = counts()
    assert sweep_at(capture, at(2025, 11, 20, 15))["escalated"] == 0
    assert sweep_at(capture, at(2025, 11, 25))["escalated"] == 0
    assert counts() == before
    p.refresh_from_db()
    assert p.state == State.HANDLING  # the sweep never answers for the unit
    # The late reply itself adds no second record for the same period.
    petition_reply(petition=p, actor=A(world.handler), outcome=ReplyOutcome.EXPLAIN,
                   text="经核实，绩效考核结果无误，已向信访人解释说明。", now=at(2025, 11, 26))
    assert AccountabilityRecord.objects.filter(petition=p, ground=AccountabilityGround.LATE_REPLY).count() == 1
    assert verify_petition_chain(Petition.objects.get(pk=p.pk)) == []


def test_overdue_acceptance_is_supervised_and_accounted_to_the_receiving_unit(world):
    p = submit(world, now=at(2025, 9, 15)).petition  # last day 2025-09-30
    assert run_sweep(at(2025, 10, 1, 8))["escalated"] == 1
    order = SupervisionOrder.objects.get(petition=p)
    assert (order.to_unit, order.issued_by_unit) == (world.mine, world.company)
    record = AccountabilityRecord.objects.get(petition=p)
    assert record.ground == AccountabilityGround.LATE_ACCEPTANCE_NOTICE
    assert record.unit == world.mine and record.responsible is None
    assert Notice.objects.filter(petition=p, kind=NoticeKind.SUPERVISION).count() == 1
    assert run_sweep(at(2025, 10, 2))["escalated"] == 0
    assert SupervisionOrder.objects.count() == 1 and AccountabilityRecord.objects.count() == 1
    # Accepting late afterwards adds no second record for the same period.
    petition_accept(petition=p, actor=A(world.officer), now=at(2025, 10, 3))
    assert AccountabilityRecord.objects.filter(petition=p).count() == 1


def test_overdue_review_is_supervised_at_the_reviewing_unit(world):
    p = replied(world)
    review = petition_request_review(petition=p, actor=A(world.employee), text="补发金额不对，少算了夜班津贴。",
                                     now=at(2025, 10, 25))
    assert review.unit == world.company and last_day_of(review.due_at) == date(2025, 11, 24)
    assert run_sweep(at(2025, 11, 25, 9))["escalated"] == 1
    order = SupervisionOrder.objects.get(petition=p)
    # The company is late, so the company is supervised, by the group.
    assert (order.to_unit, order.issued_by_unit) == (world.company, world.group)
    record = AccountabilityRecord.objects.get(petition=p)
    assert record.ground == AccountabilityGround.LATE_REVIEW and record.unit == world.company
    assert record.responsible is None and record.leader is None  # the mine's people did nothing wrong
    assert run_sweep(at(2025, 11, 26))["escalated"] == 0
    petition_decide_review(petition=p, actor=A(world.company_officer), outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，补发金额计算正确，维持原处理意见。", now=at(2025, 11, 27))
    assert AccountabilityRecord.objects.filter(petition=p, ground=AccountabilityGround.LATE_REVIEW).count() == 1
    # The company answers its order; nobody at the mine has to.
    with pytest.raises(NotAllowed):
        supervision_answer(order=order, actor=A(world.officer), answer="本矿已知悉。", now=at(2025, 11, 26))
    supervision_answer(order=order, actor=A(world.company_officer), answer="已安排专人复查，三日内作出复查意见。",
                       now=at(2025, 11, 26))
    order.refresh_from_db()
    assert order.status == SupervisionStatus.ANSWERED


def test_an_ignored_review_supervision_is_the_reviewing_units_not_the_handlers(world):
    p = replied(world)
    petition_request_review(petition=p, actor=A(world.employee), text="补发金额不对，少算了夜班津贴。",
                            now=at(2025, 10, 25))
    run_sweep(at(2025, 11, 25, 9))
    order = SupervisionOrder.objects.get(petition=p)
    assert last_day_of(order.due_at) == date(2025, 12, 25)
    assert run_sweep(at(2025, 12, 26, 9))["supervision_ignored"] == 1
    ignored = AccountabilityRecord.objects.get(petition=p, ground=AccountabilityGround.SUPERVISION_IGNORED)
    assert ignored.unit == world.company
    assert ignored.responsible is None and ignored.leader is None


# --- expired request windows ---------------------------------------------------------------------


def test_an_uncontested_reply_is_closed_when_the_review_window_ends(world):
    p = replied(world)
    assert run_sweep(at(2025, 11, 19, 23))["closed"] == 0  # the window's last day
    assert run_sweep(at(2025, 11, 20, 1))["closed"] == 1
    p.refresh_from_db()
    assert p.state == State.CLOSED and p.closed_at == at(2025, 11, 20, 1)
    assert p.due_at is None and p.due_kind == ""
    closed = p.events.get(kind=Kind.CLOSED)
    assert (closed.from_state, closed.to_state) == (State.REPLIED, State.CLOSED)
    assert closed.public  # the petitioner sees the matter concluded
    assert run_sweep(at(2025, 11, 21))["closed"] == 0
    assert p.events.filter(kind=Kind.CLOSED).count() == 1
    assert verify_petition_chain(p) == []


def test_a_rated_petition_is_not_touched(world):
    p = replied(world)
    petition_rate(petition=p, actor=A(world.employee), rating=Rating.SATISFIED, now=at(2025, 10, 22))
    before = Petition.objects.values().get(pk=p.pk)
    assert run_sweep(at(2025, 11, 20, 1))["closed"] == 0
    assert Petition.objects.values().get(pk=p.pk) == before
    assert not p.events.filter(kind=Kind.CLOSED).exists()


class _RateFirst:
    """Stands in for ``django.db.transaction`` inside petitions.sweep: the petitioner rates the
    matter after the sweep has listed it and before the sweep writes (a real interleaving)."""

    def __init__(self, do):
        self.do, self.done = do, False

    def atomic(self, *args, **kwargs):
        if not self.done:
            self.done = True
            self.do()
        return transaction.atomic(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(transaction, name)


def test_closing_is_compare_and_set_against_a_rating_in_between(world, monkeypatch):
    p = replied(world)
    monkeypatch.setattr(sweep, "transaction", _RateFirst(
        lambda: petition_rate(petition=p, actor=A(world.employee), rating=Rating.BASICALLY, now=at(2025, 11, 20, 1))
    ))
    assert sweep.close_expired_windows(at(2025, 11, 20, 1)) == 0
    p.refresh_from_db()
    assert p.state == State.CLOSED and p.rating == Rating.BASICALLY
    assert not p.events.filter(kind=Kind.CLOSED).exists()  # the sweep saw the version move and stepped back
    assert list(p.events.values_list("kind", flat=True))[-1] == Kind.RATED
    assert verify_petition_chain(p) == []


# --- ignored supervision --------------------------------------------------------------------------


def test_an_unanswered_supervision_order_opens_one_accountability_record(world):
    p = handling(world)
    run_sweep(at(2025, 11, 20, 9))
    order = SupervisionOrder.objects.get(petition=p)  # reply due by 2025-12-22
    assert run_sweep(at(2025, 12, 22, 20))["supervision_ignored"] == 0
    assert run_sweep(at(2025, 12, 23, 9))["supervision_ignored"] == 1
    record = AccountabilityRecord.objects.get(ground=AccountabilityGround.SUPERVISION_IGNORED)
    assert record.petition == p and record.unit == order.to_unit == world.mine
    assert (record.responsible, record.leader) == (world.handler, world.leader)
    before = counts()
    assert run_sweep(at(2025, 12, 24))["supervision_ignored"] == 0
    assert counts() == before


def test_an_answered_supervision_order_opens_nothing(world):
    p = handling(world)
    run_sweep(at(2025, 11, 20, 9))
    order = SupervisionOrder.objects.get(petition=p)
    supervision_answer(order=order, actor=A(world.leader), answer="已责成综采一队五日内答复信访人。", now=at(2025, 11, 21))
    assert run_sweep(at(2025, 12, 23, 9))["supervision_ignored"] == 0
    assert not AccountabilityRecord.objects.filter(ground=AccountabilityGround.SUPERVISION_IGNORED).exists()
    answered = p.events.get(kind=Kind.SUPERVISION_ANSWERED)
    assert answered.data["on_time"] is True and not answered.public


# --- deciding accountability ----------------------------------------------------------------------


@pytest.fixture
def record(world) -> AccountabilityRecord:
    p = handling(world)
    run_sweep(at(2025, 11, 20, 9))
    return AccountabilityRecord.objects.get(petition=p, ground=AccountabilityGround.LATE_REPLY)


def test_only_a_discipline_inspector_above_the_unit_decides(world, record):
    elsewhere = person("J2", "郑义", world.other_mine, (Role.DISCIPLINE_INSPECTOR, world.other_mine))
    for actor in (world.officer, world.company_officer, elsewhere, world.employee):
        with pytest.raises(NotAllowed) as refused:
            accountability_decide(record=record, actor=A(actor), status=AccountabilityStatus.DECIDED,
                                  outcome="约谈提醒并通报批评。", now=at(2025, 11, 25))
        assert refused.value.code == "not_allowed"
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.OPEN and record.decided_by is None
    assert not record.petition.events.filter(kind=Kind.ACCOUNTABILITY_DECIDED).exists()


def test_an_inspector_below_the_records_unit_may_not_decide(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    run_sweep(at(2025, 10, 1, 8))
    at_mine = AccountabilityRecord.objects.get(petition=p)  # the mine was late
    team_inspector = person("J3", "钱坤", world.team, (Role.DISCIPLINE_INSPECTOR, world.team))
    with pytest.raises(NotAllowed):
        accountability_decide(record=at_mine, actor=A(team_inspector), status=AccountabilityStatus.DISMISSED,
                              outcome="已补发受理告知书。", now=at(2025, 10, 5))
    mine_inspector = person("J4", "孔明", world.mine, (Role.DISCIPLINE_INSPECTOR, world.mine))
    accountability_decide(record=at_mine, actor=A(mine_inspector), status=AccountabilityStatus.DISMISSED,
                          outcome="系统故障所致，已补发受理告知书。", now=at(2025, 10, 5))
    assert AccountabilityRecord.objects.get(pk=at_mine.pk).status == AccountabilityStatus.DISMISSED


@pytest.mark.parametrize("who", ["handler", "leader"])
def test_the_responsible_person_may_not_decide_their_own_record(world, record, who):
    culprit = getattr(world, who)
    RoleAssignment.objects.create(user=culprit, unit=world.mine, role=Role.DISCIPLINE_INSPECTOR)
    culprit.forget_roles()
    with pytest.raises(NotAllowed) as refused:
        accountability_decide(record=record, actor=A(culprit), status=AccountabilityStatus.DISMISSED,
                              outcome="情有可原，不予追责。", now=at(2025, 11, 25))
    assert refused.value.code == "conflict_of_interest"
    assert AccountabilityRecord.objects.get(pk=record.pk).status == AccountabilityStatus.OPEN


def test_the_inspectors_decision_is_recorded_with_an_event(world, record):
    with pytest.raises(InvalidInput) as invalid:
        accountability_decide(record=record, actor=A(world.inspector), status="open", outcome="约谈提醒。",
                              now=at(2025, 11, 25))
    assert invalid.value.code == "invalid_status"
    with pytest.raises(InvalidInput) as invalid:
        accountability_decide(record=record, actor=A(world.inspector), status=AccountabilityStatus.DECIDED,
                              outcome="  ", now=at(2025, 11, 25))
    assert invalid.value.code == "text_required"

    accountability_decide(record=record, actor=A(world.inspector), status=AccountabilityStatus.DECIDED,
                          outcome="对承办人赵志强约谈提醒，责任领导作出书面检查。", now=at(2025, 11, 25))
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.DECIDED
    assert record.decided_by == world.inspector and record.decided_at == at(2025, 11, 25)
    assert record.outcome == "对承办人赵志强约谈提醒，责任领导作出书面检查。"
    event = record.petition.events.get(kind=Kind.ACCOUNTABILITY_DECIDED)
    assert event.actor == world.inspector and event.data == {"record_id": record.pk, "status": "decided"}
    assert not event.public
    with pytest.raises(InvalidInput) as again:
        accountability_decide(record=record, actor=A(world.inspector), status=AccountabilityStatus.DISMISSED,
                              outcome="改为不予追责。", now=at(2025, 11, 26))
    assert again.value.code == "already_decided"
    assert verify_petition_chain(Petition.objects.get(pk=record.petition_id)) == []


def test_acceptance_reminder_goes_to_the_units_petition_officers(world, django_capture_on_commit_callbacks):
    from petitions.models import Notification
    from petitions.sweep import run_sweep
    from tests.petitions.conftest import at, submit

    p = submit(world, now=at(2025, 9, 15)).petition  # acceptance due 2025-09-30 (last day)
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(at(2025, 9, 28))
    texts = list(Notification.objects.filter(user=world.officer, petition=p).values_list("text", flat=True))
    assert any("受理告知期限" in t for t in texts), texts
    assert not Notification.objects.filter(user=world.other_officer, petition=p).exists()
