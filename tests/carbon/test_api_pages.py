"""/api/v1/carbon/ and the carbon pages: scoping, all-or-nothing bulk entry, results that explain
themselves, report actions; the entry page's flags; drill-down to evidence; refusals change nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carbon import services
from carbon.models import ActivityRecord, InventoryRun, Report
from petitions.api.tokens import api_token_create
from tests.carbon.conftest import fill_year

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carbon"


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name='t').key}"})


def post(client: Client, path: str, data: dict):
    return client.post(BASE + path, json.dumps(data), content_type="application/json")


def test_facilities_are_scoped(world):
    mine_codes = [f["unit_code"] for f in api(world.officer).get(f"{BASE}/facilities").json()["items"]]
    assert mine_codes == [world.mine.unit.code]
    assert len(api(world.admin).get(f"{BASE}/facilities").json()["items"]) == 2
    assert api(world.officer).get(f"{BASE}/facilities/{world.other.pk}").status_code == 404
    assert Client().get(f"{BASE}/facilities").status_code == 401


def test_people_without_a_carbon_role_are_refused(world, make_person):
    stranger = make_person(world.mine.unit, "handler")
    assert api(stranger).get(f"{BASE}/facilities").status_code == 403


def test_activity_bulk_is_all_or_nothing(world):
    code = world.mine.unit.code
    good = {"items": [{"facility": code, "month": "2025-01", "quantity": "fuel.diesel", "value": "30"},
                      {"facility": code, "month": "2025-01", "quantity": "elec.purchased", "value": "2000"}]}
    r = post(api(world.officer), "/activity/bulk", good)
    assert r.status_code == 200 and r.json()["saved"] == 2
    bad = {"items": [{"facility": code, "month": "2025-02", "quantity": "fuel.diesel", "value": "30"},
                     {"facility": world.other.unit.code, "month": "2025-02", "quantity": "fuel.diesel", "value": "1"},
                     {"facility": code, "month": "2025-02", "quantity": "nope", "value": "1"}]}
    r = post(api(world.officer), "/activity/bulk", bad)
    assert r.status_code == 422
    assert [e["index"] for e in r.json()["rows"]] == [1, 2]
    assert ActivityRecord.objects.count() == 2
    impossible = {"items": [{"facility": code, "month": "2025-03", "quantity": "ch4.util_power", "value": "5"}]}
    r = post(api(world.officer), "/activity/bulk", impossible)
    assert r.status_code == 422 and ActivityRecord.objects.count() == 2
    listed = api(world.officer).get(f"{BASE}/activity", {"year": 2025}).json()
    assert listed["count"] == 2


def test_results_explain_themselves_and_recompute_makes_versions(world, django_capture_on_commit_callbacks):
    fill_year(world, 2025, months=[1])
    assert post(api(world.officer), "/runs", {"year": 2025}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # the background job runs after the commit
        r = post(api(world.admin), "/runs", {"year": 2025, "gwp_set": "AR5"})
    assert r.status_code == 202 and r.json()["progress_url"] == f"/jobs/{r.json()['job']}/"
    job = api(world.admin).get(f"{BASE}/runs/jobs/{r.json()['job']}").json()
    assert job["status"] == "done" and job["run"]["version"] == 1 and job["run"]["gwp_set"] == "AR5"
    assert api(world.officer).get(f"{BASE}/runs/jobs/{r.json()['job']}").status_code == 404  # not the officer's job
    body = api(world.officer).get(f"{BASE}/results", {"year": 2025, "code": "ghg.electricity"}).json()
    item = body["items"][0]
    assert D(item["co2e"]).quantize(D("0.01")) == D("1140.60")
    assert item["explanation"]["k"][0][:2] == ["ef_grid", "0.57030000"]
    assert api(world.outsider).get(f"{BASE}/results", {"year": 2025}).json()["count"] == 0
    assert len(api(world.admin).get(f"{BASE}/runs", {"year": 2025}).json()) == 1
    sets = api(world.admin).get(f"{BASE}/factor-sets").json()
    assert sets[0]["version"] == "demo-2026.1" and any(f["code"] == "rho_ch4" for f in sets[0]["factors"])


def test_report_actions_over_the_api(world):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    rep = services.report_create(entity=world.company, year=2025, acting_user=world.admin)
    got = api(world.officer).get(f"{BASE}/reports/{rep.public_id}").json()
    assert got["state"] == "draft"
    r = post(api(world.admin), f"/reports/{rep.public_id}/actions", {"action": "submit"})
    assert r.status_code == 409  # months missing
    r = post(api(world.verifier), f"/reports/{rep.public_id}/actions", {"action": "verify"})
    assert r.status_code == 409
    assert api(world.outsider).get(f"{BASE}/reports/00000000-0000-0000-0000-000000000000").status_code == 404


# --- pages -------------------------------------------------------------------------------------


def page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_open_for_the_roles_and_refuse_others(world, make_person):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    c = page(world.admin)
    for url in ["/carbon/?year=2025", f"/carbon/facilities/{world.mine.pk}/?year=2025",
                f"/carbon/facilities/{world.mine.pk}/2025-01/", "/carbon/drill/?year=2025", "/carbon/factors/",
                "/carbon/runs/?year=2025", "/carbon/import/", "/carbon/methane/?year=2025", "/carbon/reports/",
                "/carbon/scenarios/?year=2025"]:
        assert c.get(url).status_code == 200, url
    assert c.get(f"/carbon/facilities/?f={world.mine.pk}&year=2025").status_code == 302
    assert page(world.outsider).get(f"/carbon/facilities/?f={world.mine.pk}").status_code == 404
    stranger = make_person(world.mine.unit, "handler")
    assert page(stranger).get("/carbon/").status_code == 403
    assert page(world.outsider).get(f"/carbon/facilities/{world.mine.pk}/").status_code == 404
    assert Client().get("/carbon/").status_code == 302


def test_entry_page_flags_out_of_range_then_saves_the_correction(world):
    fill_year(world, 2025, months=[1, 2, 3, 4])
    c = page(world.officer)
    url = f"/carbon/facilities/{world.mine.pk}/2025-05/"
    form = {"coal.underground": "100000", "ch4.vent": "300", "ch4.drain": "200", "ch4.util_power": "150",
            "fuel.diesel": "300", "elec.purchased": "2000"}
    r = c.post(url, form)
    assert r.status_code == 200
    assert 'data-testid="out-of-range-fuel.diesel"' in r.content.decode()
    form["fuel.diesel"] = "31"
    r = c.post(url, form)
    assert r.status_code == 302
    assert 'out-of-range-fuel.diesel' not in c.get(url).content.decode()
    assert ActivityRecord.objects.get(month=date(2025, 5, 1), quantity="fuel.diesel").value == D(31)


def test_entry_page_refuses_impossible_month_and_stores_nothing(world):
    c = page(world.officer)
    r = c.post(f"/carbon/facilities/{world.mine.pk}/2025-05/", {"ch4.vent": "1", "ch4.util_power": "5"})
    assert r.status_code == 422 and "瓦斯" in r.content.decode()
    assert not ActivityRecord.objects.exists()
    r = page(world.outsider).post(f"/carbon/facilities/{world.mine.pk}/2025-05/", {"fuel.diesel": "1"})
    assert r.status_code == 404 and not ActivityRecord.objects.exists()


def test_drill_down_reaches_the_evidence(world):
    c = page(world.officer)
    c.post(f"/carbon/facilities/{world.mine.pk}/2025-01/",
           {"elec.purchased": "2000", "elec.purchased__evidence": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice")})
    services.inventory_recompute(year=2025, acting_user=world.admin)
    body = c.get("/carbon/drill/?year=2025&code=ghg.electricity").content.decode()
    rec = ActivityRecord.objects.get(quantity="elec.purchased")
    assert f"/carbon/evidence/{rec.pk}/" in body
    got = c.get(f"/carbon/evidence/{rec.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 invoice"
    assert page(world.outsider).get(f"/carbon/evidence/{rec.pk}/").status_code == 404


def test_report_pages_and_downloads(world):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    c = page(world.company_leader)
    r = c.post("/carbon/reports/", {"entity": world.company.code, "year": "2025"})
    rep = Report.objects.get()
    assert r.status_code == 302 and rep.state == "draft"
    assert c.get(f"/carbon/reports/{rep.public_id}/download/docx/").status_code == 200
    assert c.get(f"/carbon/reports/{rep.public_id}/download/xlsx/").status_code == 200
    assert page(world.outsider).get(f"/carbon/reports/{rep.public_id}/").status_code == 200  # above the officer's mine
    r = page(world.outsider).post(f"/carbon/reports/{rep.public_id}/", {"action": "verify"})
    assert Report.objects.get().state == "draft"


def test_recompute_page_and_side_by_side_diff(world, django_capture_on_commit_callbacks):
    fill_year(world, 2025, months=[1])
    c = page(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        first = c.post("/carbon/runs/?year=2025", {"gwp_set": "SAR"})
    assert first.status_code == 302 and first["Location"].startswith("/jobs/")
    progress = c.get(first["Location"])
    assert progress.status_code == 200 and "已生成2025年第1版核算结果" in progress.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        c.post("/carbon/runs/?year=2025", {"gwp_set": "AR5", "reason": "AR5"})
    assert InventoryRun.objects.count() == 2
    r = c.get("/carbon/runs/?year=2025", follow=True)
    assert 'data-testid="diff"' in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert page(world.officer).post("/carbon/runs/?year=2025", {"gwp_set": "SAR"}).status_code == 403
    assert InventoryRun.objects.count() == 2


def test_demo_data_is_idempotent(db):
    from carbon.demo import build_carbon
    from orgs.demo import build_all

    build_all()
    first = build_carbon()
    assert first > 0
    assert build_carbon() == 0
    from carbon.models import CcusMonth

    assert sum(m.captured for m in CcusMonth.objects.all()) == D(1280)


def test_factor_version_and_target_pages(world):
    c = page(world.admin)
    r = c.post("/carbon/factors/", {"action": "derive", "base": "demo-2026.1", "version": "2025.1",
                                    "effective_from": "2025-01", "source": "生态环境部2025", "changes": "ef_grid = 0.5810"})
    assert r.status_code == 302
    from carbon.models import Factor, Target

    assert Factor.objects.get(factor_set__version="2025.1", code="ef_grid").value == D("0.5810")
    assert Factor.objects.get(factor_set__version="2025.1", code="rho_ch4").value == D("7.17")
    r = c.post("/carbon/factors/", {"action": "derive", "base": "demo-2026.1", "version": "2025.2",
                                    "effective_from": "2025-01", "changes": "ef_grid 0.6"})
    assert r.status_code == 200 and not Factor.objects.filter(factor_set__version="2025.2").exists()
    page(world.officer).post("/carbon/factors/", {"action": "derive", "base": "demo-2026.1", "version": "x",
                                                  "effective_from": "2025-01", "changes": ""})
    assert not Factor.objects.filter(factor_set__version="x").exists()
    r = c.post(f"/carbon/?year=2025&unit={world.group.code}", {"indicator": "ghg.intensity", "target_year": "2030",
                                                                "value": "0.4"})
    assert r.status_code == 302 and Target.objects.get().value == D("0.4")
    page(world.officer).post("/carbon/?year=2025", {"indicator": "ghg.intensity", "target_year": "2030", "value": "9"})
    assert Target.objects.get().value == D("0.4")
