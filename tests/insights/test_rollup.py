"""The closed-month rollup (insights.rollup): whatever it holds, every count equals the live
computation — after a build, after late events in closed months (which make those months live
until the next refresh), after a refresh that rebuilds them, and for a reader some petitions
are withheld from."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.services import audit_record
from insights import rollup
from insights.kpi import FAMILIES, Dim, Filters, facts
from insights.models import MonthFacts, RollupState
from orgs.choices import Role
from petitions.choices import Flag, PetitionType, Rating
from petitions.models import Petition
from tests.insights.conftest import accept, at, handling, rate, received, reply
from tests.insights.helpers import drill, table
from tests.petitions.conftest import person
from tongxin.lib.kpi import Window

NOW = at(2026, 5, 20, 12)  # January to April are closed months
MONTHS = Window.last_months(6, NOW).months()  # Dec 2025 … May 2026

# (windows, dims, level, root?) asked of the engine: trends, tables, partial ranges, units.
CASES = [
    ("trend", MONTHS, [], None, False),
    ("trend by unit", MONTHS, [Dim.UNIT], None, False),
    ("trend by mine", MONTHS, [Dim.UNIT], 3, False),
    ("trend of the company", MONTHS, [Dim.UNIT], None, True),
    ("two quarters", [Window.quarter(2026, 1), Window.quarter(2026, 2)], [Dim.UNIT], 2, False),
    ("partial months", [Window.range(date(2026, 1, 15), date(2026, 3, 31)),
                        Window.range(date(2026, 4, 1), date(2026, 5, 10))], [Dim.UNIT], 4, False),
    ("a year to date", [Window.range(date(2025, 12, 1), date(2026, 5, 20))], [], None, False),
]


def _facts(user, world, windows, dims, level, root, *, use: bool):
    filters = Filters(root=world.company if root else None)
    return facts(user, windows=windows, filters=filters, dims=dims, level=level, families=FAMILIES, now=NOW,
                 rollup=use)


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].keys() == b[key].keys(), key
        for name, value in a[key].items():
            assert value == pytest.approx(b[key][name], rel=1e-12, abs=1e-6), (key, name)


def _check_all(user, world) -> int:
    """Every case equals the live computation; returns how many cases read the rollup."""
    used = 0
    for _name, windows, dims, level, root in CASES:
        with CaptureQueriesContext(connection) as ctx:
            got = _facts(user, world, windows, dims, level, root, use=True)
        used += any(MonthFacts._meta.db_table in q["sql"] for q in ctx.captured_queries)
        _same(got, _facts(user, world, windows, dims, level, root, use=False))
    return used


@pytest.fixture
def built(world, march):
    result = rollup.refresh(NOW)
    assert [m.isoformat() for m in result.months][-4:] == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    return result


def test_rollup_equals_live_computation(world, march, built):
    assert rollup.valid_months(NOW) >= {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)}
    assert _check_all(world.group_officer, world) == len(CASES)
    # The rollup holds exactly what a live count of each closed month gives.
    live = _facts(world.group_officer, world, [Window.month(2026, 3, )], [], None, False, use=False)
    row_sum = {n: sum(getattr(r, n) for r in MonthFacts.objects.filter(month=date(2026, 3, 1)))
               for n in ("received", "acc_due", "acc_on_time", "fwd_due", "hand_due", "replied", "rated")}
    for name, value in row_sum.items():
        assert value == live[(0,)][name], name


def test_no_rollup_for_a_scope_or_a_filter(world, march, built):
    # A company's officer does not see every petition; a category filter is not in the rollup.
    for user, filters in ((world.company_officer, Filters()), (world.group_officer, Filters(category="wages"))):
        with CaptureQueriesContext(connection) as ctx:
            facts(user, windows=MONTHS, filters=filters, dims=[Dim.UNIT], now=NOW)
        assert not any(MonthFacts._meta.db_table in q["sql"] for q in ctx.captured_queries)


def test_a_late_event_makes_its_months_live_until_rebuilt(world, march, built):
    before = _facts(world.group_officer, world, [Window.month(2026, 3)], [], None, False, use=True)
    # Weeks later, the petitioner rates the reply of 20 March (h3, received 2 January).
    rate(world, march.h3, at(2026, 5, 18), Rating.SATISFIED)
    valid = rollup.valid_months(NOW)
    assert not valid & {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)}
    after = _facts(world.group_officer, world, [Window.month(2026, 3)], [], None, False, use=True)
    assert after[(0,)]["rated"] == before[(0,)]["rated"] + 1
    assert after[(0,)]["satisfied"] == before[(0,)]["satisfied"] + 1
    _check_all(world.group_officer, world)
    # The next refresh rebuilds those months (and only those), and the rollup is read again.
    again = rollup.refresh(NOW)
    assert again.months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert rollup.valid_months(NOW) >= {date(2026, 3, 1)}
    assert _check_all(world.group_officer, world) == len(CASES)
    rebuilt = _facts(world.group_officer, world, [Window.month(2026, 3)], [], None, False, use=True)
    assert rebuilt == after
    assert rollup.refresh(NOW).months == []  # nothing changed since


def test_a_petition_registered_late_for_a_closed_month(world, march, built):
    # A matter received in February is registered (and accepted) only now, as from a ledger.
    late = received(world, at(2026, 2, 10))
    accept(world, late, at(2026, 5, 19))
    assert date(2026, 2, 1) not in rollup.valid_months(NOW)
    assert date(2026, 1, 1) in rollup.valid_months(NOW)  # before its receipt: untouched
    feb = _facts(world.group_officer, world, [Window.month(2026, 2)], [], None, False, use=True)
    assert feb == _facts(world.group_officer, world, [Window.month(2026, 2)], [], None, False, use=False)
    _check_all(world.group_officer, world)
    rollup.refresh(NOW)
    assert _check_all(world.group_officer, world) == len(CASES)


def test_a_change_without_an_event_is_seen_through_the_audit_log(world, march, built):
    # Triage (or an officer's correction) raises a flag on a January petition: no event, an audit record.
    h1 = Petition.objects.get(pk=march.h1.pk)
    Petition.objects.filter(pk=h1.pk).update(flags=[*h1.flags, Flag.SKIP_LEVEL])
    audit_record(actor=None, action="triage.screened", target=h1, data={"flags": [Flag.SKIP_LEVEL]})
    assert date(2026, 1, 1) not in rollup.valid_months(NOW)
    jan = _facts(world.group_officer, world, [Window.month(2026, 1)], [], None, False, use=True)
    assert jan == _facts(world.group_officer, world, [Window.month(2026, 1)], [], None, False, use=False)
    assert jan[(0,)]["skip_level"] == 1
    assert rollup.refresh(NOW).months[0] == date(2026, 1, 1)
    assert _check_all(world.group_officer, world) == len(CASES)


def test_rows_withheld_from_a_leader_are_subtracted(world, march):
    chief = person("L9", "郭建", world.group, (Role.UNIT_LEADER, world.group))
    # An accusation against the company (a unit directly below the group): withheld from its leader.
    accusation = received(world, at(2026, 2, 3), ptype=PetitionType.ACCUSATION, accused_unit=world.company,
                          title="检举公司领导违规发放奖金", content="检举煤业一公司领导违规发放奖金，请纪检部门调查核实。")
    h = handling(world, at(2026, 2, 4), at(2026, 2, 6))
    reply(world, h, at(2026, 3, 3))
    rollup.refresh(NOW)
    assert _check_all(chief, world) == len(CASES)
    feb = Window.month(2026, 2)
    seen = _facts(chief, world, [feb], [], None, False, use=True)[(0,)]["received"]
    everyone = _facts(world.group_officer, world, [feb], [], None, False, use=True)[(0,)]["received"]
    assert everyone == seen + 1
    assert accusation.pk


def test_full_refresh_and_command(world, march, built):
    rows = list(MonthFacts.objects.order_by("month", "unit_id").values())
    out = StringIO()
    call_command("refresh_kpi_rollup", "--full", stdout=out)  # now: every month closed since
    assert "rebuilt" in out.getvalue()
    again = list(MonthFacts.objects.filter(month__lte=date(2026, 4, 1)).order_by("month", "unit_id").values())
    assert [{k: v for k, v in r.items() if k != "id"} for r in again] == [
        {k: v for k, v in r.items() if k != "id"} for r in rows]
    assert RollupState.objects.get().months[-1] > "2026-04-01"


def test_drill_down_counts_from_the_rollup_equal_their_rows(world, march, built):
    # January–April from the rollup, 1–20 May counted live.
    kpis = table(world.group_officer, Window.range(date(2026, 1, 1), date(2026, 5, 20)), world.group, now=NOW,
                 level=3)
    checked = 0
    for group in [kpis.total, *kpis.groups]:
        for key in ("acceptance_rate", "handling_rate", "satisfaction_rate", "rating_rate", "received",
                    "forward_rate", "repeat_rate", "avg_reply_days"):
            figure = group.figures.get(key)
            if figure is None or not figure.url:
                continue
            for part in ("num", "den"):
                down = drill(figure.url.replace("part=den", f"part={part}").replace("part=num", f"part={part}"),
                             world.group_officer, NOW)
                rows = list(down.iter_rows())
                assert down.count() == len(rows), (key, part)
                checked += 1
    assert checked > 10


def test_a_page_reads_the_same_with_the_rollup(world, march, built, client):
    client.force_login(world.group_officer)
    urls = ["/insights/monthly/?p=2026-04&m=handling_rate", "/insights/trend/?p=2026-04",
            "/insights/table/?p=2026-01-01..2026-04-30"]

    def pages() -> list[str]:  # less the CSRF tokens, masked anew for every response
        return [re.sub(r"[A-Za-z0-9]{64}", "", client.get(u).content.decode()) for u in urls]

    with_rollup = pages()
    RollupState.objects.all().delete()
    assert pages() == with_rollup
