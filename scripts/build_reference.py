"""Build the reference files shipped in the package from ../shared/data and pycountry.

Run once by a developer when a source changes: `python scripts/build_reference.py`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/clearway/reference/data"
SHARED = ROOT.parent / "shared/data/hs2022"


def build_hs() -> None:
    rows = []
    seen = set()
    with open(SHARED / "harmonized-system.csv", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            code = (r["hscode"] or "").strip()
            # Chapter 99 ("commodities not specified") is a UN Comtrade device, not part of the HS.
            if not code.isdigit() or len(code) not in (2, 4, 6) or code in seen or code.startswith("99"):
                continue
            seen.add(code)
            desc = " ".join((r["description"] or "").split())
            parent = r["parent"] if r["parent"] != "TOTAL" else ""
            rows.append((code, len(code), parent, r["section"], desc))
    with open(OUT / "hs2022.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "level", "parent", "section", "description"])
        w.writerows(rows)
    with open(SHARED / "sections.csv", encoding="utf-8-sig") as src, open(
        OUT / "hs_sections.csv", "w", newline="", encoding="utf-8"
    ) as dst:
        dst.write(src.read())
    print("hs2022:", len(rows))


def build_countries() -> None:
    import gettext

    tr = {
        loc: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc])
        for loc in ("es", "fr")
    }
    with open(OUT / "countries.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "alpha3", "name_en", "name_es", "name_fr"])
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
            w.writerow([c.alpha_2, c.alpha_3, c.name, tr["es"].gettext(c.name), tr["fr"].gettext(c.name)])


def build_currencies() -> None:
    import gettext

    tr = {
        loc: gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=[loc])
        for loc in ("es", "fr")
    }
    with open(OUT / "currencies.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "numeric", "name", "name_es", "name_fr"])
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
            w.writerow([c.alpha_3, c.numeric, c.name, tr["es"].gettext(c.name), tr["fr"].gettext(c.name)])


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    build_hs()
    build_countries()
    build_currencies()
