"""Product families behind the synthetic goods catalogue: what Korea imports, from where, at what price.

A family names HS headings (4 digits, expanded from the reference list) or subheadings (6 digits)
and the trade facts they share: the supplementary unit and kilograms per unit, the median unit
value in USD per kg with its log-normal spread, a typical net mass per item line, origins and
transport modes with weights, the usual package, and a relative fraud risk. The numbers are
plausible orders of magnitude for 2020s trade, not statistics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A group of HS codes traded alike."""

    name: str
    codes: str  # space-separated HS4 headings or HS6 subheadings
    unit: str  # UN/ECE Rec. 20 supplementary unit
    kg_per_unit: float
    usd_per_kg: float  # median unit value
    sigma: float  # log-normal spread of unit values within one HS6 x origin key
    lot_kg: float  # median net mass of one item line carried by sea
    origins: str  # "CC:weight ..."
    modes: str  # "mode:weight ..." (UN/ECE Rec. 19)
    package: str  # UN/ECE Rec. 21 kind
    risk: float  # relative propensity of fraud in this family
    qualifiers: tuple[str, ...]  # trade wording appended to the HS text; {m} model, {y} year


F = Family
FAMILIES: tuple[Family, ...] = (
    F("beef", "0201 0202", "KGM", 1, 7.5, .3, 22000, "AU:45 US:45 NZ:5 CA:3 MX:2", "1:1", "CT", 1.3,
      ("vacuum packed", "export grade", "grain fed, boxed")),
    F("pork", "0203", "KGM", 1, 3.4, .3, 24000, "US:30 ES:20 DE:15 CA:12 CL:8 NL:8 DK:7", "1:1", "CT", 1.2,
      ("boxed", "export grade")),
    F("offal", "0206", "KGM", 1, 2.8, .35, 20000, "US:50 AU:35 CA:15", "1:1", "CT", 1.0,
      ("boxed", "vacuum packed")),
    F("fish", "030367 030363 030354 030342 030389 030475 030481 030462", "KGM", 1, 3.2, .4, 18000,
      "RU:35 NO:20 CN:15 US:12 VN:10 CL:8", "1:9 3:1", "CT", 1.1, ("frozen, IQF", "frozen blocks", "glazed")),
    F("crustaceans", "0306", "KGM", 1, 9.5, .4, 12000, "VN:35 EC:20 TH:15 CN:15 IN:15", "1:9 4:1", "CT", 1.3,
      ("headless shell-on", "peeled and deveined", "size 16/20")),
    F("milk_powder", "0402", "KGM", 1, 4.2, .25, 20000, "NZ:40 AU:25 US:20 DE:10 FR:5", "1:1", "BG", 1.0,
      ("25 kg bags", "spray dried")),
    F("cheese", "0406", "KGM", 1, 5.5, .3, 16000, "US:35 NZ:15 AU:15 DE:12 FR:10 IT:8 NL:5", "1:9 4:1", "CT",
      1.2, ("bulk cartons", "retail packs")),
    F("alliums", "0703", "KGM", 1, .9, .35, 24000, "CN:80 NZ:10 US:10", "1:1", "BG", 1.6,
      ("mesh bags", "export grade")),
    F("dried_veg", "0712", "KGM", 1, 3.0, .4, 10000, "CN:85 VN:10 US:5", "1:9 3:1", "BG", 1.0,
      ("20 kg cartons", "export grade")),
    F("citrus", "0805", "KGM", 1, 1.4, .3, 20000, "US:60 AU:20 ZA:10 CL:10", "1:1", "CT", 1.0,
      ("15 kg cartons", "class I")),
    F("fruit", "0810", "KGM", 1, 3.5, .35, 15000, "NZ:45 CL:25 US:20 TH:10", "1:8 4:2", "CT", 1.0,
      ("trays", "class I")),
    F("coffee", "0901", "KGM", 1, 5.0, .35, 18000, "BR:30 VN:20 CO:20 ET:15 HN:10 US:5", "1:9 4:1", "BG", 1.0,
      ("60 kg bags", "specialty grade")),
    F("rice", "1006", "KGM", 1, .9, .3, 22000, "CN:40 US:35 TH:15 VN:10", "1:1", "BG", 1.4,
      ("20 kg bags", "crop {y}")),
    F("maize", "1005", "TNE", 1000, .26, .2, 400000, "US:45 BR:30 AR:15 UA:10", "1:1", "VR", .5,
      ("bulk", "crop {y}")),
    F("soybeans", "1201", "TNE", 1000, .55, .2, 300000, "US:60 BR:30 CN:10", "1:1", "VR", .6,
      ("bulk", "crop {y}")),
    F("sugar", "1701", "TNE", 1000, .5, .2, 200000, "AU:45 TH:40 BR:15", "1:1", "VR", .8,
      ("bulk", "crop {y}")),
    F("sugars", "1702", "KGM", 1, 1.2, .35, 18000, "CN:40 US:30 DE:15 TH:15", "1:1", "DR", 1.0,
      ("drums", "food grade")),
    F("food_preps", "1901 2106", "KGM", 1, 6.0, .5, 8000, "US:30 CN:20 DE:15 JP:15 AU:10 NZ:10", "1:8 4:2",
      "CT", 1.1, ("retail packs", "25 kg bags")),
    F("wine", "2204", "LTR", 1, 6.0, .7, 12000, "FR:30 CL:20 IT:15 US:15 ES:10 AU:10", "1:9 4:1", "CT", 1.2,
      ("750 ml bottles", "vintage {y}")),
    F("spirits", "2208", "LTR", 1, 12.0, .7, 8000, "GB:45 FR:20 US:20 JP:10 MX:5", "1:8 4:2", "CT", 1.3,
      ("700 ml bottles", "cases of 6")),
    F("cigarettes", "2402", "NAR", .001, 45.0, .4, 6000, "ID:30 PH:20 JP:20 CH:15 DE:15", "1:1", "CT", 1.8,
      ("master cases", "brand {m}")),
    F("medicaments", "3004", "KGM", 1, 120.0, .8, 800, "US:25 DE:20 CH:15 IE:15 FR:10 JP:10 IN:5", "4:7 1:3",
      "CT", .8, ("product {m}", "batch {m}")),
    F("cosmetics", "3304", "KGM", 1, 35.0, .6, 1500, "FR:35 US:25 JP:20 IT:10 CN:10", "4:5 1:4 5:1", "CT",
      1.2, ("skin care range {m}", "gift sets")),
    F("polymers", "3901 3902", "TNE", 1000, 1.3, .2, 100000, "SA:30 US:20 SG:15 QA:15 CN:10 TH:10", "1:1",
      "BG", .6, ("25 kg bags", "prime grade")),
    F("plastic_articles", "3926", "KGM", 1, 8.0, .6, 4000, "CN:55 JP:15 US:10 DE:10 VN:10", "1:8 4:2", "CT",
      1.0, ("assorted, cartons", "injection moulded")),
    F("tyres", "4011", "NAR", 9, 4.5, .3, 15000, "CN:45 JP:20 TH:15 VN:10 ID:10", "1:1", "PX", 1.1,
      ("model {m}", "size range {m}")),
    F("handbags", "4202", "NAR", .8, 60.0, .9, 2000, "IT:30 FR:25 CN:30 VN:15", "4:6 1:3 5:1", "CT", 1.5,
      ("leather, style {m}", "canvas, style {m}")),
    F("sawn_wood", "4407", "MTQ", 550, .5, .25, 60000, "NZ:30 CA:20 RU:20 US:15 FI:10 CL:5", "1:1", "PX", .7,
      ("bundles", "grade {m}")),
    F("cotton_fabric", "5208", "MTK", .15, 8.0, .35, 8000, "CN:50 IN:20 PK:15 VN:15", "1:1", "PK", 1.1,
      ("rolls, 150 cm width", "article {m}")),
    F("synthetic_fabric", "5407", "MTK", .12, 6.5, .35, 8000, "CN:60 TW:20 VN:10 ID:10", "1:1", "PK", 1.1,
      ("rolls, 150 cm width", "article {m}")),
    F("t_shirts", "6109", "NAR", .2, 14.0, .5, 3000, "CN:40 VN:30 BD:15 IN:10 KH:5", "1:7 4:3", "CT", 1.5,
      ("style {m}, assorted sizes", "printed, style {m}")),
    F("knitwear", "6110", "NAR", .45, 20.0, .5, 3000, "CN:45 VN:25 BD:15 IT:10 KH:5", "1:7 4:3", "CT", 1.5,
      ("style {m}, assorted sizes", "pullovers, style {m}")),
    F("menswear", "6203", "NAR", .6, 22.0, .55, 3000, "CN:45 VN:30 BD:15 IT:10", "1:7 4:3", "CT", 1.5,
      ("style {m}, assorted sizes", "season {y}")),
    F("womenswear", "6204", "NAR", .5, 24.0, .55, 3000, "CN:45 VN:30 BD:10 IT:10 FR:5", "1:7 4:3", "CT", 1.5,
      ("style {m}, assorted sizes", "season {y}")),
    F("made_up_textiles", "6307", "KGM", 1, 9.0, .5, 4000, "CN:70 VN:20 IN:10", "1:1", "CT", 1.0,
      ("assorted", "article {m}")),
    F("footwear", "6403 6404", "PR", .9, 26.0, .6, 4000, "VN:40 CN:35 ID:10 IT:10 IN:5", "1:7 4:3", "CT", 1.4,
      ("sports shoes, style {m}", "assorted sizes, style {m}")),
    F("footwear_parts", "6406", "KGM", 1, 9.0, .5, 3000, "CN:60 VN:30 ID:10", "1:1", "CT", 1.0,
      ("for shoe assembly", "assorted")),
    F("tiles", "6907", "MTK", 20, .55, .3, 24000, "CN:45 IT:20 ES:20 VN:15", "1:1", "PX", 1.0,
      ("600x600 mm", "series {m}")),
    F("hot_rolled_steel", "7208", "TNE", 1000, .65, .15, 500000, "CN:45 JP:35 RU:10 IN:10", "1:1", "NE", .6,
      ("prime", "mill cert. {m}")),
    F("coated_steel", "7210", "TNE", 1000, .9, .15, 300000, "CN:50 JP:30 VN:10 IN:10", "1:1", "NE", .7,
      ("prime", "mill cert. {m}")),
    F("steel_tubes", "7304", "TNE", 1000, 1.6, .3, 100000, "CN:50 JP:25 DE:10 US:10 IN:5", "1:1", "NE", .9,
      ("bundles", "mill cert. {m}")),
    F("copper", "7403", "TNE", 1000, 9.0, .1, 100000, "CL:45 PE:25 JP:15 AU:15", "1:1", "NE", .5,
      ("LME registered brand", "lot {m}")),
    F("aluminium", "7601", "TNE", 1000, 2.6, .12, 200000, "AU:35 IN:20 RU:15 AE:15 MY:15", "1:1", "NE", .6,
      ("lot {m}", "prime")),
    F("air_conditioners", "8415", "NAR", 40, 8.5, .35, 16000, "CN:50 TH:25 MY:15 JP:10", "1:1", "CT", 1.0,
      ("split type, model {m}", "model {m}")),
    F("refrigerators", "8418", "NAR", 70, 6.0, .35, 16000, "CN:40 TH:20 MX:20 US:20", "1:1", "CT", 1.0,
      ("model {m}", "two-door, model {m}")),
    F("washing_machines", "8450", "NAR", 60, 5.5, .3, 16000, "CN:45 TH:30 VN:25", "1:1", "CT", 1.0,
      ("front loading, model {m}", "model {m}")),
    F("computers", "8471", "NAR", 2.5, 60.0, .6, 3000, "CN:50 VN:20 US:10 TW:10 MY:10", "4:6 1:4", "CT", .9,
      ("model {m}", "16 GB RAM, model {m}")),
    F("computer_parts", "8473", "KGM", 1, 70.0, .7, 1500, "CN:45 TW:30 VN:15 JP:10", "4:7 1:3", "CT", .8,
      ("assorted", "boards, model {m}")),
    F("phones", "8517", "NAR", .2, 300.0, .5, 2000, "CN:55 VN:25 IN:10 US:10", "4:8 1:2", "CT", .9,
      ("model {m}", "128 GB, model {m}")),
    F("tv_monitors", "8528", "NAR", 9, 28.0, .45, 8000, "CN:45 VN:25 MX:15 MY:15", "1:7 4:3", "CT", 1.1,
      ("LED, model {m}", "55 inch, model {m}")),
    F("batteries", "8507", "NAR", .6, 22.0, .5, 5000, "CN:60 JP:15 PL:15 HU:10", "1:7 4:3", "CT", 1.0,
      ("lithium-ion cells, model {m}", "packs, model {m}")),
    F("semiconductors", "8541 8542", "NAR", .002, 2200.0, .8, 300, "TW:35 CN:25 JP:15 US:10 MY:10 VN:5",
      "4:9 1:1", "BX", .7, ("part no. {m}", "reels, part no. {m}")),
    F("cables", "8544", "KGM", 1, 11.0, .4, 6000, "CN:55 VN:20 JP:15 DE:10", "1:8 4:2", "CT", 1.0,
      ("on reels", "assemblies, model {m}")),
    F("cars", "8703", "NAR", 1600, 28.0, .45, 24000, "DE:45 US:20 JP:12 GB:10 SE:8 IT:5", "1:1", "NE", .8,
      ("new, model year {y}", "model {m}")),
    F("car_parts", "8708", "KGM", 1, 13.0, .5, 6000, "DE:30 JP:25 CN:25 US:10 MX:10", "1:7 4:3", "CT", .9,
      ("OEM, part no. {m}", "aftermarket, part no. {m}")),
    F("medical_instruments", "9018", "NAR", 1.5, 220.0, .8, 800, "US:35 DE:25 JP:20 CH:10 IE:10", "4:7 1:3",
      "CT", .8, ("model {m}", "sterile, model {m}")),
    F("watches", "9102", "NAR", .12, 350.0, .9, 150, "CH:40 CN:30 HK:15 JP:15", "4:8 5:2", "BX", 1.5,
      ("model {m}", "reference {m}")),
    F("toys", "9503", "NAR", .4, 9.0, .5, 5000, "CN:75 VN:15 ID:10", "1:7 4:2 5:1", "CT", 1.3,
      ("assorted, item {m}", "item {m}")),
    F("consoles", "9504", "NAR", 3, 75.0, .5, 2000, "CN:55 JP:30 VN:15", "1:6 4:4", "CT", 1.0,
      ("model {m}", "with controllers, model {m}")),
    F("furniture", "9401 9403", "NAR", 18, 5.0, .45, 8000, "CN:45 VN:30 IT:10 MY:10 DE:5", "1:1", "CT", 1.1,
      ("flat packed, item {m}", "item {m}")),
)

# (true code prefix, declared code prefix): a misdescription customs meets in practice and that
# lowers the duty under the demo table, e.g. a television declared as a computer monitor.
MISCLASSIFICATIONS: tuple[tuple[str, str], ...] = (
    ("0201", "0206"), ("0202", "0206"), ("0203", "0206"), ("0406", "1901"), ("0703", "0712"),
    ("1701", "1702"), ("6109", "6307"), ("6110", "6307"), ("6203", "6307"), ("6204", "6307"),
    ("6403", "6406"), ("6404", "6406"), ("852872", "852852"), ("4202", "3926"), ("9504", "8471"),
)

# Countries whose goods are dearer or cheaper than the family median.
PRICE_LEVEL: dict[str, float] = {
    "CH": 1.5, "FR": 1.35, "IT": 1.3, "DE": 1.25, "JP": 1.25, "GB": 1.2, "SE": 1.15, "US": 1.1, "NL": 1.1,
    "DK": 1.1, "IE": 1.1, "AU": 1.05, "NZ": 1.05, "CA": 1.05, "CN": .8, "VN": .75, "BD": .65, "KH": .65,
    "IN": .75, "PK": .7, "ID": .8, "TH": .85, "MY": .9,
}

# Origins whose consignments customs historically finds riskier (or safer) than average.
ORIGIN_RISK: dict[str, float] = {
    "CN": 1.3, "VN": 1.2, "HK": 1.4, "KH": 1.3, "BD": 1.2, "PK": 1.2, "RU": 1.2, "ID": 1.1, "TH": 1.1,
    "MY": 1.1, "JP": .7, "DE": .7, "CH": .7, "US": .8, "FR": .8, "GB": .8, "AU": .8, "NZ": .8,
}

# Where goods are re-labelled when their origin is falsified (transshipment hubs).
FALSE_ORIGIN_HUBS: dict[str, tuple[str, ...]] = {
    "02": ("AU", "NZ", "US"), "04": ("NZ", "AU", "US"), "03": ("VN", "CL", "NO"),
}
DEFAULT_HUBS: tuple[str, ...] = ("VN", "MY", "TH", "ID")


def weights(spec: str) -> dict[str, float]:
    """Parse "KEY:weight KEY:weight" into an ordered mapping."""
    pairs = (token.split(":") for token in spec.split())
    return {key: float(weight) for key, weight in pairs}
