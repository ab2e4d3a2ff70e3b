"""第三十条第三款: an accusation is never shown to the person accused, nor to the leader of the
accused unit — not in a count, a chart, a list, a page or an export of the statistics."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from insights.lists import DrillDown
from petitions.choices import Category, PetitionType
from tests.insights.conftest import NOW, at, received
from tests.insights.helpers import by_unit, drill, table
from tongxin.lib.kpi import Window

MARCH = Window.month(2026, 3)


@pytest.fixture
def accusation(world):
    """An accusation against the mine's petition officer (his home unit is the mine), and an
    ordinary petition of the same day as the control."""
    accused = received(world, at(2026, 3, 12), ptype=PetitionType.ACCUSATION, category=Category.CADRE_CONDUCT,
                       accused_user=world.officer, title="检举信访干事违规收受礼金",
                       content="反映塔山矿信访干事在处理信访事项时收受当事人礼金，请纪检部门调查。")
    ordinary = received(world, at(2026, 3, 12))
    return accused, ordinary


def _all_rows(user, kpis) -> set[str]:
    seen: set[str] = set()
    for group in [*kpis.groups, kpis.total]:
        for f in group.figures.values():
            for url in (f.url, f.num_url):
                down: DrillDown = drill(url, user, NOW)
                seen |= {r["number"] for r in down.iter_rows()}
    return seen


@pytest.mark.parametrize("who", ["officer", "leader"])
def test_the_accused_and_their_leader_count_and_list_without_it(world, accusation, who):
    accused, ordinary = accusation
    user = getattr(world, who)
    kpis = table(user, MARCH, world.mine, by="unit", now=NOW)
    counts = by_unit(kpis)
    assert counts["total"]["received"] == (1, None)
    assert counts["total"]["acceptance_rate"] == (0, 1)  # the ordinary one only, undecided at 03-31
    rows = _all_rows(user, kpis)
    assert ordinary.number in rows and accused.number not in rows
    for by in ("handler", "category", "ptype", "channel"):
        assert accused.number not in _all_rows(user, table(user, MARCH, world.mine, by=by, now=NOW))


def test_those_who_may_see_it_count_it(world, accusation):
    accused, ordinary = accusation
    company = by_unit(table(world.company_officer, MARCH, world.company, now=NOW))
    assert company["total"]["received"] == (2, None)
    inspector = table(world.inspector, MARCH, world.group, now=NOW)
    # 纪检 see the accusations of their subtree, nothing else.
    assert by_unit(inspector)["total"]["received"] == (1, None)
    assert _all_rows(world.inspector, inspector) == {accused.number}


def test_pages_and_exports_of_the_accused_never_mention_it(world, accusation, client):
    accused, ordinary = accusation
    client.force_login(world.officer)
    pages = [
        "/insights/?p=2026-03", f"/insights/unit/{world.mine.code}/?p=2026-03", "/insights/table/?p=2026-03",
        "/insights/table/?p=2026-03&by=category", "/insights/monthly/?p=2026-03&m=received", "/insights/me/?p=2026-03",
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert accused.number not in page.content.decode() and "检举信访干事" not in page.content.decode(), url
    kpis = table(world.officer, MARCH, world.mine, now=NOW)
    listing = client.get(kpis.total.figures["received"].url)
    assert ordinary.number in listing.content.decode() and accused.number not in listing.content.decode()
    export = client.get(kpis.total.figures["received"].url + "&export=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert numbers == {ordinary.number}
    # The overdue list on the dashboard (the accusation is overdue too) leaves it out as well.
    table_page = client.get("/insights/table/?p=2026-03&export=xlsx").content
    assert accused.number.encode() not in table_page
