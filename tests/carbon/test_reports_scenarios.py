"""Indicators and targets (traffic lights, trajectory, GB 29444), the report workflow with its audit
trail and lock, and scenarios on the same engine (hand-computed deltas in comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from audit.models import AuditEvent
from carbon import exports, selectors, services
from carbon.choices import Indicator, ReportState
from carbon.models import Facility, InventoryRun, Report
from carbon.scenarios import ScenarioParams, run_scenario
from core.errors import InvalidInput, InvalidState, NotAllowed
from tests.carbon.conftest import fill_year

pytestmark = pytest.mark.django_db


def t2(x) -> D:
    return D(x).quantize(D("0.01"))


def test_traffic_lights():
    assert selectors.light(Indicator.INTENSITY, D("0.5"), D("0.6")) == "green"
    assert selectors.light(Indicator.INTENSITY, D("0.62"), D("0.6")) == "amber"  # within 5 %
    assert selectors.light(Indicator.INTENSITY, D("0.7"), D("0.6")) == "red"
    assert selectors.light(Indicator.CH4_UTILIZATION, D("60"), D("55")) == "green"
    assert selectors.light(Indicator.CH4_UTILIZATION, D("50"), D("55")) == "red"
    assert selectors.light(Indicator.CH4_UTILIZATION, None, D("55")) == "grey"


def test_indicators_targets_and_gb29444(world):
    fill_year(world, 2025, months=[1])
    run = services.inventory_recompute(year=2025, acting_user=world.admin)
    services.target_set(unit=world.group, year=2025, indicator=Indicator.CH4_UTILIZATION, value=D(80),
                        acting_user=world.admin)
    ind = selectors.unit_indicators(Facility.objects.all(), world.group, 2025, run)
    # 利用率 150 / 200 = 75 %; 抽采率 200 / 500 = 40 %; intensity 59,955.78 / 100,000 = 0.60 t/t
    assert ind.values[Indicator.CH4_UTILIZATION] == D(75)
    assert ind.values[Indicator.CH4_DRAINAGE] == D(40)
    assert t2(ind.values[Indicator.INTENSITY]) == D("0.60")
    assert ind.values[Indicator.GANGUE_USE] is None  # nothing produced: undefined, never 0 %
    rows = {r.indicator: r for r in selectors.target_rows(world.group, 2025, ind)}
    assert rows[Indicator.CH4_UTILIZATION].light == "red" and rows[Indicator.CH4_UTILIZATION].gap == D(-5)
    limits = {r["facility"].pk: r for r in selectors.gb29444(Facility.objects.all(), 2025, run)}
    # 289.513 tce × 1000 / 100,000 t = 2.90 kgce/t ≤ 11.8: within the limit
    assert t2(limits[world.mine.pk]["value"]) == D("2.90") and limits[world.mine.pk]["ok"] is True
    assert limits[world.other.pk]["value"] is None  # no output: "—"


def test_trajectory_to_2030(world):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    services.target_set(unit=world.group, year=2030, indicator=Indicator.TOTAL, value=D("9955.78"),
                        acting_user=world.admin)
    tr = selectors.trajectory(world.group, Facility.objects.all(), Indicator.TOTAL)
    path = dict(zip(tr["years"], tr["path"], strict=True))
    # straight line from 59,955.78 (2025) to 9,955.78 (2030): −10,000 a year
    assert t2(path[2025]) == D("59955.78") and t2(path[2027]) == D("39955.78") and t2(path[2030]) == D("9955.78")


def _report_ready(world) -> Report:
    fill_year(world, 2025)
    fill_year(world, 2025, facility=world.other)
    for fac in (world.mine, world.other):
        for m in range(1, 13):
            services.activity_approve_month(facility=fac, month=date(2025, m, 1), acting_user=world.admin)
    services.inventory_recompute(year=2025, acting_user=world.admin)
    return services.report_create(entity=world.company, year=2025, acting_user=world.company_leader)


def test_report_refuses_submission_while_data_is_missing(world):
    fill_year(world, 2025, months=[1])
    services.inventory_recompute(year=2025, acting_user=world.admin)
    rep = services.report_create(entity=world.company, year=2025, acting_user=world.admin)
    with pytest.raises(InvalidState) as err:
        services.report_submit(report=rep, acting_user=world.admin)
    assert "缺少" in err.value.message


def test_report_workflow_draft_to_verified_audited_and_locked(world, django_capture_on_commit_callbacks):
    from petitions.models import Notification

    rep = _report_ready(world)
    with pytest.raises(NotAllowed):
        services.report_submit(report=rep, acting_user=world.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=rep, acting_user=world.company_leader)
    assert Notification.objects.filter(user=world.verifier, text__contains="已提交核查").count() == 1
    with pytest.raises(NotAllowed):  # only the verifier records findings
        services.report_add_finding(report=rep, text="x", acting_user=world.company_leader)
    finding = services.report_add_finding(report=rep, text="2025年3月柴油发票缺失", acting_user=world.verifier)
    with pytest.raises(InvalidState):
        services.report_verify(report=rep, acting_user=world.verifier)
    with pytest.raises(InvalidInput):
        services.report_correct(report=rep, responses={}, acting_user=world.company_leader)
    services.report_correct(report=rep, responses={finding.pk: "已补充发票扫描件"}, acting_user=world.company_leader)
    services.report_verify(report=rep, acting_user=world.verifier)
    rep.refresh_from_db()
    assert rep.state == ReportState.VERIFIED and rep.run.locked
    actions = list(AuditEvent.objects.filter(target_type="carbon.report", target_id=str(rep.pk))
                   .order_by("at", "id").values_list("action", flat=True))
    assert actions == ["carbon.report.create", "carbon.report.submit", "carbon.report.finding",
                       "carbon.report.correct", "carbon.report.verify"]
    with pytest.raises(InvalidState):
        services.report_submit(report=rep, acting_user=world.company_leader)
    # a later correction: a recomputation is a new run; the report a new version; the locked ones stay
    locked_totals = rep.run.totals
    new_run = services.inventory_recompute(year=2025, acting_user=world.admin, reason="更正")
    v2 = services.report_create(entity=world.company, year=2025, acting_user=world.company_leader)
    assert (v2.version, v2.previous_id, v2.run_id) == (2, rep.pk, new_run.pk)
    assert InventoryRun.objects.get(pk=rep.run_id).totals == locked_totals


def test_report_exports(world):
    rep = _report_ready(world)
    docx = exports.report_docx(rep)
    xlsx = exports.report_xlsx(rep)
    assert docx[:2] == b"PK" and xlsx[:2] == b"PK"
    import io

    from docx import Document
    from openpyxl import load_workbook

    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    for heading in ("报告主体", "核算边界", "温室气体排放", "活动水平数据及来源", "排放因子及来源", "不确定性说明"):
        assert heading in text
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["CCUS备忘项", "核算边界", "分排放源", "分设施", "活动水平数据", "数据层级", "排放因子"]


def test_scenario_ch4_utilization_pv_retire_output(world):
    fill_year(world, 2025, months=[1])
    services.target_set(unit=world.group, year=2025, indicator=Indicator.TOTAL, value=D(50000), acting_user=world.admin)

    def delta(**p) -> D:
        out = run_scenario(world.group, 2025, ScenarioParams.from_dict(p))
        return t2(out["co2e"]["delta"])

    # +20 points of 200 drained = 40 more utilized: −40 × 7.17 × 21 = −6,022.80 t CO2e
    assert delta(ch4_points="20", ch4_facilities=[world.mine.pk]) == D("-6022.80")
    # not chosen: nothing changes
    assert delta(ch4_points="20", ch4_facilities=[world.other.pk]) == D("0.00")
    # 500 MWh of PV instead of grid: −500 × 0.5703 = −285.15
    assert delta(pv_mwh="500") == D("-285.15")
    # retire the mine from January: its whole month goes
    assert delta(retire={str(world.mine.pk): "2025-01-01"}) == D("-59955.78")
    # output +10 %: every figure of the mine × 1.1 → +5,995.58
    assert delta(output_pct="10") == D("5995.58")
    out = run_scenario(world.group, 2025, ScenarioParams.from_dict({"ch4_points": "20", "ch4_facilities": [world.mine.pk]}))
    assert t2(out["co2e"]["gap_baseline"]) == D("9955.78") and t2(out["co2e"]["gap_scenario"]) == D("3932.98")


def test_scenario_saved_and_params_validated(world):
    fill_year(world, 2025, months=[1])
    sc = services.scenario_save(name="瓦斯利用", scope_unit=world.group, year=2025,
                                params={"ch4_points": "20", "ch4_facilities": [world.mine.pk]}, acting_user=world.admin)
    assert t2(sc.outcome["co2e"]["delta"]) == D("-6022.80")
    with pytest.raises(InvalidInput):
        ScenarioParams.from_dict({"ch4_points": "120"})
    with pytest.raises(InvalidInput):
        ScenarioParams.from_dict({"gwp_set": "AR9"})


def test_scenario_from_a_current_run_equals_the_computed_one(world):
    fill_year(world, 2025, months=[1, 2])
    fill_year(world, 2025, months=[1], facility=world.other)
    p = ScenarioParams.from_dict({"ch4_points": "20", "ch4_facilities": [world.mine.pk]})
    computed = run_scenario(world.group, 2025, p)
    assert computed["baseline_from"] == "computed"
    services.inventory_recompute(year=2025, acting_user=world.admin)
    stored = run_scenario(world.group, 2025, p)
    assert stored["baseline_from"] == "stored"
    for key in ("co2e", "scope1", "scope2", "ch4_t", "output_t", "intensity"):
        assert D(stored[key]["baseline"]) == D(computed[key]["baseline"]), key
        assert D(stored[key]["scenario"]) == D(computed[key]["scenario"]), key
    p2 = ScenarioParams.from_dict({"pv_mwh": "500", "output_pct": "10"})
    assert D(run_scenario(world.group, 2025, p2)["co2e"]["delta"]) == D(
        run_scenario(world.group, 2025, p2)["co2e"]["delta"])
    # a figure entered after the run: the baseline is computed again
    fill_year(world, 2025, months=[3])
    assert run_scenario(world.group, 2025, p)["baseline_from"] == "computed"
