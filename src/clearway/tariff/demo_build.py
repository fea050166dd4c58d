"""Generate the demo schedule and agreements files from HS 2022: `python -m clearway.tariff.demo_build`.

The demo schedule is plausible, not official. Every HS 2022 subheading gets a national line
(HS6 + "00"; a few are split into 10-digit lines). Customs duty: the demo's residual rate of
8 % ad valorem on every chapter, overridden for the chapters, headings and subheadings listed in
MFN below (ITA electronics 0 %, apparel 13 %, beef 40 %, rice mixed, spirits 20 %...). VAT 10 %
everywhere (books and rice exempt); excise on beer, wine, spirits, cigarettes, cars, motorcycles;
permits from the quarantine, drug, radio and police agencies; two prohibitions. Preferences:
KORUS (0 %, beef phased out, rice excluded), KR-EU (0 %, rice excluded), RCEP (half the general
rate on industrial chapters 25-97).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from clearway.reference import service as reference
from clearway.tariff.schedule_file import COLUMNS

DATA = Path(__file__).parent / "data"
START = "2022-01-01"
LAW = "Demo Customs Tariff Act, Annex 1"
RESIDUAL = "8"
SPLITS = {
    "220830": [("1000", "Whiskies; bourbon"), ("2000", "Whiskies; Scotch"), ("9000", "Whiskies; other")],
    "870323": [("1000", "Cars, spark-ignition, over 1500cc but not over 2000cc"),
               ("9000", "Cars, spark-ignition, over 2000cc but not over 3000cc")],
}
UNITS = {"22": "LTR", "2402": "NAR", "8703": "NAR", "8711": "NAR", "61": "NAR", "62": "NAR", "64": "PR"}
# code -> (basis, rate_pct, amount, per_unit, valid_from, valid_to); several rows make a dated series.
MFN: dict[str, list[tuple[str, str, str, str, str, str]]] = {
    "30": [("ad_valorem", "0", "", "", START, "")], "49": [("ad_valorem", "0", "", "", START, "")],
    "72": [("ad_valorem", "0", "", "", START, "")], "39": [("ad_valorem", "6.5", "", "", START, "")],
    "61": [("ad_valorem", "13", "", "", START, "")], "62": [("ad_valorem", "13", "", "", START, "")],
    "64": [("ad_valorem", "13", "", "", START, "")],
    "8471": [("ad_valorem", "0", "", "", START, "")], "8517": [("ad_valorem", "0", "", "", START, "")],
    "8523": [("ad_valorem", "0", "", "", START, "")], "8542": [("ad_valorem", "0", "", "", START, "")],
    "8507": [("ad_valorem", "8", "", "", START, "2025-12-31"), ("ad_valorem", "5", "", "", "2026-01-01", "")],
    "9503": [("ad_valorem", "8", "", "", START, "2026-06-30"), ("ad_valorem", "0", "", "", "2026-07-01", "")],
    "0201": [("ad_valorem", "40", "", "", START, "")], "0202": [("ad_valorem", "40", "", "", START, "")],
    "0203": [("ad_valorem", "25", "", "", START, "")], "0207": [("ad_valorem", "20", "", "", START, "")],
    "0406": [("ad_valorem", "36", "", "", START, "")], "0805": [("ad_valorem", "50", "", "", START, "")],
    "0901": [("ad_valorem", "2", "", "", START, "")], "0409": [("compound", "20", "500", "KGM", START, "")],
    "1006": [("mixed_max", "513", "2000", "KGM", START, "")], "1701": [("specific", "", "100", "KGM", START, "")],
    "1704": [("compound", "8", "50", "KGM", START, "")], "2009": [("mixed_min", "30", "800", "LTR", START, "")],
    "2203": [("ad_valorem", "30", "", "", START, "")], "2204": [("ad_valorem", "15", "", "", START, "")],
    "2208": [("ad_valorem", "20", "", "", START, "")], "2401": [("ad_valorem", "20", "", "", START, "")],
    "2402": [("ad_valorem", "40", "", "", START, "")],
}
EXCISE = {"2203": ("specific", "", "885.7", "LTR"), "2204": ("ad_valorem", "30", "", ""),
          "2208": ("ad_valorem", "72", "", ""), "2402": ("specific", "", "50.35", "NAR"),
          "8703": ("ad_valorem", "5", "", ""), "8711": ("ad_valorem", "5", "", "")}
VAT_EXEMPT = ("1006", "4901")
CONTROLS = [("restriction", c, "APQA") for c in ("0201", "0202", "0203", "0207", "0805", "0602")] + [
    ("restriction", "3002", "MFDS"), ("restriction", "3004", "MFDS"), ("restriction", "8517", "RRA"),
    ("restriction", "9303", "KNPA"), ("restriction", "9304", "KNPA"),
    ("prohibition", "121130", ""), ("prohibition", "130211", ""),
]
EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
AGREEMENTS = [
    ("KRUS", "Korea-United States Free Trade Agreement (KORUS)", "US", "2012-03-15"),
    ("KREU", "EU-Korea Free Trade Agreement", EU, "2011-07-01"),
    ("RCEP", "Regional Comprehensive Economic Partnership",
     "AU BN CN ID JP KH LA MM MY NZ PH SG TH VN", "2022-02-01"),
]
PREF_EXCLUDED = ("1006",)  # rice is excluded from every agreement
KORUS_BEEF = [("10.6", "2024-01-01", "2024-12-31"), ("8.0", "2025-01-01", "2025-12-31"),
              ("5.3", "2026-01-01", "2026-12-31"), ("2.6", "2027-01-01", "2027-12-31"), ("0", "2028-01-01", "")]


def _row(record: str, code: str, **values: str) -> dict[str, str]:
    return {"record": record, "code": code, "legal_basis": LAW, "valid_from": START, **values}


def _pref_codes(chapters: list[str], headings: list[str]) -> list[str]:
    """Chapter codes, except chapters holding an excluded heading are listed heading by heading."""
    codes = []
    for chapter in chapters:
        if any(h.startswith(chapter) for h in PREF_EXCLUDED):
            codes += [h for h in headings if h.startswith(chapter) and h not in PREF_EXCLUDED]
        else:
            codes.append(chapter)
    return codes


def _preferences(chapters: list[str], headings: list[str]) -> list[dict[str, str]]:
    rows = []
    for agreement in ("KRUS", "KREU"):
        rows += [_row("duty", c, basis="ad_valorem", rate_pct="0", agreement=agreement)
                 for c in _pref_codes(chapters, headings) if not (agreement == "KRUS" and c in ("02",))]
    rows += [_row("duty", c, basis="ad_valorem", rate_pct="0", agreement="KRUS")
             for c in headings if c.startswith("02") and c not in ("0201", "0202")]
    rows += [_row("duty", beef, basis="ad_valorem", rate_pct=pct, agreement="KRUS", valid_from=start, valid_to=end)
             for beef in ("0201", "0202") for pct, start, end in KORUS_BEEF]
    industrial = [c for c in chapters if c >= "25"]
    mfn = {**{c: [("ad_valorem", RESIDUAL, "", "", START, "")] for c in industrial}, **MFN}
    for code, series in sorted(mfn.items()):
        for basis, pct, _amount, _unit, start, end in series:
            if code[:2] >= "25" and basis == "ad_valorem":
                half = (Decimal(pct) / 2).quantize(Decimal("0.1"))
                rows.append(_row("duty", code, basis=basis, rate_pct=str(half), agreement="RCEP",
                                 valid_from=start, valid_to=end))
    return rows


def _unit(code: str) -> str:
    return next((unit for prefix, unit in UNITS.items() if code.startswith(prefix)), "")


def schedule_rows() -> list[dict[str, str]]:
    """Every row of the demo schedule file."""
    edition = reference.hs_edition_on(date.fromisoformat(START))
    assert edition is not None
    codes = edition.codes
    chapters = sorted(c for c, (level, _p, _d) in codes.items() if level == 2)
    headings = sorted(c for c, (level, _p, _d) in codes.items() if level == 4)
    rows = []
    for hs6 in sorted(c for c, (level, _p, _d) in codes.items() if level == 6):
        for suffix, description in SPLITS.get(hs6, [("00", codes[hs6][2])]):
            rows.append({"record": "line", "code": hs6 + suffix, "description": description, "unit": _unit(hs6)})
    rows += [_row("duty", c, basis="ad_valorem", rate_pct=RESIDUAL, legal_basis="Demo residual rate")
             for c in chapters if c not in MFN]
    rows += [_row("duty", code, basis=b, rate_pct=p, amount=a, per_unit=u, valid_from=f, valid_to=t)
             for code, series in MFN.items() for b, p, a, u, f, t in series]
    rows += [_row("vat", c, basis="ad_valorem", rate_pct="10", legal_basis="Demo VAT Act") for c in chapters]
    rows += [_row("vat", c, basis="ad_valorem", rate_pct="0", legal_basis="Demo VAT Act, exemptions")
             for c in VAT_EXEMPT]
    rows += [_row("excise", c, basis=b, rate_pct=p, amount=a, per_unit=u, legal_basis="Demo Excise Act")
             for c, (b, p, a, u) in EXCISE.items()]
    rows += [_row(kind, c, agency=agency) for kind, c, agency in CONTROLS]
    return rows + _preferences(chapters, headings)


def write(directory: Path = DATA) -> tuple[int, int]:
    """Write demo_schedule.csv and demo_agreements.csv; returns their row counts."""
    rows = schedule_rows()
    with open(directory / "demo_schedule.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with open(directory / "demo_agreements.csv", "w", newline="", encoding="utf-8") as fh:
        table = csv.writer(fh, lineterminator="\n")
        table.writerow(["agreement", "name", "partners", "valid_from", "valid_to"])
        table.writerows([*a, ""] for a in AGREEMENTS)
    return len(rows), len(AGREEMENTS)


if __name__ == "__main__":
    print("demo schedule rows, agreements:", write())
