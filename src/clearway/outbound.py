"""The one rule for every request the product makes to an address someone else chose (webhooks, agencies, partners).

An outbound URL is checked twice: when it is saved (so a trader learns at once that it is refused) and
again at each request, after resolving the name, because DNS answers change (rebinding). The request
then connects to the very address that was checked, never resolving the name a second time. Only
globally routable unicast addresses pass; IPv4 spelled in legacy forms (`2130706433`, `0x7f000001`,
`127.1`, `0177.0.0.1`) and IPv4 embedded in IPv6 (mapped, well-known NAT64, 6to4, Teredo) are judged by the IPv4 address
they stand for. Outside production, plain http and loopback may be allowed for local receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from clearway.errors import Problem, ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Only the well-known NAT64 prefix stands for the public IPv4 address it embeds; the local-use one
# (64:ff9b:1::/48, RFC 8215) is a site's own translator and is refused whatever it embeds (see _NOT_GLOBAL).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"),)
# IANA special-purpose blocks, listed here as well as trusting `is_global`, whose answer changed between
# Python releases (192.0.0.0/24 for instance).
_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "::/127", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
# Names that always mean "this machine" or the local network, whatever DNS says.
_LOCAL_SUFFIXES = ("localhost", "localhost.", ".localhost", ".localhost.", ".local", ".local.", ".internal",
                   ".internal.", ".localdomain", ".localdomain.", ".home.arpa", ".home.arpa.")


class OutboundRefused(Exception):
    """The target may not be contacted; `reason` is a coarse class safe to show to whoever chose the URL."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked outbound URL: where to connect (the checked address) and what to call the host."""

    scheme: str
    host: str           # the name as written (Host header, TLS SNI and certificate check)
    address: str        # the IP address that was checked and must be connected to
    port: int
    path: str           # path and query, at least "/"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
        return ipaddress.IPv4Address(int(address))
    return None


def address_allowed(address: IPAddress, *, allow_loopback: bool = False) -> bool:
    """True when an address is globally routable unicast (or loopback, when allowed); embedded IPv4 judged as itself."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return address_allowed(inner, allow_loopback=allow_loopback)
    if allow_loopback and address.is_loopback:
        return True
    if any(address.version == net.version and address in net for net in _NOT_GLOBAL):
        return False
    return address.is_global and not address.is_multicast and not address.is_reserved


def literal_address(host: str) -> IPAddress | None:
    """The address a host stands for if it is an IP literal in any spelling (legacy IPv4 forms too), else None."""
    name = host.rstrip(".") if host.endswith(".") and not host.endswith("..") else host
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    # inet_aton accepts what browsers and libc resolvers accept: 127.1, 0x7f000001, 0177.0.0.1, 2130706433.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except (OSError, ValueError):
        pass
    labels = name.split(".")
    if labels and all(label and all(c in "0123456789abcdefxABCDEFX" for c in label) for label in labels) and any(
            label[0].isdigit() for label in labels):
        # Numeric-looking but out of range (e.g. 4294967296): never a name, and never safe to hand on.
        raise OutboundRefused("address_invalid")
    return None


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundRefused("unresolvable") from None
    return [str(info[4][0]) for info in infos]


def target_check(url: str, *, allow_http: bool, allow_loopback: bool, resolve: Resolver = system_resolve,
                 must_resolve: bool = True) -> Target:
    """The target to connect to for a URL, or OutboundRefused: scheme, credentials, name and every resolved address.

    With must_resolve False (saving a URL), a name that does not resolve yet passes; the check at
    request time refuses it then.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. "http://[::1" or a port out of range
        raise OutboundRefused("url_invalid") from None
    if parts.scheme not in ("http", "https") or (parts.scheme == "http" and not allow_http):
        raise OutboundRefused("scheme_refused")
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None or "%" in host:
        raise OutboundRefused("url_invalid")
    port = port or (443 if parts.scheme == "https" else 80)
    literal = literal_address(host)
    if literal is not None:
        if not address_allowed(literal, allow_loopback=allow_loopback):
            raise OutboundRefused("address_refused")
        addresses = [str(literal)]
    else:
        lowered = host.lower()
        if not allow_loopback and (lowered in _LOCAL_SUFFIXES or lowered.endswith(_LOCAL_SUFFIXES)):
            raise OutboundRefused("address_refused")
        try:
            addresses = resolve(host, port)
        except OutboundRefused:
            if must_resolve:
                raise
            addresses = []
        if not addresses and must_resolve:
            raise OutboundRefused("unresolvable")
        # Every answer must pass: otherwise a name with one public and one private record picks its target.
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                raise OutboundRefused("address_refused") from None
            if not address_allowed(address, allow_loopback=allow_loopback):
                raise OutboundRefused("address_refused")
    if parts.scheme == "http" and (not addresses or not all(
            ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)):
        raise OutboundRefused("scheme_refused")  # plain text only to a receiver on this machine (tests)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, addresses[0] if addresses else "", port, path)


def url_checked(url: str, *, allow_http: bool, allow_loopback: bool, pointer: str = "/url",
                resolve: Resolver = system_resolve) -> str:
    """The URL itself if it may be contacted now, else a 422 problem `outbound.<reason>` at pointer."""
    try:
        target_check(url, allow_http=allow_http, allow_loopback=allow_loopback, resolve=resolve, must_resolve=False)
    except OutboundRefused as refused:
        raise ValidationFailed([Problem("webhook.url_refused", pointer,
                                        {"value": url[:100], "reason": refused.reason})]) from None
    return url
