"""The statistics in a real browser: a company leader opens the dashboard, the charts draw
(ECharts, served locally, no inline script under the CSP), and a click on a unit's 按期办结率
lands on exactly the petitions behind it.

The month of petition work is the hand-computed one of tests/insights/conftest.py (March 2026).
Screenshots go to test-artifacts/dashboard-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orgs.choices import Role
from tests.insights.conftest import march  # noqa: F401
from tests.petitions.conftest import person, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"


@pytest.mark.parametrize(("width", "height"), [(375, 740), (1280, 900)], ids=["phone", "desktop"])
def test_leader_clicks_a_units_handling_rate_and_sees_its_petitions(
    live_server, new_tab, artifacts_dir, world, march, width, height  # noqa: F811
):
    leader = person("L9", "公司负责人", world.company, (Role.UNIT_LEADER, world.company))
    tab = new_tab(width, height)
    page = tab.page
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", leader.employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/insights/?p=2026-03")
    expect(page.locator("[data-testid=insights-title]")).to_contain_text(world.company.name)
    expect(page.locator("[data-testid=insights-period]")).to_contain_text("2026年3月")
    # The charts are drawn (a canvas each), fed by the JSON blocks.
    for chart in ("trend", "ranking", "heat"):  # the trend is fetched after the page
        expect(page.locator(f"[data-testid=chart-{chart}][data-ready='1'] canvas").first).to_be_attached()
    expect(page.locator("[data-testid=headline-handling_rate]")).to_have_text("66.7%")
    page.screenshot(path=str(artifacts_dir / f"dashboard-{width}x{height}.png"), full_page=True)

    cell = page.locator(f"[data-testid=rank-{world.mine.code}-handling_rate]")
    expect(cell).to_have_text("66.7%")
    cell.click()

    expect(page.locator("[data-testid=list-title]")).to_contain_text("按期办结率")
    expect(page.locator("[data-testid=list-total]")).to_have_text("共 3 件")
    expect(page.locator("[data-testid=list-unit]")).to_have_text(world.mine.name)
    numbers = page.locator("[data-testid=drill-table] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert sorted(numbers) == sorted([march.h1.number, march.h2.number, march.h5.number])
    # h5 was not answered in time; h3 (extended to April) and h4 (withdrawn) are not listed.
    expect(page.locator(f"tr[data-number='{march.h5.number}']")).to_contain_text("否")
    page.screenshot(path=str(artifacts_dir / f"dashboard-drill-{width}x{height}.png"), full_page=True)

    assert tab.script_errors == []
    assert tab.missing_static == []
    assert csp_errors == []
