"""The dashboard's member tally (party.tally) gives exactly the live counts: after a build, after
every kind of change since the build (without rebuilding), after a deletion, for an organization
created since — and the task that rebuilds it is on the beat schedule."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from party import orgtree
from party.dashboard import board
from party.members import end_membership, member_update, move_branch
from party.models import Member, MemberStatus, MemberTallyRun, OrgKind
from party.tally import member_counts, rebuild
from party.tasks import refresh_member_tally
from tests.party.conftest import add_members

TODAY = date(2026, 11, 30)


def figures(org):
    return board(org, TODAY)


def assert_exact(*orgs, tallied=True):
    for org in orgs:
        if tallied:
            assert member_counts(org) is not None, org  # the tally was used, not the live path
        assert board(org, TODAY) == board(org, TODAY, live=True), org


def populate(world):
    add_members(world.branch, 5, education="college", post_category="front_line", birth_date=date(1990, 5, 1))
    add_members(world.branch, 2, status=MemberStatus.PROBATIONARY, birth_date=date(2001, 1, 1))
    add_members(world.branch2, 4, education="undergraduate", post_category="technical", birth_date=date(1968, 3, 3))


def test_after_a_build_the_tally_is_the_live_count(world):
    populate(world)
    built = rebuild()
    assert built["members"] == Member.objects.filter(status__in=("full", "probationary")).count()
    assert_exact(world.committee, world.mine_committee)
    b = figures(world.committee)
    assert b["total"] == 3 + 11 and {s["key"]: s["n"] for s in b["status"]} == {"probationary": 2, "full": 12}
    ages = {a["key"]: a["n"] for a in b["age"]}
    assert (ages["≤35"], ages["36–45"], ages["≥56"], ages[""]) == (2, 5, 4, 3)  # born 2001, 1990, 1968; unknown
    assert {p["key"]: p["n"] for p in b["post"]}["front_line"] == 5
    # a branch is counted live (no tally of its own)
    assert member_counts(world.branch) is None
    assert figures(world.branch) == board(world.branch, TODAY, live=True)


def test_every_kind_of_change_since_the_build_is_counted(world):
    populate(world)
    rebuild()
    m = add_members(world.branch, 1, education="postgraduate", birth_date=date(1985, 1, 1))[0]  # new member
    assert_exact(world.committee, world.mine_committee)
    member_update(member=m, actor=None, education="junior", post_category="service")  # record edited
    assert_exact(world.committee, world.mine_committee)
    moved = Member.objects.filter(branch=world.branch).exclude(pk=m.pk).first()
    move_branch(moved, world.branch2, date(2026, 11, 1), "转接")  # out of the mine committee's subtree
    assert_exact(world.committee, world.mine_committee)
    assert figures(world.mine_committee)["total"] == 2 + 7 + 1 - 1  # secretary and member, 7, new, moved
    gone = Member.objects.filter(branch=world.branch2).first()
    end_membership(gone, date(2026, 11, 2), MemberStatus.LEFT)  # no longer active
    assert_exact(world.committee, world.mine_committee)
    m.refresh_from_db()
    m.status = MemberStatus.FULL if m.status == MemberStatus.PROBATIONARY else MemberStatus.PROBATIONARY
    m.save()  # any save marks the member changed
    assert_exact(world.committee, world.mine_committee)


def test_an_organization_created_since_the_build_is_counted_live_and_its_parents_stay_exact(world):
    populate(world)
    rebuild()
    general = orgtree.org_create(code="ZZ", name="机电党总支", kind=OrgKind.GENERAL_BRANCH, parent=world.mine_committee,
                                 units=[world.mine])
    new_branch = orgtree.org_create(code="ZZ-1", name="机电一支部", kind=OrgKind.BRANCH, parent=general,
                                    units=[world.mine])
    add_members(new_branch, 3, birth_date=date(1975, 6, 1))
    assert member_counts(general) is None
    assert figures(general)["total"] == 3
    assert_exact(world.committee, world.mine_committee)
    rebuild()
    assert_exact(general, world.committee, world.mine_committee)


def test_a_deleted_member_switches_to_live_counting_until_the_next_build(world):
    populate(world)
    rebuild()
    victim = Member.objects.filter(branch=world.branch2).first()
    victim.memberships.all().delete()
    victim.delete()
    assert not MemberTallyRun.objects.exists()
    assert member_counts(world.committee) is None
    assert figures(world.committee) == board(world.committee, TODAY, live=True)
    refresh_member_tally.apply().get()
    assert_exact(world.committee, world.mine_committee)


def test_no_build_yet_counts_live(world):
    populate(world)
    assert member_counts(world.committee) is None
    assert figures(world.committee)["total"] == 14


OPS = st.lists(st.tuples(st.sampled_from(["add", "edit", "move", "leave", "rebuild"]), st.integers(0, 50)),
               min_size=1, max_size=8)


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_property_tally_equals_live_count_through_any_sequence(world, ops):
    rebuild()
    branches = [world.branch, world.branch2]
    for op, n in ops:
        members = list(Member.objects.filter(status__in=("full", "probationary")).order_by("pk"))
        target = members[n % len(members)] if members else None
        if op == "add":
            add_members(branches[n % 2], 1, education=["college", "junior", ""][n % 3],
                        birth_date=date(1950 + n, 1, 1) if n % 4 else None)
        elif op == "edit" and target:
            member_update(member=target, actor=None, post_category=["front_line", "retired", ""][n % 3])
        elif op == "move" and target:
            move_branch(target, branches[(branches.index(target.branch) + 1) % 2] if target.branch in branches
                        else world.branch, date(2026, 11, 1), "转接")
        elif op == "leave" and target:
            end_membership(target, date(2026, 11, 1), MemberStatus.LEFT)
        elif op == "rebuild":
            rebuild()
        assert_exact(world.committee, world.mine_committee)


def test_the_rebuild_is_on_the_beat_schedule():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "party.tasks.refresh_member_tally")
    assert entry["schedule"].minute == {0, 10, 20, 30, 40, 50}
