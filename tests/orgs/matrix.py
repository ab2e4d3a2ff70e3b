"""Machinery of the scoping matrix (DESIGN §3: "a test matrix checks every role × scope ×
endpoint"), shared by every app's matrix test.

An *actor* holds exactly one role at a mine (甲矿). A *probe* looks at one record in each
of four *scopes* relative to that mine and reports an *outcome*:

    own      a record of 甲矿 itself
    child    a record of 甲矿综采一队, a team below the mine
    sibling  a record of 乙矿, another mine of the same company
    parent   a record of 甲公司, the company above the mine

Outcomes are ``SEEN`` / ``HIDDEN`` (the record is / is not in a list or queryset), an HTTP
status (200, 302, 400, 403, 404), or a short word the probe documents.

To add an endpoint (e.g. in tests/petitions/test_scoping_matrix.py):

    from tests.orgs.matrix import SCOPES, SEEN, HIDDEN, World, build_world, expand, missing_rows

    def inbox(world: World, scope: str):
        petition = make_petition(unit=world.units[scope], petitioner=world.people[scope])
        response = world.client.get(reverse("petitions:inbox"))
        ...
    PROBES = {"petition inbox": inbox}
    ROWS = [("petition inbox", Role.PETITION_OFFICER, SEEN, SEEN, HIDDEN, HIDDEN), ...]

and parametrize a test over ``expand(ROWS)`` exactly as tests/orgs/test_scoping_matrix.py
does, with a ``missing_rows(PROBES, ROWS)`` completeness test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client

from orgs.choices import Role, UnitKind
from orgs.models import Unit, User
from tests.orgs.factories import UnitFactory, UserFactory

SCOPES = ("own", "child", "sibling", "parent")
SEEN = "seen"
HIDDEN = "hidden"


@dataclass
class World:
    role: str
    actor: User  # holds ``role`` at units["own"]; home unit: the mine's 信访办
    units: dict[str, Unit]  # scope → unit
    people: dict[str, User]  # scope → a person whose home unit is units[scope]
    client: Client  # logged in as the actor


Probe = Callable[[World, str], object]


def build_world(role: str) -> World:
    group = UnitFactory(code="WG", name="矩阵集团")
    company = UnitFactory(code="WC", name="甲公司", parent=group)
    mine = UnitFactory(code="WM", name="甲矿", parent=company)
    team = UnitFactory(code="WM-T", name="甲矿综采一队", parent=mine)
    office = UnitFactory(code="WM-X", name="甲矿信访办", kind=UnitKind.DEPARTMENT, parent=mine)
    sibling = UnitFactory(code="WS", name="乙矿", parent=company)
    units = {"own": mine, "child": team, "sibling": sibling, "parent": company}
    people = {
        scope: UserFactory(employee_no=f"W{scope.upper()[:3]}1", name=f"{unit.name}职工", home_unit=unit)
        for scope, unit in units.items()
    }
    actor = UserFactory(employee_no="WACTOR", name="矩阵主角", home_unit=office, roles=[(role, mine)])
    client = Client()
    client.force_login(actor)
    return World(role=role, actor=actor, units=units, people=people, client=client)


def expand(rows: list[tuple]) -> dict[tuple[str, str], dict[str, object]]:
    """``[(probe, role, own, child, sibling, parent), …]`` → {(probe, role): {scope: outcome}}."""
    table: dict[tuple[str, str], dict[str, object]] = {}
    for row in rows:
        probe, role, *cells = row
        assert len(cells) == len(SCOPES), row
        assert role in Role.values, row
        assert (probe, role) not in table, f"duplicate row {probe} × {role}"
        table[(probe, role)] = dict(zip(SCOPES, cells, strict=True))
    return table


def missing_rows(probes: dict[str, Probe], rows: list[tuple]) -> list[tuple[str, str]]:
    """Every probe needs a row for every role; returns the gaps."""
    have = set(expand(rows))
    return [(p, r) for p in probes for r in Role.values if (p, r) not in have]


def observe(world: World, probe: Probe) -> dict[str, object]:
    return {scope: probe(world, scope) for scope in SCOPES}
