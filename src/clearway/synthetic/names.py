"""Names and addresses for synthetic parties, in the style of each country's companies."""

from __future__ import annotations

import random
from collections.abc import Callable

from clearway.reference import service as reference

KOREAN = (
    "Hanul", "Mirae", "Saehan", "Dongbang", "Seorim", "Jinseong", "Woori", "Haneul", "Gwangmyeong",
    "Samhwa", "Pungsan", "Cheonji", "Baekdu", "Halla", "Sejong", "Garam", "Nuri", "Taeyang", "Boram",
    "Sinsegye", "Geumgang", "Hanmaum", "Dasan", "Yeonhwa", "Chungmu", "Namsan", "Arirang", "Donghae",
)
IMPORTER_WORDS = ("Trading", "Global", "Foods", "Industries", "Commerce", "Imports", "Distribution",
                  "International", "Networks")
IMPORTER_SUFFIXES = ("Co.", "Co., Ltd.", "Corp.", "Inc.", "Ltd.")
BROKER_FORMS = ("{} Customs Brokerage", "{} Customs Service Co.", "{} Customs Brokers Ltd.")
CITIES = (("Seoul", "Gangnam-gu"), ("Seoul", "Jung-gu"), ("Busan", "Haeundae-gu"), ("Busan", "Jung-gu"),
          ("Incheon", "Yeonsu-gu"), ("Pyeongtaek", "Poseung-eup"), ("Seongnam", "Bundang-gu"))
ROADS = ("Teheran-ro", "Sejong-daero", "Jungang-daero", "Haeun-daero", "Gyeongin-ro", "Eulji-ro")

SELLER_SUFFIX: dict[str, str] = {
    "CN": "Co., Ltd", "VN": "Co., Ltd", "TW": "Co., Ltd", "TH": "Co., Ltd", "JP": "Co., Ltd.",
    "DE": "GmbH", "AT": "GmbH", "CH": "AG", "US": "Inc.", "CA": "Inc.", "FR": "SAS", "IT": "S.p.A.",
    "ES": "S.L.", "NL": "B.V.", "BE": "NV", "AU": "Pty Ltd", "IN": "Pvt. Ltd", "BR": "Ltda.", "CL": "S.A.",
    "PE": "S.A.C.", "AR": "S.A.", "CO": "S.A.S.", "MX": "S.A. de C.V.", "SE": "AB", "DK": "A/S",
    "NO": "AS", "FI": "Oy", "PL": "Sp. z o.o.", "HU": "Kft.", "MY": "Sdn. Bhd.", "SG": "Pte. Ltd.",
    "HK": "Limited", "RU": "LLC", "AE": "LLC", "QA": "W.L.L.", "EC": "S.A.", "HN": "S.A.",
}
PLACES: dict[str, tuple[str, ...]] = {
    "CN": ("Shenzhen", "Guangzhou", "Ningbo", "Qingdao", "Xiamen", "Shanghai", "Dongguan", "Tianjin"),
    "VN": ("Saigon", "Hanoi", "Haiphong", "Binh Duong", "Dong Nai"),
    "US": ("Pacific", "Midwest", "Golden State", "Great Lakes", "Lone Star"),
    "JP": ("Osaka", "Nagoya", "Yokohama", "Kobe"), "DE": ("Hamburg", "Rhein", "Bavaria", "Hansa"),
    "FR": ("Lyon", "Bordeaux", "Provence", "Normandie"), "IT": ("Milano", "Toscana", "Veneto", "Emilia"),
    "AU": ("Southern Cross", "Murray", "Pacific Coast"), "NZ": ("Canterbury", "Waikato", "Kiwi"),
    "HK": ("Kowloon", "Victoria Harbour"), "SG": ("Lion City", "Marina"), "TW": ("Hsinchu", "Taichung"),
}
CORES = ("Bright", "Golden", "Global", "United", "Star", "Ocean", "Prime", "Harvest", "Summit", "Eagle",
         "Lotus", "Pioneer", "Crown", "Evergreen", "Silver", "Royal", "Apex", "Sunrise", "Northern")
# Sector word by HS chapter, so a seller's name says what it sells.
SECTOR: dict[str, str] = {
    "02": "Meat", "03": "Seafood", "04": "Dairy", "07": "Farms", "08": "Fruits", "09": "Coffee",
    "10": "Grains", "12": "Grains", "17": "Sugar", "19": "Foods", "21": "Foods", "22": "Beverages",
    "24": "Tobacco", "30": "Pharma", "33": "Cosmetics", "39": "Plastics", "40": "Tyre", "42": "Leather",
    "44": "Timber", "52": "Textile", "54": "Textile", "61": "Garment", "62": "Apparel", "63": "Textile",
    "64": "Footwear", "69": "Ceramics", "72": "Steel", "73": "Steel", "74": "Metals", "76": "Metals",
    "84": "Machinery", "85": "Electronics", "87": "Motors", "90": "Medical", "91": "Watch",
    "94": "Furniture", "95": "Toys",
}


def importer_name(rng: random.Random) -> str:
    """A Korean company name such as "Mirae Commerce Co., Ltd."."""
    return f"{rng.choice(KOREAN)} {rng.choice(IMPORTER_WORDS)} {rng.choice(IMPORTER_SUFFIXES)}"


def broker_name(rng: random.Random) -> str:
    """A Korean customs broker's name."""
    return rng.choice(BROKER_FORMS).format(rng.choice(KOREAN))


def korean_address(rng: random.Random) -> str:
    """A street address in a Korean trading city."""
    city, district = rng.choice(CITIES)
    return f"{rng.randint(1, 480)} {rng.choice(ROADS)}, {district}, {city}"


def seller_name(rng: random.Random, country: str, chapter: str) -> str:
    """A foreign company name in the country's style, naming its sector."""
    place = rng.choice(PLACES.get(country) or (reference.country_name(country).split(",")[0],))
    sector = SECTOR.get(chapter, "Trading")
    if country == "ID":  # Indonesian companies put the legal form first
        return f"PT {place} {rng.choice(CORES)} {sector}"[:70].strip()
    return f"{place} {rng.choice(CORES)} {sector} {SELLER_SUFFIX.get(country, 'Ltd')}"[:70].strip()


def unique(rng: random.Random, make: Callable[[random.Random], str], taken: set[str]) -> str:
    """A name from `make` not yet in `taken` (which it joins); numbered if the pool runs dry."""
    for _ in range(50):
        name = make(rng)
        if name not in taken:
            taken.add(name)
            return name
    name = f"{make(rng)} {len(taken) + 1}"
    taken.add(name)
    return name
