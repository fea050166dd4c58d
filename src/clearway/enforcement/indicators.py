"""Trade-based money-laundering indicators (after the FATF–Egmont TBML risk indicators), computable on declarations.

Each indicator is a function `(frame, state) -> bool array` over a frame of lines with columns
declaration_id, date (datetime64), hs6, origin, departure, importer, seller, declarant, value,
mass_kg, tax_rate, payment_type; `state` is what `fit(history)` learned from past lodged lines
(reference prices, traders' usual goods, first-seen dates). Outcomes are never read. Hits feed the
risk engine as features (`hits(frame, state)`, one column per indicator) and as rules (a code per
indicator, `CATALOGUE`), and are a targeting signal, never a decision by themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clearway.enforcement import prices

HIGH_RISK_DEFAULT = frozenset({"IR", "KP", "MM", "SY", "YE", "AF", "VE", "PA", "KY", "VG"})  # configurable
THIRD_PARTY_PAYMENTS_DEFAULT = frozenset({"13", "14", "43"})  # payment types paid by someone else
Z_CUT = 3.0
FACTOR_LOG = float(np.log(20))  # mass per value this many times off the reference is over/under-shipment


@dataclass(frozen=True)
class IndicatorState:
    """What the indicators know from history."""

    refs: pd.DataFrame  # hs6 × origin reference prices (period-free, for scoring new months)
    refs_hs6: pd.DataFrame  # hs6-only reference prices
    trader_chapters: frozenset[tuple[str, str]]  # (importer, HS chapter) seen before
    pairs: frozenset[tuple[str, str]]  # (hs6, origin) seen before
    first_seen: dict[str, np.datetime64]
    importer_median: dict[str, float]
    hs6_tax_mode: dict[str, float]
    value_p95: float
    high_risk: frozenset[str] = field(default=HIGH_RISK_DEFAULT)
    third_party: frozenset[str] = field(default=THIRD_PARTY_PAYMENTS_DEFAULT)
    # The lodging path's lookups, built once by `fit`: (hs6, origin) and hs6 -> (median log unit value, spread).
    ref_of: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    ref_hs6_of: dict[str, tuple[float, float]] = field(default_factory=dict)
    # What the network pass found (`ranking.with_networks`): firms on a same-goods trade cycle, firms whose
    # declarations mostly never moved, firms sharing address, phone and payment reference with others.
    cycle_firms: frozenset[str] = frozenset()
    phantom_firms: frozenset[str] = frozenset()
    shared_firms: frozenset[str] = frozenset()


def fit(history: pd.DataFrame, *, high_risk: frozenset[str] = HIGH_RISK_DEFAULT,
        third_party: frozenset[str] = THIRD_PARTY_PAYMENTS_DEFAULT) -> IndicatorState:
    """Learn reference prices and traders' habits from past lodged lines."""
    refs = prices.reference_prices(history, ["hs6", "origin"])
    refs_hs6 = prices.reference_prices(history, ["hs6"])
    return IndicatorState(
        refs=refs, refs_hs6=refs_hs6,
        ref_of={(str(h), str(o)): (float(m), float(s)) for (h, o), m, s
                in zip(refs.index, refs["median"], refs["spread"], strict=True)},
        ref_hs6_of={str(h): (float(m), float(s)) for h, m, s in zip(refs_hs6.index, refs_hs6["median"],
                                                                     refs_hs6["spread"], strict=True)},
        trader_chapters=frozenset(zip(history["importer"], history["hs6"].str[:2], strict=True)),
        pairs=frozenset(zip(history["hs6"], history["origin"], strict=True)),
        first_seen=history.groupby("importer")["date"].min().to_dict(),
        importer_median=history.groupby("importer")["value"].median().to_dict(),
        hs6_tax_mode=history.groupby("hs6")["tax_rate"].agg(lambda s: s.mode().iloc[0]).to_dict(),
        value_p95=float(history["value"].quantile(0.95)) if len(history) else 0.0,
        high_risk=high_risk, third_party=third_party)


Indicator = Callable[[pd.DataFrame, IndicatorState], np.ndarray]


def _z(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    return prices.deviations(frame, state.refs, ["hs6", "origin"])


def _z_hs6(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    return prices.deviations(frame, state.refs_hs6, ["hs6"])


def price_under(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Unit value more than 3 spreads below the HS6 × origin reference (under-invoicing: duty evasion, value in)."""
    return _z(frame, state) < -Z_CUT


def price_over(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Unit value more than 3 spreads above the HS6 × origin reference (over-invoicing: value moved out)."""
    return _z(frame, state) > Z_CUT


def price_under_any_origin(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Unit value far below the HS6 reference over all origins (origin shopping hides under-invoicing)."""
    return _z_hs6(frame, state) < -Z_CUT


def price_over_any_origin(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Unit value far above the HS6 reference over all origins."""
    return _z_hs6(frame, state) > Z_CUT


def weight_per_value_outlier(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Mass per unit of value off by a factor of 20 from the reference (over- or under-shipment)."""
    z = _z(frame, state)
    spread = state.refs.reindex(pd.MultiIndex.from_frame(frame[["hs6", "origin"]]))["spread"].to_numpy()
    return np.nan_to_num(np.abs(z * spread), nan=0.0) > FACTOR_LOG


def round_value(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Declared value is a round amount (multiple of 100,000): invoices made up rather than priced."""
    v = frame["value"].to_numpy(dtype=np.float64)
    return (v >= 100_000) & (np.mod(v, 100_000) == 0)


def duplicate_invoice(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Same importer, seller, HS6 and value on another declaration (multiple invoicing)."""
    cols = ["importer", "seller", "hs6", "value"]
    dup = frame.duplicated(cols, keep=False).to_numpy()
    per = frame.groupby(cols)["declaration_id"].transform("nunique").to_numpy()
    return dup & (per > 1)


def split_shipment(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Three or more declarations of the same importer, seller and HS6 on one day (structuring)."""
    day = frame["date"].dt.floor("D")
    n = frame.groupby([frame["importer"], frame["seller"], frame["hs6"], day])["declaration_id"].transform("nunique")
    return n.to_numpy() >= 3


def goods_unusual_for_trader(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A known importer declares an HS chapter it has never imported."""
    known = frame["importer"].isin(state.first_seen.keys()).to_numpy()
    seen = np.fromiter(((i, h[:2]) in state.trader_chapters for i, h in zip(frame["importer"], frame["hs6"],
                                                                               strict=True)), bool, len(frame))
    return known & ~seen


def new_trader(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """An importer never seen in the history (no track record)."""
    return ~frame["importer"].isin(state.first_seen.keys()).to_numpy()


def newcomer_high_volume(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A new importer whose declared value is in the top 5 % at once (sudden high-volume newcomer)."""
    return new_trader(frame, state) & (frame["value"].to_numpy() > state.value_p95)


def value_spike(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A line worth more than 10× the importer's usual line."""
    usual = frame["importer"].map(state.importer_median).to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # a usual line of 0: any value is a spike
        return np.nan_to_num(frame["value"].to_numpy() / usual, nan=0.0) > 10


def high_risk_origin(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Origin in the configurable list of high-risk jurisdictions."""
    return frame["origin"].isin(state.high_risk).to_numpy()


def high_risk_departure(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Shipped from a high-risk jurisdiction (transhipment through it)."""
    return frame["departure"].isin(state.high_risk).to_numpy()


def illogical_routing(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Goods leave from a country other than their origin (routing through a third country)."""
    return ((frame["departure"] != frame["origin"]) & (frame["departure"] != "")).to_numpy()


def rare_goods_origin(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """HS6 × origin pair never seen before (goods not usually made there: misdescribed origin)."""
    return np.fromiter(((h, o) not in state.pairs for h, o in zip(frame["hs6"], frame["origin"], strict=True)),
                       bool, len(frame))


def third_party_payment(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Payment type of a third party (someone other than buyer pays the seller)."""
    return frame["payment_type"].astype(str).isin(state.third_party).to_numpy()


def low_tax_for_goods(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Tax rate below what these goods usually bear (misclassification or preference misuse)."""
    usual = frame["hs6"].map(state.hs6_tax_mode).to_numpy(dtype=np.float64)
    return np.nan_to_num(usual - frame["tax_rate"].to_numpy(dtype=np.float64), nan=0.0) > 0


def tiny_mass_high_value(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """Under 1 kg declared for a top-5 % value (phantom or misdescribed goods)."""
    return (frame["mass_kg"].to_numpy() < 1) & (frame["value"].to_numpy() > state.value_p95)


def single_seller_importer(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """An importer buying only from one seller in many lines (a captive front: shell-company sign)."""
    g = frame.groupby("importer")
    return ((g["seller"].transform("nunique") == 1) & (g["declaration_id"].transform("nunique") >= 5)).to_numpy()


def shared_declarant_newcomers(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A declarant filing for three or more new importers (a broker fronting shell companies)."""
    new = pd.Series(new_trader(frame, state), index=frame.index)
    firms = frame["importer"].where(new).groupby(frame["declarant"]).transform("nunique")
    return new.to_numpy() & (firms.fillna(0).to_numpy() >= 3)


def seller_many_new_importers(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A seller shipping to three or more new importers (one exporter feeding a ring of fronts)."""
    new = pd.Series(new_trader(frame, state), index=frame.index)
    firms = frame["importer"].where(new).groupby(frame["seller"]).transform("nunique")
    return new.to_numpy() & (firms.fillna(0).to_numpy() >= 3)


def circular_trading(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """The importer is on a short cycle of firms on which the same goods at about the same value go round."""
    return frame["importer"].isin(state.cycle_firms).to_numpy()


def phantom_trader(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """The importer's past declarations mostly never arrived or exited (phantom shipments)."""
    return frame["importer"].isin(state.phantom_firms).to_numpy()


def shared_contacts(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """The importer shares its address, phone and payment reference with other firms (a ring of shells)."""
    return frame["importer"].isin(state.shared_firms).to_numpy()


CATALOGUE: dict[str, Indicator] = {
    "tbml.price_under": price_under, "tbml.price_over": price_over,
    "tbml.price_under_any_origin": price_under_any_origin, "tbml.price_over_any_origin": price_over_any_origin,
    "tbml.weight_per_value": weight_per_value_outlier, "tbml.round_value": round_value,
    "tbml.duplicate_invoice": duplicate_invoice, "tbml.split_shipment": split_shipment,
    "tbml.unusual_goods": goods_unusual_for_trader, "tbml.new_trader": new_trader,
    "tbml.newcomer_volume": newcomer_high_volume, "tbml.value_spike": value_spike,
    "tbml.high_risk_origin": high_risk_origin, "tbml.high_risk_departure": high_risk_departure,
    "tbml.routing": illogical_routing, "tbml.rare_goods_origin": rare_goods_origin,
    "tbml.third_party_payment": third_party_payment, "tbml.low_tax": low_tax_for_goods,
    "tbml.tiny_mass": tiny_mass_high_value, "tbml.single_seller": single_seller_importer,
    "tbml.declarant_fronts": shared_declarant_newcomers, "tbml.seller_fronts": seller_many_new_importers,
    "tbml.circular_trading": circular_trading, "tbml.phantom_trader": phantom_trader,
    "tbml.shared_contacts": shared_contacts,
}
WEIGHTS = {"tbml.price_under": 3.0, "tbml.price_over": 2.0, "tbml.price_under_any_origin": 1.5,
           "tbml.price_over_any_origin": 1.0, "tbml.low_tax": 1.0}


def hits(frame: pd.DataFrame, state: IndicatorState) -> pd.DataFrame:
    """One boolean column per indicator code: the features the risk engine reads."""
    return pd.DataFrame({code: fn(frame, state) for code, fn in CATALOGUE.items()}, index=frame.index)


def score(frame: pd.DataFrame, state: IndicatorState) -> np.ndarray:
    """A ranked indicator score: weighted hits plus the size of the price deviation (spreads, capped)."""
    table = hits(frame, state)
    weighted = sum(table[c].to_numpy() * WEIGHTS.get(c, 0.5) for c in table.columns)
    return np.asarray(weighted, dtype=np.float64) + np.minimum(np.abs(_z(frame, state)), 10) / 2
