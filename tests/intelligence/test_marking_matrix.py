"""The access matrix: every marking x every kind of reader or recipient x read/forward/export/print x purpose.

The expected answers are written out below as a table, separately from the policy's code, so that a
change in `clearway.intelligence.markings` that lets one more party read, forward, export or print
makes a named scenario fail. More than 900 scenarios run.
"""

from __future__ import annotations

import itertools

import pytest

from clearway.intelligence.markings import ACTIONS, MARKINGS, Handling, Party, permitted

AUTHOR = Party("KRCUSTOMS", "customs", "analyst", "analyst")
PARTIES = {
    "author": AUTHOR,
    "colleague": Party("KRCUSTOMS", "customs", "officer", "officer", "KR0101"),  # originator's organisation
    "named_user": Party("KRMFDS", "agency", "agency", "agency"),  # named individually
    "recipient_org": Party("KRFIU", "agency", "agency", "fiu"),  # its organisation is a recipient
    "partner_named": Party.partner("JP"),  # a partner administration, through the exchange
    "outsider_agency": Party("KRPOLICE", "agency", "agency", "police"),
    "partner_other": Party.partner("CN"),
    "trader": Party("KR1000000001", "trader", "trader", "trader-a"),
    "admin": Party("KRCUSTOMS", "customs", "admin", "admin"),
    "auditor": Party("KRCUSTOMS", "customs", "auditor", "auditor"),
}
TARGETS = {
    "police": Party("KRPOLICE", "agency", "agency", "police"),
    "trader_b": Party("KR1000000002", "trader", "trader", "trader-b"),
    "fiu_colleague": Party("KRFIU", "agency", "agency", "fiu2"),
}
RECIPIENTS = frozenset({"org:KRFIU", "user:agency", "partner:JP"})
COMMUNITY = {"author", "colleague", "named_user", "recipient_org", "partner_named", "outsider_agency", "partner_other"}
AMBER_READERS = {"author", "colleague", "named_user", "recipient_org", "partner_named"}

# Who may read, with the purpose the item allows.
READ = {"CLEAR": set(PARTIES), "GREEN": COMMUNITY, "AMBER": AMBER_READERS, "AMBER+STRICT": AMBER_READERS,
        "RED": {"author", "named_user", "partner_named"}}
EXPORT = {**READ, "AMBER+STRICT": {"author", "colleague"}, "RED": {"author"}}
PRINT = {**READ, "RED": {"author"}}
FORWARD = {  # (marking, target) -> who may forward there
    ("GREEN", "police"): COMMUNITY, ("GREEN", "trader_b"): set(), ("GREEN", "fiu_colleague"): COMMUNITY,
    ("AMBER", "police"): {"author"}, ("AMBER", "trader_b"): set(),
    ("AMBER", "fiu_colleague"): {"author", "colleague", "recipient_org"},
    ("AMBER+STRICT", "police"): {"author"}, ("AMBER+STRICT", "trader_b"): set(),
    ("AMBER+STRICT", "fiu_colleague"): {"author", "recipient_org"},
    ("RED", "police"): {"author"}, ("RED", "trader_b"): set(), ("RED", "fiu_colleague"): {"author"},
}
PURPOSES = ("risk_targeting", "investigation", None)  # the item allows risk_targeting only


def _handling(marking: str, consents: frozenset[tuple[str, str]] = frozenset()) -> Handling:
    return Handling(marking=marking, purposes=frozenset({"risk_targeting"}), recipients=RECIPIENTS,
                    originator_org="KRCUSTOMS", originator_user="analyst", consents=consents)


def _expected(marking: str, who: str, action: str, purpose: str | None, target: str | None) -> bool:
    if marking == "CLEAR":
        return True  # no limit on disclosure, for any purpose
    if purpose != "risk_targeting" and who != "author":
        return False  # need-to-know: a purpose the item does not allow reads nothing
    if action == "read":
        return who in READ[marking]
    if action == "export":
        return who in EXPORT[marking]
    if action == "print":
        return who in PRINT[marking]
    assert target is not None
    return who in READ[marking] and who in FORWARD[(marking, target)]


SCENARIOS = [
    (m, who, a, purpose, target)
    for m, who, purpose in itertools.product(MARKINGS, PARTIES, PURPOSES)
    for a, target in [("read", None), ("export", None), ("print", None)] + [("forward", t) for t in TARGETS]
]


def test_the_matrix_is_large_enough():
    assert len(SCENARIOS) >= 500
    assert len(SCENARIOS) == len(MARKINGS) * len(PARTIES) * len(PURPOSES) * (3 + len(TARGETS))


@pytest.mark.parametrize(("marking", "who", "action", "purpose", "target"), SCENARIOS)
def test_marking_decides_each_action(marking, who, action, purpose, target):
    verdict = permitted(_handling(marking), PARTIES[who], action, purpose, TARGETS.get(target or ""))
    assert bool(verdict) is _expected(marking, who, action, purpose, target), verdict.code
    assert verdict.allowed or verdict.code.startswith("intelligence.")


def test_no_forbidden_read_or_export_in_the_whole_matrix():
    leaks = [(m, who, a, p) for m, who, a, p, t in SCENARIOS if a in ("read", "export")
             and permitted(_handling(m), PARTIES[who], a, p) and not _expected(m, who, a, p, t)]
    assert leaks == []


@pytest.mark.parametrize("marking", ["AMBER", "AMBER+STRICT"])
def test_forwarding_beyond_the_marking_needs_the_originators_recorded_consent(marking):
    fiu, police = PARTIES["recipient_org"], TARGETS["police"]
    assert not permitted(_handling(marking), fiu, "forward", "risk_targeting", police)
    consented = _handling(marking, frozenset({("forward", "org:KRPOLICE")}))
    assert permitted(consented, fiu, "forward", "risk_targeting", police)
    # Consent for one recipient is not consent for another, nor for a trader.
    assert not permitted(consented, fiu, "forward", "risk_targeting", Party("KRMOF", "agency", "agency", "mof"))
    assert not permitted(consented, fiu, "forward", "risk_targeting", TARGETS["trader_b"])


def test_strict_export_by_a_recipient_needs_consent_and_red_printing_too():
    fiu, named = PARTIES["recipient_org"], PARTIES["named_user"]
    assert not permitted(_handling("AMBER+STRICT"), fiu, "export", "risk_targeting")
    assert permitted(_handling("AMBER+STRICT", frozenset({("export", "org:KRFIU")})), fiu, "export", "risk_targeting")
    assert not permitted(_handling("RED"), named, "print", "risk_targeting")
    assert permitted(_handling("RED", frozenset({("print", "user:agency")})), named, "print", "risk_targeting")
    # Consent to print is not consent to export.
    assert not permitted(_handling("RED", frozenset({("print", "user:agency")})), named, "export", "risk_targeting")


def test_unknown_marking_or_action_fails_closed():
    author = PARTIES["author"]
    assert permitted(_handling("WHITE"), author, "read", "risk_targeting").code == "intelligence.marking_unknown"
    assert permitted(_handling("CLEAR"), author, "delete", "risk_targeting").code == "intelligence.action_unknown"
    assert not permitted(_handling("GREEN"), author, "forward", "risk_targeting", None)


def test_the_partner_administration_is_one_more_recipient():
    # The exchange domain asks with Party.partner(code): named partners read AMBER, others only GREEN.
    assert permitted(_handling("AMBER"), Party.partner("JP"), "read", "risk_targeting")
    assert not permitted(_handling("AMBER"), Party.partner("CN"), "read", "risk_targeting")
    assert permitted(_handling("GREEN"), Party.partner("CN"), "read", "risk_targeting")
    assert ACTIONS == ("read", "forward", "export", "print")
