"""The KPI formulas against the hand-computed month in tests/insights/conftest.py (March 2026),
built through the real workflow: the last allowed day, one day late, a period ending on a rest
day, an approved extension, a forwarded petition, a withdrawn one, a merged duplicate."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from insights.kpi import Cell, Filters, cell_count, fact_rows
from petitions.models import PetitionEvent
from petitions.workflow import petition_accept
from tests.insights.conftest import NOW, A, at, received
from tests.insights.helpers import by_unit, drill, numbers, table
from tongxin.lib.kpi import METRICS, Window
from tongxin.lib.periods import last_day_of, midnight_after

MARCH = Window.month(2026, 3)


def test_acceptance_rate_by_unit(world, march):
    kpis = by_unit(table(world.company_officer, MARCH, world.company, now=NOW))
    # 塔山矿: a1 (last day) + a8 (rest day rolled) on time, a2 (a day late) and a6 (undecided) late,
    # plus its timely forward of a4: 3 of 5.
    assert kpis["TS"]["acceptance_rate"] == (3, 5)
    # 同忻矿: a4 accepted within its own period, restarted at the forward: 1 of 1.
    assert kpis["TX"]["acceptance_rate"] == (1, 1)
    assert kpis["total"]["acceptance_rate"] == (4, 6)


def test_acceptance_rows_show_each_decision_against_its_own_period(world, march):
    kpis = table(world.company_officer, MARCH, world.company, now=NOW)
    ts = next(g for g in kpis.groups if g.unit == world.mine)
    rows = {(r["number"], r["decision_kind"]): r for r in drill(ts.figures["acceptance_rate"].url, world.company_officer, NOW).iter_rows()}
    assert set(rows) == {
        (march.a1.number, "accepted"), (march.a2.number, "accepted"), (march.a6.number, "pending"),
        (march.a8.number, "declined"), (march.a4.number, "forwarded"),
    }
    a1 = rows[(march.a1.number, "accepted")]
    assert last_day_of(a1["decision_due"]) == date(2026, 3, 17) and a1["decision_at"] == at(2026, 3, 17)
    assert last_day_of(rows[(march.a2.number, "accepted")]["decision_due"]) == date(2026, 3, 18)
    # Day 15 of a8 is Saturday 03-21: the period ends on Monday 03-23, when it was declined.
    assert last_day_of(rows[(march.a8.number, "declined")]["decision_due"]) == date(2026, 3, 23)
    forward = rows[(march.a4.number, "forwarded")]
    assert forward["decision_unit"] == world.mine.name and last_day_of(forward["decision_due"]) == date(2026, 3, 17)
    on_time = drill(ts.figures["acceptance_rate"].num_url, world.company_officer, NOW)
    assert numbers(on_time) == sorted([march.a1.number, march.a8.number, march.a4.number])


def test_forward_event_records_the_forwarding_units_period(world, march):
    event = march.a4.events.get(kind=PetitionEvent.Kind.FORWARDED)
    assert event.data["on_time"] is True and event.data["from_unit"] == "TS"
    # 15 days from 03-02 at 塔山矿; the new unit's 15 days run from the forward (03-10): 03-25.
    assert datetime.fromisoformat(event.data["due_at"]) == midnight_after(date(2026, 3, 17))
    assert last_day_of(march.a4.acceptance_due_at) == date(2026, 3, 25)


def test_holiday_period_counts_on_the_rolled_last_day(world):
    """Received 2026-02-01: day 15 is 02-16 in the Spring Festival; the period ends 02-24."""
    on_time = petition_accept(petition=received(world, at(2026, 2, 1)), actor=A(world.officer), now=at(2026, 2, 24, 16))
    late = petition_accept(petition=received(world, at(2026, 2, 1)), actor=A(world.officer), now=at(2026, 2, 25, 9))
    kpis = by_unit(table(world.company_officer, Window.month(2026, 2), world.company, now=at(2026, 3, 1)))
    assert kpis["TS"]["acceptance_rate"] == (1, 2)
    down = drill(table(world.company_officer, Window.month(2026, 2), world.company, now=at(2026, 3, 1)).total.figures["acceptance_rate"].num_url,
                 world.company_officer, at(2026, 3, 1))
    assert numbers(down) == [on_time.number]
    assert late.number not in numbers(down)
    # Nothing of it falls in January or March.
    assert by_unit(table(world.company_officer, Window.month(2026, 1), world.company, now=at(2026, 3, 1)))["total"]["acceptance_rate"] == (0, 0)


def test_handling_rate_with_extension_and_withdrawal(world, march):
    kpis = by_unit(table(world.company_officer, MARCH, world.company, now=NOW))
    # h1 and h2 (rest day rolled to 03-09) on time, h5 unreplied; h4 withdrawn owes no reply;
    # h3's extended deadline (04-08) puts it in April.
    assert kpis["TS"]["handling_rate"] == (2, 3)
    down = drill(table(world.company_officer, MARCH, world.company, now=NOW).total.figures["handling_rate"].url,
                 world.company_officer, NOW)
    assert numbers(down) == sorted([march.h1.number, march.h2.number, march.h5.number])
    assert march.h4.number not in numbers(down)
    april = by_unit(table(world.company_officer, Window.month(2026, 4), world.company, now=at(2026, 4, 30)))
    # Replied 03-20: after the original last day (03-09), before the extended one (04-08): on time.
    assert april["total"]["handling_rate"] == (1, 1)


def test_ratings_reviews_and_durations(world, march):
    kpis = table(world.company_officer, MARCH, world.company, now=NOW).total.figures
    assert (kpis["rating_rate"].num, kpis["rating_rate"].den) == (2, 3)
    assert (kpis["satisfaction_rate"].num, kpis["satisfaction_rate"].den) == (1, 2)
    assert (kpis["review_rate"].num, kpis["review_rate"].den) == (1, 3)
    assert (kpis["rereview_rate"].num, kpis["rereview_rate"].den) == (0, 1)
    assert (kpis["uphold_rate"].num, kpis["uphold_rate"].den) == (1, 1)
    assert kpis["avg_reply_days"].value == pytest.approx((60 + 62 + 72) / 3)
    # Accepted in March: a1 after 15 days, a2 after 16 (at 塔山矿), a4 after 22 (同忻矿).
    assert kpis["avg_accept_days"].value == pytest.approx((15 + 16 + 22) / 3)
    assert kpis["satisfaction_rate"].text == "50.0%" and kpis["rating_rate"].text == "66.7%"


def test_received_repeat_collective_and_overdue(world, march):
    kpis = by_unit(table(world.company_officer, MARCH, world.company, now=NOW))
    # Received in March at 塔山矿 (a4 now answers at 同忻矿): a1 a2 a5 a6 a8 a9.
    assert kpis["TS"]["received"] == (6, None) and kpis["TX"]["received"] == (1, None)
    # a2 is flagged a repeat, a9 was merged into a1 as a duplicate.
    assert kpis["TS"]["repeat_rate"] == (2, 6)
    assert kpis["TS"]["collective"] == (1, None) and kpis["TS"]["skip_level"] == (0, None)
    # Overdue now: a6 (acceptance ran out 03-20) and h5 (handling ran out 03-09).
    assert kpis["TS"]["overdue"] == (2, None)
    rows = drill(table(world.company_officer, MARCH, world.company, now=NOW).total.figures["overdue"].url,
                 world.company_officer, NOW)
    assert numbers(rows) == sorted([march.a6.number, march.h5.number])


def test_quarter_and_any_range(world, march):
    q1 = by_unit(table(world.company_officer, Window.quarter(2026, 1), world.company, now=NOW))
    assert q1["total"]["handling_rate"] == (2, 3)
    spring = Window.range(date(2026, 3, 1), date(2026, 4, 30))
    both = by_unit(table(world.company_officer, spring, world.company, now=at(2026, 4, 30)))
    assert both["total"]["handling_rate"] == (3, 4)


def test_comparison_with_the_previous_period(world, march):
    april = table(world.company_officer, Window.month(2026, 4), world.company, now=at(2026, 4, 30))
    f = april.total.figures["handling_rate"]
    assert april.previous == MARCH
    assert f.previous.other == pytest.approx(2 / 3) and f.previous.delta == pytest.approx(100 - 200 / 3, abs=1e-4)
    assert f.previous.better is True
    received = table(world.company_officer, MARCH, world.company, now=NOW).total.figures["received"]
    assert received.previous.other == 0 and received.previous.delta == 7 and received.previous.better is False


def test_grouping_by_person_category_type_and_channel(world, march):
    people = table(world.company_officer, MARCH, world.company, by="handler", now=NOW)
    handler = next(g for g in people.groups if g.key == world.handler.pk)
    assert handler.label == world.handler.name
    assert (handler.figures["handling_rate"].num, handler.figures["handling_rate"].den) == (2, 3)
    unassigned = next(g for g in people.groups if g.key is None)
    assert unassigned.label == "（未交办）" and unassigned.figures["received"].num == 7
    categories = table(world.company_officer, MARCH, world.company, by="category", now=NOW)
    assert [g.key for g in categories.groups] == ["wages"]
    channels = table(world.company_officer, MARCH, world.company, by="channel", now=NOW)
    assert [g.key for g in channels.groups] == ["online"]
    types = table(world.company_officer, MARCH, world.company, by="ptype", now=NOW)
    assert [(g.key, g.figures["received"].num) for g in types.groups] == [("request", 7)]


@pytest.mark.parametrize("by", ["unit", "handler", "category", "ptype", "channel"])
def test_every_number_equals_the_length_of_its_list(world, march, by):
    """One function builds the count and the list: they cannot disagree."""
    kpis = table(world.company_officer, MARCH, world.company, by=by, now=NOW)
    checked = 0
    for group in [*kpis.groups, kpis.total]:
        for f in group.figures.values():
            for url, expected in ((f.url, f.den if f.den is not None else f.num), (f.num_url, f.num)):
                if f.metric.kind == "days" and url == f.num_url:
                    continue  # the numerator of an average is a sum of days, its rows are the denominator's
                down = drill(url, world.company_officer, NOW)
                assert down.count() == expected == len(list(down.iter_rows())) == len(down[0:1000]), (group.label, f.metric.key)
                checked += 1
    assert checked >= len(METRICS) * 2


def test_cell_count_is_the_grouped_count(world, march):
    cell = Cell(MARCH, {"unit": world.mine.path}, level=world.mine.depth)
    filters = Filters(root=world.company)
    for fact in ("acc_due", "acc_on_time", "fwd_due", "hand_due", "replied", "received", "repeat"):
        assert cell_count(world.company_officer, fact, cell, filters, NOW) == fact_rows(
            world.company_officer, fact, cell, filters, NOW).count(), fact
