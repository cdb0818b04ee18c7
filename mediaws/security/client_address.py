"""Who is on the other end: the client's address, trusting X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from mediaws.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPV6_THROTTLE_PREFIX = 64


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse IPs and CIDRs (e.g. ``10.0.0.0/8``, ``::1``) or raise ConfigError naming the bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"MEDIAWS_TRUSTED_PROXIES: '{value}' is not an IP address or CIDR range (like 10.0.0.0/8)."
            ) from None
    return tuple(networks)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str, forwarded_for: str, trusted_proxies: Sequence[Network]) -> str:
    """The client's address: the direct peer, or when that is a trusted proxy, the nearest untrusted hop.

    X-Forwarded-For is read right to left (each proxy appends the address it saw), skipping trusted proxies;
    anything a client wrote further left is ignored. A malformed hop ends the walk at the last good address.
    """
    current = _ip(peer)
    if current is None:
        return peer.strip()[:255]
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    while any(current in network for network in trusted_proxies) and hops:
        previous = _ip(hops.pop())
        if previous is None:
            break
        current = previous
    return str(current)


def throttle_key(address: str) -> str:
    """The unit login throttling counts by: an IPv4 address, or the /64 network of an IPv6 address."""
    parsed = _ip(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_THROTTLE_PREFIX}", strict=False))
    return str(parsed) if parsed is not None else address[:255]
