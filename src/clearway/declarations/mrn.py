"""Movement Reference Numbers: 18 characters with an ISO 6346-style check character.

Layout: YY (2) + country (2) + office local code (4) + serial (9, base 36) + check (1), as in
the EU MRN. The serial is random, so no counter row is shared between concurrent lodgements;
the unique index turns the (astronomically rare) collision into a retry.
"""

from __future__ import annotations

import re
import secrets
import string

ALPHABET = string.digits + string.ascii_uppercase
MRN_RE = re.compile(r"^\d{2}[A-Z]{2}[A-Z0-9]{13}[0-9]$")


# ISO 6346 letter values skip multiples of 11 (A=10, B=12 … K=21, L=23 …).
_VALUES = {}
_next = 10
for _ch in string.ascii_uppercase:
    if _next % 11 == 0:
        _next += 1
    _VALUES[_ch] = _next
    _next += 1
_VALUES.update({d: int(d) for d in string.digits})


def check_char(body: str) -> str:
    """The check digit of a 17-character MRN body (weights 2^i, modulo 11, 10 -> 0)."""
    total = sum(_VALUES[ch] * (2**i) for i, ch in enumerate(body))
    return str(total % 11 % 10)


def mrn_new(*, year: int, country: str, office: str) -> str:
    """A fresh MRN for an office in a year."""
    local = (office[2:] if office[:2] == country else office)[-4:].rjust(4, "0")
    serial = "".join(secrets.choice(ALPHABET) for _ in range(9))
    body = f"{year % 100:02d}{country}{local}{serial}"
    return body + check_char(body)


def mrn_valid(mrn: str) -> bool:
    """True when the MRN has the right shape and its check character matches."""
    return bool(MRN_RE.match(mrn)) and check_char(mrn[:17]) == mrn[17]
