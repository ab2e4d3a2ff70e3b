"""dues.* brackets at their boundaries, the monthly run, collection, reductions, arrears."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.errors import InvalidInput, NotAllowed
from party.dues import (
    arrears,
    arrears_level,
    base_review_due,
    dues_amount,
    dues_collect,
    dues_run,
    ledger_xlsx,
    rate_for,
    reduction_approve,
    reduction_request,
)
from party.members import member_update
from party.models import DuesAssessment, DuesKind, Member, RuleVersion
from party.rules import DEFAULTS, Rule
from tests.party.conftest import add_members

ON = date(2026, 11, 1)
D = Decimal


def rules():
    return {code: Rule(code, DEFAULTS[code][0], "", False, 0, None) for code in ("dues.salaried", "dues.retired",
                                                                                 "dues.flat")}


@pytest.mark.parametrize(("base", "amount"), [
    ("0", "0.00"), ("3000.00", "15.00"), ("3000.01", "30.00"), ("5000.00", "50.00"), ("5000.01", "75.00"),
    ("10000.00", "150.00"), ("10000.01", "200.00"), ("2999.99", "15.00"), ("4321.50", "43.22"),
])
def test_salaried_brackets(base, amount):
    assert dues_amount(DuesKind.SALARIED, D(base), ON, rules()).amount == D(amount)
    assert dues_amount(DuesKind.ANNUAL, D(base), ON, rules()).amount == D(amount)


@pytest.mark.parametrize(("base", "amount"), [("5000.00", "25.00"), ("5000.01", "50.00"), ("3000.00", "15.00")])
def test_retired_brackets(base, amount):
    assert dues_amount(DuesKind.RETIRED, D(base), ON, rules()).amount == D(amount)


@pytest.mark.parametrize("kind", [DuesKind.STUDENT, DuesKind.UNEMPLOYED, DuesKind.RELIEF, DuesKind.FARMER])
def test_flat_amounts(kind):
    assert dues_amount(kind, D("99999"), ON, rules()).amount == D("0.20")


def test_missing_base_is_zero_not_an_error():
    assert dues_amount(DuesKind.SALARIED, None, ON, rules()).amount == D("0.00")


@settings(max_examples=300)
@given(base=st.decimals(min_value=D("-100"), max_value=D("100000"), places=2),
       kind=st.sampled_from([DuesKind.SALARIED, DuesKind.ANNUAL, DuesKind.RETIRED]))
def test_dues_never_negative_and_match_the_table(base, kind):
    r = rules()["dues.retired" if kind == DuesKind.RETIRED else "dues.salaried"]
    a = dues_amount(kind, base, ON, rules())
    assert a.amount >= 0
    b = max(base, D("0"))
    table = r["brackets"]
    expected_rate = next(D(rate) for upper, rate in table if upper is None or b <= D(upper))
    assert a.rate == expected_rate == rate_for(b, r)
    assert abs(a.amount - b * expected_rate) <= D("0.005")


def test_run_is_idempotent_and_recomputes_unpaid(world):
    ms = add_members(world.branch, 3, dues_base=D("3000.01"))
    summary = dues_run(month="2026-11", actor=world.officer)
    assert summary["created"] == 6  # 3 + the 3 members of the world
    assert dues_run(month="2026-11", actor=None) == {"month": "2026-11", "created": 0, "updated": 0, "kept": 6}
    a = DuesAssessment.objects.get(member=ms[0], month="2026-11")
    assert (a.amount, a.rate, a.rule_version) == (D("30.00"), D("0.0100"), "dues.salaried@v0")
    member_update(member=ms[0], actor=None, dues_base=D("3000.00"))
    dues_collect(assessments=DuesAssessment.objects.filter(member=ms[1]), paid_on=date(2026, 11, 5), actor=None)
    member_update(member=ms[1], actor=None, dues_base=D("9000"))
    s = dues_run(month="2026-11", actor=None)
    assert s["updated"] == 1  # the paid row stays as it was
    assert DuesAssessment.objects.get(member=ms[0], month="2026-11").due == D("15.00")
    assert DuesAssessment.objects.get(member=ms[1], month="2026-11").due == D("30.00")


def test_run_scope(world):
    with pytest.raises(NotAllowed):
        dues_run(month="2026-11", actor=world.secretary)  # the whole group: administrators
    with pytest.raises(NotAllowed):
        dues_run(month="2026-11", actor=world.secretary, root=world.branch2)
    s = dues_run(month="2026-11", actor=world.secretary, root=world.branch)
    assert s["created"] == 2
    with pytest.raises(InvalidInput):
        dues_run(month="2026-13", actor=None)


def test_probationary_dues_from_the_month_of_the_vote(world):
    (m,) = add_members(world.branch, 1, joined_on=date(2026, 12, 15), status="probationary")
    dues_run(month="2026-11", actor=None)
    dues_run(month="2026-12", actor=None)
    assert list(DuesAssessment.objects.filter(member=m).values_list("month", flat=True)) == ["2026-12"]


def test_rates_are_versioned(world):
    RuleVersion.objects.create(code="dues.salaried", value={"brackets": [[None, "0.01"]]},
                               effective_from=date(2027, 1, 1))
    (m,) = add_members(world.branch, 1, dues_base=D("2000"))
    dues_run(month="2026-12", actor=None)
    dues_run(month="2027-01", actor=None)
    dec, jan = DuesAssessment.objects.filter(member=m).order_by("month")
    assert (dec.due, jan.due) == (D("10.00"), D("20.00")) and jan.rule_version != dec.rule_version


def test_reduction_needs_approval_one_level_up(world):
    (m,) = add_members(world.branch, 1, dues_base=D("8000"))
    red = reduction_request(member=m, from_month="2026-11", to_month="2027-04", monthly=D("0"), reason="重病住院",
                            decided_on=date(2026, 10, 20), actor=world.secretary)
    dues_run(month="2026-11", actor=None)
    assert DuesAssessment.objects.get(member=m).due == D("120.00")  # not yet approved
    with pytest.raises(NotAllowed):
        reduction_approve(reduction=red, on=date(2026, 11, 2), actor=world.secretary)
    reduction_approve(reduction=red, on=date(2026, 11, 2), actor=world.officer)
    dues_run(month="2026-11", actor=None)
    a = DuesAssessment.objects.get(member=m)
    assert (a.amount, a.due) == (D("120.00"), D("0.00"))
    with pytest.raises(InvalidInput):
        reduction_request(member=m, from_month="2026-11", to_month="2026-10", monthly=D("1"), reason="x",
                          decided_on=ON, actor=None)


def test_arrears_at_three_and_six_months(world):
    (m,) = add_members(world.branch, 1, dues_base=D("4000"))
    for month in ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]:
        dues_run(month=month, actor=None)
    members = Member.objects.filter(pk=m.pk)
    assert arrears(members, "2026-07") == [(m.pk, 3)] and arrears_level(3, ON) == "warn"
    assert arrears(members, "2026-06") == []  # 2 months: no flag
    assert arrears(members, "2026-10") == [(m.pk, 6)] and arrears_level(6, ON) == "risk"
    assert arrears_level(5, ON) == "warn"
    dues_collect(assessments=DuesAssessment.objects.filter(member=m, month="2026-09"), paid_on=date(2026, 11, 3),
                 actor=None)
    assert arrears(members, "2026-10") == []  # one month unpaid after a payment
    a = DuesAssessment.objects.get(member=m, month="2026-09")
    assert a.back_payment and a.collected_by is None


def test_base_review_and_ledgers(world):
    (m,) = add_members(world.branch, 1, dues_base=D("4000"), dues_base_reviewed_on=date(2025, 11, 30))
    assert m not in base_review_due(Member.objects.all(), date(2026, 11, 30))
    assert m in base_review_due(Member.objects.all(), date(2026, 12, 1))
    dues_run(month="2026-11", actor=None)
    qs = DuesAssessment.objects.all()
    rows = list(load_workbook(io.BytesIO(ledger_xlsx(qs, summary=False))).active.iter_rows(values_only=True))
    assert len(rows) == 5 and rows[0][0] == "工号"
    rows = list(load_workbook(io.BytesIO(ledger_xlsx(qs, summary=True))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["同忻矿机关党支部", "综采一队党支部"]


@pytest.mark.parametrize(("paid", "voluntary", "to_centre"), [
    ("45.00", "0.00", False), ("1044.99", "999.99", False), ("1045.00", "1000.00", True),
])
def test_voluntary_payment_of_1000_goes_to_the_centre(world, paid, voluntary, to_centre):
    (m,) = add_members(world.branch, 1, dues_base=D("4500"))  # due 45.00
    dues_run(month="2026-11", actor=None)
    qs = DuesAssessment.objects.filter(member=m)
    dues_collect(assessments=qs, paid_on=date(2026, 11, 20), actor=None, amounts={qs.get().pk: D(paid)})
    a = qs.get()
    assert (a.voluntary, a.voluntary_to_centre, a.back_payment) == (D(voluntary), to_centre, False)
