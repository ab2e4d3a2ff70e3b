"""org.* rules at their boundaries, and rule versions."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InvalidInput
from party import orgtree
from party.models import MemberStatus, OrgKind, PostKind, RuleVersion
from party.rules import rule
from tests.party.conftest import add_members, person

DAY = date(2026, 11, 30)


def codes(org, level=None):
    return {f.code for f in orgtree.org_checks(org, DAY) if level is None or f.level == level}


def bare_branch(world, code="B1", kind=OrgKind.BRANCH):
    b = orgtree.org_create(code=code, name=code, kind=kind, parent=world.mine_committee, units=[world.team])
    term = orgtree.term_record(org=b, elected_on=date(2025, 1, 1), entitled_voters=5, attending_voters=5,
                               actor=None, filed_on=date(2025, 1, 2), approved_on=date(2025, 1, 2))
    sec = person(f"XS{code}", "书记", world.team)
    orgtree.post_assign(term=term, person=sec, post=PostKind.SECRETARY, start=date(2025, 1, 1), actor=None)
    return b, term


def test_branch_min_boundary(world):
    b, _ = bare_branch(world)
    add_members(b, 2)
    add_members(b, 3, status=MemberStatus.PROBATIONARY)  # probationary members do not count
    assert "org.branch_min" in codes(b, "error")
    add_members(b, 1)  # exactly 3 正式党员
    assert "org.branch_min" not in codes(b)


def test_joint_branch_covers_at_most_five_units(world):
    from orgs.choices import UnitKind
    from orgs.services import unit_create

    units = [unit_create(code=f"U{i}", name=f"科室{i}", kind=UnitKind.DEPARTMENT, parent=world.mine) for i in range(6)]
    b, _ = bare_branch(world, "J1", OrgKind.JOINT_BRANCH)
    add_members(b, 3)
    b.units.set(units[:5])
    assert not any("联合" in f.message for f in orgtree.org_checks(b, DAY))
    b.units.set(units)
    assert any(f.code == "org.branch_min" and "6" in f.message for f in orgtree.org_checks(b, DAY))


def test_soft_cap_boundary(world):
    b, _ = bare_branch(world)
    add_members(b, 50)
    assert "org.branch_soft_cap" not in codes(b)
    add_members(b, 1, status=MemberStatus.PROBATIONARY)
    assert "org.branch_soft_cap" in codes(b, "warning")


def test_committee_required_at_seven(world):
    b, term = bare_branch(world)
    add_members(b, 6)
    assert "org.committee_required" not in codes(b)  # 6: a secretary is enough
    add_members(b, 1)  # exactly 7
    assert "org.committee_required" in codes(b, "error")
    for i in range(2):  # secretary + 2 委员 = 3
        orgtree.post_assign(term=term, person=person(f"W{i}", "委员", world.team), post=PostKind.MEMBER,
                            start=date(2025, 1, 1), actor=None)
    assert "org.committee_required" not in codes(b)


def test_committee_size_bounds(world):
    b, term = bare_branch(world)
    add_members(b, 10)
    for i in range(5):
        orgtree.post_assign(term=term, person=person(f"W{i}", "委员", world.team), post=PostKind.MEMBER,
                            start=date(2025, 1, 1), actor=None)
    assert "org.committee_required" in codes(b, "warning")  # 6 > usual 5, ≤ 7
    for i in range(5, 7):
        orgtree.post_assign(term=term, person=person(f"W{i}", "委员", world.team), post=PostKind.MEMBER,
                            start=date(2025, 1, 1), actor=None)
    assert "org.committee_required" in codes(b, "error")  # 8 > 7


def test_no_secretary_is_an_error(world):
    b = orgtree.org_create(code="B9", name="B9", kind=OrgKind.BRANCH, parent=world.mine_committee)
    add_members(b, 3)
    assert "org.committee_required" in codes(b, "error")
    assert any(f.code == "org.term" for f in orgtree.org_checks(b, DAY))  # no term recorded


def test_type_by_size(world):
    b, _ = bare_branch(world)
    add_members(b, 49)
    assert "org.type_by_size" not in codes(b)
    add_members(b, 1)  # 50: a 党总支 is usual
    assert "org.type_by_size" in codes(b)
    c = orgtree.org_create(code="C9", name="C9", kind=OrgKind.COMMITTEE, parent=world.committee)
    b2 = orgtree.org_create(code="B8", name="B8", kind=OrgKind.BRANCH, parent=c)
    add_members(b2, 99)
    assert "org.type_by_size" in codes(c)  # a 党委 under 100 needs approval
    add_members(b2, 1)
    assert "org.type_by_size" not in codes(c)
    assert "org.type_by_size" in codes(b2)  # a branch of 100 members: a 党委 is usual
    b2.size_approval = "晋煤党发〔2025〕1号"
    assert "org.type_by_size" not in codes(b2)


def test_term_due_and_overdue(world):
    b = world.branch
    term = orgtree.current_term(b)
    end = orgtree.term_end(term)
    assert end == date(2028, 3, 1)  # branch term: 3 years
    assert not any(f.code == "org.term" and f.level == "flag" for f in orgtree.org_checks(b, end))  # last day
    assert any(f.code == "org.term" and f.level == "flag" for f in orgtree.org_checks(b, date(2028, 3, 2)))
    assert any(f.code == "org.term" and f.level == "warning" for f in orgtree.org_checks(b, date(2027, 9, 1)))
    assert [o for o, _e in orgtree.elections_due([b], date(2027, 10, 1))] == [b]


def test_committee_term_five_years(world):
    term = orgtree.term_record(org=world.committee, elected_on=date(2024, 6, 1), entitled_voters=100,
                               attending_voters=90, actor=None)
    assert orgtree.term_end(term) == date(2029, 6, 1)


def test_extension_at_most_one_year(world):
    term = orgtree.current_term(world.branch)
    with pytest.raises(InvalidInput):
        orgtree.term_extend(term=term, until=date(2029, 3, 2), approval="批复", actor=None)
    with pytest.raises(InvalidInput):
        orgtree.term_extend(term=term, until=date(2029, 3, 1), approval=" ", actor=None)
    orgtree.term_extend(term=term, until=date(2029, 3, 1), approval="塔山矿党委批复", actor=None)
    assert orgtree.term_end(term) == date(2029, 3, 1)


def test_election_four_fifths(world):
    b = world.branch
    orgtree.term_record(org=b, elected_on=date(2026, 3, 1), entitled_voters=10, attending_voters=8, actor=None)
    assert "org.election" in codes(b, "error")  # exactly 4/5: not more than
    orgtree.term_record(org=b, elected_on=date(2026, 3, 2), entitled_voters=10, attending_voters=9, actor=None,
                        filed_on=date(2026, 3, 5), approved_on=date(2026, 3, 5))
    assert "org.election" not in codes(b)


def test_unfiled_election_is_flagged(world):
    orgtree.term_record(org=world.branch, elected_on=date(2026, 3, 1), entitled_voters=10, attending_voters=10,
                        actor=None)
    assert "org.election" in codes(world.branch, "warning")


def test_rule_versions(world):
    assert rule("org.branch_soft_cap", DAY).version == 0
    RuleVersion.objects.create(code="org.branch_soft_cap", value={"members": 40}, effective_from=date(2026, 12, 1))
    assert rule("org.branch_soft_cap", DAY)["members"] == 50
    r = rule("org.branch_soft_cap", date(2026, 12, 1))
    assert r["members"] == 40 and r.stamp.startswith("org.branch_soft_cap@v") and r.version > 0
    b, _ = bare_branch(world)
    add_members(b, 45)
    assert "org.branch_soft_cap" not in codes(b)
    assert any(f.code == "org.branch_soft_cap" for f in orgtree.org_checks(b, date(2026, 12, 1)))


def test_parent_kind_checked(world):
    with pytest.raises(InvalidInput):
        orgtree.org_create(code="X", name="X", kind=OrgKind.BRANCH, parent=None)
    with pytest.raises(InvalidInput):
        orgtree.org_create(code="X", name="X", kind=OrgKind.GROUP, parent=world.committee)
