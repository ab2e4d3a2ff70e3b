"""考核目标: versions kept, inherited down the tree, set by leaders and administrators only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotAllowed
from insights.models import KpiTarget
from insights.targets import target_set, targets_for
from orgs.choices import Role
from tests.insights.conftest import NOW
from tests.insights.helpers import table
from tests.petitions.conftest import person
from tongxin.lib.kpi import Window


@pytest.fixture
def group_leader(world):
    return person("GL1", "集团负责人", world.group, (Role.UNIT_LEADER, world.group))


def test_targets_are_inherited_and_versioned(world, group_leader):
    target_set(unit=world.group, metric_key="handling_rate", year=2026, target=Decimal("90"), acting_user=group_leader)
    target_set(unit=world.mine, metric_key="handling_rate", year=2026, target=Decimal("95"), acting_user=world.leader)
    found = targets_for([world.mine.path, world.other_mine.path, world.team.path], 2026)
    assert found[world.mine.path]["handling_rate"] == 95
    assert found[world.team.path]["handling_rate"] == 95  # the mine's, nearest ancestor
    assert found[world.other_mine.path]["handling_rate"] == 90  # the group's
    second = target_set(unit=world.mine, metric_key="handling_rate", year=2026, target=Decimal("97.5"),
                        acting_user=world.leader, note="集团考核加码")
    assert second.version == 2
    assert targets_for([world.mine.path], 2026)[world.mine.path]["handling_rate"] == Decimal("97.5")
    assert KpiTarget.objects.filter(unit=world.mine).count() == 2  # history kept
    assert targets_for([world.mine.path], 2025) == {world.mine.path: {}}


def test_who_may_set_targets_and_what(world, group_leader):
    with pytest.raises(NotAllowed):
        target_set(unit=world.company, metric_key="handling_rate", year=2026, target=Decimal("90"),
                   acting_user=world.leader)  # the mine's leader, above his unit
    with pytest.raises(NotAllowed):
        target_set(unit=world.mine, metric_key="handling_rate", year=2026, target=Decimal("90"),
                   acting_user=world.officer)
    with pytest.raises(InvalidInput):
        target_set(unit=world.mine, metric_key="handling_rate", year=2026, target=Decimal("120"), acting_user=world.leader)
    with pytest.raises(InvalidInput):
        target_set(unit=world.mine, metric_key="overdue", year=2026, target=Decimal("0"), acting_user=world.leader)
    with pytest.raises(KeyError):
        target_set(unit=world.mine, metric_key="nope", year=2026, target=Decimal("1"), acting_user=world.leader)
    assert not KpiTarget.objects.exists()


def test_tables_compare_with_targets(world, march, group_leader):
    target_set(unit=world.group, metric_key="acceptance_rate", year=2026, target=Decimal("60"), acting_user=group_leader)
    target_set(unit=world.mine, metric_key="handling_rate", year=2026, target=Decimal("95"), acting_user=world.leader)
    kpis = table(world.company_officer, Window.month(2026, 3), world.company, now=NOW)
    ts = next(g for g in kpis.groups if g.unit == world.mine)
    tx = next(g for g in kpis.groups if g.unit == world.other_mine)
    assert ts.figures["handling_rate"].target == 95 and ts.figures["handling_rate"].met is False
    assert ts.figures["acceptance_rate"].target == 60 and ts.figures["acceptance_rate"].met is True  # 60.0 %
    assert tx.figures["handling_rate"].target is None
    assert kpis.total.figures["acceptance_rate"].target == 60 and kpis.total.figures["acceptance_rate"].met is True


def test_targets_page(world, client, group_leader):
    client.force_login(world.leader)
    url = f"/insights/targets/?p=2026&root={world.mine.code}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"metric": "satisfaction_rate", "target": "92.5"})
    assert response.status_code == 302
    assert KpiTarget.objects.get(unit=world.mine, metric="satisfaction_rate", year=2026).target == Decimal("92.5")
    page = client.get(url).content.decode()
    assert "92.5%" in page
    client.post(url, {"metric": "satisfaction_rate", "target": "abc"})
    assert KpiTarget.objects.filter(unit=world.mine).count() == 1
    client.force_login(world.officer)
    assert client.post(url, {"metric": "satisfaction_rate", "target": "80"}).status_code == 403
    assert KpiTarget.objects.filter(unit=world.mine).count() == 1
