#!/usr/bin/env python3
"""Writes the hand-made cases of testdata/cases (see README.md there).

Each case below is written by hand: its story (README.md), its network (a few groups, rules and
ENIs), its log lines and the verdict a correct engine gives every rule. This script only spells
them out as AWS CLI JSON, flow-log text and expected.toml, so that ids stay consistent. Run from
this directory: `python3 make_cases.py`. Output is deterministic; it replaces every case
directory it writes.
"""
import hashlib
import json
import os
import shutil

ACCOUNT = "111122223333"
REGION = "us-east-1"
T0 = 1740960000  # 2025-03-03T00:00:00Z: every case's window starts here
WINDOW = 600  # and lasts one ten-minute aggregation window unless a case says otherwise

DEFAULT = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
FLAGS = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status"
PKT = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-srcaddr pkt-dstaddr"
NO_ENI = "version account-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "-1": -1}


def hexid(*parts, n=17):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


class Case:
    def __init__(self, group, name, readme, vpc="10.0.0.0/16"):
        self.family, self.name, self.readme, self.vpc_cidr = group, name, readme, vpc
        self.vpc = "vpc-" + hexid(group, name, "vpc")
        self.subnet = "subnet-" + hexid(group, name, "subnet")
        self.groups = {}  # name -> id
        self.foreign = {}  # name -> id of groups not in the inventory
        self.rules = []  # dicts
        self.enis = {}  # name -> dict
        self.prefix_lists = {}  # name -> (id, [cidrs])
        self.logs = []  # (file, header, lines)
        self.hotspots = []
        self.hotspots_complete = False
        self.window = (T0, T0 + WINDOW)
        # Like AWS, a logged ENI gets a NODATA line for the idle rest of the window (see
        # `idle_tail`); a case about coverage gaps turns this off.
        self.fill_idle = True
        self.internal_cidrs = []
        self.extra = {}  # file name -> document

    # -- the network ------------------------------------------------------------------------
    def group(self, name):
        self.groups[name] = "sg-" + hexid(self.group_key(), "sg", name)
        return self.groups[name]

    def group_key(self):
        return self.family + "/" + self.name

    def foreign_group(self, name):
        self.foreign[name] = "sg-" + hexid(self.group_key(), "foreign", name)
        return self.foreign[name]

    def prefix_list(self, name, cidrs):
        pl = "pl-" + hexid(self.group_key(), name)
        self.prefix_lists[name] = (pl, cidrs)
        return pl

    def peer(self, text):
        if text.startswith("sg:"):
            return ("group", self.groups[text[3:]])
        if text.startswith("foreign:"):
            return ("group", self.foreign[text[8:]])
        if text.startswith("pl:"):
            return ("pl", self.prefix_lists[text[3:]][0])
        if text.startswith("pl-"):
            return ("pl", text)
        return ("cidr", text)

    def rule(self, group, direction, proto, ports, peer, status, reasons=(), note=""):
        """ports: (from, to); -1 for all. status/reasons: the expected verdict."""
        rid = "sgr-" + hexid(self.group_key(), group, str(len(self.rules)))
        self.rules.append(dict(id=rid, group=group, egress=direction == "out", proto=proto,
                               ports=ports, peer=self.peer(peer), peer_text=peer,
                               status=status, reasons=sorted(reasons), note=note))
        return rid

    def eni(self, name, ip, groups, kind="instance"):
        self.enis[name] = dict(id="eni-" + hexid(self.group_key(), "eni", name), ip=ip, groups=groups, kind=kind)
        return self.enis[name]

    def e(self, name):
        return self.enis[name]["id"]

    def ip(self, name):
        return self.enis[name]["ip"]

    # -- the logs ---------------------------------------------------------------------------
    def log(self, header, lines, file="flowlogs.log"):
        self.logs.append((file, header, lines))

    def hotspot(self, groups, port, cause, peer_class, suggestion=None, protocol=6):
        ids = sorted(self.groups[g] for g in groups)
        self.hotspots.append(dict(group_ids=ids, dst_port=port, protocol=protocol, likely_cause=cause,
                                  peer_class=peer_class, suggestion=suggestion))


def rec(c, eni, src, dst, sport, dport, proto=6, action="ACCEPT", packets=5, size=80, start=10, end=40, flags=None):
    """A default-format record (or, with `flags`, the FLAGS format) on ENI `eni` (a name)."""
    fields = ["2" if flags is None else "3", ACCOUNT, c.e(eni), src, dst, str(sport), str(dport), str(proto),
              str(packets), str(packets * size), str(T0 + start), str(T0 + end), action]
    if flags is not None:
        fields.append(str(flags))
    fields.append("OK")
    return " ".join(fields)


def nodata(c, eni, start=0, end=WINDOW - 1, flags=False):
    dashes = ["-"] * 7
    tail = ["-", "-", "NODATA"] if flags else ["-", "NODATA"]
    return " ".join(["3" if flags else "2", ACCOUNT, c.e(eni)] + dashes + [str(T0 + start), str(T0 + end)] + tail)


def conn(c, client, server, cip, sip, cport, sport, proto=6, flags=True, start=10, end=40):
    """Both directions of one accepted connection on each ENI named (None: not an ENI of ours)."""
    out = []
    f_fwd, f_rev = (2, 18) if (flags and proto == 6) else (0, 0)
    kw = {} if not flags else {"flags": f_fwd}
    kw_r = {} if not flags else {"flags": f_rev}
    for eni in (client, server):
        if eni is None:
            continue
        out.append(rec(c, eni, cip, sip, cport, sport, proto, start=start, end=end, **kw))
        out.append(rec(c, eni, sip, cip, sport, cport, proto, packets=4, size=300, start=start + 1, end=end, **kw_r))
    return out


def idle_tail(c, header, lines):
    """NODATA lines from each logged ENI's last line to the end of the window.

    A flow log writes a line for every ENI it covers in every aggregation interval: records, or
    NODATA when the ENI was idle. Without these lines the engine cannot tell an idle ENI from an
    unlogged one, and rightly reports partial coverage."""
    fields = header.split()
    if "interface-id" not in fields:
        return []
    eni_at, end_at = fields.index("interface-id"), fields.index("end")
    last = {}
    for line in lines:
        parts = line.split()
        last[parts[eni_at]] = max(last.get(parts[eni_at], 0), int(parts[end_at]))
    out = []
    for eni, end in sorted(last.items()):
        if end < c.window[1] - 1:
            values = {"version": "2" if header == DEFAULT else "3", "account-id": ACCOUNT, "interface-id": eni,
                      "start": str(end + 1), "end": str(c.window[1] - 1), "log-status": "NODATA"}
            out.append(" ".join(values.get(f, "-") for f in fields))
    return out


# -- JSON --------------------------------------------------------------------------------------
def proto_name(p):
    return {"-1": "-1"}.get(p, p)


def permission(c, r, pascal=True):
    m = {"IpProtocol": proto_name(r["proto"])}
    if r["proto"] != "-1":
        m["FromPort"], m["ToPort"] = r["ports"]
    kind, value = r["peer"]
    m["IpRanges"] = [{"CidrIp": value}] if kind == "cidr" else []
    m["Ipv6Ranges"] = []
    m["PrefixListIds"] = [{"PrefixListId": value}] if kind == "pl" else []
    m["UserIdGroupPairs"] = [{"GroupId": value, "UserId": ACCOUNT}] if kind == "group" else []
    return m


def documents(c):
    docs = {}
    sgs = []
    for name, gid in c.groups.items():
        sgs.append({
            "Description": f"{name} ({c.name})", "GroupName": name, "GroupId": gid, "OwnerId": ACCOUNT,
            "VpcId": c.vpc,
            "IpPermissions": [permission(c, r) for r in c.rules if r["group"] == name and not r["egress"]],
            "IpPermissionsEgress": [permission(c, r) for r in c.rules if r["group"] == name and r["egress"]],
        })
    docs["describe-security-groups.json"] = {"SecurityGroups": sgs}
    rules = []
    for r in c.rules:
        m = {"SecurityGroupRuleId": r["id"], "GroupId": c.groups[r["group"]], "GroupOwnerId": ACCOUNT,
             "IsEgress": r["egress"], "IpProtocol": proto_name(r["proto"]),
             "FromPort": r["ports"][0], "ToPort": r["ports"][1]}
        kind, value = r["peer"]
        if kind == "cidr":
            m["CidrIpv4"] = value
        elif kind == "pl":
            m["PrefixListId"] = value
        else:
            m["ReferencedGroupInfo"] = {"GroupId": value, "UserId": ACCOUNT}
        rules.append(m)
    docs["describe-security-group-rules.json"] = {"SecurityGroupRules": rules}
    enis = []
    for name, e in c.enis.items():
        itype, desc, extra = {
            "instance": ("interface", "Primary network interface", {}),
            "nat": ("nat_gateway", "Interface for NAT Gateway nat-" + hexid(c.group_key(), name), {"RequesterManaged": True}),
            "nlb": ("network_load_balancer", "ELB net/api/" + hexid(c.group_key(), name, n=16), {"RequesterManaged": True, "RequesterId": "amazon-elb"}),
            "endpoint": ("vpc_endpoint", "VPC Endpoint Interface vpce-" + hexid(c.group_key(), name), {"RequesterManaged": True}),
            "rds": ("interface", "RDSNetworkInterface", {"RequesterManaged": True, "RequesterId": "amazon-rds"}),
        }[e["kind"]]
        doc = {"NetworkInterfaceId": e["id"], "InterfaceType": itype, "Description": desc,
               "Groups": [{"GroupId": c.groups[g], "GroupName": g} for g in e["groups"]],
               "PrivateIpAddress": e["ip"],
               "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": e["ip"]}],
               "SubnetId": c.subnet, "VpcId": c.vpc, "OwnerId": ACCOUNT, "Status": "in-use"}
        doc.update(extra)
        enis.append(doc)
    docs["describe-network-interfaces.json"] = {"NetworkInterfaces": enis}
    docs["describe-vpcs.json"] = {"Vpcs": [{"VpcId": c.vpc, "CidrBlock": c.vpc_cidr, "OwnerId": ACCOUNT,
                                            "CidrBlockAssociationSet": [{"CidrBlock": c.vpc_cidr}]}]}
    if c.prefix_lists:
        docs["describe-managed-prefix-lists.json"] = {"PrefixLists": [
            {"PrefixListId": pl, "PrefixListName": name, "AddressFamily": "IPv4", "State": "create-complete",
             "MaxEntries": 10, "Version": 1, "OwnerId": ACCOUNT} for name, (pl, _) in c.prefix_lists.items()]}
        for name, (pl, cidrs) in c.prefix_lists.items():
            docs[f"get-managed-prefix-list-entries-{pl}.json"] = {"Entries": [{"Cidr": x} for x in cidrs]}
    docs.update(c.extra)
    return docs


def toml_str(s):
    return json.dumps(s)


def expected_toml(c):
    out = ["# The verdict a correct engine gives every rule of this case (see README.md).", ""]
    if c.hotspots or c.hotspots_complete:
        out.append("# The engine reports the hotspots below and no other." if c.hotspots_complete else "# The engine reports at least the hotspots below.")
        out.append(f"hotspots_complete = {'true' if c.hotspots_complete else 'false'}")
        out.append("")
    out.append("[analysis]")
    out.append(f"since = {c.window[0]}")
    out.append(f"until = {c.window[1]}")
    if c.internal_cidrs:
        out.append("internal_cidrs = [" + ", ".join(toml_str(x) for x in c.internal_cidrs) + "]")
    out.append("")
    for r in c.rules:
        proto = r["proto"] if r["proto"] != "-1" else "all"
        ports = "" if r["ports"][0] == -1 else (f" {r['ports'][0]}" if r["ports"][0] == r["ports"][1] else f" {r['ports'][0]}-{r['ports'][1]}")
        direction = "egress" if r["egress"] else "ingress"
        word = "to" if r["egress"] else "from"
        peer = r["peer_text"]
        for prefix, text in (("sg:", "group "), ("foreign:", "foreign group "), ("pl:", "prefix list ")):
            if peer.startswith(prefix):
                peer = text + peer[len(prefix):]
        out.append(f"# {r['group']} {direction} {proto}{ports} {word} {peer}" + (f": {r['note']}" if r["note"] else ""))
        out.append(f"[rules.{r['id']}]")
        out.append(f"status = {toml_str(r['status'])}")
        out.append("reasons = [" + ", ".join(toml_str(x) for x in r["reasons"]) + "]")
        out.append("")
    for h in c.hotspots:
        out.append("[[hotspots]]")
        out.append("group_ids = [" + ", ".join(toml_str(g) for g in h["group_ids"]) + "]")
        out.append(f"dst_port = {h['dst_port']}")
        out.append(f"protocol = {h['protocol']}")
        out.append(f"likely_cause = {toml_str(h['likely_cause'])}")
        out.append(f"peer_class = {toml_str(h['peer_class'])}")
        if h["suggestion"]:
            out.append(f"suggestion = {toml_str(h['suggestion'])}")
        out.append("")
    return "\n".join(out)


def write(c):
    root = os.path.join(c.family, c.name)
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "inventory"))
    os.makedirs(os.path.join(root, "logs"))
    for name, doc in documents(c).items():
        with open(os.path.join(root, "inventory", name), "w") as f:
            json.dump(doc, f, indent=4)
            f.write("\n")
    for file, header, lines in c.logs:
        if c.fill_idle:
            lines = lines + idle_tail(c, header, lines)
        with open(os.path.join(root, "logs", file), "w") as f:
            f.write(header + "\n" + "".join(line + "\n" for line in lines))
    with open(os.path.join(root, "expected.toml"), "w") as f:
        f.write(expected_toml(c))
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write(c.readme.strip() + "\n")


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ---------------------------------------------------------------------------------------------
# semantics/: one case per rule of docs/semantics.md
# ---------------------------------------------------------------------------------------------

@case
def stateful():
    c = Case("semantics", "responses_credit_nothing", """
Security groups are stateful: only the packets that open a connection need a rule. A client on the
internet opens HTTPS to the web server (SYN then SYN-ACK in tcp-flags); the server's reply leaves
from port 443 to the client's ephemeral port. The egress rule `tcp 1024-65535 to 0.0.0.0/0` looks
like it carries that reply, but replies are tracked and use no rule: it is unused.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used", note="the client's connection")
    c.rule("web", "out", "tcp", (1024, 65535), "0.0.0.0/0", "unused", note="only replies match it")
    c.eni("web", "10.0.1.10", ["web"])
    c.log(FLAGS, conn(c, None, "web", "198.51.100.7", c.ip("web"), 51000, 443))
    return c


@case
def union():
    c = Case("semantics", "union_of_groups", """
An ENI's rules are the union of its groups' rules, and every rule that allows an initiating packet
is credited. The app server carries sg-app and sg-common; a connection to 8080 from 10.0.1.5 is
allowed by `sg-app tcp 8080 from 10.0.0.0/16` and by `sg-common tcp 8000-8100 from 10.0.1.0/24`:
both are used. sg-common's SSH rule is not.
""")
    c.group("app")
    c.group("common")
    c.rule("app", "in", "tcp", (8080, 8080), "10.0.0.0/16", "used")
    c.rule("common", "in", "tcp", (8000, 8100), "10.0.1.0/24", "used", note="overlaps the app rule")
    c.rule("common", "in", "tcp", (22, 22), "10.0.0.0/16", "unused")
    c.eni("app", "10.0.1.10", ["app", "common"])
    c.log(FLAGS, conn(c, None, "app", "10.0.1.5", c.ip("app"), 40001, 8080))
    return c


@case
def cidr_peer():
    c = Case("semantics", "peer_cidr", """
A CIDR peer contains the remote address by prefix: the source for ingress. A client at 10.0.1.30
queries the database: `from 10.0.1.0/24` is used, `from 10.0.9.0/24` is not.
""")
    c.group("db")
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.1.0/24", "used")
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.9.0/24", "unused", note="no source in that range")
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.log(FLAGS, conn(c, None, "db", "10.0.1.30", c.ip("db"), 41000, 5432))
    return c


@case
def group_peer():
    c = Case("semantics", "peer_group", """
A security-group peer contains the addresses of every ENI that carries the group. The app server
(sg-app) queries the database: `from sg-app` is used. The batch host (sg-batch) is logged, idle
(NODATA) and never connects: `from sg-batch` is unused.
""")
    for g in ("app", "batch", "db"):
        c.group(g)
    c.rule("db", "in", "tcp", (5432, 5432), "sg:app", "used")
    c.rule("db", "in", "tcp", (5432, 5432), "sg:batch", "unused")
    c.rule("app", "out", "tcp", (5432, 5432), "sg:db", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("batch", "10.0.1.11", ["batch"])
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.log(FLAGS, conn(c, "app", "db", c.ip("app"), c.ip("db"), 41000, 5432) + [nodata(c, "batch", flags=True)])
    return c


@case
def prefix_list_peer():
    c = Case("semantics", "peer_prefix_list", """
A prefix-list peer contains the addresses of the list's entries. The backup host sends to S3
(52.216.0.0/15 in the list `s3`): `egress 443 to pl-s3` is used; `egress 443 to pl-partner`
(203.0.113.0/24) is not.
""")
    c.group("backup")
    c.prefix_list("s3", ["52.216.0.0/15"])
    c.prefix_list("partner", ["203.0.113.0/24"])
    c.rule("backup", "out", "tcp", (443, 443), "pl:s3", "used")
    c.rule("backup", "out", "tcp", (443, 443), "pl:partner", "unused")
    c.eni("backup", "10.0.1.10", ["backup"])
    c.log(FLAGS, conn(c, "backup", None, c.ip("backup"), "52.217.14.9", 40500, 443))
    return c


@case
def protocol_all():
    c = Case("semantics", "protocol_all", """
A rule of protocol -1 matches every protocol and port. The resolver receives a DNS query over
UDP: `ingress all from 10.0.0.0/16` is used, while `ingress tcp 53 from 10.0.0.0/16` (TCP only) is
not.
""")
    c.group("dns")
    c.rule("dns", "in", "-1", (-1, -1), "10.0.0.0/16", "used")
    c.rule("dns", "in", "tcp", (53, 53), "10.0.0.0/16", "unused", note="the query is UDP")
    c.eni("dns", "10.0.1.53", ["dns"])
    c.log(FLAGS, conn(c, None, "dns", "10.0.1.5", c.ip("dns"), 40123, 53, proto=17))
    return c


@case
def destination_port():
    c = Case("semantics", "destination_port_only", """
Security groups filter on the destination port only. A client connects from port 40050 to 443: the
rule `tcp 40000-40100` contains the source port, not the destination, and is unused; `tcp 443` is
used.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "10.0.0.0/16", "used")
    c.rule("web", "in", "tcp", (40000, 40100), "10.0.0.0/16", "unused", note="contains the source port only")
    c.eni("web", "10.0.1.10", ["web"])
    c.log(FLAGS, conn(c, None, "web", "10.0.1.5", c.ip("web"), 40050, 443))
    return c


@case
def pkt_addresses():
    c = Case("semantics", "pkt_addresses_are_the_remote", """
When the format has pkt-srcaddr and pkt-dstaddr, they are the remote address. A request from
on-prem (10.20.33.164) reaches the app server through a transit gateway ENI (10.0.0.220), which is
what srcaddr shows: the rule `from 10.20.0.0/16` is used, `from 10.0.0.220/32` is not.
""")
    c.group("app")
    c.rule("app", "in", "tcp", (443, 443), "10.20.0.0/16", "used", note="pkt-srcaddr")
    c.rule("app", "in", "tcp", (443, 443), "10.0.0.220/32", "unused", note="srcaddr only")
    c.eni("app", "10.0.1.10", ["app"])
    ip = c.ip("app")
    c.log(PKT, [
        " ".join(["2", ACCOUNT, c.e("app"), "10.0.0.220", ip, "39812", "443", "6", "5", "500", str(T0 + 10), str(T0 + 40), "ACCEPT", "OK", "10.20.33.164", ip]),
        " ".join(["2", ACCOUNT, c.e("app"), ip, "10.0.0.220", "443", "39812", "6", "4", "900", str(T0 + 11), str(T0 + 40), "ACCEPT", "OK", ip, "10.20.33.164"]),
    ])
    return c


@case
def icmp_all():
    c = Case("semantics", "icmp_all_types", """
An ICMP rule for all types matches any ICMP record. The monitor pings the app server: on the app
server's ENI the request comes in first and the reply leaves a second later. `ingress icmp all
from sg-monitor` is used.
""")
    c.group("app")
    c.group("monitor")
    c.rule("app", "in", "icmp", (-1, -1), "sg:monitor", "used")
    c.rule("monitor", "out", "icmp", (-1, -1), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("monitor", "10.0.1.99", ["monitor"])
    c.log(DEFAULT, conn(c, "monitor", "app", c.ip("monitor"), c.ip("app"), 0, 0, proto=1, flags=False))
    return c


@case
def reject_internal():
    c = Case("semantics", "reject_hotspot_missing_rule", """
A REJECT hotspot record is a refused forward ingress record on its target. The app server tries
the cache's TLS port 6380 three times; the cache only allows 6379. The hotspot's cause is a missing
rule, and the narrowest fix is `tcp 6380 from sg-app on sg-cache`.
""")
    c.group("app")
    c.group("cache")
    c.rule("app", "out", "tcp", (6379, 6380), "sg:cache", "used", note="the attempts leave")
    c.rule("cache", "in", "tcp", (6379, 6379), "sg:app", "unused", note="nobody uses the plain port")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("cache", "10.0.2.30", ["cache"])
    lines = []
    for k in range(3):
        lines.append(rec(c, "app", c.ip("app"), c.ip("cache"), 40100 + k, 6380, packets=3, start=10 + 60 * k, end=17 + 60 * k, flags=2))
        lines.append(rec(c, "cache", c.ip("app"), c.ip("cache"), 40100 + k, 6380, action="REJECT", packets=3, start=10 + 60 * k, end=17 + 60 * k, flags=2))
    c.log(FLAGS, lines)
    c.hotspot(["cache"], 6380, "missing_rule", "internal", suggestion=f"tcp 6380 from {c.groups['app']} on {c.groups['cache']}")
    c.hotspots_complete = True
    return c


@case
def reject_groupless():
    c = Case("semantics", "reject_on_groupless_eni", """
A NAT gateway's ENI has no security groups: a REJECT there can only come from a network ACL. The
app server's SMTP through the NAT gateway is refused on the NAT gateway's ENI: cause `nacl`, no
suggested rule.
""")
    c.group("app")
    c.rule("app", "out", "-1", (-1, -1), "0.0.0.0/0", "used")
    c.eni("app", "10.0.10.5", ["app"])
    c.eni("nat", "10.0.0.220", [], kind="nat")
    app, nat = c.ip("app"), c.ip("nat")
    c.log(PKT, [
        " ".join(["2", ACCOUNT, c.e("app"), app, "203.0.113.25", "40200", "25", "6", "3", "180", str(T0 + 10), str(T0 + 17), "ACCEPT", "OK", app, "203.0.113.25"]),
        " ".join(["2", ACCOUNT, c.e("nat"), app, nat, "40200", "25", "6", "3", "180", str(T0 + 10), str(T0 + 17), "REJECT", "OK", app, "203.0.113.25"]),
    ])
    c.hotspot([], 25, "nacl", "internal")
    c.hotspots_complete = True
    return c


@case
def egress_reject():
    c = Case("semantics", "egress_reject_is_not_a_hotspot", """
A connection refused by the client's own egress rules is an egress REJECT on the client: reported
apart, never a hotspot. The app server may only reach 443; its attempt at SMTP is refused on its
own ENI.
""")
    c.group("app")
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    lines = conn(c, "app", None, c.ip("app"), "198.51.100.80", 40300, 443)
    lines.append(rec(c, "app", c.ip("app"), "198.51.100.25", 40301, 25, action="REJECT", packets=3, start=100, end=107, flags=2))
    c.log(FLAGS, lines)
    c.hotspots_complete = True
    return c


@case
def reverse_reject():
    c = Case("semantics", "reverse_reject_is_not_a_hotspot", """
A refused response (a stateless network ACL dropping the reply) is a reverse-direction REJECT:
reported apart, never a hotspot, and the request still used its rule.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("web", "10.0.1.10", ["web"])
    ip = c.ip("web")
    c.log(FLAGS, [
        rec(c, "web", "198.51.100.7", ip, 51000, 443, start=10, end=20, flags=2),
        rec(c, "web", ip, "198.51.100.7", 443, 51000, action="REJECT", start=11, end=20, flags=18),
    ])
    c.hotspots_complete = True
    return c


@case
def nodata_observes():
    c = Case("semantics", "nodata_is_observation", """
An ENI that appears only in NODATA lines is observed: it had no traffic. The database is logged
idle for the whole window, so `from sg-app` is unused; the app server meanwhile talks to the
internet.
""")
    c.group("app")
    c.group("db")
    c.rule("db", "in", "tcp", (5432, 5432), "sg:app", "unused")
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.log(FLAGS, conn(c, "app", None, c.ip("app"), "198.51.100.80", 40400, 443) + [nodata(c, "db", flags=True)])
    return c


# ---------------------------------------------------------------------------------------------
# reasons/: one case per reason code of an `unknown` verdict
# ---------------------------------------------------------------------------------------------

@case
def r_no_attributed():
    c = Case("reasons", "no_attributed_records", """
Nothing at all was attributed in the window: the only lines are NODATA. Nothing can be judged.
""")
    c.group("app")
    c.rule("app", "in", "tcp", (443, 443), "0.0.0.0/0", "unknown", ["no_attributed_records"])
    c.rule("app", "out", "-1", (-1, -1), "0.0.0.0/0", "unknown", ["no_attributed_records"])
    c.eni("app", "10.0.1.10", ["app"])
    c.log(DEFAULT, [nodata(c, "app")])
    return c


@case
def r_unattributable():
    c = Case("reasons", "unattributable_records", """
Some logs cannot be attributed: a second flow log's format has no interface-id, so its records
could belong to any ENI. The web server's idle SSH rule could have been used by them: unknown, not
unused. Its HTTPS rule is credited by a complete record.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.rule("web", "in", "tcp", (22, 22), "10.0.0.0/16", "unknown", ["unattributable_records"])
    c.eni("web", "10.0.1.10", ["web"])
    c.log(FLAGS, conn(c, None, "web", "198.51.100.7", c.ip("web"), 51000, 443), file="with-eni.log")
    c.log(NO_ENI, [" ".join(["2", ACCOUNT, "10.0.1.5", "10.0.1.10", "40500", "22", "6", "8", "900", str(T0 + 30), str(T0 + 90), "ACCEPT", "OK"])], file="without-eni.log")
    return c


@case
def r_no_carrier():
    c = Case("reasons", "no_carrier_enis", """
No ENI in the inventory carries the group during the window: its rules cannot be judged.
""")
    c.group("app")
    c.group("legacy")
    c.rule("legacy", "out", "tcp", (5432, 5432), "10.0.0.0/16", "unknown", ["no_carrier_enis"])
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.log(FLAGS, conn(c, "app", None, c.ip("app"), "198.51.100.80", 40400, 443))
    return c


@case
def r_no_logs():
    c = Case("reasons", "no_logs_for_group", """
The group's only ENI never appears in the logs (not covered by any flow log).
""")
    c.group("app")
    c.group("admin")
    c.rule("admin", "in", "tcp", (22, 22), "10.0.0.0/16", "unknown", ["no_logs_for_group"])
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("admin", "10.0.3.10", ["admin"])
    c.log(FLAGS, conn(c, "app", None, c.ip("app"), "198.51.100.80", 40400, 443))
    return c


@case
def r_partial():
    c = Case("reasons", "partial_coverage", """
The window is twenty minutes; the queue's ENI is logged for the first ten only (its flow log was
deleted): a rule nothing used in that half may have been used in the other.
""")
    c.window = (T0, T0 + 1200)
    c.fill_idle = False
    c.group("app")
    c.group("queue")
    c.rule("queue", "in", "tcp", (5671, 5671), "sg:app", "unknown", ["partial_coverage"])
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("queue", "10.0.1.20", ["queue"])
    lines = conn(c, "app", None, c.ip("app"), "198.51.100.80", 40400, 443)
    lines.append(nodata(c, "app", 600, 1199, flags=True))
    lines.append(nodata(c, "queue", flags=True))
    c.log(FLAGS, lines)
    return c


@case
def r_skipdata():
    c = Case("reasons", "skipdata", """
AWS dropped the cache's records for the window (SKIPDATA): its rules may have been used.
""")
    c.group("app")
    c.group("cache")
    c.rule("cache", "in", "tcp", (6379, 6379), "sg:app", "unknown", ["skipdata"])
    c.rule("app", "out", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("cache", "10.0.1.20", ["cache"])
    skip = nodata(c, "cache", flags=True).replace("NODATA", "SKIPDATA")
    c.log(FLAGS, conn(c, "app", None, c.ip("app"), "198.51.100.80", 40400, 443) + [skip])
    return c


@case
def r_reject_only():
    c = Case("reasons", "reject_only_capture", """
The batch host's flow log captures REJECT traffic only (describe-flow-logs says so): no ACCEPT
could ever be seen there, so its rules cannot be proven unused.
""")
    c.group("batch")
    c.rule("batch", "out", "tcp", (443, 443), "0.0.0.0/0", "unknown", ["reject_only_capture"])
    c.rule("batch", "in", "tcp", (22, 22), "10.0.0.0/16", "unknown", ["reject_only_capture"])
    c.eni("batch", "10.0.2.10", ["batch"])
    c.log(FLAGS, [rec(c, "batch", "10.0.1.5", c.ip("batch"), 40600, 9090, action="REJECT", packets=3, start=10, end=17, flags=2)])
    c.extra["describe-flow-logs.json"] = {"FlowLogs": [{
        "FlowLogId": "fl-" + hexid("reasons/reject_only_capture", "fl"), "ResourceId": c.e("batch"),
        "TrafficType": "REJECT", "LogFormat": "${" + "} ${".join(FLAGS.split()) + "}",
        "MaxAggregationInterval": 600, "LogDestinationType": "s3", "FlowLogStatus": "ACTIVE",
        "DeliverLogsStatus": "SUCCESS", "CreationTime": "2025-03-01T00:00:00+00:00",
        "LogDestination": "arn:aws:s3:::flowlogs-111122223333"}]}
    c.hotspot(["batch"], 9090, "missing_rule", "internal", suggestion=f"tcp 9090 from 10.0.1.5/32 on {c.groups['batch']}")
    return c


@case
def r_declared_all():
    c = Case("reasons", "declared_all_capture", """
The batch host's flow log captures ALL traffic (describe-flow-logs says so, and the objects'
keys name that flow log). In the window it recorded only a refused probe and idle time: with
ACCEPT capture declared, the absence of ACCEPT records proves the host's rules unused — without
the declaration, a flow log with no ACCEPT record would be taken as REJECT-only.
""")
    c.group("batch")
    c.rule("batch", "out", "tcp", (443, 443), "0.0.0.0/0", "unused")
    c.rule("batch", "in", "tcp", (22, 22), "10.0.0.0/16", "unused")
    c.eni("batch", "10.0.2.10", ["batch"])
    fl = "fl-" + hexid("reasons/declared_all_capture", "fl")
    key = f"{ACCOUNT}_vpcflowlogs_{REGION}_{fl}_20250303T0000Z_0a1b2c3d.log"
    c.log(FLAGS, [rec(c, "batch", "10.0.1.5", c.ip("batch"), 40600, 9090, action="REJECT", packets=3, start=10, end=17, flags=2)], file=key)
    c.extra["describe-flow-logs.json"] = {"FlowLogs": [{
        "FlowLogId": fl, "ResourceId": c.e("batch"),
        "TrafficType": "ALL", "LogFormat": "${" + "} ${".join(FLAGS.split()) + "}",
        "MaxAggregationInterval": 600, "LogDestinationType": "s3", "FlowLogStatus": "ACTIVE",
        "DeliverLogsStatus": "SUCCESS", "CreationTime": "2025-03-01T00:00:00+00:00",
        "LogDestination": "arn:aws:s3:::flowlogs-111122223333"}]}
    c.hotspot(["batch"], 9090, "missing_rule", "internal", suggestion=f"tcp 9090 from 10.0.1.5/32 on {c.groups['batch']}")
    return c


@case
def r_unresolved():
    c = Case("reasons", "unresolved_peer", """
The rule references a group of another account that is not in the inventory: its members cannot
be known.
""")
    c.group("db")
    c.foreign_group("analytics")
    c.rule("db", "in", "tcp", (5432, 5432), "foreign:analytics", "unknown", ["unresolved_peer"])
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.1.0/24", "used")
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.log(FLAGS, conn(c, None, "db", "10.0.1.30", c.ip("db"), 41000, 5432))
    return c


@case
def r_membership():
    c = Case("reasons", "peer_membership_incomplete", """
The referenced group has no ENI in the inventory: who its members were cannot be known.
""")
    c.group("db")
    c.group("etl")
    c.rule("db", "in", "tcp", (5432, 5432), "sg:etl", "unknown", ["peer_membership_incomplete"])
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.1.0/24", "used")
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.log(FLAGS, conn(c, None, "db", "10.0.1.30", c.ip("db"), 41000, 5432))
    return c


@case
def r_unknown_eni():
    c = Case("reasons", "unknown_eni_traffic", """
An ENI missing from the inventory (a task gone before the snapshot) connects to the database; its
groups are unknown, so any egress rule to 5432 could be the one it used — including the reporting
group's, whose only known ENI is idle.
""")
    c.group("db")
    c.group("reporting")
    c.rule("reporting", "out", "tcp", (5432, 5432), "sg:db", "unknown", ["unknown_eni_traffic"])
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.0.0/16", "used")
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    c.eni("reporting", "10.0.1.40", ["reporting"])
    gone = "eni-" + hexid("reasons/unknown_eni_traffic", "gone-task")
    lines = conn(c, None, "db", "10.0.1.77", c.ip("db"), 41000, 5432)
    lines.append(" ".join(["3", ACCOUNT, gone, "10.0.1.77", c.ip("db"), "41000", "5432", "6", "5", "400", str(T0 + 10), str(T0 + 40), "ACCEPT", "2", "OK"]))
    lines.append(nodata(c, "reporting", flags=True))
    c.log(FLAGS, lines)
    return c


@case
def r_icmp_type():
    c = Case("reasons", "icmp_type_not_logged", """
A rule for one ICMP type (echo request) on a host that receives ICMP: flow logs do not record the
type, so the rule can be neither confirmed nor refuted.
""")
    c.group("app")
    c.group("monitor")
    c.rule("app", "in", "icmp", (8, -1), "sg:monitor", "unknown", ["icmp_type_not_logged"])
    c.rule("monitor", "out", "icmp", (-1, -1), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("monitor", "10.0.1.99", ["monitor"])
    c.log(DEFAULT, conn(c, "monitor", "app", c.ip("monitor"), c.ip("app"), 0, 0, proto=1, flags=False))
    return c


@case
def r_weak():
    c = Case("reasons", "weak_orientation", """
One flag-less connection between two high ports, seen once: nothing says which side opened it (no
tcp-flags, no listener to learn, no declaration). Every rule either orientation would credit is
possibly used, none provably.
""")
    c.group("a")
    c.group("b")
    c.rule("a", "out", "tcp", (1024, 65535), "sg:b", "unknown", ["weak_orientation"])
    c.rule("a", "in", "tcp", (1024, 65535), "sg:b", "unknown", ["weak_orientation"])
    c.rule("b", "in", "tcp", (1024, 65535), "sg:a", "unknown", ["weak_orientation"])
    c.rule("b", "out", "tcp", (1024, 65535), "sg:a", "unknown", ["weak_orientation"])
    c.eni("a", "10.0.1.10", ["a"])
    c.eni("b", "10.0.1.20", ["b"])
    c.log(DEFAULT, conn(c, "a", "b", c.ip("a"), c.ip("b"), 45000, 47000, flags=False))
    return c


@case
def r_nlb():
    c = Case("reasons", "nlb_client_ip_preservation", """
A target behind a Network Load Balancer with a security group and client IP preservation sees the
clients' internet addresses, yet AWS matches its rule `8443 from sg-nlb`. Without the target-group
JSON the forwarding cannot be confirmed: the rule is unknown, never unused.
""")
    c.group("nlb")
    c.group("app")
    c.rule("app", "in", "tcp", (8443, 8443), "sg:nlb", "unknown", ["nlb_client_ip_preservation"])
    c.eni("app", "10.0.11.10", ["app"])
    c.eni("nlb", "10.0.1.50", ["nlb"], kind="nlb")
    c.log(FLAGS, conn(c, None, "app", "198.51.100.7", c.ip("app"), 51000, 8443) + conn(c, None, "app", "203.0.113.9", c.ip("app"), 52000, 8443, start=100, end=130))
    return c


@case
def r_unlogged():
    c = Case("reasons", "unlogged_path", """
AWS does not log traffic between an interface endpoint ENI and a Network Load Balancer ENI: the
rules that allow it look idle in logs that cover both ENIs. The app server's calls to the endpoint
are logged and credit the endpoint's ingress rule.
""")
    c.group("app")
    c.group("endpoint")
    c.group("nlb")
    c.rule("app", "out", "tcp", (443, 443), "sg:endpoint", "used")
    c.rule("endpoint", "in", "tcp", (443, 443), "sg:app", "used")
    c.rule("nlb", "in", "tcp", (443, 443), "sg:endpoint", "unknown", ["unlogged_path"])
    c.rule("endpoint", "out", "tcp", (443, 443), "sg:nlb", "unknown", ["unlogged_path"])
    c.eni("endpoint", "10.0.1.60", ["endpoint"], kind="endpoint")
    c.eni("nlb", "10.0.1.50", ["nlb"], kind="nlb")
    c.eni("app", "10.0.1.10", ["app"])
    c.log(FLAGS, conn(c, "app", "endpoint", c.ip("app"), c.ip("endpoint"), 40700, 443) + [nodata(c, "nlb", flags=True)])
    return c


@case
def r_untracked():
    c = Case("reasons", "untracked_flow_dependency", """
Inbound `tcp 443 from 0.0.0.0/0` with outbound all traffic to 0.0.0.0/0 makes the HTTPS flows
untracked: their replies leave through the egress rule. The server never opens a connection, yet
removing that rule cuts every established flow.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.rule("web", "out", "-1", (-1, -1), "0.0.0.0/0", "unknown", ["untracked_flow_dependency"])
    c.eni("web", "10.0.1.10", ["web"])
    c.log(FLAGS, conn(c, None, "web", "198.51.100.7", c.ip("web"), 51000, 443))
    return c


# ---------------------------------------------------------------------------------------------
# hotspots/: peer classes and likely causes
# ---------------------------------------------------------------------------------------------

@case
def h_external():
    c = Case("hotspots", "unsolicited_external", """
Internet sources try SSH on a public web server, one attempt each: internet noise
(`unsolicited_external`, peer class `external`), no rule to suggest.
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("web", "10.0.1.10", ["web"])
    lines = conn(c, None, "web", "198.51.100.7", c.ip("web"), 51000, 443)
    lines += [rec(c, "web", f"45.33.{k}.7", c.ip("web"), 50000 + k, 22, action="REJECT", packets=1, start=10 + k, end=10 + k, flags=2) for k in range(6)]
    c.log(FLAGS, lines)
    c.hotspot(["web"], 22, "unsolicited_external", "external")
    c.hotspots_complete = True
    return c


@case
def h_many_clients_one_scanner():
    c = Case("hotspots", "many_clients_one_scanner", """
1,100 internet sources try SSH on a public web server once each, and one scanner (45.33.200.9)
probes ten ports, SSH thirty times. Past 1,024 distinct sources a tuple keeps its internet peers as
a sketch that names only its heavy sources — here, the scanner alone. The SSH hotspot is still
`unsolicited_external`, not `scan`: the sources the sketch did not name did not scan. The nine
ports only the scanner probed are `scan` hotspots. (More lines than a case usually has: the point
is the number of sources.)
""")
    c.group("web")
    c.rule("web", "in", "tcp", (443, 443), "0.0.0.0/0", "used")
    c.eni("web", "10.0.1.10", ["web"])
    lines = conn(c, None, "web", "198.51.100.7", c.ip("web"), 51000, 443)
    lines += [rec(c, "web", f"45.33.{k // 250}.{k % 250 + 1}", c.ip("web"), 50000 + k % 10000, 22, action="REJECT",
                  packets=1, start=10 + k % 500, end=10 + k % 500, flags=2) for k in range(1100)]
    lines += [rec(c, "web", "45.33.200.9", c.ip("web"), 40000 + k, 22, action="REJECT", packets=1,
                  start=20 + k, end=20 + k, flags=2) for k in range(30)]
    c.hotspot(["web"], 22, "unsolicited_external", "external")
    for k, port in enumerate([21, 23, 25, 110, 445, 1433, 3306, 3389, 5900]):
        lines.append(rec(c, "web", "45.33.200.9", c.ip("web"), 41000 + k, port, action="REJECT", packets=1,
                         start=60 + k, end=60 + k, flags=2))
        c.hotspot(["web"], port, "scan", "external")
    c.log(FLAGS, lines)
    c.hotspots_complete = True
    return c


@case
def h_scan():
    c = Case("hotspots", "internal_scan", """
One internal source probes many ports of a server: a scan, flagged as such, with no rule to add.
""")
    c.group("app")
    c.group("tools")
    c.rule("app", "in", "tcp", (8080, 8080), "10.0.9.0/24", "unused")
    c.rule("tools", "out", "-1", (-1, -1), "0.0.0.0/0", "used")
    c.eni("app", "10.0.1.10", ["app"])
    c.eni("scanner", "10.0.1.66", ["tools"])
    lines = []
    for k, port in enumerate([21, 23, 25, 110, 445, 1433, 3306, 3389, 5900, 6379]):
        lines.append(rec(c, "scanner", c.ip("scanner"), c.ip("app"), 41000 + k, port, packets=1, start=10 + k, end=10 + k, flags=2))
        lines.append(rec(c, "app", c.ip("scanner"), c.ip("app"), 41000 + k, port, action="REJECT", packets=1, start=10 + k, end=10 + k, flags=2))
        c.hotspot(["app"], port, "scan", "internal")
    c.log(FLAGS, lines)
    c.hotspots_complete = True
    return c


def refused_db_source(name, readme, source, peer_class, internal_cidrs=()):
    """The database allows 10.x clients; `source` is refused: a missing rule for exactly it."""
    c = Case("hotspots", name, readme)
    c.internal_cidrs = list(internal_cidrs)
    c.group("db")
    c.rule("db", "in", "tcp", (5432, 5432), "10.0.1.0/24", "used")
    c.eni("db", "10.0.2.20", ["db"], kind="rds")
    lines = conn(c, None, "db", "10.0.1.21", c.ip("db"), 41000, 5432)
    lines.append(rec(c, "db", source, c.ip("db"), 41500, 5432, action="REJECT", packets=3, start=200, end=207, flags=2))
    c.log(FLAGS, lines)
    c.hotspot(["db"], 5432, "missing_rule", peer_class, suggestion=f"tcp 5432 from {source}/32 on {c.groups['db']}")
    c.hotspots_complete = True
    return c


@case
def h_on_prem():
    return refused_db_source("on_prem_source", """
A host on-prem (10.200.7.15, inside the `--internal-cidr` range 10.200.0.0/16) is refused by the
database: peer class `on_prem`, a missing rule, fixed by allowing exactly that source.
""", "10.200.7.15", "on_prem", internal_cidrs=["10.200.0.0/16"])


@case
def h_private_external():
    return refused_db_source("private_external_source", """
A private address outside every loaded VPC and without `--internal-cidr` (172.16.4.9: another VPC
over a transit gateway, or on-prem) is refused: peer class `private_external`, never
`unsolicited_external`.
""", "172.16.4.9", "private_external")


@case
def h_allowed():
    c = Case("hotspots", "nacl_or_stale_inventory", """
The server's groups allow the refused flow (`tcp 8080 from 10.0.0.0/16`), so the security groups
did not refuse it: a network ACL did, or the inventory is not what was deployed. No NACL data is
given.
""")
    c.group("app")
    c.rule("app", "in", "tcp", (8080, 8080), "10.0.0.0/16", "used")
    c.eni("app", "10.0.1.10", ["app"])
    lines = conn(c, None, "app", "10.0.3.5", c.ip("app"), 41000, 8080)
    lines.append(rec(c, "app", "10.0.4.7", c.ip("app"), 41500, 8080, action="REJECT", packets=3, start=200, end=207, flags=2))
    c.log(FLAGS, lines)
    c.hotspot(["app"], 8080, "nacl_or_stale_inventory", "internal")
    c.hotspots_complete = True
    return c



@case
def h_nacl_entry():
    c = Case("hotspots", "nacl_entry_denies", """
The server's groups allow the refused flow (`tcp 8080 from 10.0.0.0/16`), and the network ACLs
are loaded (`aws ec2 describe-network-acls`): the server's subnet's ACL denies 10.0.4.0/24 on
8080 inbound (rule 100) before allowing everything (rule 200). The cause is that ACL entry, and
no rule is suggested.
""")
    c.group("app")
    c.rule("app", "in", "tcp", (8080, 8080), "10.0.0.0/16", "used")
    c.eni("app", "10.0.1.10", ["app"])
    lines = conn(c, None, "app", "10.0.3.5", c.ip("app"), 41000, 8080)
    lines.append(rec(c, "app", "10.0.4.7", c.ip("app"), 41500, 8080, action="REJECT", packets=3, start=200, end=207, flags=2))
    c.log(FLAGS, lines)
    acl = "acl-" + hexid("hotspots/nacl_entry_denies", "acl")
    entry = lambda n, egress, proto, action, cidr, ports=None: dict(
        RuleNumber=n, Egress=egress, Protocol=proto, RuleAction=action, CidrBlock=cidr,
        **({"PortRange": {"From": ports[0], "To": ports[1]}} if ports else {}))
    c.extra["describe-network-acls.json"] = {"NetworkAcls": [{
        "NetworkAclId": acl, "VpcId": c.vpc, "IsDefault": False, "OwnerId": ACCOUNT,
        "Associations": [{"NetworkAclAssociationId": "aclassoc-" + hexid(acl, "assoc"),
                          "NetworkAclId": acl, "SubnetId": c.subnet}],
        "Entries": [entry(100, False, "6", "deny", "10.0.4.0/24", (8080, 8080)),
                    entry(200, False, "-1", "allow", "0.0.0.0/0"),
                    entry(32767, False, "-1", "deny", "0.0.0.0/0"),
                    entry(100, True, "-1", "allow", "0.0.0.0/0"),
                    entry(32767, True, "-1", "deny", "0.0.0.0/0")]}]}
    c.hotspot(["app"], 8080, "nacl", "internal")
    c.hotspots_complete = True
    return c

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)
    names = set()
    for make in CASES:
        c = make()
        assert c.name not in names, f"duplicate case name {c.name}"
        names.add(c.name)
        write(c)
    print(f"wrote {len(CASES)} cases")
