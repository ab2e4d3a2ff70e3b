"""Per-facility waste.*, water.* and transition.* indicators with hand-computed figures (facility page,
the dashboard's indicator table); CCUS evidence upload checked by content and reached from the
drill-down; every carbon upload judged by its content."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carbon import selectors, services
from carbon.choices import Indicator
from carbon.models import ActivityRecord, CcusMonth, CcusProject, Facility, MeasuredFactor
from core.errors import InvalidInput

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def t2(x) -> D | None:
    return None if x is None else D(x).quantize(D("0.01"))


def _year(world) -> None:
    """东山煤矿, January and February 2025, besides the usual month (conftest.month_values):
    gangue 1,000 t produced / 800 t used a month; mine water 50 / 20 (10⁴ m³); own PV 300 MWh a month
    (2,000 MWh bought); renewables 2.0 MW at the end of January, 2.5 MW at the end of February;
    intelligent faces 1, then 3. CCUS: 100 t captured in January (60 product, 30 stored)."""
    for m, mw, faces in ((1, "2.0", "1"), (2, "2.5", "3")):
        entries = {k: services.Entry(D(v)) for k, v in {
            "coal.underground": "100000", "ch4.vent": "300", "ch4.drain": "200", "ch4.util_power": "150",
            "fuel.diesel": "30", "elec.purchased": "2000", "gangue.produced": "1000", "gangue.used": "800",
            "water.discharged": "50", "water.used": "20", "renew.generation": "300", "renew.capacity": mw,
            "mine.smart_faces": faces}.items()}
        services.activity_save_month(facility=world.mine, month=date(2025, m, 1), entries=entries,
                                     acting_user=world.officer)
    project = CcusProject.objects.create(facility=world.mine, name="示范线")
    services.ccus_month_save(project=project, month=date(2025, 1, 1), captured=D(100), utilized=D(60), stored=D(30),
                             released=D(5), in_stock=D(5), acting_user=world.officer)
    # 西岭煤矿 (0.9 Mt/a) closed in 2025: backward capacity retired
    services.facility_update(facility=world.other, acting_user=world.admin,
                             changes={"status": "retired", "retired_on": date(2025, 6, 30)})


@pytest.mark.parametrize("with_run", [True, False])
def test_waste_water_transition_per_facility_hand_computed(world, with_run):
    _year(world)
    run = services.inventory_recompute(year=2025, acting_user=world.admin) if with_run else None
    ind = selectors.facility_indicators(Facility.objects.all(), 2025, run)
    mine, other = ind[world.mine.pk].values, ind[world.other.pk].values
    assert t2(mine[Indicator.GANGUE_USE]) == D("80.00")  # 1,600 / 2,000
    assert t2(mine[Indicator.WATER_USE]) == D("40.00")  # 40 / 100
    assert t2(mine[Indicator.RENEWABLE_SHARE]) == D("13.04")  # 600 / (4,000 + 600 − 0) = 13.043 %
    assert mine["transition.renewable_generation"] == D(600)
    assert mine["transition.renewable_capacity"] == D("2.5")  # year-end, not 4.5
    assert mine["transition.smart_faces"] == D(3)
    assert (mine["transition.ccus_captured"], mine["transition.ccus_utilized"], mine["transition.ccus_stored"]) == (
        D(100), D(60), D(30))
    assert mine[Indicator.CAPACITY_RETIRED] == 0 and other[Indicator.CAPACITY_RETIRED] == D("0.9")
    # nothing produced or used at 西岭: undefined ("—"), never 0 %
    assert other[Indicator.GANGUE_USE] is None and other[Indicator.WATER_USE] is None
    assert other[Indicator.RENEWABLE_SHARE] is None
    group = selectors.unit_indicators(Facility.objects.all(), world.group, 2025, run).values
    assert t2(group[Indicator.GANGUE_USE]) == D("80.00") and group[Indicator.CAPACITY_RETIRED] == D("0.9")
    assert group["transition.renewable_capacity"] == D("2.5") and group["transition.ccus_stored"] == D(30)


def test_facility_page_and_indicator_table_show_them(world):
    _year(world)
    services.inventory_recompute(year=2025, acting_user=world.admin)
    body = page(world.officer).get(f"/carbon/facilities/{world.mine.pk}/?year=2025").content.decode()
    assert 'data-testid="facility-indicators"' in body
    for figure in ("80.00", "40.00", "13.04", "2.50", "3.00", "100.00"):
        assert figure in body
    home = page(world.admin).get(f"/carbon/?year=2025&unit={world.group.code}").content.decode()
    assert 'data-testid="indicator-table"' in home
    row = home.split(f'data-facility="{world.mine.pk}"')[1].split("</tr>")[0]
    assert "80.00" in row and "40.00" in row and "13.04" in row
    other = home.split(f'data-facility="{world.other.pk}"')[1].split("</tr>")[0]
    assert "0.90" in other and "—" in other


def test_ccus_evidence_is_checked_by_content_and_reached_from_the_drill_down(world):
    project = CcusProject.objects.create(facility=world.mine, name="示范线")
    c = page(world.officer)
    data = {"month": "2025-03", "captured": "100", "utilized": "60", "stored": "30", "released": "5", "in_stock": "5"}
    c.post(f"/carbon/ccus/{project.pk}/month/", {**data, "evidence": SimpleUploadedFile("计量单.pdf", b"not a pdf")})
    assert not CcusMonth.objects.exists()  # a text file named .pdf is refused, nothing stored
    r = c.post(f"/carbon/ccus/{project.pk}/month/", {**data, "evidence": SimpleUploadedFile("计量单.pdf", PDF)},
               follow=True)
    assert "已保存" in r.content.decode()
    row = CcusMonth.objects.get()
    assert row.evidence
    drill = c.get("/carbon/drill/?year=2025&code=ccus").content.decode()
    assert f"/carbon/ccus/evidence/{row.pk}/" in drill and 'data-testid="ccus-drill"' in drill
    got = c.get(f"/carbon/ccus/evidence/{row.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert page(world.outsider).get(f"/carbon/ccus/evidence/{row.pk}/").status_code == 404
    # saving the month again without a file keeps its evidence
    services.ccus_month_save(project=project, month=date(2025, 3, 1), captured=D(100), utilized=D(70), stored=D(30),
                             released=D(0), in_stock=D(0), acting_user=world.officer)
    assert CcusMonth.objects.get().evidence.name == row.evidence.name
    methane = c.get("/carbon/methane/?year=2025").content.decode()
    assert 'enctype="multipart/form-data"' in methane and f"/carbon/ccus/evidence/{row.pk}/" in methane


def test_activity_and_lab_report_uploads_are_judged_by_content(world):
    fake = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 this is an executable")
    r = page(world.officer).post(f"/carbon/facilities/{world.mine.pk}/2025-01/",
                                 {"elec.purchased": "2000", "elec.purchased__evidence": fake})
    assert r.status_code == 422 and not ActivityRecord.objects.exists()
    with pytest.raises(InvalidInput):
        services.measured_factor_add(facility=world.mine, code="diesel.ncv", value=D("43.1"),
                                     month_from=date(2025, 1, 1), month_to=date(2025, 1, 1),
                                     evidence=SimpleUploadedFile("化验单.pdf", b"plain text"), acting_user=world.officer)
    assert not MeasuredFactor.objects.exists()
    mf = services.measured_factor_add(facility=world.mine, code="diesel.ncv", value=D("43.1"),
                                      month_from=date(2025, 1, 1), month_to=date(2025, 1, 1),
                                      evidence=SimpleUploadedFile("化验单.pdf", PDF), acting_user=world.officer)
    assert mf.evidence.read() == PDF


def test_factors_to_verify_stay_versioned_data_with_their_source(world):
    from carbon.models import Factor

    demo = {f.code: f for f in world.factors.factors.all()}
    # the values carbon-rules.md marks (verify) are shipped labelled so, each with its source
    for code in ("of_flare", "ef_grid", "diesel.ncv", "natural_gas.cc", "ef_post.high", "ef_surface.low",
                 "tce.natural_gas", "limit.raw_coal_energy.underground"):
        assert demo[code].to_verify and demo[code].source, code
    assert all(f.source for f in demo.values()) and world.factors.is_demo
    new = services.factor_set_derive(base=world.factors, version="2025.1", changes={"ef_grid": D("0.5810")},
                                     acting_user=world.admin, source="生态环境部 2025")
    got = {f.code: f for f in new.factors.all()}
    assert got["ef_grid"].value == D("0.5810") and got["ef_grid"].source == "生态环境部 2025"
    assert got["of_flare"].to_verify and got["of_flare"].source == demo["of_flare"].source
    assert Factor.objects.get(factor_set=world.factors, code="ef_grid").value == D("0.5703")  # never edited in place


def test_report_activity_table_gives_year_end_stocks_not_sums(world):
    from carbon import exports

    _year(world)
    services.inventory_recompute(year=2025, acting_user=world.admin)
    rep = services.report_create(entity=world.company, year=2025, acting_user=world.company_leader)
    rows = {r[0]: r for r in exports.report_tables(rep)["activity"][1]}
    assert rows["renew.capacity"][2] == D("2.5") and rows["mine.smart_faces"][2] == D(3)  # not 4.5 and 4
    assert rows["renew.generation"][2] == D(600) and rows["gangue.produced"][2] == D(2000)
