"""Which Host header values a local server answers: its own names only, so a page on
another site cannot reach it through DNS rebinding. Bound to loopback: localhost,
127.0.0.1 and [::1] (any port); bound to every interface: those, the machine's name and
any IP address (a browser sends a bare address only when it was pointed at it); bound
to one address: that address and the machine's name."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from dataclasses import dataclass

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The Host header values a preview server answers (see the module docstring)."""

    names: frozenset[str]
    any_address: bool = False

    @classmethod
    def for_address(cls, bound: str, *, extra: Collection[str] = ()) -> HostPolicy:
        bound_name = _host_part(bound if ":" not in bound or bound.startswith("[") else f"[{bound}]") or ""
        names = {n for n in (_host_part(e) for e in extra) if n}
        if bound_name in _WILDCARDS:
            return cls(frozenset(names | _LOOPBACK_NAMES | {socket.gethostname().lower()}), any_address=True)
        names.add(bound_name)
        if bound_name in _LOOPBACK_NAMES or _is_loopback(bound_name):
            return cls(frozenset(names | _LOOPBACK_NAMES))
        return cls(frozenset(names | {socket.gethostname().lower()}))

    def allows(self, host: str) -> bool:
        name = _host_part(host)
        if not name:
            return False
        return name in self.names or (self.any_address and _ip_address(name) is not None)


def _host_part(value: str) -> str | None:
    """The host of a Host header value, lower-case, without port or trailing dot;
    None when the value is malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return None
    address = _ip_address(name)
    if address is not None:  # one spelling per address: [0::1] is [::1]
        return f"[{address}]" if address.version == 6 else str(address)
    return None if name.startswith("[") else name.rstrip(".")


def _ip_address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
    except ValueError:
        return None


def _is_loopback(name: str) -> bool:
    address = _ip_address(name)
    return address is not None and address.is_loopback
