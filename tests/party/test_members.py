"""Member registry: one person record, scoping, completeness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidInput, InvalidState, NotAllowed
from party import scoping
from party.members import branch_completeness, member_gaps, member_register, member_update
from party.models import Member, MemberStatus, OrgKind
from tests.party.conftest import person


def test_member_is_the_platform_person(world):
    m = Member.objects.get(person=world.member_user)
    world.member_user.name = "王党员（改名）"
    world.member_user.save()
    m.refresh_from_db()
    assert m.person.name == "王党员（改名）" and str(m) == "王党员（改名）"
    with pytest.raises(InvalidState):
        member_register(person=world.member_user, branch=world.branch2, status=MemberStatus.FULL, actor=None)


def test_only_branches_take_members(world):
    p = person("N1", "新人", world.team)
    with pytest.raises(InvalidInput):
        member_register(person=p, branch=world.mine_committee, status=MemberStatus.FULL, actor=None)
    with pytest.raises(InvalidInput):
        member_register(person=p, branch=world.branch, status=MemberStatus.LEFT, actor=None)


def test_scope(world):
    # the group's 党务干事 manages everything; a secretary their branch; a member only themself
    assert scoping.members_visible_to(world.officer).count() == 3
    assert set(scoping.members_visible_to(world.secretary).values_list("person__employee_no", flat=True)) == {
        "SJ1", "DY1"}
    assert list(scoping.members_visible_to(world.member_user).values_list("person__employee_no", flat=True)) == [
        "DY1"]
    assert scoping.members_visible_to(world.outsider).count() == 0
    with pytest.raises(NotAllowed):
        member_register(person=world.outsider, branch=world.branch, status=MemberStatus.FULL,
                        actor=world.secretary2)
    assert scoping.manages(world.secretary, world.branch) and not scoping.manages(world.secretary, world.branch2)


def test_groups_belong_to_the_branch(world):
    from party import orgtree

    g = orgtree.org_create(code="G1", name="第一党小组", kind=OrgKind.GROUP, parent=world.branch)
    g2 = orgtree.org_create(code="G2", name="机关党小组", kind=OrgKind.GROUP, parent=world.branch2)
    m = Member.objects.get(person=world.member_user)
    member_update(member=m, actor=world.secretary, group=g)
    with pytest.raises(InvalidInput):
        member_update(member=m, actor=world.secretary, group=g2)


def test_completeness(world):
    m = Member.objects.get(person=world.member_user)
    gaps = member_gaps(m)
    assert "性别" in gaps and "转正日期" in gaps and "党费基数" in gaps
    m = member_update(member=m, actor=world.secretary, gender="M", birth_date=date(1988, 5, 1),
                  education="college", post_category="front_line", full_on=date(2013, 7, 1),
                  dues_base=Decimal("6200.00"))
    assert member_gaps(m) == []
    c = branch_completeness(world.branch)
    assert (c.total, c.complete) == (2, 1) and c.percent == 50
    with pytest.raises(InvalidInput):
        member_update(member=m, actor=world.secretary, full_on=date(2011, 1, 1))  # before 入党
    with pytest.raises(InvalidInput):
        member_update(member=m, actor=world.secretary, dues_base=Decimal("-1"))
