"""Greenhouse-gas and energy arithmetic of a coal group (pure Python, no Django), in ``Decimal``.

One function per formula code of ../shared/docs/carbon-rules.md (GB/T 32151.11-2018, NDRC 2015
coal-production guideline, IPCC 2006 Tier 1, GB/T 2589-2020). Every function takes activity data
(plain Decimals, volumes of *pure* gas in 10⁴ Nm³) and a ``Factors`` lookup, and returns a
``Result`` that explains itself: the formula, the inputs, every factor with its value, unit and
version, and the activity rows it came from. Nothing is rounded here: pages round (t to 0.01).

Impossible inputs (negative quantities, more gas destroyed than emitted, a concentration above
100 %) raise ``ActivityError`` naming the field, never a negative or silent figure.

Factors are data: the caller passes them in (carbon.services reads the versioned factor sets and a
facility's measured overrides). The codes used here are listed in FACTOR_CODES.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "GWP_SETS",
    "ActivityError",
    "Factor",
    "Factors",
    "Result",
    "Total",
    "ch4_post",
    "ch4_surface",
    "ccus_deduction",
    "ch4_underground",
    "co2_underground",
    "convert",
    "drainage_rate",
    "electricity",
    "energy_tce",
    "flare",
    "fuel",
    "heat",
    "pure_volume",
    "ratio",
    "raw_coal_intensity",
    "raw_coal_power",
    "total",
    "utilization_rate",
]

ZERO = Decimal(0)
ONE = Decimal(1)
C_TO_CO2 = Decimal(44) / Decimal(12)
CH4_TO_CO2 = Decimal(44) / Decimal(16)
# Results are kept to the gram (10⁻⁶ t): exact sums in any order and partition (Decimal addition of
# numbers with six places is exact), six orders of magnitude below what is shown (0.01 t).
PLACES = Decimal("0.000001")


ZERO_Q = Decimal("0.000000")


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES)

# IPCC assessment reports' 100-year GWP of CH4 (the 2015 guideline uses SAR's 21).
GWP_SETS: dict[str, Decimal] = {
    "SAR": Decimal("21"),
    "AR4": Decimal("25"),
    "AR5": Decimal("28"),
    "AR6": Decimal("27.9"),
}

FUELS = ("bituminous", "anthracite", "washed_coal", "diesel", "gasoline", "natural_gas")
GAS_CLASSES = ("low", "average", "high")
# Every factor code the formulas read (the demo factor set carries each of them).
FACTOR_CODES = (
    "rho_ch4", "rho_co2", "of_flare", "ef_grid", "ef_heat",
    *(f"{f}.{p}" for f in FUELS for p in ("ncv", "cc", "of")),
    *(f"ef_post.{k}" for k in GAS_CLASSES), "ef_post.surface",
    *(f"ef_surface.{k}" for k in GAS_CLASSES),
)


class ActivityError(ValueError):
    """An input that cannot be true. ``field`` names it so a form can mark the box."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Factor:
    code: str
    value: Decimal
    unit: str
    version: str  # factor-set version, or "measured:<id>" for a facility's measured factor
    source: str = ""


class Factors:
    """A lookup of factors by code; a missing one is an error naming it (never a silent 0)."""

    def __init__(self, factors: Iterable[Factor]) -> None:
        self._by_code = {f.code: f for f in factors}

    def __getitem__(self, code: str) -> Factor:
        try:
            return self._by_code[code]
        except KeyError:
            raise ActivityError(code, "缺少排放因子（因子库中没有这一项）") from None

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def overridden(self, measured: Iterable[Factor]) -> Factors:
        """These factors with some replaced by measured ones (a lab's analysis for one facility)."""
        merged = dict(self._by_code)
        merged.update({f.code: f for f in measured})
        return Factors(merged.values())

    def codes(self) -> list[str]:
        return sorted(self._by_code)

    def versions(self) -> set[str]:
        return {f.version for f in self._by_code.values()}


@dataclass(slots=True)
class Result:
    """One formula's outcome for one facility-month. ``tonnes`` is t of ``gas``. Treated as
    immutable; not frozen because a frozen dataclass's construction was a tenth of a recomputation."""

    code: str
    gas: str  # "CO2" or "CH4"
    scope: int  # 1 direct, 2 indirect (electricity, heat)
    tonnes: Decimal
    formula: str
    inputs: dict[str, Decimal]
    factors: tuple[Factor, ...]
    rows: tuple[int, ...] = ()  # activity row ids, for the drill-down
    # flaring also leaves unburnt CH4; reported only where the methodology says so.
    ch4_unburnt: Decimal = ZERO

    def __post_init__(self) -> None:
        self.tonnes = self.tonnes.quantize(PLACES)
        if self.ch4_unburnt:
            self.ch4_unburnt = self.ch4_unburnt.quantize(PLACES)
        else:
            self.ch4_unburnt = ZERO_Q

    def co2e(self, gwp: Decimal) -> Decimal:
        return self.tonnes * gwp if self.gas == "CH4" else self.tonnes

    def signature(self) -> tuple:
        """What the figure depends on: equal signatures mean an unchanged result."""
        return (self.code, self.tonnes, self.ch4_unburnt,
                tuple(sorted((f.code, f.value, f.version) for f in self.factors)))

    def explain(self) -> dict:
        return {
            "code": self.code,
            "gas": self.gas,
            "scope": self.scope,
            "formula": self.formula,
            "inputs": {k: str(v) for k, v in self.inputs.items()},
            "factors": [
                {"code": f.code, "value": str(f.value), "unit": f.unit, "version": f.version, "source": f.source}
                for f in self.factors
            ],
            "tonnes": str(self.tonnes),
            "ch4_unburnt": str(self.ch4_unburnt),
            "rows": list(self.rows),
        }


def _nonneg(name: str, value: Decimal | int | str | None) -> Decimal:
    if value is None:
        return ZERO
    v = value if type(value) is Decimal else Decimal(value)
    if not v.is_finite():
        raise ActivityError(name, "不是有效的数值")
    if v < 0:
        raise ActivityError(name, "不能为负数")
    return v


def _fraction(name: str, value: Decimal) -> Decimal:
    if value < 0 or value > 1:
        raise ActivityError(name, "须在0到1之间")
    return value


# --- emissions (ghg.*) ----------------------------------------------------------------------------


def fuel(consumption: Mapping[str, Decimal], factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.fuel: E = Σᵢ FCᵢ × NCVᵢ × CCᵢ × OFᵢ × 44/12 (FC in t, gases in 10⁴ Nm³)."""
    total_t = ZERO
    used: list[Factor] = []
    inputs: dict[str, Decimal] = {}
    for name in sorted(consumption):
        fc = _nonneg(f"fuel.{name}", consumption[name])
        ncv, cc, of = factors[f"{name}.ncv"], factors[f"{name}.cc"], factors[f"{name}.of"]
        _fraction(f"{name}.of", of.value)
        inputs[f"FC.{name}"] = fc
        used += [ncv, cc, of]
        total_t += fc * ncv.value * cc.value * of.value * C_TO_CO2
    return Result("ghg.fuel", "CO2", 1, total_t, "E = Σ FCᵢ × NCVᵢ × CCᵢ × OFᵢ × 44/12", inputs, tuple(used), rows)


def flare(v_ch4_flared: Decimal, v_co2_flared: Decimal, factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.flare: CO2 = V_CH4 × OF × ρ_CH4 × 44/16 + V_CO2 × ρ_CO2; unburnt CH4 = V_CH4 × (1 − OF) × ρ_CH4."""
    v_ch4 = _nonneg("ch4_flared", v_ch4_flared)
    v_co2 = _nonneg("co2_flared", v_co2_flared)
    of, rho_ch4, rho_co2 = factors["of_flare"], factors["rho_ch4"], factors["rho_co2"]
    _fraction("of_flare", of.value)
    co2 = v_ch4 * of.value * rho_ch4.value * CH4_TO_CO2 + v_co2 * rho_co2.value
    unburnt = v_ch4 * (ONE - of.value) * rho_ch4.value
    return Result(
        "ghg.flare", "CO2", 1, co2,
        "CO2 = V_CH4,flared × OF_flare × ρ_CH4 × 44/16 + V_CO2,flared × ρ_CO2; CH4 未燃 = V_CH4,flared × (1 − OF_flare) × ρ_CH4",
        {"V_CH4,flared": v_ch4, "V_CO2,flared": v_co2}, (of, rho_ch4, rho_co2), rows, ch4_unburnt=unburnt,
    )


def ch4_underground(v_vent: Decimal, v_drain: Decimal, v_flared: Decimal, v_utilized: Decimal,
                    factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.ch4_underground: CH4 = (V_vent + V_drain − V_flared − V_utilized) × ρ_CH4."""
    vent = _nonneg("ch4_vent", v_vent)
    drain = _nonneg("ch4_drain", v_drain)
    flared = _nonneg("ch4_flared", v_flared)
    utilized = _nonneg("ch4_utilized", v_utilized)
    if flared + utilized > drain + vent:
        raise ActivityError(
            "ch4_utilized",
            f"火炬燃烧与利用的甲烷（{flared + utilized}万Nm³）多于风排与抽采的甲烷（{vent + drain}万Nm³），请核对",
        )
    rho = factors["rho_ch4"]
    tonnes = (vent + drain - flared - utilized) * rho.value
    return Result(
        "ghg.ch4_underground", "CH4", 1, tonnes, "CH4 = (V_vent + V_drain − V_flared − V_utilized) × ρ_CH4",
        {"V_vent": vent, "V_drain": drain, "V_flared": flared, "V_utilized": utilized}, (rho,), rows,
    )


def co2_underground(v_co2_vent: Decimal, v_co2_drain: Decimal, factors: Factors,
                    rows: tuple[int, ...] = ()) -> Result:
    """ghg.co2_underground: CO2 = (V_CO2,vent + V_CO2,drain) × ρ_CO2."""
    vent = _nonneg("co2_vent", v_co2_vent)
    drain = _nonneg("co2_drain", v_co2_drain)
    rho = factors["rho_co2"]
    return Result("ghg.co2_underground", "CO2", 1, (vent + drain) * rho.value,
                  "CO2 = (V_CO2,vent + V_CO2,drain) × ρ_CO2", {"V_CO2,vent": vent, "V_CO2,drain": drain}, (rho,), rows)


def ch4_surface(output_surface: Decimal, gas_class: str, factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.ch4_surface: CH4 = P_surface × EF_surface / 10⁴ × ρ_CH4 (EF in m³/t)."""
    p = _nonneg("raw_coal_surface", output_surface)
    ef, rho = factors[f"ef_surface.{gas_class}"], factors["rho_ch4"]
    return Result("ghg.ch4_surface", "CH4", 1, p * ef.value / Decimal(10000) * rho.value,
                  "CH4 = P_surface × EF_surface / 10⁴ × ρ_CH4", {"P_surface": p}, (ef, rho), rows)


def ch4_post(output_underground: Mapping[str, Decimal], factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.ch4_post: CH4 = Σₖ P_k × EF_post,k / 10⁴ × ρ_CH4, by gas class k ("surface" for 露天 coal)."""
    rho = factors["rho_ch4"]
    used: list[Factor] = [rho]
    inputs: dict[str, Decimal] = {}
    volume = ZERO
    for k in sorted(output_underground):
        p = _nonneg(f"raw_coal.{k}", output_underground[k])
        ef = factors[f"ef_post.{k}"]
        inputs[f"P.{k}"] = p
        used.append(ef)
        volume += p * ef.value / Decimal(10000)
    return Result("ghg.ch4_post", "CH4", 1, volume * rho.value, "CH4 = Σ P_k × EF_post,k / 10⁴ × ρ_CH4",
                  inputs, tuple(used), rows)


def electricity(purchased: Decimal, supplied_out: Decimal, factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.electricity: E = (purchased − supplied out) MWh × EF_grid; negative when net supply is out."""
    bought = _nonneg("electricity_purchased", purchased)
    out = _nonneg("electricity_supplied", supplied_out)
    ef = factors["ef_grid"]
    return Result("ghg.electricity", "CO2", 2, (bought - out) * ef.value, "E = (购入 − 输出) MWh × EF_grid",
                  {"purchased": bought, "supplied_out": out}, (ef,), rows)


def heat(purchased: Decimal, supplied_out: Decimal, factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """ghg.heat: E = (purchased − supplied out) GJ × EF_heat."""
    bought = _nonneg("heat_purchased", purchased)
    out = _nonneg("heat_supplied", supplied_out)
    ef = factors["ef_heat"]
    return Result("ghg.heat", "CO2", 2, (bought - out) * ef.value, "E = (购入 − 输出) GJ × EF_heat",
                  {"purchased": bought, "supplied_out": out}, (ef,), rows)


CCUS_METHODS = ("stored", "stored_utilized")


def ccus_deduction(stored_t: Decimal, utilized_t: Decimal, method: str, rows: tuple[int, ...] = ()) -> Result:
    """ghg.ccus: CO2 subtracted from scope 1 under a methodology that allows it (carbon-rules.md §5):
    ``stored`` subtracts the CO2 stored, ``stored_utilized`` also the CO2 bound in products. A negative
    figure; the default methodology (a memo item) never calls this."""
    stored = _nonneg("ccus_stored", stored_t)
    utilized = _nonneg("ccus_utilized", utilized_t)
    if method not in CCUS_METHODS:
        raise ActivityError("ccus_method", f"未知的CCUS处理方法“{method}”")
    if method == "stored":
        return Result("ghg.ccus", "CO2", 1, -stored, "E = −封存量", {"stored": stored}, (), rows)
    return Result("ghg.ccus", "CO2", 1, -(stored + utilized), "E = −(封存量 + 利用量)",
                  {"stored": stored, "utilized": utilized}, (), rows)


@dataclass(frozen=True)
class Total:
    """ghg.total for a set of results under one GWP set (t CO2e), with its parts."""

    gwp_set: str
    co2e: Decimal
    scope1: Decimal
    scope2: Decimal
    co2_t: Decimal
    ch4_t: Decimal
    by_code: dict[str, Decimal] = field(default_factory=dict)


def total(results: Iterable[Result], gwp_set: str = "SAR", *, count_unburnt_ch4: bool = False) -> Total:
    """ghg.total: E = fuel + flare CO2 + underground CO2 + (all CH4 t) × GWP_CH4 + electricity + heat.

    The unburnt CH4 of flaring joins the CH4 only when ``count_unburnt_ch4`` (a methodology choice)."""
    try:
        gwp = GWP_SETS[gwp_set]
    except KeyError:
        raise ActivityError("gwp_set", f"未知的GWP取值集“{gwp_set}”") from None
    scope = {1: ZERO, 2: ZERO}
    co2 = ch4 = ZERO
    by_code: dict[str, Decimal] = {}
    for r in results:
        extra = r.ch4_unburnt if count_unburnt_ch4 else ZERO
        e = r.co2e(gwp) + extra * gwp
        scope[r.scope] += e
        by_code[r.code] = by_code.get(r.code, ZERO) + e
        if r.gas == "CH4":
            ch4 += r.tonnes
        else:
            co2 += r.tonnes
        ch4 += extra
    return Total(gwp_set, scope[1] + scope[2], scope[1], scope[2], co2, ch4, by_code)


# --- energy and ratios (energy.*, methane.*, waste.*, water.*) -------------------------------------

# GB/T 2589 carriers: factor code, the unit the quantity is entered in, multiplier to the factor's unit.
TCE_CARRIERS: dict[str, tuple[str, str]] = {
    "raw_coal": ("tce.raw_coal", "t"),  # kgce/kg = tce/t
    "washed_coal": ("tce.washed_coal", "t"),
    "diesel": ("tce.diesel", "t"),
    "gasoline": ("tce.gasoline", "t"),
    "natural_gas": ("tce.natural_gas", "10⁴ Nm³"),  # kgce/m³ × 10⁴ m³ / 1000 kg/t
    "electricity": ("tce.electricity", "MWh"),  # kgce/kWh × 1000 kWh / 1000 kg/t
    "heat": ("tce.heat", "GJ"),  # kgce/MJ × 1000 MJ / 1000 kg/t
}
_TCE_SCALE = {"natural_gas": Decimal(10)}  # 10⁴ m³ × kgce/m³ = 10 tce per unit factor


def energy_tce(quantities: Mapping[str, Decimal], factors: Factors, rows: tuple[int, ...] = ()) -> Result:
    """energy.tce: Σ quantityᵢ × standard-coal factorᵢ (GB/T 2589), in tce. ``gas`` is "tce", scope 0."""
    used: list[Factor] = []
    inputs: dict[str, Decimal] = {}
    tce = ZERO
    for name in sorted(quantities):
        if name not in TCE_CARRIERS:
            raise ActivityError(name, "不是可折标煤的能源品种")
        q = _nonneg(name, quantities[name])
        f = factors[TCE_CARRIERS[name][0]]
        inputs[name] = q
        used.append(f)
        tce += q * f.value * _TCE_SCALE.get(name, ONE)
    return Result("energy.tce", "tce", 0, tce, "E_tce = Σ 实物量ᵢ × 折标系数ᵢ", inputs, tuple(used), rows)


def ratio(numerator: Decimal, denominator: Decimal, scale: Decimal = ONE) -> Decimal | None:
    """numerator / denominator × scale; None (shown "—") when the denominator is zero."""
    if denominator == 0:
        return None
    return numerator * scale / denominator


def raw_coal_intensity(energy_tce_value: Decimal, output_t: Decimal) -> Decimal | None:
    """energy.raw_coal_intensity: kgce/t = tce × 1000 / raw coal output (t)."""
    return ratio(_nonneg("energy_tce", energy_tce_value), _nonneg("raw_coal_output", output_t), Decimal(1000))


def raw_coal_power(electricity_mwh: Decimal, output_t: Decimal) -> Decimal | None:
    """energy.raw_coal_power: kWh/t = MWh × 1000 / raw coal output (t)."""
    return ratio(_nonneg("electricity_used", electricity_mwh), _nonneg("raw_coal_output", output_t), Decimal(1000))


def utilization_rate(v_utilized: Decimal, v_drain: Decimal) -> Decimal | None:
    """methane.utilization (瓦斯利用率) = V_utilized / V_drain."""
    return ratio(_nonneg("ch4_utilized", v_utilized), _nonneg("ch4_drain", v_drain))


def drainage_rate(v_drain: Decimal, v_vent: Decimal) -> Decimal | None:
    """methane.drainage (抽采率) = V_drain / (V_drain + V_vent)."""
    d = _nonneg("ch4_drain", v_drain)
    return ratio(d, d + _nonneg("ch4_vent", v_vent))


# --- units ------------------------------------------------------------------------------------------

# Each unit as (dimension, multiplier to the dimension's base unit).
UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("mass", Decimal("0.001")), "t": ("mass", ONE), "kt": ("mass", Decimal(10) ** 3),
    "Mt": ("mass", Decimal(10) ** 6),
    "m³": ("volume", Decimal("0.0001")), "10⁴ m³": ("volume", ONE), "10⁸ m³": ("volume", Decimal(10) ** 4),
    "kWh": ("energy_e", Decimal("0.001")), "MWh": ("energy_e", ONE), "GWh": ("energy_e", Decimal(10) ** 3),
    "MJ": ("energy_h", Decimal("0.001")), "GJ": ("energy_h", ONE), "TJ": ("energy_h", Decimal(10) ** 3),
    "kgce": ("coal_eq", Decimal("0.001")), "tce": ("coal_eq", ONE), "10⁴ tce": ("coal_eq", Decimal(10) ** 4),
}


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (exact: the multipliers are powers of ten)."""
    try:
        dim_a, mult_a = UNITS[from_unit]
        dim_b, mult_b = UNITS[to_unit]
    except KeyError as exc:
        raise ActivityError("unit", f"未知的计量单位“{exc.args[0]}”") from None
    if dim_a != dim_b:
        raise ActivityError("unit", f"“{from_unit}”不能换算为“{to_unit}”")
    return Decimal(value) * mult_a / mult_b


STANDARD_T_K = Decimal("273.15")
STANDARD_P_KPA = Decimal("101.325")


def pure_volume(measured_m3: Decimal, concentration_pct: Decimal, *, temperature_c: Decimal | None = None,
                pressure_kpa: Decimal | None = None) -> Decimal:
    """Pure gas in 10⁴ Nm³ from a measured mixture volume (m³) and its concentration (%), brought to
    standard conditions (0 °C, 101.325 kPa) when the meter's temperature and pressure are given."""
    v = _nonneg("measured_volume", measured_m3)
    c = _nonneg("concentration", concentration_pct)
    if c > 100:
        raise ActivityError("concentration", "浓度不能超过100%")
    if temperature_c is not None or pressure_kpa is not None:
        t = STANDARD_T_K + Decimal(temperature_c if temperature_c is not None else 0)
        if t <= 0:
            raise ActivityError("temperature", "温度低于绝对零度")
        p = _nonneg("pressure", pressure_kpa if pressure_kpa is not None else STANDARD_P_KPA)
        v = v * (p / STANDARD_P_KPA) * (STANDARD_T_K / t)
    return v * c / Decimal(100) / Decimal(10000)
