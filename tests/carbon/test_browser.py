"""The carbon module's journeys in headless Chromium on a 375 px phone screen:
1. an energy officer enters a month for a mine with one out-of-range value and corrects it;
2. the group dashboard drills from a figure down to its activity rows and evidence;
3. a report goes from draft to verified (finding, correction, verification).
Screenshots go to test-artifacts/carbon-*.png."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from carbon import services
from carbon.models import ActivityRecord, Report
from tests.carbon.conftest import fill_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"
PHONE = (375, 740)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(page: Page, base: str, employee_no: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{base}/")


def test_officer_enters_a_month_with_an_out_of_range_value_and_corrects_it(live_server, new_tab, world, artifacts_dir):
    fill_year(world, 2025, months=[1, 2, 3, 4])
    tab = new_tab(*PHONE)
    page = tab.page
    login(page, live_server.url, world.officer.employee_no)
    page.goto(f"{live_server.url}/carbon/facilities/{world.mine.pk}/?year=2025")
    page.click("[data-month='2025-05']")
    expect(page.locator("[data-testid=entry-title]")).to_contain_text("2025-05")
    expect(page.locator("[data-testid='missing-fuel.diesel']")).to_be_visible()
    page.fill("#q-coal\\.underground", "100000")
    page.fill("#q-ch4\\.vent", "300")
    page.fill("#q-ch4\\.drain", "200")
    page.fill("#q-elec\\.purchased", "2000")
    page.fill("#q-fuel\\.diesel", "300")  # ten times the usual 30 t
    page.click("[data-testid=entry-save]")
    flag = page.locator("[data-testid='out-of-range-fuel.diesel']")
    expect(flag).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "carbon-entry-out-of-range-375.png"), full_page=True)
    assert ActivityRecord.objects.get(month=date(2025, 5, 1), quantity="fuel.diesel").outlier
    page.fill("#q-fuel\\.diesel", "31")
    page.click("[data-testid=entry-save]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("[data-testid='out-of-range-fuel.diesel']")).to_have_count(0)
    rec = ActivityRecord.objects.get(month=date(2025, 5, 1), quantity="fuel.diesel")
    assert rec.value == D(31) and not rec.outlier and rec.entered_by == world.officer
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert not tab.script_errors and not tab.missing_static


def test_dashboard_drills_from_a_figure_to_its_evidence(live_server, new_tab, world, artifacts_dir):
    services.activity_save_month(
        facility=world.mine, month=date(2025, 1, 1), acting_user=world.officer,
        entries={"elec.purchased": services.Entry(D(2000), evidence=SimpleUploadedFile("电费发票.pdf", b"%PDF-1.4 invoice")),
                 "fuel.diesel": services.Entry(D(30))})
    services.inventory_recompute(year=2025, acting_user=world.admin)
    tab = new_tab(*PHONE)
    page = tab.page
    login(page, live_server.url, world.admin.employee_no)
    page.goto(f"{live_server.url}/carbon/?year=2025")
    expect(page.locator("[data-testid=chart-by-code] canvas")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "carbon-dashboard-375.png"), full_page=True)
    page.click("[data-testid=fig-total]")
    expect(page.locator("[data-testid=drill-title]")).to_be_visible()
    result = page.locator("[data-testid=result]", has_text="ghg.electricity")
    expect(result).to_contain_text("1,140.60")
    expect(result).to_contain_text("ef_grid")
    with page.expect_download() as download:
        result.locator("[data-testid=evidence-link]").click()
    path = download.value.path()
    assert path is not None and path.read_bytes() == b"%PDF-1.4 invoice"
    assert not tab.script_errors and not tab.missing_static


def test_report_goes_from_draft_to_verified(live_server, new_tab, world, artifacts_dir):
    fill_year(world, 2025)
    fill_year(world, 2025, facility=world.other)
    for fac in (world.mine, world.other):
        for m in range(1, 13):
            services.activity_approve_month(facility=fac, month=date(2025, m, 1), acting_user=world.admin)
    services.inventory_recompute(year=2025, acting_user=world.admin)
    leader, verifier = new_tab(*PHONE).page, new_tab(*PHONE).page
    login(leader, live_server.url, world.company_leader.employee_no)
    leader.goto(f"{live_server.url}/carbon/reports/?year=2025")
    leader.click("[data-testid=report-create]")
    expect(leader.locator("[data-testid=report-state]")).to_have_attribute("data-state", "draft")
    leader.click("[data-testid=report-submit]")
    expect(leader.locator("[data-testid=report-state]")).to_have_attribute("data-state", "submitted")
    url = leader.url
    login(verifier, live_server.url, world.verifier.employee_no)
    verifier.goto(url)
    verifier.fill("[data-testid=finding-text]", "3月柴油消耗缺少发票")
    verifier.click("[data-testid=report-finding]")
    expect(verifier.locator("[data-testid=report-state]")).to_have_attribute("data-state", "findings")
    leader.reload()
    leader.fill("[data-testid=finding-response]", "已补充发票扫描件")
    leader.click("[data-testid=report-correct]")
    expect(leader.locator("[data-testid=report-state]")).to_have_attribute("data-state", "corrected")
    verifier.reload()
    verifier.click("[data-testid=report-verify]")
    expect(verifier.locator("[data-testid=report-state]")).to_have_attribute("data-state", "verified")
    expect(verifier.locator("[data-testid=trail] li")).to_have_count(5)
    verifier.screenshot(path=str(artifacts_dir / "carbon-report-verified-375.png"), full_page=True)
    rep = Report.objects.get()
    assert rep.state == "verified" and rep.run.locked and rep.verified_by == world.verifier


def test_officer_registers_a_facility_on_the_phone_and_corrects_a_refused_date(live_server, new_tab, world, artifacts_dir):
    from carbon.models import Facility
    from orgs.models import Unit

    office = Unit.objects.get(parent=world.mine.unit, name="机电科")
    tab = new_tab(*PHONE)
    page = tab.page
    login(page, live_server.url, world.officer.employee_no)
    page.goto(f"{live_server.url}/carbon/?year=2025")
    page.click("[data-testid=facility-new]")
    page.select_option("#ff-unit", office.code)
    page.select_option("#ff-kind", "prep_plant")
    page.fill("#ff-cap", "0.6")
    page.select_option("#ff-status", "retired")
    page.fill("#ff-from", "2015-03-01")
    page.fill("#ff-to", "2014-12-31")  # before commissioning
    page.check("input[name=sources][value='ghg.electricity']")
    page.click("[data-testid=facility-save]")
    expect(page.locator(".alert-danger")).to_contain_text("关闭日期须晚于投产日期")
    assert not Facility.objects.filter(unit=office).exists()
    page.screenshot(path=str(artifacts_dir / "carbon-facility-refused-375.png"), full_page=True)
    page.fill("#ff-to", "2025-06-30")
    page.click("[data-testid=facility-save]")
    expect(page.locator("[data-testid=facility-title]")).to_contain_text("机电科")
    fac = Facility.objects.get(unit=office)
    assert fac.status == "retired" and str(fac.retired_on) == "2025-06-30" and fac.sources.get().code == "ghg.electricity"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert not tab.script_errors and not tab.missing_static
