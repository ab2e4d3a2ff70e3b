"""Methodology choices stored on the run (flaring's unburnt CH4, CCUS deduction) and shown where the
figures are explained; recomputation as an idempotent background job equal to the synchronous service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.test import Client

from carbon import exports, services
from carbon.models import CcusProject, InventoryResult, InventoryRun
from core.errors import InvalidInput
from core.jobs import job_run
from core.models import BackgroundJob
from tests.carbon.conftest import fill_year

pytestmark = pytest.mark.django_db


def page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def t2(x) -> D:
    return D(x).quantize(D("0.01"))


def _ccus(world) -> CcusProject:
    project = CcusProject.objects.create(facility=world.mine, name="示范线", product="碳纳米管")
    # January: 100 t captured = 60 into product + 30 stored + 5 released + 5 in stock
    services.ccus_month_save(project=project, month=date(2025, 1, 1), captured=D(100), utilized=D(60), stored=D(30),
                             released=D(5), in_stock=D(5), acting_user=world.officer)
    return project


def test_ccus_deduction_is_a_choice_of_the_run_with_hand_computed_totals(world):
    fill_year(world, 2025, months=[1])
    _ccus(world)
    memo = services.inventory_recompute(year=2025, acting_user=world.admin)
    stored = services.inventory_recompute(year=2025, acting_user=world.admin, ccus_method="stored")
    both = services.inventory_recompute(year=2025, acting_user=world.admin, ccus_method="stored_utilized")
    # the month without CCUS: 59,955.78 t CO2e (test_reports_scenarios); stored 30 t; + 60 t in product
    assert t2(memo.totals["co2e"]) == D("59955.78")
    assert t2(stored.totals["co2e"]) == D("59925.78") and t2(stored.totals["scope1"]) == t2(memo.totals["scope1"]) - 30
    assert t2(both.totals["co2e"]) == D("59865.78")
    assert (memo.ccus_method, stored.ccus_method, both.ccus_method) == ("memo", "stored", "stored_utilized")
    row = InventoryResult.objects.get(run=both, code="ghg.ccus")
    assert row.co2e == D(-90) and row.explanation["i"] == {"stored": "30.000", "utilized": "60.000"}
    assert not InventoryResult.objects.filter(run=memo, code="ghg.ccus").exists()
    # the diff names what the choice changed, and nothing else
    assert [(d.code, d.delta) for d in services.run_diff(memo, stored)] == [("ghg.ccus", D(-30))]
    with pytest.raises(InvalidInput):
        services.inventory_recompute(year=2025, acting_user=world.admin, ccus_method="subtract_everything")


def test_unburnt_flare_ch4_counts_only_when_the_run_says_so(world):
    fill_year(world, 2025, months=[1], ch4__flared="10")
    plain = services.inventory_recompute(year=2025, acting_user=world.admin)
    counted = services.inventory_recompute(year=2025, acting_user=world.admin, count_unburnt_ch4=True)
    # unburnt CH4 = 10 × (1 − 0.98) × 7.17 = 1.434 t, × GWP 21 = 30.114 t CO2e
    assert D(counted.totals["co2e"]) - D(plain.totals["co2e"]) == D("30.114")
    assert D(counted.totals["ch4_t"]) - D(plain.totals["ch4_t"]) == D("1.434")
    assert counted.count_unburnt_ch4 and not plain.count_unburnt_ch4


def test_methodology_is_chosen_on_the_pages_and_shown_in_the_explanation(world, django_capture_on_commit_callbacks):
    fill_year(world, 2025, months=[1])
    _ccus(world)
    c = page(world.admin)
    form = c.get("/carbon/runs/?year=2025").content.decode()
    assert 'name="ccus_method"' in form and 'name="count_unburnt_ch4"' in form
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/carbon/runs/?year=2025", {"gwp_set": "SAR", "ccus_method": "stored", "count_unburnt_ch4": "1",
                                               "reason": "方法学比较"})
    assert r.status_code == 302
    run = InventoryRun.objects.get(year=2025)
    assert run.ccus_method == "stored" and run.count_unburnt_ch4 and run.reason == "方法学比较"
    runs_page = c.get("/carbon/runs/?year=2025").content.decode()
    assert "扣减封存量" in runs_page and "火炬未燃尽CH4：计入" in runs_page
    drill = c.get("/carbon/drill/?year=2025&code=ghg.ccus").content.decode()
    assert "扣减封存量" in drill and "-30.00" in drill
    # a report is started on a chosen run and says which choices it rests on (page and .docx)
    memo_run = services.inventory_recompute(year=2025, acting_user=world.admin)
    r = page(world.company_leader).post("/carbon/reports/?year=2025", {"entity": world.company.code, "year": "2025",
                                                                       "run": str(run.pk)})
    assert r.status_code == 302
    rep = run.reports.get()
    assert rep.run_id == run.pk != memo_run.pk
    body = page(world.company_leader).get(r["Location"]).content.decode()
    assert "按所选方法学从范围一排放中扣减：扣减封存量" in body and "火炬未燃尽的CH4计入排放" in body
    assert "扣减封存量" in exports.methodology_text(rep.run)
    r = page(world.company_leader).post("/carbon/reports/?year=2025", {"entity": world.group.code, "year": "2024",
                                                                       "run": str(run.pk)})
    assert r.status_code == 200 and "所选版本不属于该年度" in r.content.decode()


def test_recompute_job_makes_the_same_version_as_the_synchronous_service(world, django_capture_on_commit_callbacks):
    fill_year(world, 2025, months=[1, 2])
    fill_year(world, 2025, months=[1], facility=world.other)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.inventory_recompute_start(year=2025, acting_user=world.admin, gwp_set="AR5", reason="任务")
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.percent == 100
    by_job = InventoryRun.objects.get(job_id=job.public_id)
    sync = services.inventory_recompute(year=2025, acting_user=world.admin, gwp_set="AR5", reason="任务")
    assert (by_job.version, sync.version) == (1, 2)
    assert by_job.totals == sync.totals and services.run_diff(by_job, sync) == []
    assert by_job.results.count() == sync.results.count() > 0
    assert job.result == {"run": by_job.pk, "year": 2025, "version": 1, "co2e": by_job.totals["co2e"]}
    # idempotent: the job run again, or the service called with its id, makes no further version
    assert job_run(job.pk).status == BackgroundJob.Status.DONE
    again = services.inventory_recompute(year=2025, acting_user=world.admin, gwp_set="AR5", job_id=job.public_id)
    assert again.pk == by_job.pk and InventoryRun.objects.filter(year=2025).count() == 2
    # the platform's progress page tells the administrator what came out
    body = page(world.admin).get(f"/jobs/{job.public_id}/").content.decode()
    assert "已生成2025年第1版核算结果" in body


def test_a_recompute_whose_worker_died_is_queued_again_and_makes_one_version(world, settings,
                                                                          django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from core.jobs import reclaim_stale_jobs

    fill_year(world, 2025, months=[1])
    job = services.inventory_recompute_start(year=2025, acting_user=world.admin)  # queued, not run (no commit)
    # As if a worker had claimed it and been killed before its transaction committed.
    BackgroundJob.objects.filter(pk=job.pk).update(status=BackgroundJob.Status.RUNNING, attempts=1,
                                                   heartbeat_at=timezone.now() - timedelta(hours=2))
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert reclaim_stale_jobs(now=later) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.result["version"] == 1
    assert InventoryRun.objects.filter(year=2025).count() == 1


def test_the_same_recompute_asked_twice_while_queued_is_one_job(world):
    fill_year(world, 2025, months=[1])
    first = services.inventory_recompute_start(year=2025, acting_user=world.admin, ccus_method="stored")
    second = services.inventory_recompute_start(year=2025, acting_user=world.admin, ccus_method="stored")
    other = services.inventory_recompute_start(year=2025, acting_user=world.admin)
    assert first.pk == second.pk != other.pk
    assert BackgroundJob.objects.filter(kind=services.RECOMPUTE_JOB).count() == 2
    with pytest.raises(InvalidInput):
        services.inventory_recompute_start(year=2025, acting_user=world.admin, gwp_set="AR9")
    assert not InventoryRun.objects.exists()  # nothing ran inside the request


def test_ccus_deduction_worked_example_and_refusals():
    from tongxin.lib import ghg

    r = ghg.ccus_deduction(D("30"), D("60"), "stored")
    assert (r.code, r.gas, r.scope, r.tonnes) == ("ghg.ccus", "CO2", 1, D("-30.000000"))
    assert ghg.ccus_deduction(D("30"), D("60"), "stored_utilized").tonnes == D(-90)
    assert ghg.ccus_deduction(D(0), D(0), "stored").tonnes == 0
    with pytest.raises(ghg.ActivityError) as err:
        ghg.ccus_deduction(D(-1), D(0), "stored")
    assert err.value.field == "ccus_stored"
    with pytest.raises(ghg.ActivityError):
        ghg.ccus_deduction(D(1), D(0), "memo")  # the memo item never subtracts


def test_every_headline_figure_drills_down(world):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    c = page(world.admin)
    home = c.get(f"/carbon/?year=2025&unit={world.group.code}").content.decode()
    for testid in ("fig-total", "fig-scope1", "fig-scope2", "fig-ch4", "fig-output", "fig-intensity", "fig-tce"):
        href = home.split(f'data-testid="{testid}" href="')[1].split('"')[0].replace("&amp;", "&")
        body = c.get(href).content.decode()
        assert 'data-testid="result"' in body, testid
    scope2 = c.get(f"/carbon/drill/?year=2025&unit={world.group.code}&scope=2").content.decode()
    assert "ghg.electricity" in scope2 and "ghg.fuel" not in scope2
    ch4 = c.get(f"/carbon/drill/?year=2025&unit={world.group.code}&gas=CH4").content.decode()
    assert "ghg.ch4_underground" in ch4 and "ghg.electricity" not in ch4
