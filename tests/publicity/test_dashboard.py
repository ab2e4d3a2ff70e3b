"""The 宣传部 dashboard: figures within scope, drill-down links, bounded queries; the rules page."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.urls import reverse

from publicity.choices import OutletLevel
from publicity.dashboard import build
from publicity.lectures import lecture_record
from publicity.placements import Byline, outlet_create, placement_record
from publicity.rules import current_rule
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(nr):
    daily = outlet_create(name="晋能控股日报", level=OutletLevel.GROUP, acting_user=nr.company_officer)
    for unit, month in ((nr.team, 3), (nr.team, 3), (nr.other_mine, 5)):
        placement_record(acting_user=nr.company_officer, outlet=daily, kind="news", published_on=date(2022, month, 9),
                         title="稿", unit=unit, authors=[Byline(unit=unit, name="某")], link="https://e.org")
    lecture_record(acting_user=nr.company_officer, topic="宣讲", lecturer=nr.editor, unit=nr.mine,
                   held_at=datetime(2022, 4, 2, 9, tzinfo=SHANGHAI), audience=[(nr.team, 30), (nr.mine, 20)])


def test_board_figures_and_scope(nr, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        board = build(nr.company_officer, 2022)
    assert board.totals["placements"] == 3 and board.totals["person_times"] == 50
    group = next(s for s in board.charts["placements"]["series"] if s["name"] == "集团")
    assert group["data"][2] == 2 and group["data"][4] == 1
    assert "month=3" in board.charts["placements"]["links"][2]
    assert board.charts["units"]["units"][0] == "综采一队"
    mine_only = build(nr.officer, 2022)  # the mine's officer: not the other mine's placement
    assert mine_only.totals["placements"] == 2
    drilled = build(nr.company_officer, 2022, nr.team)
    assert drilled.totals["placements"] == 2 and drilled.totals["person_times"] == 30


def test_pages(nr, data, client, system_admin):
    client.force_login(nr.company_officer)
    page = client.get(reverse("publicity:dashboard") + "?year=2022").content.decode()
    assert 'data-chart="stack"' in page and "chart-placements" in page
    r = client.get(reverse("publicity:dashboard") + f"?year=2022&unit={nr.team.code}")
    assert r.context["board"].unit == nr.team
    ledger = client.get(reverse("publicity:ledger") + f"?year=2022&unit={nr.team.code}")
    assert ledger.context["b"].total == 2
    client.force_login(nr.officer)  # a unit outside the officer's scope is ignored
    assert client.get(reverse("publicity:dashboard") + f"?unit={nr.other_mine.code}").context["board"].unit is None
    client.force_login(nr.outsider)
    assert client.get(reverse("publicity:dashboard")).status_code == 403
    assert client.get(reverse("publicity:rules")).status_code == 403
    client.force_login(system_admin)
    r = client.post(reverse("publicity:rules"), {"code": "ideo.incident",
                                                 "params": json.dumps({"response_hours": {"major": 3}}), "note": "试行"})
    assert r.status_code == 302 and current_rule("ideo.incident").version == 1
    client.post(reverse("publicity:rules"), {"code": "ideo.incident", "params": "not json"})
    assert current_rule("ideo.incident").version == 1
