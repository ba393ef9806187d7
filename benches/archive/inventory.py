"""Flattens the AWS CLI inventory JSON of an archive into small tables for the DuckDB and Polars
peers of the archive benchmark (benches/archive/README.md).

Both peers load the same tables, so they differ only in how they scan and join the flow logs.
Every table is a dict of equal-length column lists (plain Python values), which each peer turns
into its own frame. Addresses are split into a family (4 or 6) and two unsigned 64-bit halves
(`hi`, `lo`): an IPv4 address is (4, 0, a), an IPv6 address (6, top 64 bits, low 64 bits). A
CIDR is a range in each half — exact for aligned prefixes, which every CIDR is — so "peer
contains address" is `fam = fam AND hi BETWEEN hi_min AND hi_max AND lo BETWEEN lo_min AND
lo_max` in SQL or in a Polars filter.

Tables:

* `rules`: rule_id, group_id, egress (bool), proto (-1 = all, else the IANA number), from_port,
  to_port (0..65535 when ports are not compared), kind: `ok`; `icmp_type` (an ICMP rule for one
  type: flow logs carry no type, so it is neither used nor unused); `unresolved` (its peer group
  or prefix list is not in the inventory).
* `rule_ranges`: rule_id, fam, hi_min, hi_max, lo_min, lo_max — the peer of each `ok` rule as
  address ranges: the CIDR itself, every address and delegated prefix of every ENI carrying the
  referenced group, or the entries of the prefix list.
* `eni_groups`: eni, group_id (one row per group of each ENI).
* `enis`: eni, gkey (the ENI's sorted group ids joined by `,`).
* `eni_addrs`: eni, addr — every address of each ENI as the flow log prints it (for telling
  ingress from egress in formats without `flow-direction`).
* `internal_ranges`: fam, hi_min, hi_max, lo_min, lo_max — the VPC CIDRs and every ENI
  address: a remote address inside is an `internal` peer.
"""

from __future__ import annotations

import ipaddress
import json
import os

M64 = (1 << 64) - 1
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "-1": -1, "all": -1}


def _load(inv: str, name: str, key: str) -> list:
    path = os.path.join(inv, name)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f).get(key, [])


def net_range(cidr: str) -> tuple[int, int, int, int, int]:
    """(fam, hi_min, hi_max, lo_min, lo_max) of a CIDR or a single address."""
    net = ipaddress.ip_network(cidr, strict=False)
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        return (4, 0, 0, first, last)
    return (6, first >> 64, last >> 64, first & M64, last & M64)


def _proto(value: str) -> int:
    value = str(value).lower()
    return PROTOCOLS[value] if value in PROTOCOLS else int(value)


def _table(columns: list[str], rows: list[tuple]) -> dict[str, list]:
    return {c: [r[i] for r in rows] for i, c in enumerate(columns)}


RANGE_COLUMNS = ["fam", "hi_min", "hi_max", "lo_min", "lo_max"]
# Column types where plain inference would not do (the halves need all 64 bits); others are
# text, bool, or small integers.
COLUMN_TYPES = {"hi_min": "u64", "hi_max": "u64", "lo_min": "u64", "lo_max": "u64",
                "fam": "i64", "proto": "i64", "from_port": "i64", "to_port": "i64"}


def flatten(inv: str) -> dict[str, dict[str, list]]:
    """Reads the inventory directory `inv` into the tables described above."""
    groups = {g["GroupId"] for g in _load(inv, "describe-security-groups.json", "SecurityGroups")}
    nics = _load(inv, "describe-network-interfaces.json", "NetworkInterfaces")

    eni_groups, enis, eni_addrs = [], [], []
    members: dict[str, list[str]] = {}  # group id -> every address / prefix of its ENIs
    internal: list[str] = []
    for nic in nics:
        eni = nic["NetworkInterfaceId"]
        gids = sorted(g["GroupId"] for g in nic.get("Groups") or [])
        addrs = [a["PrivateIpAddress"] for a in nic.get("PrivateIpAddresses") or []]
        if nic.get("PrivateIpAddress") and nic["PrivateIpAddress"] not in addrs:
            addrs.append(nic["PrivateIpAddress"])
        addrs += [a["Ipv6Address"] for a in nic.get("Ipv6Addresses") or []]
        addrs = [ipaddress.ip_address(a).compressed for a in addrs]
        prefixes = [p["Ipv4Prefix"] for p in nic.get("Ipv4Prefixes") or []]
        prefixes += [p["Ipv6Prefix"] for p in nic.get("Ipv6Prefixes") or []]
        enis.append((eni, ",".join(gids)))
        eni_groups += [(eni, g) for g in gids]
        eni_addrs += [(eni, a) for a in addrs]
        for g in gids:
            members.setdefault(g, []).extend(addrs + prefixes)
        internal += addrs + prefixes

    for vpc in _load(inv, "describe-vpcs.json", "Vpcs"):
        internal += [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []]
        internal += [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet") or []]
        if vpc.get("CidrBlock"):
            internal.append(vpc["CidrBlock"])

    prefix_lists: dict[str, list[str]] = {}
    for name in sorted(os.listdir(inv)):
        if name.startswith("get-managed-prefix-list-entries-") and name.endswith(".json"):
            pl = name[len("get-managed-prefix-list-entries-") : -len(".json")]
            prefix_lists[pl] = [e["Cidr"] for e in _load(inv, name, "Entries")]

    rules, rule_ranges = [], []
    for r in _load(inv, "describe-security-group-rules.json", "SecurityGroupRules"):
        proto = _proto(r["IpProtocol"])
        from_port, to_port = r.get("FromPort", -1), r.get("ToPort", -1)
        kind = "ok"
        if proto in (1, 58) and from_port not in (-1, None):
            kind = "icmp_type"
        if proto in (6, 17) and from_port not in (-1, None):
            lo, hi = from_port, to_port
        else:
            lo, hi = 0, 65535
        if r.get("CidrIpv4") or r.get("CidrIpv6"):
            peers = [r.get("CidrIpv4") or r.get("CidrIpv6")]
        elif r.get("ReferencedGroupInfo"):
            ref = r["ReferencedGroupInfo"]["GroupId"]
            if ref not in groups:
                kind = "unresolved"
            peers = members.get(ref, [])
        elif r.get("PrefixListId"):
            pl = r["PrefixListId"]
            if pl not in prefix_lists:
                kind = "unresolved"
            peers = prefix_lists.get(pl, [])
        else:
            peers = []
        rid = r["SecurityGroupRuleId"]
        rules.append((rid, r["GroupId"], bool(r["IsEgress"]), proto, lo, hi, kind))
        if kind == "ok":
            rule_ranges += [(rid, *net_range(p)) for p in sorted(set(peers))]

    return {
        "rules": _table(
            ["rule_id", "group_id", "egress", "proto", "from_port", "to_port", "kind"], rules
        ),
        "rule_ranges": _table(["rule_id", *RANGE_COLUMNS], rule_ranges),
        "eni_groups": _table(["eni", "group_id"], eni_groups),
        "enis": _table(["eni", "gkey"], enis),
        "eni_addrs": _table(["eni", "addr"], eni_addrs),
        "internal_ranges": _table(RANGE_COLUMNS, [net_range(c) for c in sorted(set(internal))]),
    }


# The flow-log fields the peers read, with their types; every other field of a format is read
# as text and never projected. Names are AWS's (`-` kept), as in the header line.
INT_FIELDS = {
    "version": "int",
    "srcport": "u16",
    "dstport": "u16",
    "protocol": "u8",
    "packets": "u64",
    "bytes": "u64",
    "start": "i64",
    "end": "i64",
    "tcp-flags": "u8",
}


def header_fields(path: str) -> list[str]:
    """The field names of a gzip flow-log object (its header line)."""
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.readline().split()


def write_result(path: str, unused: list[str], hotspots: list[dict], extra: dict) -> None:
    """Writes a peer's answer: the unused rule ids and the ranked hotspots."""
    out = {"unused": sorted(unused), "reject_hotspots": hotspots, **extra}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
