"""Reads of the organization for pages. Scoping stays in ``orgs.scoping``: callers pass
querysets that are already scoped, these functions only narrow and shape them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from orgs.models import RoleAssignment, Unit, User


@dataclass
class UnitNode:
    unit: Unit
    members: int  # people whose home unit is this unit
    children: list[UnitNode] = field(default_factory=list)
    total: int = 0  # people in the whole subtree


def unit_tree(units: QuerySet[Unit]) -> list[UnitNode]:
    """The units as a forest, in path order, with head counts. One query."""
    nodes: dict[int, UnitNode] = {}
    roots: list[UnitNode] = []
    for unit in units.annotate(members_count=Count("members")).order_by("path"):
        node = UnitNode(unit=unit, members=unit.members_count)
        nodes[unit.pk] = node
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)

    def add_totals(node: UnitNode) -> int:
        node.total = node.members + sum(add_totals(child) for child in node.children)
        return node.total

    for root in roots:
        add_totals(root)
    return roots


def people_search(
    people: QuerySet[User], *, q: str = "", unit: Unit | None = None, role: str = ""
) -> QuerySet[User]:
    """Narrow an already scoped queryset by 姓名/工号/手机号, home-unit subtree and role."""
    q = q.strip()
    if q:
        people = people.filter(Q(name__contains=q) | Q(employee_no__istartswith=q) | Q(phone=q))
    if unit is not None:
        people = people.filter(home_unit__in=Unit.objects.subtree_of(unit))
    if role:
        people = people.filter(pk__in=RoleAssignment.objects.filter(role=role).values("user_id"))
    return people


def with_roles(people: QuerySet[User]) -> QuerySet[User]:
    """Everything a people list shows, without one query per row."""
    return people.select_related("home_unit").prefetch_related(
        Prefetch(
            "roles", queryset=RoleAssignment.objects.select_related("unit").order_by("unit__path", "role")
        )
    )
