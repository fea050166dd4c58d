"""Derived items (a watchlist entry or rule made from alerts) inherit the strictest marking of their sources.

Property tests over generated sources, parties, actions and purposes: whatever a derived item allows,
every one of its sources allows; its marking is the strictest; a stricter marking never allows more.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.intelligence.markings import (
    ACTIONS,
    MARKINGS,
    PURPOSES,
    Handling,
    Party,
    permitted,
    permitted_all,
    strictest,
)

ORGS = [("KRCUSTOMS", "customs"), ("KRMFDS", "agency"), ("KRFIU", "agency"), ("KR1000000001", "trader")]
USERS = ["analyst", "officer", "agency", "fiu", "trader-a"]
KEYS = ["org:KRCUSTOMS", "org:KRMFDS", "org:KRFIU", "user:analyst", "user:agency", "user:fiu", "office:KR0101",
        "partner:JP"]

parties = st.one_of(
    st.builds(lambda org, role, user, office: Party(org[0], org[1], role, user, office),
              st.sampled_from(ORGS), st.sampled_from(["officer", "analyst", "agency", "trader", "admin", "auditor"]),
              st.sampled_from(USERS), st.sampled_from([None, "KR0101"])),
    st.builds(Party.partner, st.sampled_from(["JP", "CN"])),
)
handlings = st.builds(
    Handling,
    marking=st.sampled_from(MARKINGS),
    purposes=st.frozensets(st.sampled_from(PURPOSES), min_size=1),
    recipients=st.frozensets(st.sampled_from(KEYS)),
    originator_org=st.sampled_from(["KRCUSTOMS", "KRMFDS", "KRFIU"]),
    originator_user=st.sampled_from(USERS),
    consents=st.frozensets(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(KEYS)), max_size=3),
)
actions = st.sampled_from(ACTIONS)
purposes = st.one_of(st.none(), st.sampled_from(PURPOSES))


@settings(max_examples=600, deadline=None)
@given(st.lists(handlings, min_size=1, max_size=4), parties, actions, purposes, parties)
def test_a_derived_item_allows_nothing_a_source_forbids(sources, party, action, purpose, to):
    derived = permitted_all(sources, party, action, purpose, to)
    if derived:
        assert all(permitted(s, party, action, purpose, to) for s in sources)
    else:
        assert any(not permitted(s, party, action, purpose, to) for s in sources)


@settings(max_examples=300, deadline=None)
@given(st.lists(handlings, min_size=1, max_size=4), handlings, parties, actions, purposes, parties)
def test_deriving_from_one_more_source_never_widens_access(sources, extra, party, action, purpose, to):
    if permitted_all([*sources, extra], party, action, purpose, to):
        assert permitted_all(sources, party, action, purpose, to)


@given(st.lists(st.sampled_from(MARKINGS), min_size=1, max_size=6))
def test_the_derived_marking_is_the_strictest_of_its_sources(markings):
    derived = strictest(markings)
    assert derived in markings
    assert all(MARKINGS.index(m) <= MARKINGS.index(derived) for m in markings)


def test_an_amber_alert_makes_an_amber_entry_and_red_wins_over_amber():
    assert strictest(["AMBER"]) == "AMBER"
    assert strictest(["GREEN", "AMBER", "CLEAR"]) == "AMBER"
    assert strictest(["AMBER+STRICT", "RED", "AMBER"]) == "RED"


@settings(max_examples=600, deadline=None)
@given(handlings, parties, actions, purposes, parties)
def test_a_stricter_marking_never_permits_more(h, party, action, purpose, to):
    allowed = [bool(permitted(Handling(m, h.purposes, h.recipients, h.originator_org, h.originator_user,
                                       h.consents), party, action, purpose, to)) for m in MARKINGS]
    # Once an action is refused at some marking, every stricter marking refuses it too.
    assert allowed == sorted(allowed, reverse=True)


def test_nothing_derived_from_nothing_is_allowed():
    assert not permitted_all([], Party("KRCUSTOMS", "customs", "analyst", "analyst"), "read", "control")
