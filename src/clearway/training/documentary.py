"""The documentary check: a declaration's supporting documents (commercial invoice, packing list, certificate of
origin) as structured data, with discrepancies against the declaration whose ground truth is known.

The documents tell the truth of the case (the goods as they really were), so a planted fraud shows where it
would in real papers: an under-invoiced value, a false origin, a short quantity, another subheading. On top of
those, each set gets a few clerical discrepancies drawn from a generator seeded by the exercise item, so the
same item always shows the same papers and the ground truth can be recomputed rather than stored. The ground
truth is then simply every check point whose document value differs from the declared one.

Pure functions over the case's JSON: no database, so scoring and the page read the same answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_LINES = 5  # lines of a document set shown and checked (long declarations: the first five)
# How many clerical discrepancies a set gets, by level, and how far a planted number strays from the declared
# one: basic sets differ plainly, advanced ones by a few per cent.
PLANTED = {1: (0, 1, 1, 2), 2: (0, 1, 2, 2), 3: (0, 1, 2, 3)}
STRAY = {1: (Decimal("0.25"), Decimal("0.60")), 2: (Decimal("0.08"), Decimal("0.20")),
         3: (Decimal("0.02"), Decimal("0.06"))}
COUNTRIES = ("CN", "VN", "IN", "TH", "MY", "ID", "US", "DE", "IT", "JP", "TR", "BD")
CURRENCIES = ("USD", "EUR", "JPY", "CNY", "KRW")
INCOTERMS = ("EXW", "FOB", "CIF", "CFR", "DAP", "DDP", "FCA")
NUMERIC = ("value", "net_mass_kg", "quantity", "packages")


@dataclass(frozen=True)
class CheckPoint:
    """One value a trainee compares: where it is in the papers, the declared value, and the document's."""

    key: str  # invoice.total, packing.2.net_mass_kg, origin.1.country ...
    document: str  # invoice | packing | origin
    field: str  # total, seller, value, net_mass_kg ...
    line: int | None  # 1-based line, None for a header field
    declared: str
    shown: str

    @property
    def discrepant(self) -> bool:
        """Whether the document says something else than the declaration (numbers compared as numbers)."""
        return not _same(self.declared, self.shown)


def _same(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return a.strip().upper() == b.strip().upper()


def _declared_points(document: dict[str, Any]) -> list[tuple[str, str, int | None, str]]:
    """Every check point of a declaration: (document, field, line, declared value)."""
    seller = document.get("seller") or {}
    points: list[tuple[str, str, int | None, str]] = [
        ("invoice", "seller", None, str(seller.get("name") or "")),
        ("invoice", "currency", None, str(document.get("currency") or "")),
        ("invoice", "incoterm", None, str(document.get("incoterm") or "")),
        ("invoice", "total", None, str(document.get("invoice_total") or "0")),
    ]
    for n, line in enumerate(document.get("items", [])[:MAX_LINES], start=1):
        points += [("invoice", "hs_code", n, str(line.get("hs_code") or "")),
                   ("invoice", "value", n, str(line.get("value") or "0")),
                   ("packing", "net_mass_kg", n, str(line.get("net_mass_kg") or "0")),
                   ("packing", "quantity", n, str((line.get("quantity") or {}).get("value") or "0")),
                   ("packing", "packages", n, str((line.get("packages") or {}).get("count") or "0")),
                   ("origin", "country", n, str(line.get("origin_country") or ""))]
        if line.get("origin_proof"):
            points.append(("origin", "number", n, str(line["origin_proof"])))
    return points


def _true_value(document: dict[str, Any], truth: dict[str, Any], doc: str, field: str, line: int | None,
                declared: str) -> str:
    """What the real papers say: the case's truth where it knows the field, the declared value elsewhere."""
    true_lines = truth.get("items") or []
    if line is None:
        if field == "total" and true_lines:
            # The real invoice totals the real line values; the declared lines beyond the truth stay as lodged.
            lines = document.get("items", [])
            delta = sum((Decimal(str(t.get("value") or 0)) - Decimal(str(d.get("value") or 0))
                         for t, d in zip(true_lines, lines, strict=False)), Decimal(0))
            return f"{Decimal(declared) + delta:.2f}"
        return declared
    if line > len(true_lines):
        return declared
    real = true_lines[line - 1]
    found = {("invoice", "hs_code"): real.get("hs_code"), ("invoice", "value"): real.get("value"),
             ("packing", "net_mass_kg"): real.get("net_mass_kg"), ("packing", "quantity"): real.get("quantity"),
             ("origin", "country"): real.get("origin_country")}.get((doc, field))
    return declared if found is None else str(found)


def _stray(rng: random.Random, doc: str, field: str, value: str, level: int) -> str:
    """A plausible clerical slip on one value, as far from the declared one as the level says."""
    if field in NUMERIC or field == "total":
        low, high = STRAY.get(level, STRAY[1])
        factor = low + (high - low) * Decimal(rng.random())
        number = Decimal(value or "0")
        changed = number * (1 + factor if rng.random() < 0.5 else 1 - factor)
        if field in ("quantity", "packages") and number == number.to_integral_value():
            changed = changed.to_integral_value()
            if changed == number:
                changed = number + 1
        return f"{changed:.2f}" if field in ("value", "total", "net_mass_kg") else str(changed)
    if field == "country":
        return rng.choice([c for c in COUNTRIES if c != value.upper()])
    if field == "currency":
        return rng.choice([c for c in CURRENCIES if c != value.upper()])
    if field == "incoterm":
        return rng.choice([c for c in INCOTERMS if c != value.upper()])
    if field == "hs_code" and len(value) == 6:
        return value[:4] + f"{(int(value[4:]) + rng.randint(1, 89)) % 100:02d}"
    if field == "number":
        digits = [ch for ch in value]
        spots = [i for i, ch in enumerate(digits) if ch.isdigit()] or [len(digits) - 1]
        at = rng.choice(spots)
        digits[at] = str((int(digits[at]) + rng.randint(1, 9)) % 10) if digits[at].isdigit() else "9"
        return "".join(digits)
    if field == "seller":
        return value.replace("Ltd", "Limited").replace("Co.", "Company") if rng.random() < 0.5 and \
            ("Ltd" in value or "Co." in value) else f"{value.split(' ')[0]} Trading Co."
    return value + "-1"


def check_points(document: dict[str, Any], truth: dict[str, Any], salt: int, level: int = 1) -> list[CheckPoint]:
    """The document set of one exercise item: every check point with its declared and document values."""
    rng = random.Random(f"documentary:{salt}")  # the item's own papers, the same every time they are read
    points = []
    for doc, field, line, declared in _declared_points(document):
        key = f"{doc}.{field}" if line is None else f"{doc}.{line}.{field}"
        shown = _true_value(document, truth, doc, field, line, declared)
        # an agreeing number is printed as declared, so that "4713" against "4713.00" is no false lead
        points.append(CheckPoint(key=key, document=doc, field=field, line=line, declared=declared,
                                 shown=declared if _same(declared, shown) else shown))
    clean = [n for n, p in enumerate(points) if not p.discrepant and p.declared]
    planted = min(len(clean), rng.choice(PLANTED.get(level, PLANTED[1])))
    for n in rng.sample(clean, planted):
        p = points[n]
        points[n] = CheckPoint(key=p.key, document=p.document, field=p.field, line=p.line, declared=p.declared,
                               shown=_stray(rng, p.document, p.field, p.declared, level))
    return points


def discrepancies(points: list[CheckPoint]) -> set[str]:
    """The ground truth: keys of the check points where the papers and the declaration differ."""
    return {p.key for p in points if p.discrepant}


def papers(document: dict[str, Any], points: list[CheckPoint]) -> dict[str, Any]:
    """The three documents as a trainee reads them (values only: which differ is for the trainee to find)."""
    shown = {p.key: p.shown for p in points}
    lines = document.get("items", [])[:MAX_LINES]
    seller = document.get("seller") or {}
    lrn = str(document.get("lrn") or "")
    return {
        "invoice": {"number": f"INV-{lrn[-6:]}", "seller": shown.get("invoice.seller", ""),
                    "buyer": str((document.get("buyer") or document.get("importer") or {}).get("name") or ""),
                    "currency": shown.get("invoice.currency", ""), "incoterm": shown.get("invoice.incoterm", ""),
                    "total": shown.get("invoice.total", ""),
                    "lines": [{"line": n, "description": str(line.get("description") or ""),
                               "hs_code": shown.get(f"invoice.{n}.hs_code", ""),
                               "value": shown.get(f"invoice.{n}.value", "")}
                              for n, line in enumerate(lines, start=1)]},
        "packing": {"lines": [{"line": n, "description": str(line.get("description") or ""),
                               "net_mass_kg": shown.get(f"packing.{n}.net_mass_kg", ""),
                               "quantity": shown.get(f"packing.{n}.quantity", ""),
                               "unit": str((line.get("quantity") or {}).get("unit") or ""),
                               "packages": shown.get(f"packing.{n}.packages", ""),
                               "package_kind": str((line.get("packages") or {}).get("kind") or "")}
                              for n, line in enumerate(lines, start=1)]},
        "origin": {"exporter": str(seller.get("name") or ""),
                   "lines": [{"line": n, "description": str(line.get("description") or ""),
                              "country": shown.get(f"origin.{n}.country", ""),
                              "number": shown.get(f"origin.{n}.number")}
                             for n, line in enumerate(lines, start=1)]},
    }
