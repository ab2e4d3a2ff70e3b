"""tongxin.lib.ghg: one worked example per formula code, figures computed by hand (to 0.01 t) in the
comments, with the boundaries; then the properties (partition, order, recomputation, factor
versions, unit round trips)."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.lib import ghg
from tongxin.lib.ghg import ActivityError, Factor, Factors

DEMO = {
    "rho_ch4": "7.17", "rho_co2": "19.7", "of_flare": "0.98", "ef_grid": "0.5703", "ef_heat": "0.11",
    "bituminous.ncv": "23.204", "bituminous.cc": "0.02618", "bituminous.of": "0.93",
    "anthracite.ncv": "24.515", "anthracite.cc": "0.02749", "anthracite.of": "0.94",
    "washed_coal.ncv": "26.344", "washed_coal.cc": "0.02541", "washed_coal.of": "0.90",
    "diesel.ncv": "42.652", "diesel.cc": "0.02020", "diesel.of": "0.98",
    "gasoline.ncv": "43.070", "gasoline.cc": "0.01890", "gasoline.of": "0.98",
    "natural_gas.ncv": "389.31", "natural_gas.cc": "0.01532", "natural_gas.of": "0.99",
    "ef_post.low": "0.9", "ef_post.average": "2.5", "ef_post.high": "4.0", "ef_post.surface": "0.1",
    "ef_surface.low": "0.3", "ef_surface.average": "1.2", "ef_surface.high": "2.0",
    "tce.raw_coal": "0.7143", "tce.washed_coal": "0.9000", "tce.diesel": "1.4571", "tce.gasoline": "1.4714",
    "tce.natural_gas": "1.2143", "tce.electricity": "0.1229", "tce.heat": "0.03412",
}


def factors(version: str = "demo-2026.1", **changed: str) -> Factors:
    values = {**DEMO, **{k.replace("__", "."): v for k, v in changed.items()}}
    return Factors(Factor(code, D(v), "", version) for code, v in values.items())


F = factors()


def t2(x: D) -> D:
    return x.quantize(D("0.01"))


# --- worked examples --------------------------------------------------------------------------


def test_fuel_diesel_and_bituminous():
    # diesel 100 t: 100 × 42.652 × 0.02020 × 0.98 = 84.4338992 tC × 44/12 = 309.59 t CO2
    # bituminous 1,000 t: 1000 × 23.204 × 0.02618 × 0.93 = 564.9570696 tC × 44/12 = 2,071.51 t CO2
    r = ghg.fuel({"diesel": D(100), "bituminous": D(1000)}, F)
    assert t2(r.tonnes) == D("2381.10")
    assert r.gas == "CO2" and r.scope == 1
    assert {f.code for f in r.factors} == {"diesel.ncv", "diesel.cc", "diesel.of", "bituminous.ncv",
                                           "bituminous.cc", "bituminous.of"}
    assert r.explain()["inputs"] == {"FC.bituminous": "1000", "FC.diesel": "100"}


def test_fuel_zero_consumption_is_zero():
    assert ghg.fuel({"diesel": D(0)}, F).tonnes == 0


def test_measured_ncv_overrides_default_for_one_month_only():
    # January: the lab measured NCV 21.000 GJ/t: 1000 × 21 × 0.02618 × 0.93 × 44/12 = 1,874.75 t
    # February: the default 23.204 applies again: 2,071.51 t
    measured = F.overridden([Factor("bituminous.ncv", D("21.000"), "GJ/t", "measured:7")])
    jan = ghg.fuel({"bituminous": D(1000)}, measured)
    feb = ghg.fuel({"bituminous": D(1000)}, F)
    assert t2(jan.tonnes) == D("1874.75")
    assert t2(feb.tonnes) == D("2071.51")
    assert "measured:7" in {f.version for f in jan.factors}


def test_flare():
    # CO2 = 10 × 0.98 × 7.17 × 44/16 + 1 × 19.7 = 193.2315 + 19.7 = 212.93 t
    # unburnt CH4 = 10 × 0.02 × 7.17 = 1.43 t
    r = ghg.flare(D(10), D(1), F)
    assert t2(r.tonnes) == D("212.93")
    assert t2(r.ch4_unburnt) == D("1.43")


def test_ch4_underground():
    # (300 + 200 − 10 − 150) × 7.17 = 340 × 7.17 = 2,437.80 t CH4
    r = ghg.ch4_underground(D(300), D(200), D(10), D(150), F)
    assert t2(r.tonnes) == D("2437.80") and r.gas == "CH4"


def test_ch4_underground_all_drained_gas_utilized():
    # all 200 drained utilized: only the ventilation air remains: 300 × 7.17 = 2,151.00 t
    r = ghg.ch4_underground(D(300), D(200), D(0), D(200), F)
    assert t2(r.tonnes) == D("2151.00")


def test_ch4_underground_more_destroyed_than_emitted_is_refused():
    with pytest.raises(ActivityError) as err:
        ghg.ch4_underground(D(300), D(200), D(300), D(250), F)
    assert err.value.field == "ch4_utilized"


def test_negative_output_is_refused_naming_the_field():
    with pytest.raises(ActivityError) as err:
        ghg.ch4_surface(D(-5), "average", F)
    assert err.value.field == "raw_coal_surface"


def test_co2_underground():
    # (40 + 5) × 19.7 = 886.50 t
    assert t2(ghg.co2_underground(D(40), D(5), F).tonnes) == D("886.50")


def test_ch4_surface_and_zero_output():
    # 1,000,000 t × 1.2 m³/t / 10⁴ = 120 × 7.17 = 860.40 t
    assert t2(ghg.ch4_surface(D(1_000_000), "average", F).tonnes) == D("860.40")
    assert ghg.ch4_surface(D(0), "average", F).tonnes == 0


def test_ch4_post_by_gas_class():
    # high 500,000 × 4.0 / 10⁴ = 200; low 100,000 × 0.9 / 10⁴ = 9; 209 × 7.17 = 1,498.53 t
    r = ghg.ch4_post({"high": D(500_000), "low": D(100_000)}, F)
    assert t2(r.tonnes) == D("1498.53")


def test_electricity_purchased_and_net_supplied_out():
    # (5,000 − 1,200) × 0.5703 = 2,167.14 t; (1,000 − 3,000) × 0.5703 = −1,140.60 t (shown negative)
    assert t2(ghg.electricity(D(5000), D(1200), F).tonnes) == D("2167.14")
    net_out = ghg.electricity(D(1000), D(3000), F)
    assert t2(net_out.tonnes) == D("-1140.60") and net_out.scope == 2


def test_heat():
    # 20,000 GJ × 0.11 = 2,200.00 t
    assert t2(ghg.heat(D(20000), D(0), F).tonnes) == D("2200.00")


def test_total_under_gwp_sets():
    # CO2: fuel 2,381.100219 + electricity 2,167.14 = 4,548.240219; CH4 2,437.80 t
    # SAR: 2,437.80 × 21 = 51,193.80 → 55,742.04 t CO2e; AR5: × 28 = 68,258.40 → 72,806.64
    results = [ghg.fuel({"diesel": D(100), "bituminous": D(1000)}, F), ghg.electricity(D(5000), D(1200), F),
               ghg.ch4_underground(D(300), D(200), D(10), D(150), F)]
    sar = ghg.total(results, "SAR")
    assert t2(sar.co2e) == D("55742.04")
    assert t2(sar.scope2) == D("2167.14") and t2(sar.ch4_t) == D("2437.80")
    assert t2(ghg.total(results, "AR5").co2e) == D("72806.64")


def test_total_counts_unburnt_flare_ch4_only_when_chosen():
    # flare CO2 212.9315; unburnt 1.434 t × 21 = 30.114 → 243.05 t CO2e with it
    r = [ghg.flare(D(10), D(1), F)]
    assert t2(ghg.total(r).co2e) == D("212.93")
    assert t2(ghg.total(r, count_unburnt_ch4=True).co2e) == D("243.05")


def test_unknown_gwp_set_is_refused():
    with pytest.raises(ActivityError):
        ghg.total([], "AR9")


def test_missing_factor_is_named():
    with pytest.raises(ActivityError) as err:
        ghg.fuel({"diesel": D(1)}, Factors([]))
    assert err.value.field == "diesel.ncv"


def test_energy_tce():
    # raw coal 1,000 t × 0.7143 = 714.30; electricity 2,000 MWh × 0.1229 = 245.80; diesel 100 × 1.4571 =
    # 145.71; natural gas 10 × 10⁴ m³ × 1.2143 kgce/m³ = 121.43; heat 1,000 GJ × 0.03412 = 34.12 → 1,261.36
    r = ghg.energy_tce({"raw_coal": D(1000), "electricity": D(2000), "diesel": D(100), "natural_gas": D(10),
                        "heat": D(1000)}, F)
    assert t2(r.tonnes) == D("1261.36")


def test_raw_coal_intensity_and_power_zero_output():
    # 1,261.36 tce × 1000 / 400,000 t = 3.15 kgce/t; 2,000 MWh × 1000 / 400,000 t = 5.00 kWh/t
    assert t2(ghg.raw_coal_intensity(D("1261.36"), D(400_000))) == D("3.15")
    assert t2(ghg.raw_coal_power(D(2000), D(400_000))) == D("5.00")
    assert ghg.raw_coal_intensity(D(100), D(0)) is None
    assert ghg.raw_coal_power(D(100), D(0)) is None


def test_methane_rates():
    # 利用率 150 / 200 = 0.75; 抽采率 200 / (200 + 300) = 0.40; nothing drained: undefined
    assert ghg.utilization_rate(D(150), D(200)) == D("0.75")
    assert ghg.drainage_rate(D(200), D(300)) == D("0.4")
    assert ghg.utilization_rate(D(0), D(0)) is None


def test_pure_volume_at_standard_conditions():
    # 1,000,000 m³ at 30 % CH4 = 300,000 m³ = 30 × 10⁴ Nm³;
    # at 20 °C, 101.325 kPa: × 273.15 / 293.15 = 27.95 × 10⁴ Nm³
    assert ghg.pure_volume(D(1_000_000), D(30)) == D(30)
    assert t2(ghg.pure_volume(D(1_000_000), D(30), temperature_c=D(20))) == D("27.95")
    with pytest.raises(ActivityError) as err:
        ghg.pure_volume(D(1), D(101))
    assert err.value.field == "concentration"


# --- properties -------------------------------------------------------------------------------

amount = st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def facility_month(draw) -> list[ghg.Result]:
    vent, drain = draw(amount), draw(amount)
    util = draw(st.decimals(min_value=0, max_value=drain, places=3)) if drain else D(0)
    return [
        ghg.fuel({"diesel": draw(amount), "bituminous": draw(amount)}, F),
        ghg.ch4_underground(vent, drain, D(0), util, F),
        ghg.electricity(draw(amount), draw(amount), F),
        ghg.flare(draw(amount), draw(amount), F),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(facility_month(), min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_group_total_is_sum_of_facilities_under_any_partition_and_order(months, rnd: random.Random):
    whole = ghg.total([r for m in months for r in m])
    shuffled = months[:]
    rnd.shuffle(shuffled)
    cut = sorted(rnd.sample(range(len(shuffled) + 1), k=min(3, len(shuffled) + 1)))
    parts = [shuffled[a:b] for a, b in zip([0, *cut], [*cut, len(shuffled)], strict=True)]
    part_totals = [ghg.total([r for m in part for r in m]) for part in parts]
    assert sum((p.co2e for p in part_totals), D(0)) == whole.co2e
    assert sum((p.scope1 for p in part_totals), D(0)) == whole.scope1
    assert sum((p.ch4_t for p in part_totals), D(0)) == whole.ch4_t


@settings(max_examples=40, deadline=None)
@given(facility_month())
def test_recomputing_with_unchanged_factors_changes_nothing(results):
    again = [ghg.fuel({k.split(".")[1]: v for k, v in results[0].inputs.items()}, factors()),
             ghg.ch4_underground(*[results[1].inputs[k] for k in ("V_vent", "V_drain", "V_flared", "V_utilized")],
                                 factors()),
             ghg.electricity(results[2].inputs["purchased"], results[2].inputs["supplied_out"], factors()),
             ghg.flare(results[3].inputs["V_CH4,flared"], results[3].inputs["V_CO2,flared"], factors())]
    assert [r.signature() for r in again] == [r.signature() for r in results]


def _compute_all(f: Factors, a: dict) -> list[ghg.Result]:
    return [
        ghg.fuel({"diesel": a["diesel"]}, f), ghg.flare(a["v1"], a["v2"], f),
        ghg.ch4_underground(a["v1"], a["v2"], D(0), D(0), f), ghg.co2_underground(a["v1"], a["v2"], f),
        ghg.ch4_surface(a["p"], "average", f), ghg.ch4_post({"high": a["p"]}, f),
        ghg.electricity(a["p"], D(0), f), ghg.heat(a["p"], D(0), f),
    ]


@settings(max_examples=40, deadline=None)
@given(st.fixed_dictionaries({"diesel": amount, "v1": amount, "v2": amount, "p": amount}),
       st.sampled_from(sorted(ghg.FACTOR_CODES)))
def test_new_factor_version_changes_exactly_the_results_that_used_it(activity, code):
    before = _compute_all(factors(), activity)
    changed = Factors([*(f for f in (factors()[c] for c in factors().codes()) if f.code != code),
                       Factor(code, factors()[code].value, "", "demo-2026.2")])
    after = _compute_all(changed, activity)
    for b, a in zip(before, after, strict=True):
        used = code in {f.code for f in b.factors}
        assert (a.signature() != b.signature()) == used, (b.code, code)


units = st.sampled_from(sorted(ghg.UNITS))


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False), units, units)
def test_unit_conversions_round_trip(value, a, b):
    if ghg.UNITS[a][0] != ghg.UNITS[b][0]:
        with pytest.raises(ActivityError):
            ghg.convert(value, a, b)
        return
    assert ghg.convert(ghg.convert(value, a, b), b, a) == value


def test_conversion_examples():
    assert ghg.convert(D("1.5"), "Mt", "t") == D(1_500_000)
    assert ghg.convert(D(2500), "kWh", "MWh") == D("2.5")
    assert ghg.convert(D(30_000), "m³", "10⁴ m³") == D(3)
