"""Handling markings enforced in software: TLP 2.0 plus a purpose and permitted recipients.

One pure function, `permitted`, decides every read, forward, export and print of an intelligence item;
the services, the pages, the exchange with partner administrations and the derived items (watchlist
entries made from alerts) all ask it, so no path can bypass the marking. It touches no database, so a
matrix of thousands of scenarios runs in milliseconds and a read pays microseconds for the check.

What each marking allows (FIRST TLP 2.0, read for a customs administration and its partners):
- CLEAR: anyone, for any purpose.
- GREEN: the community (customs, the partner agencies, partner administrations), not traders; may be
  forwarded within the community.
- AMBER: the originating organisation and the permitted recipients; a reader may pass it on inside its
  own organisation; beyond that only with the originator's recorded consent.
- AMBER+STRICT: as AMBER, but export out of the system is for the originating organisation only
  (a recipient needs consent), and forwarding never leaves the reader's own organisation without consent.
- RED: the named individuals only (and the author); no forwarding, export or printing except by the
  author, or with the author's recorded consent for that action and that person.
Need-to-know: the reader must state a purpose the item allows, and only roles that work intelligence
(officer, analyst, agency staff, a partner administration) may read anything but CLEAR; an admin or an
auditor oversees through the audit trail, not by reading the content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")  # in order of strictness
ACTIONS = ("read", "forward", "export", "print")
PURPOSES = ("risk_targeting", "control", "investigation", "policy")
COMMUNITY_KINDS = frozenset({"customs", "agency", "partner"})
NEED_TO_KNOW_ROLES = frozenset({"officer", "analyst", "agency", "partner"})


def strictest(markings: Iterable[str]) -> str:
    """The strictest of some markings (RED beats AMBER+STRICT beats AMBER ...); CLEAR for none."""
    return max(markings, key=MARKINGS.index, default="CLEAR")


@dataclass(frozen=True)
class Party:
    """Who reads or receives: a user of an organisation, or a partner administration as a whole.

    A partner administration (the exchange domain) is one more party: `Party.partner("JP")`.
    """

    organisation: str
    org_kind: str
    role: str
    username: str | None = None
    office: str | None = None

    @classmethod
    def partner(cls, code: str) -> Party:
        """A partner administration reached through the exchange."""
        return cls(organisation=f"partner:{code}", org_kind="partner", role="partner")

    def keys(self) -> frozenset[str]:
        """The recipient keys that name this party: its organisation, its office, itself."""
        keys = {self.organisation if self.org_kind == "partner" else f"org:{self.organisation}"}
        if self.username:
            keys.add(f"user:{self.username}")
        if self.office:
            keys.add(f"office:{self.office}")
        return frozenset(keys)

    def person_keys(self) -> frozenset[str]:
        """The keys that name this party individually (RED goes to named individuals only)."""
        keys = {f"user:{self.username}"} if self.username else set()
        if self.org_kind == "partner":
            keys.add(self.organisation)  # a partner administration is addressed as one liaison point
        return frozenset(keys)


@dataclass(frozen=True)
class Handling:
    """An item's marking, allowed purposes, recipients, originator and the consents it recorded.

    `consents` holds (action, recipient key) pairs the originator agreed to; a forward is checked
    against the key of the party it goes to, an export or a print against the reader's own keys.
    """

    marking: str
    purposes: frozenset[str]
    recipients: frozenset[str]
    originator_org: str
    originator_user: str
    consents: frozenset[tuple[str, str]] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Verdict:
    """Whether an action is allowed, and the stable code saying why not."""

    allowed: bool
    code: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _deny(code: str) -> Verdict:
    return Verdict(False, f"intelligence.{code}")


def _is_author(h: Handling, p: Party) -> bool:
    return p.username is not None and p.username == h.originator_user and p.organisation == h.originator_org


def _own_org(h: Handling, p: Party) -> bool:
    return p.org_kind != "partner" and p.organisation == h.originator_org


def _consented(h: Handling, action: str, keys: frozenset[str]) -> bool:
    return any((action, key) in h.consents for key in keys)


def may_read(h: Handling, p: Party, purpose: str | None) -> Verdict:
    """May this party read the item's content for this purpose?"""
    if h.marking not in MARKINGS:
        return _deny("marking_unknown")  # fail closed on a marking we do not know
    if h.marking == "CLEAR":
        return ALLOWED
    if p.role not in NEED_TO_KNOW_ROLES or p.org_kind not in COMMUNITY_KINDS:
        return _deny("no_need_to_know")
    if _is_author(h, p):
        return ALLOWED
    if purpose not in h.purposes:
        return _deny("purpose_not_permitted")
    if h.marking == "GREEN":
        return ALLOWED
    if h.marking == "RED":
        return ALLOWED if p.person_keys() & h.recipients else _deny("not_a_recipient")
    return ALLOWED if _own_org(h, p) or p.keys() & h.recipients else _deny("not_a_recipient")


def _forward(h: Handling, p: Party, to: Party) -> Verdict:
    if h.marking == "CLEAR":
        return ALLOWED
    if to.org_kind not in COMMUNITY_KINDS or to.role not in NEED_TO_KNOW_ROLES:
        return _deny("recipient_outside_community")
    if _is_author(h, p) or _consented(h, "forward", to.keys()):
        return ALLOWED
    if h.marking == "GREEN":
        return ALLOWED
    if h.marking == "RED":
        return _deny("red_no_forward")
    # AMBER and AMBER+STRICT: inside the reader's own organisation, or (AMBER) to one already permitted.
    if to.org_kind != "partner" and to.organisation == p.organisation and p.org_kind != "partner":
        return ALLOWED
    if h.marking == "AMBER" and (_own_org(h, p) and (to.keys() & h.recipients)):
        return ALLOWED
    return _deny("beyond_marking_needs_consent")


def permitted(h: Handling, p: Party, action: str, purpose: str | None, to: Party | None = None) -> Verdict:
    """Decide one action on an item: read, forward (to `to`), export (a file leaving the system), print."""
    if action not in ACTIONS:
        return _deny("action_unknown")
    read = may_read(h, p, purpose)
    if not read or action == "read":
        return read
    if action == "forward":
        return _deny("forward_needs_recipient") if to is None else _forward(h, p, to)
    if h.marking in ("CLEAR", "GREEN", "AMBER") or _is_author(h, p) or _consented(h, action, p.keys()):
        return ALLOWED
    if h.marking == "AMBER+STRICT":
        if action == "print" or _own_org(h, p):
            return ALLOWED
        return _deny("strict_export_originator_only")
    return _deny(f"red_no_{action}")


def permitted_all(handlings: Iterable[Handling], p: Party, action: str, purpose: str | None,
                  to: Party | None = None) -> Verdict:
    """Decide an action on something derived from several items: allowed only if every source allows it.

    This is what "a derived item inherits the strictest marking of its sources" means in software:
    the derived item is shown as the strictest marking and nobody may do with it what any one of its
    sources forbids. With no source at all, nothing is allowed (fail closed).
    """
    found = False
    for h in handlings:
        found = True
        verdict = permitted(h, p, action, purpose, to)
        if not verdict:
            return verdict
    return ALLOWED if found else _deny("derived_without_source")
