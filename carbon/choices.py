"""Codes of the carbon module in one place: facility kinds, activity quantities (with their unit
and the formula that reads them), data tiers, report states, indicators."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    MINE = "mine", _("煤矿")
    PREP_PLANT = "prep_plant", _("选煤厂")
    POWER_PLANT = "power_plant", _("电厂/热电厂")
    CHEMICAL_PLANT = "chemical_plant", _("化工厂")
    RAILWAY = "railway", _("铁路")


class MiningMethod(models.TextChoices):
    NONE = "", _("不适用")
    UNDERGROUND = "underground", _("井工")
    SURFACE = "surface", _("露天")


class GasClass(models.TextChoices):
    """Mine gas class (煤矿瓦斯等级). IPCC Tier-1 post-mining factors by class: low → low,
    high and outburst → high (see FACTOR_CLASS)."""

    NONE = "", _("不适用")
    LOW = "low", _("低瓦斯")
    HIGH = "high", _("高瓦斯")
    OUTBURST = "outburst", _("突出")


FACTOR_CLASS = {GasClass.LOW: "low", GasClass.HIGH: "high", GasClass.OUTBURST: "high", GasClass.NONE: "average"}


class FacilityStatus(models.TextChoices):
    OPERATING = "operating", _("在产")
    RETIRED = "retired", _("已关闭/淘汰")


class Tier(models.TextChoices):
    """Data tier of an activity figure (数据层级)."""

    MEASURED = "measured", _("实测")
    CALCULATED = "calculated", _("计算")
    DEFAULT = "default", _("缺省/估算")


class SourceCode(models.TextChoices):
    FUEL = "ghg.fuel", _("化石燃料燃烧")
    FLARE = "ghg.flare", _("火炬燃烧")
    CH4_UNDERGROUND = "ghg.ch4_underground", _("井工开采CH4逃逸")
    CO2_UNDERGROUND = "ghg.co2_underground", _("井工开采CO2逃逸")
    CH4_SURFACE = "ghg.ch4_surface", _("露天开采CH4逃逸")
    CH4_POST = "ghg.ch4_post", _("矿后活动CH4逃逸")
    ELECTRICITY = "ghg.electricity", _("净购入电力")
    HEAT = "ghg.heat", _("净购入热力")


SCOPE2 = {SourceCode.ELECTRICITY, SourceCode.HEAT}


@dataclass(frozen=True)
class Quantity:
    code: str
    label: str
    unit: str
    source: str  # the ghg.* code that reads it, "" for indicators only
    group: str  # heading on the entry page


_Q = Quantity
QUANTITIES: dict[str, Quantity] = {q.code: q for q in [
    _Q("coal.underground", _("原煤产量（井工）"), "t", "ghg.ch4_post", _("产量")),
    _Q("coal.surface", _("原煤产量（露天）"), "t", "ghg.ch4_surface", _("产量")),
    _Q("fuel.bituminous", _("烟煤消耗"), "t", "ghg.fuel", _("燃料")),
    _Q("fuel.anthracite", _("无烟煤消耗"), "t", "ghg.fuel", _("燃料")),
    _Q("fuel.washed_coal", _("洗精煤消耗"), "t", "ghg.fuel", _("燃料")),
    _Q("fuel.diesel", _("柴油消耗"), "t", "ghg.fuel", _("燃料")),
    _Q("fuel.gasoline", _("汽油消耗"), "t", "ghg.fuel", _("燃料")),
    _Q("fuel.natural_gas", _("天然气消耗"), "10⁴ m³", "ghg.fuel", _("燃料")),
    _Q("ch4.vent", _("风排瓦斯（纯量）"), "10⁴ m³", "ghg.ch4_underground", _("瓦斯")),
    _Q("ch4.drain", _("抽采瓦斯（纯量）"), "10⁴ m³", "ghg.ch4_underground", _("瓦斯")),
    _Q("ch4.flared", _("火炬燃烧瓦斯（纯量）"), "10⁴ m³", "ghg.flare", _("瓦斯")),
    _Q("ch4.util_power", _("瓦斯发电利用（纯量）"), "10⁴ m³", "ghg.ch4_underground", _("瓦斯")),
    _Q("ch4.util_civil", _("民用燃气利用（纯量）"), "10⁴ m³", "ghg.ch4_underground", _("瓦斯")),
    _Q("ch4.util_chemical", _("化工利用（纯量）"), "10⁴ m³", "ghg.ch4_underground", _("瓦斯")),
    _Q("co2.vent", _("风排CO2（纯量）"), "10⁴ m³", "ghg.co2_underground", _("瓦斯")),
    _Q("co2.drain", _("抽采CO2（纯量）"), "10⁴ m³", "ghg.co2_underground", _("瓦斯")),
    _Q("co2.flared", _("火炬燃烧CO2（纯量）"), "10⁴ m³", "ghg.flare", _("瓦斯")),
    _Q("elec.purchased", _("购入电力"), "MWh", "ghg.electricity", _("电力热力")),
    _Q("elec.supplied", _("输出电力"), "MWh", "ghg.electricity", _("电力热力")),
    _Q("heat.purchased", _("购入热力"), "GJ", "ghg.heat", _("电力热力")),
    _Q("heat.supplied", _("输出热力"), "GJ", "ghg.heat", _("电力热力")),
    _Q("renew.generation", _("自有光伏/风电发电量"), "MWh", "", _("转型")),
    _Q("renew.capacity", _("可再生能源装机（月末）"), "MW", "", _("转型")),
    _Q("mine.smart_faces", _("智能化工作面（月末个数）"), "个", "", _("转型")),
    _Q("gangue.produced", _("煤矸石产生量"), "t", "", _("固废与水")),
    _Q("gangue.used", _("煤矸石综合利用量"), "t", "", _("固废与水")),
    _Q("water.discharged", _("矿井水排放量"), "10⁴ m³", "", _("固废与水")),
    _Q("water.used", _("矿井水利用量"), "10⁴ m³", "", _("固废与水")),
]}
# Stocks, not flows: a year's figure is the value of its latest reported month (year-end), never a sum.
STOCK_QUANTITIES = ("renew.capacity", "mine.smart_faces")
CH4_UTILIZED = ("ch4.util_power", "ch4.util_civil", "ch4.util_chemical")
FUEL_QUANTITIES = tuple(c for c in QUANTITIES if c.startswith("fuel."))


class CcusMethod(models.TextChoices):
    """Methodology choice for CCUS in an inventory run (carbon-rules.md §5: a memo item unless a
    methodology allows a deduction; which one applies is for the competent authority to say)."""

    MEMO = "memo", _("备忘项，不扣减（缺省）")
    STORED = "stored", _("扣减封存量")
    STORED_UTILIZED = "stored_utilized", _("扣减封存量与利用量（产品固碳）")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交核查")
    FINDINGS = "findings", _("核查发现问题")
    CORRECTED = "corrected", _("已整改待复核")
    VERIFIED = "verified", _("已核查并锁定")


class Indicator(models.TextChoices):
    """Indicators a unit may set a yearly target for. Direction in TARGET_DIRECTION."""

    TOTAL = "ghg.total", _("温室气体排放总量（t CO2e）")
    INTENSITY = "ghg.intensity", _("排放强度（t CO2e/t原煤）")
    RAW_COAL_ENERGY = "energy.raw_coal_intensity", _("原煤生产综合能耗（kgce/t）")
    CH4_UTILIZATION = "methane.utilization", _("瓦斯利用率（%）")
    CH4_DRAINAGE = "methane.drainage", _("瓦斯抽采率（%）")
    RENEWABLE_SHARE = "transition.renewable_share", _("可再生能源用电占比（%）")
    CAPACITY_RETIRED = "transition.capacity_retired", _("淘汰落后产能（Mt/a）")
    GANGUE_USE = "waste.gangue_use", _("煤矸石综合利用率（%）")
    WATER_USE = "water.mine_water_use", _("矿井水利用率（%）")


# +1: higher is better (a floor); -1: lower is better (a ceiling).
TARGET_DIRECTION = {
    Indicator.TOTAL: -1, Indicator.INTENSITY: -1, Indicator.RAW_COAL_ENERGY: -1,
    Indicator.CH4_UTILIZATION: 1, Indicator.CH4_DRAINAGE: 1, Indicator.RENEWABLE_SHARE: 1,
    Indicator.CAPACITY_RETIRED: 1, Indicator.GANGUE_USE: 1, Indicator.WATER_USE: 1,
}
PERCENT_INDICATORS = {Indicator.CH4_UTILIZATION, Indicator.CH4_DRAINAGE, Indicator.RENEWABLE_SHARE,
                      Indicator.GANGUE_USE, Indicator.WATER_USE}
GWP_CHOICES = [("SAR", "IPCC SAR (21)"), ("AR4", "IPCC AR4 (25)"), ("AR5", "IPCC AR5 (28)"), ("AR6", "IPCC AR6 (27.9)")]
