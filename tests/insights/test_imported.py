"""Petitions imported from a legacy ledger (台账) count in the KPIs of their own, past periods:
the importer writes the workflow's deadline columns and events, and the engine reads those."""

from __future__ import annotations

from tests.insights.helpers import by_unit, drill, numbers, table
from tests.ledger.conftest import ledger_media, row, run_ledger, source  # noqa: F401
from tests.petitions.conftest import at
from tongxin.lib.kpi import Window


def test_imported_petitions_count_in_their_past_periods(world, run_ledger):  # noqa: F811
    """2021 ledger of 塔山矿, handled by the team:
    r1 received Fri 03-05 (last day Sat 03-20 → Mon 03-22), accepted 03-08 on time; 60 days to
       Fri 05-07, replied 04-20 on time; rated 满意.
    r2 received 03-01 (last day 03-16), accepted 03-20 late; 60 days to 05-19, replied 06-01 late."""
    run = run_ledger([
        row(1, 登记日期="2021-03-05", 受理日期="2021-03-08", 答复日期="2021-04-20", 办理状态="已办结", 满意度="满意"),
        row(2, 登记日期="2021-03-01", 受理日期="2021-03-20", 答复日期="2021-06-01", 办理状态="已答复", 满意度=""),
    ])
    assert run.job.status == "done" and run.job.result["created"] == 2, (run.job.message, run.job.result)
    now = at(2026, 3, 31)
    march = by_unit(table(world.company_officer, Window.month(2021, 3), world.company, now=now))
    assert march["TS"]["received"] == (2, None)
    assert march["TS"]["acceptance_rate"] == (1, 2)
    may = table(world.company_officer, Window.month(2021, 5), world.company, now=now)
    assert (may.total.figures["handling_rate"].num, may.total.figures["handling_rate"].den) == (1, 2)
    on_time = drill(may.total.figures["handling_rate"].num_url, world.company_officer, now)
    assert len(numbers(on_time)) == 1
    april = table(world.company_officer, Window.month(2021, 4), world.company, now=now).total.figures
    assert (april["satisfaction_rate"].num, april["satisfaction_rate"].den) == (1, 1)
    assert april["avg_reply_days"].value == 43  # 03-08 → 04-20
    # Nothing of it lands in the present.
    assert by_unit(table(world.company_officer, Window.month(2026, 3), world.company, now=now))["total"]["received"] == (0, None)
