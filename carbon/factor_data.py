"""The demo factor set of ../shared/docs/carbon-rules.md §3–4, as data loaded into a FactorSet.

Values marked to_verify come from memory or secondary sources: shipped labelled so, to be
replaced by an administrator with a new factor-set version (never edited in place)."""

from __future__ import annotations

GUIDE = "NDRC 2015 煤炭生产企业核算指南 / GB/T 32151.11-2018"
IPCC = "IPCC 2006 Vol.2 Ch.4 Tier 1"
GBT2589 = "GB/T 2589-2020"

# code, value, unit, source, to_verify
DEMO_FACTORS: list[tuple[str, str, str, str, bool]] = [
    ("rho_ch4", "7.17", "t/10⁴ Nm³", GUIDE, False),
    ("rho_co2", "19.7", "t/10⁴ Nm³", GUIDE, False),
    ("of_flare", "0.98", "", GUIDE, True),
    ("ef_grid", "0.5703", "t CO2/MWh", "生态环境部 2022 全国电网平均排放因子", True),
    ("ef_heat", "0.11", "t CO2/GJ", GUIDE, False),
    ("bituminous.ncv", "23.204", "GJ/t", GUIDE, True),
    ("bituminous.cc", "0.02618", "tC/GJ", GUIDE, True),
    ("bituminous.of", "0.93", "", GUIDE, True),
    ("anthracite.ncv", "24.515", "GJ/t", GUIDE, True),
    ("anthracite.cc", "0.02749", "tC/GJ", GUIDE, True),
    ("anthracite.of", "0.94", "", GUIDE, True),
    ("washed_coal.ncv", "26.344", "GJ/t", GUIDE, True),
    ("washed_coal.cc", "0.02541", "tC/GJ", GUIDE, True),
    ("washed_coal.of", "0.90", "", GUIDE, True),
    ("diesel.ncv", "42.652", "GJ/t", GUIDE, True),
    ("diesel.cc", "0.02020", "tC/GJ", GUIDE, True),
    ("diesel.of", "0.98", "", GUIDE, True),
    ("gasoline.ncv", "43.070", "GJ/t", GUIDE, True),
    ("gasoline.cc", "0.01890", "tC/GJ", GUIDE, True),
    ("gasoline.of", "0.98", "", GUIDE, True),
    ("natural_gas.ncv", "389.31", "GJ/10⁴ Nm³", GUIDE, True),
    ("natural_gas.cc", "0.01532", "tC/GJ", GUIDE, True),
    ("natural_gas.of", "0.99", "", GUIDE, True),
    ("ef_post.low", "0.9", "m³/t", IPCC, True),
    ("ef_post.average", "2.5", "m³/t", IPCC, True),
    ("ef_post.high", "4.0", "m³/t", IPCC, True),
    ("ef_post.surface", "0.1", "m³/t", IPCC, True),
    ("ef_surface.low", "0.3", "m³/t", IPCC, True),
    ("ef_surface.average", "1.2", "m³/t", IPCC, True),
    ("ef_surface.high", "2.0", "m³/t", IPCC, True),
    ("tce.raw_coal", "0.7143", "kgce/kg", GBT2589, False),
    ("tce.washed_coal", "0.9000", "kgce/kg", GBT2589, False),
    ("tce.diesel", "1.4571", "kgce/kg", GBT2589, False),
    ("tce.gasoline", "1.4714", "kgce/kg", GBT2589, False),
    ("tce.natural_gas", "1.2143", "kgce/m³", GBT2589, True),
    ("tce.electricity", "0.1229", "kgce/kWh", GBT2589 + " 当量值", False),
    ("tce.heat", "0.03412", "kgce/MJ", GBT2589, False),
    # GB 29444 原煤生产综合能耗 limits by mining method: data, to be checked against the standard.
    ("limit.raw_coal_energy.underground", "11.8", "kgce/t", "GB 29444（限定值，待核实）", True),
    ("limit.raw_coal_energy.surface", "5.0", "kgce/t", "GB 29444（限定值，待核实）", True),
]
