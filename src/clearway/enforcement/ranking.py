"""Per-line TBML scores for a review queue: prices, networks, and their combination with the risk model.

`price_scores(lines, state)` gives each line its two-sided trimmed price deviation and the mean
deviation of its trader's lines (a ring under-invoices again and again, a one-off outlier does not).
`network_scores(lines, parties, moved, as_of)` gives each line three label-free network signals:
goods going round (the line is a leg of a cycle of at most four firms on which the same HS6 travels
every leg), phantom (the declaration has no arrival or exit record, weighted by how much of its firm's
trade never moved), and shared contact details (how many of address, phone and payment reference its
firm shares with otherwise unrelated firms). How they combine with the risk model into the review ranking is
learnt from inspected declarations (`enforcement.combiner`).
Lines are the enforcement frame plus `direction` ("IM" or "EX"); for an export, `importer` is the
domestic exporter and `seller` the foreign buyer. Nothing here reads an outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from clearway.enforcement import indicators, networks, prices

CONTACTS = ("address", "phone", "payment_ref")
PENDING_DAYS = 3  # a declaration this recent may still get its arrival or exit record


def price_scores(lines: pd.DataFrame, state: indicators.IndicatorState) -> pd.DataFrame:
    """Two-sided deviation per line (spreads, capped at ±10) and its trader's mean deviation over these lines."""
    z = np.clip(prices.deviations(lines, state.refs, ["hs6", "origin"]), -10, 10)
    trader = pd.Series(z, index=lines.index).groupby(lines["importer"]).transform("mean").to_numpy()
    return pd.DataFrame({"z": z, "trader_z": trader}, index=lines.index)


def _flows(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Who sends goods to whom on each line: seller → importer for an import, exporter → buyer for an export."""
    direction = lines["direction"] if "direction" in lines else pd.Series("IM", index=lines.index)
    export = (direction == "EX").to_numpy()
    a, b = lines["importer"].to_numpy(dtype=object), lines["seller"].to_numpy(dtype=object)
    return np.where(export, a, b), np.where(export, b, a)


def cycle_scores(lines: pd.DataFrame, *, max_length: int = networks.MAX_CYCLE, tolerance: float = 0.3) -> np.ndarray:
    """1 for a line that is a leg of a short trade cycle on which goods of its HS6 and about its value (within
    `tolerance`) travel every other leg too: the same goods going round; 0.2 for a leg of a cycle of other
    goods (two-way trade happens: a processor exports to its own supplier); else 0."""
    src, dst = _flows(lines)
    out = np.zeros(len(lines))
    flows = zip(src.tolist(), dst.tolist(), lines["value"].tolist(), strict=True)
    cycles = networks.circular_leads(flows, max_length=max_length)
    if not cycles:
        return out
    # Only the lines on a cycle's legs are grouped (a national year has millions of others).
    on_cycle = {pair for lead in cycles for pair in zip(lead.parties, lead.parties[1:] + lead.parties[:1], strict=True)}
    keep = np.fromiter(((a, b) in on_cycle for a, b in zip(src.tolist(), dst.tolist(), strict=True)), bool, len(src))
    legs = pd.DataFrame({"src": src[keep], "dst": dst[keep], "hs6": lines["hs6"].to_numpy()[keep],
                         "row": np.flatnonzero(keep)})
    goods = legs.groupby(["src", "dst"])["hs6"].agg(frozenset).to_dict()
    rows = legs.groupby(["src", "dst", "hs6"])["row"].agg(list).to_dict()
    pair_rows = legs.groupby(["src", "dst"])["row"].agg(list).to_dict()
    log_value = np.log(np.maximum(lines["value"].to_numpy(dtype=np.float64), 1.0))
    for lead in cycles:
        ring = list(lead.parties)
        pairs = list(zip(ring, ring[1:] + ring[:1], strict=True))
        for pair in pairs:
            picked = pair_rows[pair]
            out[picked] = np.maximum(out[picked], 0.2)
        for hs6 in frozenset.intersection(*(goods[p] for p in pairs)):
            values = [log_value[rows[(*p, hs6)]] for p in pairs]
            for k, pair in enumerate(pairs):
                mine = np.asarray(rows[(*pair, hs6)])
                close = np.ones(len(mine), dtype=bool)
                for j, other in enumerate(values):
                    if j != k:
                        close &= (np.abs(log_value[mine][:, None] - other[None, :]) <= np.log1p(tolerance)).any(1)
                out[mine[close]] = 1.0
    return out


def phantom_scores(lines: pd.DataFrame, moved: Iterable[str], as_of: pd.Timestamp) -> np.ndarray:
    """For a declaration with no arrival or exit record: the share of its firm's settled declarations that never
    moved (a data gap hits a firm once in a while, a phantom trader every time); 0 for the others."""
    seen = set(moved)
    settled = (lines["date"] < as_of - pd.Timedelta(days=PENDING_DAYS)).to_numpy()
    ids = lines["declaration_id"].tolist()
    missing = ~np.fromiter((i in seen for i in ids), bool, len(ids)) & settled
    per = pd.DataFrame({"firm": lines["importer"], "id": lines["declaration_id"], "missing": missing,
                        "settled": settled}).drop_duplicates("id")
    firms = per.groupby("firm")[["missing", "settled"]].sum()
    share = (firms["missing"] / firms["settled"].clip(lower=1)) * np.minimum(firms["missing"], 5) / 5
    return np.where(missing, lines["importer"].map(share).fillna(0.0).to_numpy(), 0.0)


def shared_contact_scores(lines: pd.DataFrame, parties: pd.DataFrame) -> np.ndarray:
    """How many kinds of contact detail (address, phone, payment reference) the line's firm shares with other
    firms, 0..3: a business centre shares an address, a ring of fronts shares everything."""
    return lines["importer"].map(shared_contact_kinds(parties)).fillna(0).to_numpy(dtype=np.float64)


def shared_contact_kinds(parties: pd.DataFrame) -> dict[str, int]:
    """Per firm sharing any contact detail with another: how many kinds it shares (1..3)."""
    rows = [{"id": str(p["id"]), **{c: str(p[c]) for c in CONTACTS}} for p in parties.to_dict("records")]
    kinds: dict[str, set[str]] = {}
    for lead in networks.shared_attribute_leads(rows):
        for firm in lead.parties:
            kinds.setdefault(firm, set()).update(lead.evidence)
    return {firm: len(found & set(CONTACTS)) for firm, found in kinds.items()}


def network_scores(lines: pd.DataFrame, parties: pd.DataFrame, moved: Iterable[str],
                   as_of: pd.Timestamp) -> pd.DataFrame:
    """The three network signals of every line."""
    return pd.DataFrame({"cycle": cycle_scores(lines), "phantom": phantom_scores(lines, moved, as_of),
                         "shared": shared_contact_scores(lines, parties)}, index=lines.index)


def with_networks(state: indicators.IndicatorState, lines: pd.DataFrame, parties: pd.DataFrame,
                  moved: Iterable[str], as_of: pd.Timestamp) -> indicators.IndicatorState:
    """The indicator state with the firms the network pass flags (for the circular, phantom and shell indicators)."""
    found = network_scores(lines, parties, moved, as_of)
    firms = lines["importer"]
    return replace(state, cycle_firms=frozenset(firms[found["cycle"].to_numpy() >= 1]),
                   phantom_firms=frozenset(firms[found["phantom"].to_numpy() > 0.5]),
                   shared_firms=frozenset(f for f, n in shared_contact_kinds(parties).items() if n >= 3))
