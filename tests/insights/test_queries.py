"""Query counts of the statistics pages and exports: fixed, whatever the number of petitions
(aggregated in the database, never counted row by row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.insights.conftest import at, handling, received, reply
from tests.insights.helpers import table
from tongxin.lib.kpi import Window

MARCH = Window.month(2026, 3)
# Each bound includes the scope's two constant-id look-ups (petitions.selectors._subtree_ids and
# _reviewed_by: the units of the reader's subtrees and the petitions their desk reviewed), read once
# per request so that the scope's OR can use the (unit, state) indexes.
PAGES = [
    ("dashboard", "/insights/?p=2026-03", 18),
    ("unit", "/insights/unit/TS/?p=2026-03", 26),
    ("mine", "/insights/me/?p=2026-03", 13),
    ("table", "/insights/table/?p=2026-03", 17),
    ("table by person", "/insights/table/?p=2026-03&by=handler", 18),
    ("table export", "/insights/table/?p=2026-03&export=xlsx", 15),
    ("unit × month", "/insights/monthly/?p=2026-03&m=acceptance_rate", 12),
    ("trend", "/insights/trend/?p=2026-03&root=C1", 14),
    ("my trend", "/insights/trend/?p=2026-03&me=1", 10),
]


# Transaction control around the engine's aggregates (PostgreSQL: SET LOCAL jit = off inside a
# savepoint in tests) is not a query of the page.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(CONTROL))


def _more(world, n: int) -> None:
    for i in range(n):
        p = handling(world, at(2026, 1, 3 + i % 5), at(2026, 1, 6 + i % 3))
        reply(world, p, at(2026, 3, 2 + i))
        received(world, at(2026, 3, 10 + i))


@pytest.mark.parametrize(("name", "url", "limit"), PAGES, ids=[p[0] for p in PAGES])
def test_page_queries_are_bounded_and_do_not_grow(world, march, client, name, url, limit):
    client.force_login(world.company_officer)
    before = _queries(client, url)
    assert before <= limit, f"{name}: {before} queries"
    _more(world, 6)
    assert _queries(client, url) == before, name


def test_drill_down_and_its_export(world, march, client):
    client.force_login(world.company_officer)
    kpis = table(world.company_officer, MARCH, world.company, now=at(2026, 3, 31, 12))
    for key in ("acceptance_rate", "handling_rate", "satisfaction_rate", "received", "overdue"):
        url = kpis.total.figures[key].url
        # session, user, roles, root unit, counts (one per source), rows (one per source)
        assert _queries(client, url) <= 11
        assert _queries(client, url + "&export=xlsx") <= 11
    before = _queries(client, kpis.total.figures["acceptance_rate"].url)
    _more(world, 6)
    assert _queries(client, kpis.total.figures["acceptance_rate"].url) == before
