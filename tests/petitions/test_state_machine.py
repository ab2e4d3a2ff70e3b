"""Random sequences of workflow actions by random people, checking the invariants after each.

Invariants: exactly one handler (and a leader) while handled; no period shorter than the
statute allows; every state change has its event; the current deadline agrees with the
events; a refused action changes nothing; the event chain verifies.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.calendar import work_calendar
from core.errors import DomainError
from petitions.choices import DueKind, Rating, ReplyOutcome, ReviewOutcome, State
from petitions.events import verify_petition_chain
from petitions.models import Petition
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_decline,
    petition_extend,
    petition_rate,
    petition_reassign,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
    petition_withdraw,
)
from tests.petitions.conftest import A, at, submit
from tongxin.lib.periods import STATUTORY, due_at


def likely(person: str):
    """Mostly the person entitled to act, sometimes anyone (to exercise refusals)."""
    return st.one_of(st.just(person), st.just(person), st.sampled_from(PERSONAS))


PERSONAS = ["employee", "officer", "handler", "leader", "company_officer", "group_officer", "other_officer", "outsider"]


def _snapshot(p: Petition) -> dict:
    row = Petition.objects.values().get(pk=p.pk)
    row.pop("updated_at")
    return row


@pytest.mark.django_db
def test_workflow_state_machine(world):
    reached: set[str] = set()

    class PetitionMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.now = at(2025, 12, 1)
            self.p = submit(world, now=self.now).petition
            self.state_changes = 0

        def _act(self, fn, **kwargs):
            before = _snapshot(self.p)
            old_state = self.p.state
            try:
                fn(petition=self.p, now=self.now, **kwargs)
            except DomainError:
                assert _snapshot(self.p) == before, "a refused action changed the petition"
                return
            self.p.refresh_from_db()
            self.p.forget_reviews()
            if self.p.state != old_state:
                self.state_changes += 1

        @rule(days=st.one_of(st.integers(min_value=0, max_value=5), st.integers(min_value=6, max_value=70)))
        def time_passes(self, days):
            self.now += timedelta(days=days, hours=1)

        @rule(who=likely("officer"))
        def accept(self, who):
            self._act(petition_accept, actor=A(getattr(world, who)))

        @rule(who=st.sampled_from(PERSONAS))
        def decline(self, who):
            self._act(petition_decline, actor=A(getattr(world, who)), reason="outside_remit", note="不属于本单位职责")

        @rule(who=likely("officer"), handler=st.sampled_from(["handler", "handler", "handler", "officer", "employee"]))
        def assign(self, who, handler):
            self._act(petition_assign, actor=A(getattr(world, who)), handling_unit=world.team,
                      handler=getattr(world, handler), leader=world.leader)

        @rule(who=likely("officer"))
        def reassign(self, who):
            self._act(petition_reassign, actor=A(getattr(world, who)), handler=world.handler, note="人员调整")

        @rule(who=likely("leader"), days=st.integers(min_value=-1, max_value=35))
        def extend(self, who, days):
            self._act(petition_extend, actor=A(getattr(world, who)), days=days, reason="案情复杂需调查")

        @rule(who=likely("handler"), outcome=st.sampled_from(list(ReplyOutcome.values) + ["bogus"]))
        def reply(self, who, outcome):
            self._act(petition_reply, actor=A(getattr(world, who)), outcome=outcome, text="经调查核实，依据相关规定作出如下处理意见。")

        @rule(who=likely("employee"), rating=st.sampled_from(Rating.values))
        def rate(self, who, rating):
            self._act(petition_rate, actor=A(getattr(world, who)), rating=rating)

        @rule(who=likely("employee"))
        def request_review(self, who):
            self._act(petition_request_review, actor=A(getattr(world, who)), text="对处理意见不服，申请复查。")

        @rule(who=likely("company_officer"), outcome=st.sampled_from(ReviewOutcome.values))
        def decide_review(self, who, outcome):
            self._act(petition_decide_review, actor=A(getattr(world, who)), outcome=outcome, opinion="经复查，现作出如下复查意见。")

        @rule(who=likely("employee"))
        def request_rereview(self, who):
            self._act(petition_request_rereview, actor=A(getattr(world, who)), text="对复查意见不服，申请复核。")

        @rule(who=likely("group_officer"), outcome=st.sampled_from(ReviewOutcome.values))
        def decide_rereview(self, who, outcome):
            self._act(petition_decide_rereview, actor=A(getattr(world, who)), outcome=outcome, opinion="经复核，现作出如下复核意见。")

        @rule(who=st.sampled_from(PERSONAS))
        def withdraw(self, who):
            self._act(petition_withdraw, actor=A(getattr(world, who)), reason="问题已解决")

        @invariant()
        def one_handler_while_handling(self):
            if self.p.state == State.HANDLING:
                assert self.p.handler_id is not None and self.p.leader_id is not None
                assert self.p.handling_unit_id is not None

        @invariant()
        def periods_never_shorter_than_statute(self):
            cal = work_calendar()
            assert self.p.acceptance_due_at >= due_at(self.p.received_at, STATUTORY.acceptance, cal)
            if self.p.accepted_at:
                assert self.p.handling_due_at >= due_at(self.p.accepted_at, STATUTORY.handling, cal)
            for review in self.p.review_list:
                period = STATUTORY.review_answer if review.level == "review" else STATUTORY.rereview_answer
                assert review.due_at >= due_at(review.requested_at, period, cal)

        @invariant()
        def every_state_change_has_its_event(self):
            changes = [e for e in self.p.events.order_by("seq") if e.from_state != e.to_state and e.to_state]
            # The registration event (no from_state) plus one per successful change.
            assert len(changes) == self.state_changes + 1
            assert changes[-1].to_state == self.p.state

        @invariant()
        def deadline_agrees_with_state(self):
            p = self.p
            if p.state in (State.ACCEPTED, State.HANDLING):
                assert p.due_kind == DueKind.HANDLING and p.due_at == p.handling_due_at
            elif p.state == State.REGISTERED:
                assert p.due_kind == DueKind.ACCEPTANCE and p.due_at == p.acceptance_due_at
            elif p.state in (State.REVIEWING, State.REREVIEWING):
                assert p.due_at == p.open_review.due_at
            elif p.state in (State.FINAL, State.WITHDRAWN, State.NOT_ACCEPTED, State.CLOSED):
                assert p.due_at is None
            assert p.extension_count <= 1

        def teardown(self):
            reached.add(str(self.p.state))
            assert verify_petition_chain(self.p) == []

    run_state_machine_as_test(
        PetitionMachine,
        settings=settings(max_examples=80, stateful_step_count=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
    )
    # The random walks must get past the first steps, or the invariants prove little.
    deep = {str(s) for s in (State.REPLIED, State.CLOSED, State.REVIEWING, State.REVIEWED, State.REREVIEWING, State.FINAL)}
    assert reached & deep, reached
