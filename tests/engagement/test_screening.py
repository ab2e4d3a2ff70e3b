"""Screening-ledger rules: staff of the unit register entries; links only to petitions they may
see; monthly completeness per screening unit; the export's ledger layout."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement import screening
from engagement.choices import ScreeningStatus
from engagement.scoping import screening_visible_to
from petitions.choices import Category, RiskLevel
from tests.petitions.conftest import submit


def entry(world, **kw):
    return screening.entry_create(
        unit=kw.pop("unit", world.mine), dispute=kw.pop("dispute", "综采一队绩效分配争议"), source=Category.WAGES,
        source_note="职工座谈", people="综采一队部分职工", people_count=kw.pop("people_count", 15),
        risk_level=kw.pop("risk_level", RiskLevel.MEDIUM), measures="队长逐一谈心，公开考核细则",
        responsible=kw.pop("responsible", world.handler), acting_user=kw.pop("acting_user", world.officer), **kw)


def test_create_scope_and_validation(world):
    e = entry(world)
    assert e in screening_visible_to(world.officer) and e in screening_visible_to(world.handler)  # responsible
    assert e not in screening_visible_to(world.other_officer) and e not in screening_visible_to(world.employee)
    with pytest.raises(NotAllowed):
        entry(world, acting_user=world.other_officer)
    with pytest.raises(InvalidInput):
        entry(world, people_count=0)


def test_links_only_visible_petitions(world):
    now = timezone.now()
    mine_p = submit(world, now=now).petition
    other_p = submit(world, now=now, unit=world.other_mine).petition
    e = entry(world, petitions=[mine_p])
    assert list(e.petitions.all()) == [mine_p]
    with pytest.raises(NotAllowed):
        screening.entry_update(entry=e, acting_user=world.officer, status=ScreeningStatus.CONTROLLED, measures="x",
                               petitions=[other_p])
    screening.entry_update(entry=e, acting_user=world.handler, status=ScreeningStatus.RESOLVED, measures="已公开细则")
    e.refresh_from_db()
    assert e.status == ScreeningStatus.RESOLVED


def test_monthly_completeness(world):
    month = screening.month_of(timezone.now())
    rows = {r.unit.pk: r for r in screening.completeness(world.company_officer, month)}
    assert set(rows) == {world.mine.pk, world.other_mine.pk}
    assert all(r.completed_at is None for r in rows.values())
    entry(world)
    screening.round_complete(unit=world.mine, month=month, acting_user=world.officer)
    screening.round_complete(unit=world.other_mine, month=month, acting_user=world.other_officer, note="本月未排查出")
    rows = {r.unit.pk: r for r in screening.completeness(world.company_officer, month)}
    assert rows[world.mine.pk].entries == 1 and rows[world.mine.pk].completed_at is not None
    assert rows[world.other_mine.pk].entries == 0 and rows[world.other_mine.pk].completed_at is not None
    with pytest.raises(InvalidState):
        screening.round_complete(unit=world.mine, month=month, acting_user=world.officer)
    with pytest.raises(NotAllowed):
        screening.round_complete(unit=world.mine, month=month, acting_user=world.other_officer)


def test_export_ledger_layout(world, client):
    entry(world)
    entry(world, dispute="家属区供暖不足", risk_level=RiskLevel.LOW)
    content = screening.export_xlsx(screening_visible_to(world.officer), "不稳定因素排查台账")
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A1"].value == "不稳定因素排查台账"
    assert [c.value for c in ws[2]] == screening.LEDGER_COLUMNS
    assert ws.max_row == 4 and ws["B3"].value == "塔山矿" and ws["J3"].value == "赵志强"
    client.force_login(world.other_officer)
    response = client.get("/qz/screening/export.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == 2  # another mine's officer exports none of these rows
