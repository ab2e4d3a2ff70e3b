"""Transfers: letters, validity (transfer.validity), receipts, the away flag (transfer.away), and
the property that a member is in exactly one branch at every moment through any sequence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError, InvalidInput, InvalidState, NotAllowed
from party import scoping
from party.members import branch_on
from party.models import LetterState, Member, Membership, MemberStatus
from party.transfers import (
    away_without_transfer,
    expire_letters,
    letter_cancel,
    letter_issue,
    letter_receipt,
    letter_report,
    missing_receipts,
    open_letters,
    transfer_in_external,
)
from tests.party.conftest import person


@pytest.fixture
def m(world):
    return Member.objects.get(person=world.member_user)


def test_transfer_out_and_in(world, m):
    letter = letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 1), dues_paid_to="2026-8",
                          actor=world.secretary)
    assert letter.number == "ZZ-2026-000001" and letter.valid_until == date(2026, 12, 1)
    assert letter.dues_paid_to == "2026-08" and letter.rule_version.startswith("transfer.validity@v")
    assert list(open_letters(scoping.letters_visible_to(world.secretary2))) == [letter]  # the receiving end sees it
    with pytest.raises(NotAllowed):  # the issuing branch cannot record the reporting
        letter_report(letter=letter, on=date(2026, 9, 5), actor=world.secretary)
    letter_report(letter=letter, on=date(2026, 9, 5), actor=world.secretary2)
    m.refresh_from_db()
    assert m.branch == world.branch2
    assert branch_on(m, date(2026, 9, 4)) == world.branch and branch_on(m, date(2026, 9, 5)) == world.branch2
    assert list(missing_receipts(scoping.letters_visible_to(world.secretary))) == [letter]
    letter_receipt(letter=letter, on=date(2026, 9, 20), actor=world.secretary)
    letter.refresh_from_db()
    assert letter.state == LetterState.RECEIPTED and not missing_receipts(scoping.letters_visible_to(world.officer))


def test_validity_boundary_and_late_certificate(world, m):
    letter = letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 1), dues_paid_to="2026-08",
                          actor=None)
    assert expire_letters(date(2026, 12, 1)) == 0  # the last valid day
    assert expire_letters(date(2026, 12, 2)) == 1
    with pytest.raises(InvalidInput) as e:
        letter_report(letter=letter, on=date(2026, 12, 2), actor=None)
    assert e.value.code == "transfer.validity"
    m.refresh_from_db()
    assert m.branch == world.branch  # an expired letter moves nobody
    letter_report(letter=letter, on=date(2026, 12, 2), actor=None, late_certificate="原支部证明（2026-12-01）")
    m.refresh_from_db()
    assert m.branch == world.branch2


def test_validity_is_versioned(world, m):
    from party.models import RuleVersion

    RuleVersion.objects.create(code="transfer.validity", value={"months": 1}, effective_from=date(2026, 1, 1))
    letter = letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 1), dues_paid_to="2026-08",
                          actor=None)
    assert letter.valid_until == date(2026, 10, 1)


def test_out_of_the_group_and_back(world, m):
    letter = letter_issue(member=m, to_name="山西省太原市某街道党工委", issued_on=date(2026, 3, 1),
                          dues_paid_to="2026-02", actor=world.secretary)
    with pytest.raises(InvalidState):
        letter_report(letter=letter, on=date(2026, 3, 2), actor=None)
    letter_receipt(letter=letter, on=date(2026, 3, 10), actor=world.secretary)
    m.refresh_from_db()
    assert m.status == MemberStatus.LEFT and branch_on(m, date(2026, 3, 10)) is None
    assert branch_on(m, date(2026, 3, 9)) == world.branch
    back = transfer_in_external(person=world.member_user, to_org=world.branch2, from_name="太原某街道党工委",
                                number="JZ-2026-88", issued_on=date(2026, 6, 1), valid_until=date(2026, 9, 1),
                                dues_paid_to="2026-05", reported_on=date(2026, 6, 10), status=MemberStatus.FULL,
                                joined_on=None, actor=world.secretary2)
    m.refresh_from_db()
    assert back.state == LetterState.REPORTED and m.branch == world.branch2 and m.status == MemberStatus.FULL
    assert branch_on(m, date(2026, 5, 1)) is None


def test_refusals(world, m):
    with pytest.raises(InvalidInput):
        letter_issue(member=m, to_org=world.branch, issued_on=date(2026, 9, 1), dues_paid_to="2026-08", actor=None)
    with pytest.raises(InvalidInput):
        letter_issue(member=m, issued_on=date(2026, 9, 1), dues_paid_to="2026-08", actor=None)
    with pytest.raises(InvalidInput):
        letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 1), dues_paid_to="2026-13", actor=None)
    with pytest.raises(InvalidInput):
        letter_issue(member=m, to_org=world.mine_committee, issued_on=date(2026, 9, 1), dues_paid_to="2026-08",
                     actor=None)
    letter = letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 1), dues_paid_to="2026-08",
                          actor=None)
    with pytest.raises(InvalidState):
        letter_issue(member=m, to_org=world.branch2, issued_on=date(2026, 9, 2), dues_paid_to="2026-08", actor=None)
    with pytest.raises(InvalidInput):
        letter_report(letter=letter, on=date(2026, 8, 31), actor=None)
    with pytest.raises(InvalidInput):
        letter_cancel(letter=letter, actor=None, reason=" ")
    letter_cancel(letter=letter, actor=None, reason="本人不再调动")
    with pytest.raises(InvalidState):
        letter_report(letter=letter, on=date(2026, 9, 5), actor=None)


def test_away_six_months(world, m):
    from party.members import member_update

    today = date(2026, 11, 30)
    member_update(member=m, actor=None, away_since=date(2026, 5, 31), away_place="内蒙古鄂尔多斯")
    assert list(away_without_transfer(Member.objects.all(), today)) == []
    member_update(member=m, actor=None, away_since=date(2026, 5, 30))
    assert list(away_without_transfer(Member.objects.all(), today)) == [m]
    letter_issue(member=m, to_org=world.branch2, issued_on=today, dues_paid_to="2026-10", actor=None)
    assert list(away_without_transfer(Member.objects.all(), today)) == []


# --- property: exactly one branch at every moment --------------------------------------------

ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "report", "late", "cancel", "receipt", "expire"]),
                             st.integers(0, 2), st.integers(0, 120)), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_one_branch_at_every_moment(world, actions):
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        branches = [world.branch, world.branch2, world.mine_committee.children.first()]
        u = person("PP1", "性质测试", world.team)
        from party.members import member_register

        mem = member_register(person=u, branch=world.branch, status=MemberStatus.FULL, actor=None,
                              joined_on=date(2020, 1, 1))
        day = date(2020, 1, 1)
        letter = None
        for kind, target, gap in actions:
            day += timedelta(days=gap)
            try:
                if kind == "issue":
                    letter = letter_issue(member=mem, to_org=branches[target], issued_on=day,
                                          dues_paid_to=f"{day.year}-{day.month:02d}", actor=None)
                elif letter is not None and kind in ("report", "late"):
                    letter_report(letter=letter, on=day, actor=None, late_certificate="证明" if kind == "late" else "")
                elif letter is not None and kind == "cancel":
                    letter_cancel(letter=letter, actor=None, reason="测试")
                elif letter is not None and kind == "receipt":
                    letter_receipt(letter=letter, on=day, actor=None)
                elif kind == "expire":
                    expire_letters(day)
            except DomainError:
                pass
        mem.refresh_from_db()
        spans = list(Membership.objects.filter(member=mem).order_by("start", "id"))
        assert spans[0].start == date(2020, 1, 1) and spans[-1].end is None
        for a, b in zip(spans, spans[1:], strict=False):
            assert a.end == b.start  # contiguous: no gap, no overlap
        probe = date(2020, 1, 1)
        while probe <= day + timedelta(days=1):
            covering = [s for s in spans if s.start <= probe and (s.end is None or probe < s.end)]
            assert len(covering) == 1
            probe += timedelta(days=3)
        assert spans[-1].branch_id == mem.branch_id  # the open span is the current branch
        transaction.savepoint_rollback(sid)
