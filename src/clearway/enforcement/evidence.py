"""What an analyst reads: a declaration's price evidence and the ranked leads, computed from lodged declarations.

Lines come from import declarations (not rejected or cancelled) through `declarations.selectors`; unit
values are compared within one currency (the declared one), so no exchange rate enters the evidence.
Comparables are anonymised: no MRN, no trader, only the month, the unit values and whether the trim kept
them. Evidence is a targeting signal for the officer, never a reason to reject a transaction value.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration
from clearway.enforcement import indicators, networks, prices

LIMIT = 50_000  # newest declarations read for history (bounds a request on a large database)
BINS = 12
KEYS = ["hs6", "origin", "currency"]


def lines_of(db: Session, *, limit: int = LIMIT) -> pd.DataFrame:
    """One row per item of the newest import declarations, in the frame the enforcement functions take."""
    rows = db.execute(select(Declaration.mrn, Declaration.lodged_at, Declaration.importer_id, Declaration.declarant_id,
                             Declaration.currency, Declaration.document)
                      .where(Declaration.type == "IM", Declaration.status.not_in(("rejected", "cancelled")))
                      .order_by(Declaration.id.desc()).limit(limit)).all()
    out = []
    for mrn, lodged_at, importer, declarant, currency, doc in rows:
        doc = doc or {}
        seller = str((doc.get("seller") or {}).get("name") or "")
        departure = str((doc.get("transport") or {}).get("departure_country") or "")
        for n, item in enumerate(doc.get("items") or [], start=1):
            quantity = (item.get("quantity") or {}).get("value")
            out.append({"declaration_id": mrn, "item": n, "date": lodged_at, "hs6": str(item.get("hs_code", ""))[:6],
                        "origin": str(item.get("origin_country") or ""), "departure": departure,
                        "importer": importer or declarant, "seller": seller, "declarant": declarant,
                        "currency": currency, "value": _float(item.get("value")),
                        "mass_kg": _float(item.get("net_mass_kg")), "quantity": _float(quantity),
                        "unit": str((item.get("quantity") or {}).get("unit") or ""),
                        "tax_rate": 0.0, "payment_type": str(doc.get("payment_type") or "")})
    frame = pd.DataFrame(out)
    if len(frame):
        frame["date"] = pd.to_datetime(frame["date"], utc=True)
        frame["period"] = frame["date"].dt.strftime("%Y-%m")
    return frame


def indicator_state(db: Session, *, before: datetime | None = None) -> indicators.IndicatorState | None:
    """The TBML indicators' state fitted on lodged import lines (before a time, if given); None without history."""
    lines = lines_of(db)
    if len(lines) and before is not None:
        lines = lines[lines["date"] < _ts(before)]
    return indicators.fit(lines) if len(lines) else None


def _ts(at: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(at)
    return stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def price_evidence(lines: pd.DataFrame, declaration: Declaration) -> list[dict[str, Any]]:
    """Per item: this price per kg and per unit, the trimmed reference from earlier lines, spread, n, deviation."""
    if not len(lines):
        return []
    mine = lines[lines["declaration_id"] == declaration.mrn]
    earlier = lines[(lines["date"] < _ts(declaration.lodged_at)) & (lines["declaration_id"] != declaration.mrn)]
    return [_item_evidence(row, earlier) for row in mine.to_dict("records")]


def _item_evidence(row: dict[str, Any], earlier: pd.DataFrame) -> dict[str, Any]:
    same = earlier[(earlier["hs6"] == row["hs6"]) & (earlier["origin"] == row["origin"])
                   & (earlier["currency"] == row["currency"])]
    luv = prices.log_unit_value(same)
    ok = ~np.isnan(luv)
    same, luv = same[ok], luv[ok]
    own_kg = row["value"] / row["mass_kg"] if row["mass_kg"] > 0 else None
    own_unit = row["value"] / row["quantity"] if row["quantity"] > 0 else None
    out: dict[str, Any] = {"item": row["item"], "hs6": row["hs6"], "origin": row["origin"],
                           "currency": row["currency"], "unit": row["unit"], "unit_value_kg": own_kg,
                           "unit_value_unit": own_unit, "n": 0, "trimmed": 0, "reference_kg": None,
                           "reference_unit": None, "spread": None, "deviation": None, "ratio": None,
                           "comparables": [], "histogram": [], "enough": False}
    refs = prices.reference_prices(same, KEYS) if len(same) else pd.DataFrame()
    if len(same):
        med, spread = float(np.median(luv)), None
        keep = np.ones(len(same), dtype=bool)
        if len(refs):
            ref = refs.iloc[0]
            med, spread = float(ref["median"]), float(ref["spread"])
            keep = np.abs(luv - med) <= prices.TRIM_AT * spread
            out.update(n=int(ref["lines"]), trimmed=int(ref["trimmed"]), reference_kg=float(np.exp(med)),
                       spread=spread, enough=True)
            per_unit = (same["value"] / same["quantity"]).to_numpy()[keep]
            per_unit = per_unit[np.isfinite(per_unit) & (per_unit > 0)]
            if len(per_unit):
                out["reference_unit"] = float(np.median(per_unit))
            if own_kg:
                out["deviation"] = (math.log(own_kg) - med) / spread
                out["ratio"] = own_kg / float(np.exp(med))
        out["comparables"] = [
            {"ref": f"C{i + 1}", "period": str(p), "unit_value_kg": float(math.exp(v)),
             "unit_value_unit": (float(val / q) if q and q > 0 else None), "kept": bool(k)}
            for i, (p, v, val, q, k) in enumerate(zip(same["period"], luv, same["value"], same["quantity"], keep,
                                                      strict=True))][:200]
        out["histogram"] = _histogram(luv, math.log(own_kg) if own_kg else None)
    return out


def _histogram(luv: np.ndarray, own: float | None) -> list[dict[str, Any]]:
    """Counts of comparables per log-price bin, with the bin holding this declaration marked."""
    values = luv if own is None else np.append(luv, own)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, BINS + 1)
    counts, _ = np.histogram(luv, edges)
    own_bin = None if own is None else min(int(np.searchsorted(edges, own, side="right")) - 1, BINS - 1)
    return [{"from": float(math.exp(edges[i])), "to": float(math.exp(edges[i + 1])), "count": int(counts[i]),
             "this": i == own_bin} for i in range(BINS)]


def leads(lines: pd.DataFrame, *, now: datetime, window_days: int = 30, limit: int = 50) -> list[dict[str, Any]]:
    """Ranked, explained leads: lines of the last `window_days` scored by the indicators (fitted on the lines
    before them), and circular flows over all lines; each with a stable key to open a case from."""
    if not len(lines):
        return []
    cut = _ts(now) - pd.Timedelta(days=window_days)
    history, recent = lines[lines["date"] < cut], lines[lines["date"] >= cut].reset_index(drop=True)
    out: list[dict[str, Any]] = []
    for currency in sorted(set(recent["currency"])):  # unit values compare within one currency, as the evidence
        past, now_lines = history[history["currency"] == currency], recent[recent["currency"] == currency]
        if len(past):
            out += _indicator_leads(past, now_lines.reset_index(drop=True), limit)
    flows = [(str(s), str(b), float(v)) for s, b, v in zip(lines["importer"], lines["seller"], lines["value"],
                                                            strict=True) if s and b]
    for lead in networks.circular_leads(flows)[:limit]:
        out.append(_lead("circular", lead.score, list(lead.parties), [], ["tbml.circular"], lead.explanation,
                         {"legs": lead.evidence.get("legs", [])}))
    return sorted(out, key=lambda lead: -lead["score"])[:limit]


def _indicator_leads(history: pd.DataFrame, recent: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    state = indicators.fit(history)
    score = indicators.score(recent, state)
    hit = indicators.hits(recent, state)
    z = prices.deviations(recent, state.refs, ["hs6", "origin"])
    out = []
    for i in np.argsort(-score)[:limit]:
        codes = [c for c in hit.columns if hit[c].iat[i]]
        if not codes:
            continue
        row = recent.iloc[i]
        kind = "price" if {"tbml.price_under", "tbml.price_over"} & set(codes) else "indicator"
        out.append(_lead(kind, float(score[i]), [str(row["importer"])], [str(row["declaration_id"])], codes,
                         f"{len(codes)} indicators; item {int(row['item'])} priced {z[i]:+.1f} spreads from the "
                         "reference", {"item": int(row["item"]), "deviation": round(float(z[i]), 2)}))
    return out


def _lead(kind: str, score: float, parties: list[str], mrns: list[str], codes: list[str], explanation: str,
          extra: dict[str, Any]) -> dict[str, Any]:
    key = hashlib.sha256("|".join([kind, *parties, *mrns, str(extra.get("item", ""))]).encode()).hexdigest()[:16]
    return {"key": key, "kind": kind, "score": round(score, 3), "parties": parties, "explanation": explanation,
            "evidence": {"declarations": mrns, "indicators": codes, **extra}}
