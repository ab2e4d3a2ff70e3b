"""Triage in a real browser: the officer opens a petition on a phone, sees the suggestion and
the risk explanation, confirms in one click; full-text search finds the petition."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from petitions.models import Petition
from tests.petitions.conftest import at, submit, world  # noqa: F401
from triage.models import Feedback
from triage.services import load_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Tongxin@2026"


def test_officer_sees_suggestion_and_risk_confirms_and_finds_it(live_server, new_tab, artifacts_dir, world):  # noqa: F811
    load_default_rules()
    p = submit(world, now=at(2026, 3, 2), title="尘肺病工伤认定办不下来", category="other",
               content="我在井下干了二十年，查出尘肺病二期，申请工伤认定一直办不下来，再拖下去我就去跳楼。").petition
    base = live_server.url
    tab = new_tab(375, 740)
    page = tab.page
    page.goto(f"{base}/login/")
    page.fill("#id_username", "X1")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.goto(f"{base}/xf/case/{p.public_id}/")
    panel = page.locator("[data-testid=triage-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-testid=triage-suggestion]")).to_contain_text("职业健康与工伤")
    expect(panel.locator("[data-testid=triage-risk]")).to_contain_text("跳楼")
    expect(panel.locator("[data-triage-risk]")).to_have_attribute("data-triage-risk", "high")
    page.screenshot(path=str(artifacts_dir / "triage-1-panel-375.png"), full_page=True)
    panel.locator("[data-testid=triage-confirm]").click()
    expect(page.locator("[data-testid=triage-decided]")).to_be_visible()
    assert Petition.objects.get(pk=p.pk).category == "occupational_health"
    assert Feedback.objects.filter(petition=p, user=world.officer, action="confirm").exists()
    page.goto(f"{base}/triage/search/?q=尘肺")
    results = page.locator("[data-testid=search-results]")
    expect(results.locator(f"[data-number='{p.number}']")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "triage-2-search-375.png"), full_page=True)
    assert not tab.script_errors and not tab.missing_static
