"""carbon.services on the database: activity data, factors with measured overrides, inventory
versions and diffs, locks, imports (all or nothing), CCUS balance. Hand-computed figures in comments.

A plain month of the mine (conftest.month_values), high-gas class, demo factors:
  ghg.fuel        30 t diesel × 42.652 × 0.02020 × 0.98 × 44/12 = 92.88 t CO2
  ghg.ch4_underground (300 + 200 − 150) × 7.17 = 2,509.50 t CH4
  ghg.ch4_post    100,000 t × 4.0 m³/t / 10⁴ × 7.17 = 286.80 t CH4
  ghg.electricity 2,000 MWh × 0.5703 = 1,140.60 t CO2
  total (SAR)     (2,509.50 + 286.80) × 21 + 92.88 + 1,140.60 = 59,955.78 t CO2e
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from audit.models import AuditEvent
from carbon import services
from carbon.imports import import_form_xlsx, import_gas_csv
from carbon.models import ActivityRecord, CcusProject, InventoryResult
from core.errors import InvalidInput, InvalidState, NotAllowed
from tests.carbon.conftest import fill_year, month_values

pytestmark = pytest.mark.django_db


def t2(x) -> D:
    return D(x).quantize(D("0.01"))


def sums(run, **filters) -> dict[str, D]:
    qs = InventoryResult.objects.filter(run=run, **filters)
    return {c: t for c, t in qs.values("code").annotate(t=Sum("co2e")).values_list("code", "t")}


def test_one_month_worked_example(world):
    fill_year(world, 2025, months=[1])
    run = services.inventory_recompute(year=2025, acting_user=world.admin)
    by = {r.code: r for r in InventoryResult.objects.filter(run=run)}
    assert t2(by["ghg.fuel"].tonnes) == D("92.88")
    assert t2(by["ghg.ch4_underground"].tonnes) == D("2509.50")
    assert t2(by["ghg.ch4_post"].tonnes) == D("286.80")
    assert t2(by["ghg.electricity"].tonnes) == D("1140.60")
    assert t2(run.totals["co2e"]) == D("59955.78")
    # energy.tce: 30 × 1.4571 + 2,000 × 0.1229 = 289.51 tce
    assert t2(by["energy.tce"].tonnes) == D("289.51")
    # the result explains itself and traces to the activity rows
    ex = by["ghg.electricity"].explanation
    assert ex["k"] == [["ef_grid", "0.57030000", "demo-2026.1"]]
    rows = ActivityRecord.objects.filter(pk__in=ex["r"])
    assert {r.quantity for r in rows} == {"elec.purchased"}


def test_net_electricity_supplied_out_is_negative(world):
    fill_year(world, 2025, months=[1], elec__supplied="5000")
    run = services.inventory_recompute(year=2025, acting_user=world.admin)
    # (2,000 − 5,000) × 0.5703 = −1,710.90 t
    assert t2(sums(run)["ghg.electricity"]) == D("-1710.90")


def test_all_drained_gas_utilized_and_zero_output(world):
    fill_year(world, 2025, months=[1], ch4__util_power="200", coal__underground="0")
    run = services.inventory_recompute(year=2025, acting_user=world.admin)
    by = {r.code: r for r in InventoryResult.objects.filter(run=run)}
    assert t2(by["ghg.ch4_underground"].tonnes) == D("2151.00")  # 300 × 7.17
    assert by["ghg.ch4_post"].tonnes == 0


def test_measured_factor_overrides_default_for_one_month_only(world):
    fill_year(world, 2025, months=[2, 3, 4])
    services.measured_factor_add(facility=world.mine, code="diesel.ncv", value=D("40.000"), month_from=date(2025, 3, 1),
                                 month_to=date(2025, 3, 1), evidence=SimpleUploadedFile("lab.pdf", b"%PDF-1.4"),
                                 acting_user=world.officer, unit="GJ/t")
    run = services.inventory_recompute(year=2025, acting_user=world.admin)
    fuel = {r.month.month: r for r in InventoryResult.objects.filter(run=run, code="ghg.fuel")}
    # March: 30 × 40.000 × 0.02020 × 0.98 × 44/12 = 87.10 t; February and April the default 92.88 t
    assert t2(fuel[3].tonnes) == D("87.10")
    assert t2(fuel[2].tonnes) == D("92.88") and t2(fuel[4].tonnes) == D("92.88")
    assert any(k[2].startswith("measured:") for k in fuel[3].explanation["k"])
    assert not any(k[2].startswith("measured:") for k in fuel[4].explanation["k"])


def test_measured_factor_needs_its_lab_report(world):
    with pytest.raises(InvalidInput):
        services.measured_factor_add(facility=world.mine, code="diesel.ncv", value=D("40"), month_from=date(2025, 3, 1),
                                     month_to=date(2025, 3, 1), evidence=None, acting_user=world.officer)


def test_recompute_unchanged_is_a_new_version_with_no_differences(world):
    fill_year(world, 2025)
    v1 = services.inventory_recompute(year=2025, acting_user=world.admin)
    v2 = services.inventory_recompute(year=2025, acting_user=world.admin)
    assert (v1.version, v2.version) == (1, 2)
    assert services.run_diff(v1, v2) == []
    assert v1.totals == v2.totals


def test_new_factor_version_changes_exactly_the_results_that_used_it_and_never_a_locked_run(world):
    fill_year(world, 2025)
    v1 = services.inventory_recompute(year=2025, acting_user=world.admin)
    v1.locked = True
    v1.save()
    before = list(InventoryResult.objects.filter(run=v1).values_list("pk", "co2e", "explanation"))
    services.factor_set_derive(base=world.factors, version="demo-2026.2", changes={"ef_grid": D("0.5810")},
                               acting_user=world.admin, source="2025年电网排放因子")
    v2 = services.inventory_recompute(year=2025, acting_user=world.admin, reason="电网因子更新")
    diff = services.run_diff(v1, v2)
    # only electricity changed: 12 × 2,000 × (0.5810 − 0.5703) = 256.80 t
    assert [(d.code, t2(d.delta)) for d in diff] == [("ghg.electricity", D("256.80"))]
    assert list(InventoryResult.objects.filter(run=v1).values_list("pk", "co2e", "explanation")) == before
    changed = {r.code for r in InventoryResult.objects.filter(run=v2) if "demo-2026.2" in {k[2] for k in r.explanation["k"]}}
    assert "ghg.electricity" in changed


def test_factor_versions_are_never_reused(world):
    with pytest.raises(InvalidInput):
        services.factor_set_derive(base=world.factors, version="demo-2026.1", changes={}, acting_user=world.admin)


def test_impossible_month_is_refused_naming_the_field_and_nothing_is_stored(world):
    with pytest.raises(InvalidInput) as err:
        services.activity_save_month(facility=world.mine, month=date(2025, 1, 1),
                                     entries=month_values(ch4__util_power="600"), acting_user=world.officer)
    assert err.value.details["field"] == "ch4_utilized"
    assert "瓦斯" in err.value.message
    assert not ActivityRecord.objects.exists()


def test_negative_and_future_months_refused(world):
    with pytest.raises(InvalidInput):
        services.activity_save_month(facility=world.mine, month=date(2025, 1, 1),
                                     entries=month_values(fuel__diesel="-1"), acting_user=world.officer)
    with pytest.raises(InvalidInput):
        services.activity_save_month(facility=world.mine, month=date(2099, 1, 1), entries=month_values(),
                                     acting_user=world.officer)


def test_outlier_against_history_flagged_then_corrected(world):
    fill_year(world, 2025, months=[1, 2, 3, 4])
    out = services.activity_save_month(facility=world.mine, month=date(2025, 5, 1),
                                       entries=month_values(fuel__diesel="300"), acting_user=world.officer)
    assert set(out.outliers) == {"fuel.diesel"}
    assert ActivityRecord.objects.get(month=date(2025, 5, 1), quantity="fuel.diesel").outlier
    with pytest.raises(InvalidState):  # an unexplained outlier cannot be approved
        services.activity_approve_month(facility=world.mine, month=date(2025, 5, 1), acting_user=world.leader)
    out = services.activity_save_month(facility=world.mine, month=date(2025, 5, 1),
                                       entries={"fuel.diesel": services.Entry(D("31"))}, acting_user=world.officer)
    assert out.outliers == {}
    assert not ActivityRecord.objects.get(month=date(2025, 5, 1), quantity="fuel.diesel").outlier


def test_approval_is_four_eyes_and_audited(world):
    fill_year(world, 2025, months=[1])
    with pytest.raises(NotAllowed):
        services.activity_approve_month(facility=world.mine, month=date(2025, 1, 1), acting_user=world.officer)
    assert services.activity_approve_month(facility=world.mine, month=date(2025, 1, 1), acting_user=world.leader) == 6
    assert AuditEvent.objects.filter(action="carbon.activity.approve").count() == 1
    # a changed figure loses its approval
    services.activity_save_month(facility=world.mine, month=date(2025, 1, 1),
                                 entries={"fuel.diesel": services.Entry(D("32"))}, acting_user=world.officer)
    assert ActivityRecord.objects.get(month=date(2025, 1, 1), quantity="fuel.diesel").approved_at is None


def test_outsider_cannot_enter(world):
    with pytest.raises(NotAllowed):
        services.activity_save_month(facility=world.mine, month=date(2025, 1, 1), entries=month_values(),
                                     acting_user=world.outsider)


def test_missing_months(world):
    fill_year(world, 2025, months=[1, 2, 4])
    gaps = services.missing_months(world.mine, 2025, today=date(2025, 6, 15))
    assert sorted(m.month for m in gaps) == [3, 5]
    assert "ch4.vent" in gaps[date(2025, 3, 1)]


def test_gas_csv_import_sums_daily_totals_to_pure_monthly(world):
    code = world.mine.unit.code
    data = ("日期,单位代码,类型,混合量(m³),浓度(%)\n"
            f"2025-01-01,{code},风排,1000000,0.5\n"
            f"2025-01-02,{code},风排,2000000,0.5\n"
            f"2025-01-01,{code},抽采,100000,40\n").encode()
    result = import_gas_csv(data, acting_user=world.officer)
    assert result.ok and result.saved == 2
    # 1,000,000 × 0.5 % + 2,000,000 × 0.5 % = 15,000 m³ = 1.5 × 10⁴; 100,000 × 40 % = 4 × 10⁴
    got = dict(ActivityRecord.objects.values_list("quantity", "value"))
    assert got == {"ch4.vent": D("1.5"), "ch4.drain": D("4")}


def test_gas_csv_with_one_bad_row_imports_nothing(world):
    code = world.mine.unit.code
    data = ("日期,单位代码,类型,混合量(m³),浓度(%)\n"
            f"2025-01-01,{code},风排,1000000,0.5\n"
            f"2025-01-02,{code},风排,2000000,120\n"
            f"2025-01-03,NOPE,风排,1,1\n").encode()
    result = import_gas_csv(data, acting_user=world.officer)
    assert [(e.row, e.column) for e in result.errors] == [(3, "concentration"), (4, "单位代码")]
    assert not ActivityRecord.objects.exists()


def test_gas_csv_refused_by_the_engine_rolls_back_every_month(world):
    code = world.mine.unit.code
    # February passes, March utilizes more than drained+vented (set beforehand) → nothing stored
    services.activity_save_month(facility=world.mine, month=date(2025, 3, 1),
                                 entries={"ch4.vent": services.Entry(D("100")), "ch4.util_power": services.Entry(D("50"))},
                                 acting_user=world.officer)
    data = ("日期,单位代码,类型,混合量(m³),浓度(%)\n"
            f"2025-02-01,{code},风排,1000000,1\n"
            f"2025-03-01,{code},风排,1000000,1\n").encode()
    result = import_gas_csv(data, acting_user=world.officer)
    assert not result.ok and result.errors[0].row == 3
    assert ActivityRecord.objects.count() == 2
    assert ActivityRecord.objects.get(quantity="ch4.vent").value == D(100)


def _xlsx(rows) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位代码", "月份", "项目", "数值", "数据层级", "说明"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_form_import_and_row_errors(world):
    code = world.mine.unit.code
    good = _xlsx([[code, "2025-01", "fuel.diesel", 30, "实测", ""], [code, "2025-01", "购入电力", 2000, "计算", "发票"]])
    result = import_form_xlsx(good, acting_user=world.officer)
    assert result.ok and result.saved == 2
    assert ActivityRecord.objects.get(quantity="elec.purchased").tier == "calculated"
    bad = _xlsx([[code, "2025-02", "fuel.diesel", 30, "实测", ""], [code, "2025-13", "fuel.diesel", 1, "", ""],
                 [code, "2025-02", "煤气", 1, "", ""], [code, "2025-02", "fuel.gasoline", -1, "", ""]])
    result = import_form_xlsx(bad, acting_user=world.officer)
    assert [e.row for e in result.errors] == [3, 4, 5]
    assert ActivityRecord.objects.count() == 2


def test_ccus_month_must_balance(world):
    project = CcusProject.objects.create(facility=world.other, name="示范线")
    with pytest.raises(InvalidInput) as err:
        services.ccus_month_save(project=project, month=date(2025, 1, 1), captured=D(100), utilized=D(80),
                                 stored=D(0), released=D(0), in_stock=D(10), acting_user=world.admin)
    assert err.value.details["field"] == "captured"
    row = services.ccus_month_save(project=project, month=date(2025, 1, 1), captured=D(100), utilized=D(85),
                                   stored=D(0), released=D(2), in_stock=D(13), acting_user=world.admin)
    assert row.balance_gap() == 0


def test_ccus_is_a_memo_item_not_subtracted(world):
    fill_year(world, 2025, months=[1])
    before = services.inventory_recompute(year=2025, acting_user=world.admin).totals["co2e"]
    project = CcusProject.objects.create(facility=world.mine, name="示范线")
    services.ccus_month_save(project=project, month=date(2025, 1, 1), captured=D(100), utilized=D(100),
                             stored=D(0), released=D(0), in_stock=D(0), acting_user=world.admin)
    assert services.inventory_recompute(year=2025, acting_user=world.admin).totals["co2e"] == before
