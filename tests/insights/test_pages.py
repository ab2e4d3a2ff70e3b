"""Who reads the statistics pages, and how bad input is treated."""

from __future__ import annotations

import pytest

from orgs.choices import Role
from tests.insights.conftest import NOW
from tests.petitions.conftest import person


def test_only_staff_roles_read_statistics(world, client):
    client.force_login(world.employee)
    for url in ("/insights/", "/insights/table/", "/insights/list/?m=received&p=2026-03", "/insights/me/",
                "/insights/report/", "/insights/targets/", "/insights/monthly/"):
        assert client.get(url).status_code == 403, url


def test_a_handler_reads_only_their_own(world, march, client):
    client.force_login(world.handler)
    assert client.get("/insights/").url == "/insights/me/"
    assert client.get("/insights/table/").status_code == 403
    page = client.get("/insights/me/?p=2026-03")
    assert page.status_code == 200
    text = page.content.decode()
    assert "我的办件统计" in text
    board = page.context["board"]
    f = board.table.total.figures["handling_rate"]
    assert (f.num, f.den) == (2, 3)
    # Their matters came in in January: none received in March.
    assert board.table.total.figures["received"].num == 0


def test_a_unit_outside_the_scope_is_not_found(world, march, client):
    client.force_login(world.officer)
    assert client.get(f"/insights/unit/{world.other_mine.code}/").status_code == 404
    assert client.get(f"/insights/unit/{world.team.code}/?p=2026-03").status_code == 200
    assert client.get("/insights/unit/NOPE/").status_code == 404


def test_bad_input_falls_back_or_is_refused(world, march, client):
    client.force_login(world.company_officer)
    page = client.get("/insights/?p=2026-13&lv=99&root=NOPE&cat=bogus")
    assert page.status_code == 200
    assert page.context["board"].window.kind == "month"
    assert client.get("/insights/list/?m=nope&p=2026-03").status_code == 400
    assert client.get("/insights/list/?m=received&p=garbage").status_code == 400
    assert client.get("/insights/list/?m=received&p=2026-03&u=NOPE").status_code == 400
    assert client.get("/insights/list/?m=received&p=2026-03&cat=bogus").status_code == 400


def test_a_custom_range_and_levels(world, march, client):
    client.force_login(world.company_officer)
    page = client.get(f"/insights/table/?start=2026-03-01&end=2026-04-30&root={world.company.code}&lv={world.team.depth}")
    kpis = page.context["kpis"]
    assert kpis.window.label == "2026-03-01至2026-04-30"
    labels = {g.label for g in kpis.groups}
    # At the teams' depth: the team, and the mines' own matters ("本级").
    assert "综采一队" in labels and "塔山矿（本级）" in labels
    team = next(g for g in kpis.groups if g.label == "综采一队")
    assert (team.figures["handling_rate"].num, team.figures["handling_rate"].den) == (3, 4)


def test_navigation_entry(world, client):
    client.force_login(world.company_officer)
    assert 'href="/insights/"' in client.get("/").content.decode()
    other = person("Z9", "普通职工", world.team)
    client.force_login(other)
    assert 'href="/insights/"' not in client.get("/").content.decode()


@pytest.mark.parametrize("role", [Role.DISCIPLINE_INSPECTOR, Role.ADMINISTRATOR, Role.UNIT_LEADER])
def test_other_staff_roles_open_the_dashboard(world, client, role):
    someone = person("S1", "某人", world.company, (role, world.company))
    client.force_login(someone)
    assert client.get("/insights/?p=2026-03").status_code == 200


def test_now_is_a_fixed_point_of_the_scenario():
    assert NOW.isoformat().startswith("2026-03-31T12:00")


def test_the_trend_is_fetched_apart_and_links_each_month(world, march, client):
    client.force_login(world.company_officer)
    page = client.get("/insights/?p=2026-03").content.decode()
    assert 'data-url="/insights/trend/?p=2026-03&amp;root=C1"' in page
    chart = client.get("/insights/trend/?p=2026-03&root=C1").json()
    assert chart["months"][0] == "2025-04" and chart["months"][-1] == "2026-03"
    handling = next(s for s in chart["rates"] if s["name"] == "按期办结率")
    assert handling["data"][-1] == 66.7 and handling["data"][-2] is None
    assert chart["received"]["data"][-1] == 7
    assert "p=2026-03" in handling["links"][-1] and "m=handling_rate" in handling["links"][-1]
    client.force_login(world.handler)
    mine = client.get("/insights/trend/?p=2026-03&me=1").json()
    assert next(s for s in mine["rates"] if s["name"] == "按期办结率")["data"][-1] == 66.7
    assert client.get("/insights/trend/?p=2026-03&root=C1").status_code == 403


def test_pages_render_in_english(world, march, client, settings):
    """Labels come through gettext (the catalogue is docs/i18n.md's business); nothing breaks."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.company_officer)
    for url in ("/insights/?p=2026-Q1", "/insights/table/?p=2026&by=category", "/insights/monthly/?p=2026-03",
                "/insights/report/", "/insights/targets/?p=2026"):
        page = client.get(url)
        assert page.status_code == 200 and '<html lang="en">' in page.content.decode(), url


def test_any_period_in_the_url_and_one_bad_choice_spoils_nothing_else(world, march, client):
    client.force_login(world.company_officer)
    kpis = client.get(f"/insights/table/?p=2026-03-01..2026-04-30&root={world.company.code}").context["kpis"]
    assert kpis.window.label == "2026-03-01至2026-04-30"
    page = client.get(f"/insights/table/?p=2026-03&root={world.mine.code}&cat=bogus&by=channel")
    kpis = page.context["kpis"]
    assert kpis.window.spec == "2026-03" and kpis.by == "channel" and kpis.total.filters.root == world.mine
    assert 'value="2026-03" selected' in page.content.decode()
