"""Watchlists: fuzzy names through rapidfuzz with a threshold, exact ids, severity, country and expiry."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from clearway.declarations.schemas import EXAMPLE
from clearway.risk.rules.watchlist_index import LiveEntry, WatchlistIndex, id_key, name_key

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def entry(entry_id: int, kind: str, name: str, *, threshold: int = 90, severity: str = "high",
          party_id: str | None = None, country: str | None = None, expires_at: datetime | None = None) -> LiveEntry:
    return LiveEntry(entry_id, kind, name, party_id, country, threshold, severity, "intel report 14", expires_at)


def doc(**changes: object) -> dict:
    document = copy.deepcopy(EXAMPLE)
    document.update(changes)
    return document


def test_names_lose_case_punctuation_and_legal_forms():
    assert name_key("Shenzhen Bright Electronics Co., Ltd.") == "shenzhen bright electronics"
    assert name_key("LTD") == "ltd"  # nothing but a legal form: keep it rather than match everything
    assert id_key(" ke-0082 ") == "KE0082"


def test_a_misspelt_reordered_seller_name_matches_with_its_score():
    index = WatchlistIndex([entry(1, "seller", "Bright Electronics Shenzen Limited")])
    (hit,) = index.match(doc(), AT)
    assert hit["entry_id"] == 1 and hit["role"] == "seller" and hit["channel"] == "red"
    assert 90 <= hit["score"] < 100
    assert "Shenzhen Bright Electronics Ltd" in hit["text"] and "intel report 14" in hit["text"]


def test_the_threshold_decides():
    strict = WatchlistIndex([entry(1, "seller", "Bright Electronics Shenzen Limited", threshold=99)])
    assert strict.match(doc(), AT) == []
    assert WatchlistIndex([entry(2, "seller", "Bright Optics Trading")]).match(doc(), AT) == []


def test_an_expired_entry_no_longer_matches():
    past = WatchlistIndex([entry(1, "seller", "Shenzhen Bright Electronics", expires_at=AT - timedelta(seconds=1))])
    future = WatchlistIndex([entry(1, "seller", "Shenzhen Bright Electronics", expires_at=AT + timedelta(days=1))])
    assert past.match(doc(), AT) == []
    assert [h["entry_id"] for h in future.match(doc(), AT)] == [1]


def test_trader_ids_match_exactly_and_names_of_every_trader_role():
    index = WatchlistIndex([entry(1, "trader", "Someone Else", party_id="KR1000000001", severity="medium"),
                            entry(2, "trader", "Hanbit Trading", severity="low")])
    hits = index.match(doc(), AT)
    assert [(h["entry_id"], h["channel"], h["score"]) for h in hits] == [(1, "yellow", 100.0), (2, "blue", 100.0)]


def test_country_narrows_a_name_match():
    assert WatchlistIndex([entry(1, "seller", "Shenzhen Bright Electronics", country="VN")]).match(doc(), AT) == []
    assert WatchlistIndex([entry(1, "seller", "Shenzhen Bright Electronics", country="CN")]).match(doc(), AT)


def test_addresses_and_means_of_transport():
    document = doc()
    document["importer"] = {**document["importer"], "address": "12 Harbour Road, Incheon"}
    index = WatchlistIndex([entry(1, "address", "12 Harbor Road Incheon", threshold=85),
                            entry(2, "means", "KE 0082", threshold=100, severity="medium")])
    assert sorted(h["entry_id"] for h in index.match(document, AT)) == [1, 2]


def test_similar_lists_candidates_best_first_and_caches_lookups():
    index = WatchlistIndex([entry(1, "trader", "Daehan Global Imports"), entry(2, "trader", "Daehan Global Import")])
    first = index.similar("trader", "DAEHAN GLOBAL IMPORTS LTD.")
    assert [e.id for e, _ in sorted(first, key=lambda p: -p[1])] == [1, 2]
    assert index.similar("trader", "daehan global imports") == first
    assert len(index._cache) == 1
