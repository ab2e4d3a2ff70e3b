"""The enterprise tree: materialised paths, subtree queries, moves, kind rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_verify
from core.errors import InvalidInput
from orgs.choices import Role, UnitKind
from orgs.models import SEGMENT, Unit, User, path_successor
from orgs.scoping import people_visible_to
from orgs.services import ALLOWED_CHILDREN, unit_create, unit_move
from tests.orgs.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_tree_consistent() -> None:
    """Every unit's path is its parent's path plus one segment; depth is the segment count."""
    for unit in Unit.objects.select_related("parent"):
        assert len(unit.path) % SEGMENT == 0 and unit.path.isdigit(), unit.path
        assert unit.depth == len(unit.path) // SEGMENT, unit
        if unit.parent is None:
            assert unit.depth == 1
        else:
            assert unit.path[:-SEGMENT] == unit.parent.path, (unit, unit.parent)


def python_subtree(root: Unit) -> set[int]:
    """The subtree by walking parent links: the reference the path query must equal."""
    parent_of = dict(Unit.objects.values_list("pk", "parent_id"))
    found = set()
    for pk in parent_of:
        node = pk
        while node is not None:
            if node == root.pk:
                found.add(pk)
                break
            node = parent_of[node]
    return found


# --- creation -------------------------------------------------------------------------


def test_create_assigns_fixed_width_paths_and_depths(org):
    assert org.group.path == "0001" and org.group.depth == 1
    assert org.company.path == "00010001" and org.company.depth == 2
    assert org.mine.path == "000100010001" and org.mine.depth == 3
    assert org.team.path == "0001000100010001" and org.team.depth == 4
    assert org.office.path == "0001000100010002"
    assert org.other_mine.path == "000100010002"
    assert_tree_consistent()


def test_create_is_audited(db):
    actor = UserFactory()
    unit = unit_create(code="AUD", name="审计测试集团", kind=UnitKind.GROUP, parent=None, acting_user=actor)
    event = AuditEvent.objects.get(action="unit.create", target_id=str(unit.pk))
    assert event.actor == actor
    assert event.data == {"code": "AUD", "name": "审计测试集团", "kind": "group"}
    assert audit_verify() == []


def test_codes_are_validated_and_unique(org):
    with pytest.raises(ValidationError, match="单位代码只能"):
        unit_create(code="bad code", name="x", kind=UnitKind.MINE, parent=org.company)
    with pytest.raises(ValidationError) as exc:
        unit_create(code="MA", name="重复", kind=UnitKind.MINE, parent=org.company)
    assert "code" in exc.value.message_dict
    assert Unit.objects.filter(code="MA").count() == 1


# Which kinds may sit below which (the four levels 集团 → 公司 → 矿/厂 → 区队/科室).
KIND_CASES = [
    (None, UnitKind.GROUP, True),
    (None, UnitKind.COMPANY, False),
    (UnitKind.GROUP, UnitKind.COMPANY, True),
    (UnitKind.GROUP, UnitKind.PLANT, True),  # e.g. 塔山电厂 directly under the group
    (UnitKind.GROUP, UnitKind.DEPARTMENT, True),  # 集团信访办
    (UnitKind.GROUP, UnitKind.TEAM, False),
    (UnitKind.GROUP, UnitKind.GROUP, False),
    (UnitKind.COMPANY, UnitKind.MINE, True),
    (UnitKind.COMPANY, UnitKind.COMPANY, False),
    (UnitKind.COMPANY, UnitKind.TEAM, False),
    (UnitKind.MINE, UnitKind.TEAM, True),
    (UnitKind.MINE, UnitKind.DEPARTMENT, True),
    (UnitKind.MINE, UnitKind.MINE, False),
    (UnitKind.PLANT, UnitKind.TEAM, True),
    (UnitKind.TEAM, UnitKind.TEAM, False),
    (UnitKind.DEPARTMENT, UnitKind.TEAM, False),
]


@pytest.mark.parametrize(("parent_kind", "kind", "allowed"), KIND_CASES)
def test_kind_rules(org, parent_kind, kind, allowed):
    parent = {
        None: None,
        UnitKind.GROUP: org.group,
        UnitKind.COMPANY: org.company,
        UnitKind.MINE: org.mine,
        UnitKind.TEAM: org.team,
        UnitKind.DEPARTMENT: org.office,
        UnitKind.PLANT: None,
    }[parent_kind]
    if parent_kind == UnitKind.PLANT:
        parent = unit_create(code="PL", name="选煤厂", kind=UnitKind.PLANT, parent=org.company)
    before = Unit.objects.count()
    if allowed:
        unit = unit_create(code="NEW", name="新单位", kind=kind, parent=parent)
        assert unit.kind == kind
    else:
        with pytest.raises(InvalidInput) as exc:
            unit_create(code="NEW", name="新单位", kind=kind, parent=parent)
        assert exc.value.code == "unit_kind_not_allowed"
        assert Unit.objects.count() == before


def test_kind_table_covers_every_kind():
    assert set(ALLOWED_CHILDREN) == {None, *UnitKind.values}


def test_segment_9999_is_never_handed_out(org):
    # A sibling already numbered 9998: the next one would be 9999, whose path of nines
    # has no same-width successor. Inserted directly: creating 9,998 units is too slow.
    Unit.objects.create(
        code="LAST",
        name="末位",
        kind=UnitKind.MINE,
        parent=org.company,
        path=org.company.path + "9998",
        depth=3,
    )
    with pytest.raises(InvalidInput) as exc:
        unit_create(code="ONEMORE", name="超限", kind=UnitKind.MINE, parent=org.company)
    assert exc.value.code == "unit_too_many_children"


def test_path_successor():
    assert path_successor("0001") == "0002"
    assert path_successor("00010009") == "00010010"
    assert path_successor("00019998") == "00019999"


# --- subtree queries ------------------------------------------------------------------


def test_subtree_is_exactly_the_subtree(org):
    # More than nine children, so "0010" must sort after "0009" and "0001…" prefixes abound.
    for i in range(11):
        UnitFactory(code=f"EX{i}", parent=org.other_company, kind=UnitKind.MINE)
    for unit in Unit.objects.all():
        got = set(Unit.objects.subtree_of(unit).values_list("pk", flat=True))
        assert got == python_subtree(unit), unit
        assert got == set(unit.subtree().values_list("pk", flat=True))


def test_subtree_of_a_mine(org):
    assert set(Unit.objects.subtree_of(org.mine)) == {org.mine, org.team, org.office}
    assert set(Unit.objects.subtree_of(org.team)) == {org.team}


def test_subtrees_of_collapses_nested_roots(org):
    got = set(Unit.objects.subtrees_of([org.mine, org.team, org.far_mine]))
    assert got == {org.mine, org.team, org.office, org.far_mine}
    assert list(Unit.objects.subtrees_of([])) == []


def test_ancestors_and_is_within(org):
    assert list(org.team.ancestors()) == [org.group, org.company, org.mine]
    assert org.team.is_within(org.company) and org.team.is_within(org.team)
    assert not org.company.is_within(org.team)
    assert not org.other_team.is_within(org.mine)


def _plan(qs) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Test tables are tiny, so the planner would rightly prefer a sequential scan;
            # forbid it to learn whether an index *can* serve the range (it cannot for a
            # LIKE 'prefix%' under a non-C collation; it can for >= / <).
            cursor.execute("SET LOCAL enable_seqscan = off")
        return qs.explain()
    return qs.explain()


def test_subtree_query_uses_the_path_index(org):
    plan = _plan(Unit.objects.subtree_of(org.mine))
    if connection.vendor == "sqlite":
        # e.g. "SEARCH orgs_unit USING INDEX sqlite_autoindex_orgs_unit_2 (path>? AND path<?)"
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "path>? AND path<?" in plan, plan
    elif connection.vendor == "postgresql":
        assert "Index" in plan and "path" in plan and "Seq Scan" not in plan, plan
    else:  # pragma: no cover
        pytest.skip(f"no plan check for {connection.vendor}")


@pytest.mark.parametrize("how", ["subquery", "people_visible_to"])
def test_people_in_subtree_query_uses_the_path_index(org, how):
    if how == "subquery":
        qs = User.objects.filter(home_unit__in=Unit.objects.subtree_of(org.mine))
    else:
        qs = people_visible_to(UserFactory(home_unit=org.mine, roles=[Role.UNIT_LEADER]))
    plan = _plan(qs)
    if connection.vendor == "sqlite":
        assert "path>? AND path<?" in plan, plan
    else:
        assert "path" in plan and "Index" in plan, plan


# --- moving a subtree -----------------------------------------------------------------


def test_move_rewrites_every_descendant(org):
    actor = UserFactory()
    deep = UnitFactory(code="MB-JJ1-X", parent=org.other_mine, kind=UnitKind.DEPARTMENT)
    untouched = {u.pk: (u.path, u.depth) for u in Unit.objects.exclude(pk__in=python_subtree(org.other_mine))}

    moved = unit_move(unit=org.other_mine, new_parent=org.other_company, acting_user=actor)

    assert moved.parent == org.other_company
    assert moved.path.startswith(org.other_company.path) and moved.depth == 3
    assert set(Unit.objects.subtree_of(moved)) == {moved, org.other_team, deep}
    assert_tree_consistent()
    # Units outside the moved subtree keep their paths.
    assert {u.pk: (u.path, u.depth) for u in Unit.objects.exclude(pk__in=python_subtree(moved))} == untouched
    assert set(Unit.objects.subtree_of(org.company)) == {org.company, org.mine, org.team, org.office}
    event = AuditEvent.objects.get(action="unit.move")
    assert event.actor == actor and event.data["new_parent"] == "CB"


def test_move_changes_depth_consistently(org):
    # A mine directly under the group (depth 2) moved under a company (depth 3) and back.
    mine = UnitFactory(code="MG", parent=org.group, kind=UnitKind.MINE)
    team = UnitFactory(code="MG-T", parent=mine)
    unit_move(unit=mine, new_parent=org.company)
    team.refresh_from_db()
    assert team.depth == 4
    unit_move(unit=mine, new_parent=org.group)
    team.refresh_from_db()
    assert team.depth == 3
    assert_tree_consistent()


@pytest.mark.parametrize("target", ["mine", "team"])
def test_move_under_itself_is_refused(org, target):
    before = list(Unit.objects.values_list("pk", "path", "depth", "parent_id"))
    with pytest.raises(InvalidInput) as exc:
        unit_move(unit=org.mine, new_parent=getattr(org, target))
    assert exc.value.code == "unit_move_into_itself"
    assert list(Unit.objects.values_list("pk", "path", "depth", "parent_id")) == before


def test_move_respects_kind_rules(org):
    with pytest.raises(InvalidInput):
        unit_move(unit=org.other_mine, new_parent=org.mine)
    assert_tree_consistent()
