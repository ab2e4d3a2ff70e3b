"""Cadre-visit rules: rotation moves every cadre to another unit each month; only staff of the
organising unit plan; the cadre (or staff) logs the visit; each matter becomes a petition
(channel 干部下访, registered through the petition core) or a screening entry in one step, once;
compliance counts planned against done per unit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidState, NotAllowed
from engagement import visits
from engagement.choices import MatterOutcome
from engagement.models import VisitMatter
from orgs.choices import Role
from petitions.choices import Category, Channel, RiskLevel, State
from tests.petitions.conftest import person


@pytest.fixture
def cadres(world):
    return [person("C1", "郭书记", world.company, (Role.UNIT_LEADER, world.company)),
            person("C2", "何经理", world.company, (Role.PARTY_OFFICER, world.company))]


def test_rotation_moves_each_cadre_every_month(world, cadres):
    units = [world.mine, world.other_mine, world.team]
    nov = dict((c.pk, u.pk) for c, u in visits.rotation(cadres, units, date(2026, 11, 1)))
    dec = dict((c.pk, u.pk) for c, u in visits.rotation(cadres, units, date(2026, 12, 1)))
    assert len(set(nov.values())) == 2  # two cadres, two different units
    assert all(nov[c] != dec[c] for c in nov)
    # Over len(units) months every cadre sees every unit.
    seen = {c.pk: set() for c in cadres}
    for m in range(1, 4):
        for c, u in visits.rotation(cadres, units, date(2027, m, 1)):
            seen[c.pk].add(u.pk)
    assert all(len(s) == 3 for s in seen.values())


def plan(world, cadres, month=None):
    month = month or timezone.localdate().replace(day=1)
    return visits.plan_create(unit=world.company, month=month, cadres=cadres, targets=[world.mine, world.other_mine],
                              acting_user=world.company_officer)


def test_plan_needs_staff_and_is_unique(world, cadres):
    with pytest.raises(NotAllowed):
        visits.plan_create(unit=world.company, month=date(2026, 11, 1), cadres=cadres, targets=[world.mine],
                           acting_user=world.officer)  # a mine's officer does not plan for the company
    p = plan(world, cadres)
    assert p.assignments.count() == 2
    with pytest.raises(InvalidState):
        plan(world, cadres)


def test_visit_matters_become_petition_or_screening(world, cadres):
    # The party officer (not desk staff of the mine) visits the mine whatever this month's rotation.
    targets = [world.mine, world.other_mine]
    if visits.rotation(cadres, targets, timezone.localdate().replace(day=1))[1][1] != world.mine:
        targets.reverse()
    p = visits.plan_create(unit=world.company, month=timezone.localdate(), cadres=cadres, targets=targets,
                           acting_user=world.company_officer)
    a = p.assignments.get(cadre=cadres[1])
    assert a.target == world.mine
    today = timezone.localdate()
    with pytest.raises(NotAllowed):
        visits.visit_log(cadre=a.cadre, unit=a.target, visited_on=today, place="x", employees_met=3, summary="座谈了解情况",
                         matters=[], acting_user=world.outsider, assignment=a)
    log = visits.visit_log(
        cadre=a.cadre, unit=a.target, visited_on=today - timedelta(days=1),
        place="塔山矿职工之家", employees_met=23,
        summary="宣传信访条例，通报稳定形势，座谈听取意见", acting_user=a.cadre, assignment=a,
        matters=[visits.MatterInput("井下班中餐补贴标准多年未调整，职工意见较大", Category.WAGES, 30),
                 visits.MatterInput("家属区二号楼下水道经常堵塞", Category.HOUSING_LIVING, 12)],
    )
    first, second = list(log.matters.order_by("pk"))
    # The cadre is not desk staff of the mine: registration is the mine's officer's job.
    with pytest.raises(NotAllowed):
        visits.matter_to_petition(matter=first, acting_user=a.cadre)
    result = visits.matter_to_petition(matter=first, acting_user=world.officer)
    pet = result.petition
    assert pet.channel == Channel.CADRE_VISIT and pet.unit == world.mine and pet.state == State.REGISTERED
    assert pet.people_count == 30 and pet.registered_by == world.officer
    assert timezone.localtime(pet.received_at).date() == log.visited_on  # received on the day of the visit
    first.refresh_from_db()
    assert first.outcome == MatterOutcome.PETITION and first.petition == pet
    with pytest.raises(InvalidState):
        visits.matter_to_petition(matter=first, acting_user=world.officer)
    entry = visits.matter_to_screening(matter=second, acting_user=world.officer, responsible=world.handler,
                                       risk_level=RiskLevel.LOW)
    assert VisitMatter.objects.get(pk=second.pk).screening == entry and entry.unit == world.mine
    rows = {r.unit.pk: r for r in visits.compliance(world.company_officer, today)}
    assert rows[world.mine.pk].planned == 1 and rows[world.mine.pk].done == 1
    assert rows[world.other_mine.pk].done == 0 and rows[world.other_mine.pk].percent == 0
    with pytest.raises(InvalidState):
        visits.visit_log(cadre=a.cadre, unit=a.target, visited_on=today, place="x", employees_met=1,
                         summary="再次记录同一安排", matters=[], acting_user=a.cadre, assignment=a)


def test_future_visit_date_refused(world, cadres):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        visits.visit_log(cadre=cadres[0], unit=world.mine, visited_on=timezone.localdate() + timedelta(days=2),
                         place="x", employees_met=1, summary="还没去呢先记上", matters=[], acting_user=world.officer)
