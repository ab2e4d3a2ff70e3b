"""Which formulas a facility-month runs, on which activity figures (pure Python, no Django).

The bridge between the activity register's quantity codes (carbon.choices.QUANTITIES) and the
formula functions of tongxin.lib.ghg. carbon.services loads rows and factors and stores what this
returns; scenarios and the benchmark call it directly on edited figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tongxin.lib import ghg
from tongxin.lib.ghg import Factors, Result

ZERO = Decimal(0)
CH4_UTILIZED = ("ch4.util_power", "ch4.util_civil", "ch4.util_chemical")
FUELS = {"fuel.bituminous": "bituminous", "fuel.anthracite": "anthracite", "fuel.washed_coal": "washed_coal",
         "fuel.diesel": "diesel", "fuel.gasoline": "gasoline", "fuel.natural_gas": "natural_gas"}
TCE_FUELS = {"fuel.bituminous": "raw_coal", "fuel.anthracite": "raw_coal", "fuel.washed_coal": "washed_coal",
             "fuel.diesel": "diesel", "fuel.gasoline": "gasoline", "fuel.natural_gas": "natural_gas"}
# The quantities each formula reads (the drill-down from a result to its rows).
READS: dict[str, tuple[str, ...]] = {
    "ghg.fuel": tuple(FUELS),
    "ghg.flare": ("ch4.flared", "co2.flared"),
    "ghg.ch4_underground": ("ch4.vent", "ch4.drain", "ch4.flared", *CH4_UTILIZED),
    "ghg.co2_underground": ("co2.vent", "co2.drain"),
    "ghg.ch4_surface": ("coal.surface",),
    "ghg.ch4_post": ("coal.underground", "coal.surface"),
    "ghg.electricity": ("elec.purchased", "elec.supplied"),
    "ghg.heat": ("heat.purchased", "heat.supplied"),
    "ghg.ccus": (),  # CCUS months, not activity rows (carbon:drill lists them with their evidence)
    "energy.tce": (*FUELS, "elec.purchased", "elec.supplied", "renew.generation", "heat.purchased", "heat.supplied"),
}
# The formula of each code as the drill-down shows it (stored results keep only their inputs).
FORMULAS: dict[str, str] = {
    "ghg.fuel": "E = Σ FCᵢ × NCVᵢ × CCᵢ × OFᵢ × 44/12",
    "ghg.flare": "CO2 = V_CH4,flared × OF_flare × ρ_CH4 × 44/16 + V_CO2,flared × ρ_CO2",
    "ghg.ch4_underground": "CH4 = (V_vent + V_drain − V_flared − V_utilized) × ρ_CH4",
    "ghg.co2_underground": "CO2 = (V_CO2,vent + V_CO2,drain) × ρ_CO2",
    "ghg.ch4_surface": "CH4 = P_surface × EF_surface / 10⁴ × ρ_CH4",
    "ghg.ch4_post": "CH4 = Σ P_k × EF_post,k / 10⁴ × ρ_CH4",
    "ghg.electricity": "E = (购入 − 输出) MWh × EF_grid",
    "ghg.heat": "E = (购入 − 输出) GJ × EF_heat",
    "ghg.ccus": "E = −封存量（或 −(封存量 + 利用量)，按核算版本所选方法学）",
    "energy.tce": "E_tce = Σ 实物量ᵢ × 折标系数ᵢ",
}


@dataclass(frozen=True)
class FacilityInfo:
    id: int
    mining_method: str  # "underground", "surface" or ""
    factor_class: str  # IPCC Tier-1 class: low / average / high


def _rows(codes: tuple[str, ...], rows: Mapping[str, int]) -> tuple[int, ...]:
    if not rows:  # scenarios: edited figures have no rows
        return ()
    return tuple(rows[c] for c in codes if c in rows)


def facility_month(fac: FacilityInfo, v: Mapping[str, Decimal], f: Factors,
                   rows: Mapping[str, int] | None = None, *, energy: bool = True) -> list[Result]:
    """Every formula that applies to these figures; raises ghg.ActivityError naming a bad field.
    ``energy=False`` leaves out energy.tce (scenarios compare emissions only)."""
    rows = rows or {}
    out: list[Result] = []
    has = v.__contains__

    def g(code: str) -> Decimal:
        return v.get(code, ZERO)

    fuels = {FUELS[c]: v[c] for c in FUELS if c in v}
    if fuels:
        out.append(ghg.fuel(fuels, f, _rows(READS["ghg.fuel"], rows)))
    if has("ch4.flared") or has("co2.flared"):
        out.append(ghg.flare(g("ch4.flared"), g("co2.flared"), f, _rows(READS["ghg.flare"], rows)))
    # any gas figure runs the balance: utilization or flaring without drainage is refused, not ignored
    if any(has(c) for c in ("ch4.vent", "ch4.drain", "ch4.flared", *CH4_UTILIZED)):
        utilized = sum((g(c) for c in CH4_UTILIZED), ZERO)
        out.append(ghg.ch4_underground(g("ch4.vent"), g("ch4.drain"), g("ch4.flared"), utilized, f,
                                       _rows(READS["ghg.ch4_underground"], rows)))
    if has("co2.vent") or has("co2.drain"):
        out.append(ghg.co2_underground(g("co2.vent"), g("co2.drain"), f, _rows(READS["ghg.co2_underground"], rows)))
    if has("coal.surface"):
        out.append(ghg.ch4_surface(v["coal.surface"], fac.factor_class, f, _rows(("coal.surface",), rows)))
    post: dict[str, Decimal] = {}
    if has("coal.underground"):
        post[fac.factor_class] = v["coal.underground"]
    if has("coal.surface"):
        post["surface"] = v["coal.surface"]
    if post:
        out.append(ghg.ch4_post(post, f, _rows(READS["ghg.ch4_post"], rows)))
    if has("elec.purchased") or has("elec.supplied"):
        out.append(ghg.electricity(g("elec.purchased"), g("elec.supplied"), f, _rows(READS["ghg.electricity"], rows)))
    if has("heat.purchased") or has("heat.supplied"):
        out.append(ghg.heat(g("heat.purchased"), g("heat.supplied"), f, _rows(READS["ghg.heat"], rows)))
    if not energy:
        return out
    carriers: dict[str, Decimal] = {}
    for code, carrier in TCE_FUELS.items():
        if code in v:
            carriers[carrier] = carriers.get(carrier, ZERO) + v[code]
    # energy used on site: bought + own generation − supplied out (never below zero)
    power = g("elec.purchased") + g("renew.generation") - g("elec.supplied")
    if power > 0:
        carriers["electricity"] = power
    heat_used = g("heat.purchased") - g("heat.supplied")
    if heat_used > 0:
        carriers["heat"] = heat_used
    if carriers:
        out.append(ghg.energy_tce(carriers, f, _rows(READS["energy.tce"], rows)))
    return out
