"""What Rampart's nftables table, as loaded on a host, lets in: read from `nft -j list table
inet rampart` (the audit's view of REG-4.2.4; the firewall role writes the table)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TABLE = "rampart"
CHAIN = "input"


@dataclass(frozen=True)
class LoadedTable:
    """The input chain's policy and, by (protocol, port), who its accept rules let in."""

    policy: str | None
    openings: Mapping[tuple[str, str], frozenset[str] | None]
    """Source addresses and networks a port is open to; None: any address."""


def union(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    """Who two openings of one port let in together (None: any address)."""
    return None if first is None or second is None else first | second


def network(text: str) -> str:
    """An address or network as one spelling (`10.0.0.1/32` and `10.0.0.1` alike)."""
    try:
        found = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text
    return str(found.network_address) if found.prefixlen == found.max_prefixlen else str(found)


def _value(right: Any) -> list[str]:
    """nft's right-hand side of a match as texts: one value, a set, a prefix or a range."""
    if isinstance(right, dict) and "set" in right:
        return [text for item in right["set"] or [] for text in _value(item)]
    if isinstance(right, dict) and isinstance(right.get("prefix"), dict):
        return [network(f"{right['prefix'].get('addr')}/{right['prefix'].get('len')}")]
    if isinstance(right, dict) and isinstance(right.get("range"), list):
        low, high = (right["range"] + [None, None])[:2]
        return [f"{low}-{high}"]
    return [network(str(right))]


def _matches_state(item: Any) -> bool:
    """Whether an expression matches the connection tracking state (`ct state ...`)."""
    match = item.get("match") if isinstance(item, dict) else None
    left = match.get("left") if isinstance(match, dict) else None
    return isinstance(left, dict) and left.get("ct") == {"key": "state"}


def _rule_opening(expressions: list[Any]) -> tuple[str, str, frozenset[str] | None] | None:
    """(protocol, port, sources) of an accept rule matching a destination port, else None."""
    if not any(isinstance(item, dict) and "accept" in item for item in expressions):
        return None
    if any(_matches_state(item) for item in expressions):
        return None  # lets in only replies and sessions already open (the quarantine's SSH)
    protocol = port = None
    sources: set[str] | None = None
    for item in expressions:
        match = item.get("match") if isinstance(item, dict) else None
        left = match.get("left") if isinstance(match, dict) else None
        payload = left.get("payload") if isinstance(left, dict) else None
        if not isinstance(payload, dict) or match is None:
            continue
        if payload.get("field") == "dport":
            protocol, port = str(payload.get("protocol")), ",".join(_value(match.get("right")))
        elif payload.get("field") == "saddr":
            sources = (sources or set()) | set(_value(match.get("right")))
    if protocol is None or port is None:
        return None
    return protocol, port, None if sources is None else frozenset(sources)


def read_table(document: Mapping[str, Any]) -> LoadedTable:
    """The input chain of Rampart's table in nft's JSON."""
    policy = None
    openings: dict[tuple[str, str], frozenset[str] | None] = {}
    for item in document.get("nftables") or []:
        chain = item.get("chain") if isinstance(item, dict) else None
        if isinstance(chain, dict) and (chain.get("table"), chain.get("name")) == (TABLE, CHAIN):
            policy = str(chain.get("policy"))
        rule = item.get("rule") if isinstance(item, dict) else None
        if not isinstance(rule, dict) or (rule.get("table"), rule.get("chain")) != (TABLE, CHAIN):
            continue
        opening = _rule_opening(rule.get("expr") or [])
        if opening is None:
            continue
        protocol, port, sources = opening
        openings[(protocol, port)] = union(openings.get((protocol, port), frozenset()), sources)
    return LoadedTable(policy, openings)
