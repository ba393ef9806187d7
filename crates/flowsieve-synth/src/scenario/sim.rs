//! The simulated AWS: plays a scenario's connections through security groups (union of an ENI's
//! groups, stateful, untracked flows), network ACLs (stateless, at subnet boundaries), NAT
//! gateways and Network Load Balancers (client IP preservation: the target sees the client's
//! address and AWS matches the target's rule that references the load balancer's group), and
//! writes what the flow logs would hold: records only on logged ENIs, per aggregation window,
//! tcp-flags ORed per window, NODATA for idle logged ENIs, SKIPDATA where a scenario drops a
//! window. It also keeps the ground truth: which rules AWS needed.
//!
//! Its rule evaluation is its own (a loop over the rules), independent of flowsieve-sg.

use crate::addr::Addr;
use crate::error::{Error, Result};
use crate::rng::Stream;

use super::model::{
    ALL, Account, ClientPort, Conn, EniIdx, EniKind, Ep, FlowLogIdx, GroupIdx, ICMP, Peer,
    Resource, RuleIdx, SubnetIdx, TCP, UDP, Via, VpcIdx,
};

/// `log-status` of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineStatus {
    Ok,
    NoData,
    SkipData,
}

/// One flow-log line, format-independent. Times are absolute Unix seconds.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) fl: FlowLogIdx,
    pub(crate) eni: EniIdx,
    /// Start of the aggregation window.
    pub(crate) window: u64,
    pub(crate) src: Addr,
    pub(crate) dst: Addr,
    pub(crate) pkt_src: Addr,
    pub(crate) pkt_dst: Addr,
    pub(crate) sport: u16,
    pub(crate) dport: u16,
    pub(crate) protocol: u8,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) accept: bool,
    pub(crate) status: LineStatus,
    pub(crate) flags: u8,
    pub(crate) egress: bool,
    /// Initiator → responder (the label of the line).
    pub(crate) forward: bool,
    /// `traffic-path` (0 for `-`).
    pub(crate) path: u8,
    /// Rules this record would credit (forward ACCEPT records: the rules AWS matched on this ENI).
    pub(crate) credits: Vec<RuleIdx>,
}

/// What AWS needed each rule for.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleUse {
    /// Initiating packets of accepted flows it allowed (connections).
    pub(crate) initiating: u64,
    /// Untracked connections whose responses it carried.
    pub(crate) untracked_responses: u64,
    /// Logged forward ACCEPT records that it allowed.
    pub(crate) logged_records: u64,
}

/// Where a record goes: its flow log, aggregation window and first/last packet times.
struct Slot {
    fl: FlowLogIdx,
    window: u64,
    span: (u64, u64),
}

/// The simulation's output.
pub(crate) struct Outcome {
    pub(crate) records: Vec<Record>,
    pub(crate) uses: Vec<RuleUse>,
}

/// One ENI's view of a connection: the forward packets (initiator → responder) as they cross it.
struct Leg {
    eni: EniIdx,
    /// The forward packets leave the ENI.
    egress: bool,
    src: Addr,
    dst: Addr,
    pkt_src: Addr,
    pkt_dst: Addr,
    sport: u16,
    dport: u16,
    /// The forward packets are accepted here.
    accept: bool,
    /// Responses cross this ENI (the connection was established).
    reverse: bool,
    credits: Vec<RuleIdx>,
    /// Not logged at all (AWS does not log endpoint ↔ NLB traffic).
    unlogged: bool,
}

/// A decided connection.
struct Decision {
    legs: Vec<Leg>,
    established: bool,
    untracked: Vec<RuleIdx>,
}

pub(crate) struct Sim<'a> {
    pub(crate) a: &'a Account,
    /// Absolute time of the window start.
    pub(crate) t0: u64,
}

impl Sim<'_> {
    fn addr_of(&self, ep: Ep) -> Addr {
        match ep {
            Ep::Eni(e) => self.a.enis[e.0].primary(),
            Ep::Addr(a) => a,
        }
    }

    fn vpc_of_eni(&self, e: EniIdx) -> VpcIdx {
        self.a.subnets[self.a.enis[e.0].subnet.0].vpc
    }

    fn subnet_of(&self, ep: Ep) -> Option<SubnetIdx> {
        match ep {
            Ep::Eni(e) => Some(self.a.enis[e.0].subnet),
            Ep::Addr(_) => None,
        }
    }

    /// Whether security groups filter the ENI's packets at `t`: not on group-less kinds (NAT
    /// gateways), nor on a load balancer created without groups.
    fn filters(&self, eni: EniIdx, t: u64) -> bool {
        let e = &self.a.enis[eni.0];
        e.kind.has_groups() && !(matches!(e.kind, EniKind::Nlb(_)) && e.groups_at(t).is_empty())
    }

    /// Whether VPCs `a` and `b` are the same or joined by an active peering.
    fn in_scope(&self, a: VpcIdx, b: VpcIdx) -> bool {
        a == b
            || self.a.peerings.iter().any(|p| {
                p.status == "active"
                    && ((p.requester == a && p.accepter == b)
                        || (p.requester == b && p.accepter == a))
            })
    }

    /// Whether `remote` is an address of an ENI carrying `group` at `t`, in scope of `vpc`.
    fn is_member(&self, group: GroupIdx, remote: Addr, t: u64, vpc: VpcIdx) -> bool {
        self.a.enis.iter().enumerate().any(|(i, e)| {
            e.addrs.contains(&remote)
                && e.groups_at(t).contains(&group)
                && self.in_scope(vpc, self.vpc_of_eni(EniIdx(i)))
        })
    }

    /// The rules of `eni`'s groups at `t` that allow a packet (the union of its groups).
    #[allow(clippy::too_many_arguments)]
    fn allowing(
        &self,
        eni: EniIdx,
        t: u64,
        egress: bool,
        c: &Conn,
        port: u16,
        remote: Addr,
        extra_groups: &[GroupIdx],
    ) -> Vec<RuleIdx> {
        let groups = self.a.enis[eni.0].groups_at(t);
        let vpc = self.vpc_of_eni(eni);
        let mut out = Vec::new();
        for (i, r) in self.a.rules.iter().enumerate() {
            if !groups.contains(&r.group) || r.egress != egress || !r.active_at(t) {
                continue;
            }
            if r.protocol != ALL && r.protocol != i16::from(c.protocol) {
                continue;
            }
            if r.protocol != ALL {
                let p = i32::from(port);
                let ok = match c.protocol {
                    TCP | UDP => r.from <= p && p <= r.to,
                    ICMP => {
                        let (ty, code) = c.icmp.unwrap_or((8, 0));
                        r.from == -1
                            || (r.from == i32::from(ty) && (r.to == -1 || r.to == i32::from(code)))
                    }
                    _ => true,
                };
                if !ok {
                    continue;
                }
            }
            let peer_ok = match &r.peer {
                Peer::Cidr(cidr) => cidr.contains(remote),
                Peer::Group { group, peering } => {
                    let stale = peering.is_some_and(|p| self.a.peerings[p.0].status != "active");
                    !stale
                        && (extra_groups.contains(group) || self.is_member(*group, remote, t, vpc))
                }
            };
            if peer_ok {
                out.push(RuleIdx(i));
            }
        }
        out
    }

    /// The first matching entry of a subnet's network ACL (true: allow). No ACL: allow.
    fn nacl_allows(
        &self,
        subnet: SubnetIdx,
        egress: bool,
        c: &Conn,
        port: u16,
        remote: Addr,
    ) -> bool {
        let Some(acl) = self.a.subnets[subnet.0].nacl else {
            return true;
        };
        let mut entries: Vec<_> = self.a.nacls[acl.0]
            .entries
            .iter()
            .filter(|e| e.egress == egress)
            .collect();
        entries.sort_by_key(|e| e.number);
        entries
            .into_iter()
            .find(|e| {
                (e.protocol == ALL || e.protocol == i16::from(c.protocol))
                    && e.cidr.contains(remote)
                    && e.ports.is_none_or(|(lo, hi)| lo <= port && port <= hi)
            })
            .is_some_and(|e| e.allow)
    }

    /// Whether the rules in `allowed` make the flow untracked on `eni`, and which rules of the
    /// other direction then carry its responses (EC2 User Guide, connection tracking).
    fn untracked_rules(
        &self,
        eni: EniIdx,
        t: u64,
        egress: bool,
        c: &Conn,
        allowed: &[RuleIdx],
    ) -> Vec<RuleIdx> {
        let e = &self.a.enis[eni.0];
        if e.kind.always_tracked() || !matches!(c.protocol, TCP | UDP) {
            return Vec::new();
        }
        let world = |p: &Peer| matches!(p, Peer::Cidr(c) if c.len() == 0);
        if !allowed.iter().any(|r| world(&self.a.rules[r.0].peer)) {
            return Vec::new();
        }
        let groups = e.groups_at(t);
        self.a
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                groups.contains(&r.group)
                    && r.egress != egress
                    && r.active_at(t)
                    && world(&r.peer)
                    && (r.protocol == ALL
                        || (r.protocol == i16::from(c.protocol) && r.from <= 0 && r.to >= 65535))
            })
            .map(|(i, _)| RuleIdx(i))
            .collect()
    }

    /// Plays one connection through AWS.
    fn decide(&self, c: &Conn, sport: u16) -> Decision {
        match c.via {
            Via::Direct => self.decide_direct(c, sport),
            Via::Nat(nat) => self.decide_nat(c, sport, nat),
            Via::Nlb(nlb) => self.decide_nlb(c, sport, nlb),
        }
    }

    /// The client ENI's egress leg towards `dst` (port `port`); `None` when the client is not an
    /// ENI of ours. The leg is a REJECT when its groups or its subnet's ACL refuse.
    fn client_leg(&self, c: &Conn, sport: u16, dst: Addr, next: Option<SubnetIdx>) -> Option<Leg> {
        let Ep::Eni(ce) = c.client else {
            return None;
        };
        let e = &self.a.enis[ce.0];
        let src = e.primary();
        let filters = self.filters(ce, c.start);
        let credits = if filters {
            self.allowing(ce, c.start, true, c, c.port, dst, &[])
        } else {
            Vec::new()
        };
        let crosses = next != Some(e.subnet);
        let accept = (!filters || !credits.is_empty())
            && (!crosses || self.nacl_allows(e.subnet, true, c, c.port, dst));
        Some(Leg {
            eni: ce,
            egress: true,
            src,
            dst,
            pkt_src: src,
            pkt_dst: dst,
            sport,
            dport: c.port,
            accept,
            reverse: false,
            credits: if accept { credits } else { Vec::new() },
            unlogged: false,
        })
    }

    /// The server ENI's ingress leg from `src` (the address the server sees).
    #[allow(clippy::too_many_arguments)]
    fn server_leg(
        &self,
        server: EniIdx,
        c: &Conn,
        src: Addr,
        sport: u16,
        dport: u16,
        from_subnet: Option<SubnetIdx>,
        extra_groups: &[GroupIdx],
    ) -> Leg {
        let e = &self.a.enis[server.0];
        let dst = e.primary();
        let crosses = from_subnet != Some(e.subnet);
        let nacl_ok = !crosses || self.nacl_allows(e.subnet, false, c, dport, src);
        let filters = self.filters(server, c.start);
        let credits = if filters {
            self.allowing(server, c.start, false, c, dport, src, extra_groups)
        } else {
            Vec::new()
        };
        let accept = nacl_ok && (!filters || !credits.is_empty());
        Leg {
            eni: server,
            egress: false,
            src,
            dst,
            pkt_src: src,
            pkt_dst: dst,
            sport,
            dport,
            accept,
            reverse: false,
            credits: if accept { credits } else { Vec::new() },
            unlogged: false,
        }
    }

    fn decide_direct(&self, c: &Conn, sport: u16) -> Decision {
        let server_addr = self.addr_of(c.server);
        let mut legs = Vec::new();
        let mut ok = true;
        if let Some(leg) = self.client_leg(c, sport, server_addr, self.subnet_of(c.server)) {
            ok = leg.accept;
            legs.push(leg);
        }
        if ok && let Ep::Eni(se) = c.server {
            let client_addr = self.addr_of(c.client);
            let leg = self.server_leg(
                se,
                c,
                client_addr,
                sport,
                c.port,
                self.subnet_of(c.client),
                &[],
            );
            ok = leg.accept;
            legs.push(leg);
        }
        let mut untracked = Vec::new();
        if ok {
            for leg in &legs {
                untracked.extend(self.untracked_rules(
                    leg.eni,
                    c.start,
                    leg.egress,
                    c,
                    &leg.credits,
                ));
            }
        }
        finish(legs, ok, untracked)
    }

    fn decide_nat(&self, c: &Conn, sport: u16, nat: EniIdx) -> Decision {
        let ext = self.addr_of(c.server);
        let n = &self.a.enis[nat.0];
        let nat_addr = n.primary();
        let mut legs = Vec::new();
        let mut ok = true;
        if let Some(leg) = self.client_leg(c, sport, ext, Some(n.subnet)) {
            ok = leg.accept;
            legs.push(leg);
        }
        if ok {
            let client = self.addr_of(c.client);
            let crosses = self.subnet_of(c.client) != Some(n.subnet);
            ok = !crosses || self.nacl_allows(n.subnet, false, c, c.port, client);
            legs.push(Leg {
                eni: nat,
                egress: false,
                src: client,
                dst: nat_addr,
                pkt_src: client,
                pkt_dst: ext,
                sport,
                dport: c.port,
                accept: ok,
                reverse: false,
                credits: Vec::new(),
                unlogged: false,
            });
        }
        if ok {
            legs.push(Leg {
                eni: nat,
                egress: true,
                src: nat_addr,
                dst: ext,
                pkt_src: nat_addr,
                pkt_dst: ext,
                sport,
                dport: c.port,
                accept: true,
                reverse: false,
                credits: Vec::new(),
                unlogged: false,
            });
        }
        finish(legs, ok, Vec::new())
    }

    fn decide_nlb(&self, c: &Conn, sport: u16, nlb: EniIdx) -> Decision {
        let n = &self.a.enis[nlb.0];
        let EniKind::Nlb(lb) = n.kind else {
            return finish(Vec::new(), false, Vec::new());
        };
        let lb = &self.a.lbs[lb.0];
        let Ep::Eni(target) = c.server else {
            return finish(Vec::new(), false, Vec::new());
        };
        let nlb_addr = n.primary();
        let client = self.addr_of(c.client);
        // PrivateLink: AWS does not log traffic between an interface endpoint and an NLB.
        let private_link =
            matches!(c.client, Ep::Eni(e) if self.a.enis[e.0].kind == EniKind::VpcEndpoint);
        let mut legs = Vec::new();
        let mut ok = true;
        if let Some(mut leg) = self.client_leg(c, sport, nlb_addr, Some(n.subnet)) {
            leg.unlogged = private_link;
            ok = leg.accept;
            legs.push(leg);
        }
        if ok {
            let mut leg =
                self.server_leg(nlb, c, client, sport, c.port, self.subnet_of(c.client), &[]);
            leg.unlogged = private_link;
            ok = leg.accept;
            legs.push(leg);
        }
        let target_addr = self.a.enis[target.0].primary();
        let (seen_src, seen_sport) = if lb.preserve_client_ip {
            (client, sport)
        } else {
            (nlb_addr, 1024 + (sport % 60000))
        };
        if ok {
            let credits = self.allowing(nlb, c.start, true, c, lb.target_port, target_addr, &[]);
            ok = !self.filters(nlb, c.start) || !credits.is_empty();
            legs.push(Leg {
                eni: nlb,
                egress: true,
                src: nlb_addr,
                dst: target_addr,
                pkt_src: seen_src,
                pkt_dst: target_addr,
                sport: seen_sport,
                dport: lb.target_port,
                accept: ok,
                reverse: false,
                credits: if ok { credits } else { Vec::new() },
                unlogged: false,
            });
        }
        if ok {
            let extra: &[GroupIdx] = if lb.preserve_client_ip {
                &lb.groups
            } else {
                &[]
            };
            let leg = self.server_leg(
                target,
                c,
                seen_src,
                seen_sport,
                lb.target_port,
                Some(n.subnet),
                extra,
            );
            ok = leg.accept;
            legs.push(leg);
        }
        finish(legs, ok, Vec::new())
    }

    /// The client port of connection `i`.
    fn client_port(&self, c: &Conn, rng: &mut Stream) -> u16 {
        let (lo, hi) = match (c.client_port, c.client) {
            (ClientPort::Range(lo, hi), _) => (lo, hi),
            (ClientPort::Auto, Ep::Eni(e)) => self.a.enis[e.0].kind.client_ports(),
            (ClientPort::Auto, Ep::Addr(_)) => (32768, 60999),
        };
        if c.protocol == ICMP {
            return 0;
        }
        rng.range(u64::from(lo), u64::from(hi)) as u16
    }

    /// Whether flow log `fl` records `eni` (by its resource).
    pub(crate) fn covers(&self, fl: FlowLogIdx, eni: EniIdx) -> bool {
        let e = &self.a.enis[eni.0];
        if !self.a.vpcs[self.vpc_of_eni(eni).0].loaded {
            return false;
        }
        match self.a.flow_logs[fl.0].resource {
            Resource::Vpc(v) => self.a.subnets[e.subnet.0].vpc == v,
            Resource::Subnet(s) => e.subnet == s,
            Resource::Eni(x) => x == eni,
        }
    }

    /// `traffic-path` of an egress record from `eni` to `remote`.
    fn path(&self, eni: EniIdx, remote: Addr) -> u8 {
        let vpc = self.vpc_of_eni(eni);
        if self.a.vpcs[vpc.0].cidr.contains(remote) {
            return 1;
        }
        let peered = self.a.vpcs.iter().enumerate().any(|(i, v)| {
            VpcIdx(i) != vpc && self.in_scope(vpc, VpcIdx(i)) && v.cidr.contains(remote)
        });
        if peered {
            4
        } else if is_private(remote) {
            3
        } else {
            2
        }
    }
}

/// RFC 1918 and RFC 6598 addresses.
pub(crate) fn is_private(a: Addr) -> bool {
    let v = a.v4_value();
    a.is_v4()
        && (v >> 24 == 10
            || v >> 20 == (172 << 4 | 1)
            || v >> 16 == (192 << 8 | 168)
            || v >> 22 == (100 << 2 | 1))
}

fn finish(mut legs: Vec<Leg>, established: bool, untracked: Vec<RuleIdx>) -> Decision {
    if established {
        for leg in &mut legs {
            leg.reverse = true;
        }
    }
    Decision {
        legs,
        established,
        untracked,
    }
}

/// Checks that every connection's ENIs exist when it starts and that `Via` is consistent.
fn validate(a: &Account) -> Result<()> {
    for (i, c) in a.conns.iter().enumerate() {
        for ep in [c.client, c.server] {
            if let Ep::Eni(e) = ep
                && !a.enis[e.0].alive_at(c.start)
            {
                return Err(Error::Config(format!(
                    "scenario {}: connection {i} at {} uses ENI {} outside its lifetime",
                    a.name, c.start, a.enis[e.0].name
                )));
            }
        }
        if c.end() >= a.duration {
            return Err(Error::Config(format!(
                "scenario {}: connection {i} ends after the window",
                a.name
            )));
        }
    }
    Ok(())
}

/// Plays the whole scenario.
pub(crate) fn run(a: &Account, t0: u64) -> Result<Outcome> {
    validate(a)?;
    let sim = Sim { a, t0 };
    let mut uses = vec![RuleUse::default(); a.rules.len()];
    let mut records = Vec::new();
    for (i, c) in a.conns.iter().enumerate() {
        let mut rng = Stream::new(&[a.seed, 0x5CE4, i as u64]);
        let sport = sim.client_port(c, &mut rng);
        let d = sim.decide(c, sport);
        if d.established {
            for leg in &d.legs {
                for r in &leg.credits {
                    uses[r.0].initiating += 1;
                }
            }
        } else {
            // Accepted hops before the refusal still needed their rules for the packets that
            // left (the client's egress rule let the SYN out).
            for leg in d.legs.iter().filter(|l| l.accept) {
                for r in &leg.credits {
                    uses[r.0].initiating += 1;
                }
            }
        }
        for r in &d.untracked {
            uses[r.0].untracked_responses += 1;
        }
        let size = 60 + rng.below(200);
        for leg in &d.legs {
            sim.leg_records(c, leg, size, &mut records);
        }
    }
    let mut records = merge_same_flow(records);
    for r in &records {
        if r.forward && r.accept {
            for rule in &r.credits {
                uses[rule.0].logged_records += 1;
            }
        }
    }
    sim.apply_skipdata(&mut records);
    sim.add_nodata(&mut records);
    records.sort_by(|x, y| {
        (
            x.fl, x.window, x.eni, x.start, x.src, x.dst, x.sport, x.dport, x.forward,
        )
            .cmp(&(
                y.fl, y.window, y.eni, y.start, y.src, y.dst, y.sport, y.dport, y.forward,
            ))
    });
    Ok(Outcome { records, uses })
}

impl Sim<'_> {
    /// The records every flow log writes for one leg (both orientations).
    fn leg_records(&self, c: &Conn, leg: &Leg, size: u64, out: &mut Vec<Record>) {
        if leg.unlogged {
            return;
        }
        let refused = !leg.reverse;
        // A refused attempt is a few SYN retries over a few seconds.
        let (start, end) = if refused {
            (c.start, c.start + c.duration.min(7))
        } else {
            (c.start, c.end())
        };
        for (fi, fl) in self.a.flow_logs.iter().enumerate() {
            let fl_idx = FlowLogIdx(fi);
            if !self.covers(fl_idx, leg.eni) {
                continue;
            }
            let i = fl.interval;
            let (abs_start, abs_end) = (self.t0 + start, self.t0 + end);
            let first = abs_start / i * i;
            let windows: Vec<u64> = (0..)
                .map(|k| first + k * i)
                .take_while(|w| *w <= abs_end)
                .collect();
            let n = windows.len() as u64;
            for (k, &w) in windows.iter().enumerate() {
                let rel = w - self.t0;
                let active = fl.from < rel + i && fl.until.is_none_or(|u| rel < u);
                let alive = self.a.enis[leg.eni.0].alive_during(rel, rel + i);
                if !active || !alive {
                    continue;
                }
                let (first_w, last_w) = (k == 0, k as u64 == n - 1);
                let rec_start = abs_start.max(w);
                let rec_end = abs_end.min(w + i - 1);
                let share = |total: u64| (total / n).max(1);
                let fwd_packets = if refused {
                    c.packets.0.clamp(1, 3)
                } else {
                    share(c.packets.0)
                };
                let slot = Slot {
                    fl: fl_idx,
                    window: w,
                    span: (rec_start, rec_end),
                };
                if fl.traffic.captures(leg.accept) {
                    let mut flags = 0;
                    if c.protocol == TCP {
                        flags = (u8::from(first_w) * 2) | u8::from(last_w && !refused);
                    }
                    out.push(self.leg_record(
                        c,
                        leg,
                        &slot,
                        fwd_packets,
                        fwd_packets * size,
                        flags,
                        true,
                    ));
                }
                if leg.reverse && fl.traffic.captures(true) {
                    let mut flags = 0;
                    if c.protocol == TCP {
                        flags = (u8::from(first_w) * 18) | u8::from(last_w);
                    }
                    let packets = share(c.packets.1);
                    out.push(self.leg_record(
                        c,
                        leg,
                        &slot,
                        packets,
                        packets * size * 6,
                        flags,
                        false,
                    ));
                }
            }
        }
    }

    /// One record of a leg in one window: its forward packets, or (`forward` false) the
    /// responses, which start a second later (the request comes first).
    #[allow(clippy::too_many_arguments)]
    fn leg_record(
        &self,
        c: &Conn,
        leg: &Leg,
        slot: &Slot,
        packets: u64,
        bytes: u64,
        flags: u8,
        forward: bool,
    ) -> Record {
        let (start, end) = slot.span;
        let (src, dst, pkt_src, pkt_dst, sport, dport, egress) = if forward {
            (
                leg.src,
                leg.dst,
                leg.pkt_src,
                leg.pkt_dst,
                leg.sport,
                leg.dport,
                leg.egress,
            )
        } else {
            (
                leg.dst,
                leg.src,
                leg.pkt_dst,
                leg.pkt_src,
                leg.dport,
                leg.sport,
                !leg.egress,
            )
        };
        Record {
            fl: slot.fl,
            eni: leg.eni,
            window: slot.window,
            src,
            dst,
            pkt_src,
            pkt_dst,
            sport,
            dport,
            protocol: c.protocol,
            packets,
            bytes,
            start: if forward { start } else { (start + 1).min(end) },
            end,
            accept: !forward || leg.accept,
            status: LineStatus::Ok,
            flags,
            egress,
            forward,
            path: if egress {
                self.path(leg.eni, pkt_dst)
            } else {
                0
            },
            credits: if forward {
                leg.credits.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// Replaces the records of each dropped (flow log, ENI, window) by one SKIPDATA line.
    fn apply_skipdata(&self, records: &mut Vec<Record>) {
        for &(fl, eni, offset) in &self.a.skipdata {
            let i = self.a.flow_logs[fl.0].interval;
            let w = (self.t0 + offset) / i * i;
            records.retain(|r| !(r.fl == fl && r.eni == eni && r.window == w));
            records.push(idle(fl, eni, w, i, LineStatus::SkipData));
        }
    }

    /// A NODATA line for every logged, living ENI in every window without a line.
    fn add_nodata(&self, records: &mut Vec<Record>) {
        let mut busy = std::collections::HashSet::new();
        for r in records.iter() {
            busy.insert((r.fl, r.eni, r.window));
        }
        for (fi, fl) in self.a.flow_logs.iter().enumerate() {
            let fl_idx = FlowLogIdx(fi);
            let i = fl.interval;
            let end = fl.until.unwrap_or(self.a.duration).min(self.a.duration);
            let mut w = (self.t0 + fl.from) / i * i;
            while w < self.t0 + end {
                let rel = w - self.t0;
                for (ei, e) in self.a.enis.iter().enumerate() {
                    let eni = EniIdx(ei);
                    if self.covers(fl_idx, eni)
                        && e.alive_during(rel, rel + i)
                        && !busy.contains(&(fl_idx, eni, w))
                    {
                        records.push(idle(fl_idx, eni, w, i, LineStatus::NoData));
                    }
                }
                w += i;
            }
        }
    }
}

/// One record per (flow log, ENI, window, 5-tuple, action, direction), as AWS aggregates:
/// connections that share a 5-tuple in a window (ICMP's ports are always 0) are summed.
fn merge_same_flow(records: Vec<Record>) -> Vec<Record> {
    type Key = (
        FlowLogIdx,
        EniIdx,
        u64,
        Addr,
        Addr,
        Addr,
        Addr,
        u16,
        u16,
        u8,
        bool,
        bool,
    );
    let mut index: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut out: Vec<Record> = Vec::with_capacity(records.len());
    for r in records {
        let key = (
            r.fl, r.eni, r.window, r.src, r.dst, r.pkt_src, r.pkt_dst, r.sport, r.dport,
            r.protocol, r.accept, r.egress,
        );
        match index.get(&key) {
            Some(&i) => {
                let m = &mut out[i];
                m.packets += r.packets;
                m.bytes += r.bytes;
                m.start = m.start.min(r.start);
                m.end = m.end.max(r.end);
                m.flags |= r.flags;
                for c in r.credits {
                    if !m.credits.contains(&c) {
                        m.credits.push(c);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(r);
            }
        }
    }
    out
}

fn idle(fl: FlowLogIdx, eni: EniIdx, w: u64, interval: u64, status: LineStatus) -> Record {
    let zero = Addr::v4([0, 0, 0, 0]);
    Record {
        fl,
        eni,
        window: w,
        src: zero,
        dst: zero,
        pkt_src: zero,
        pkt_dst: zero,
        sport: 0,
        dport: 0,
        protocol: 0,
        packets: 0,
        bytes: 0,
        start: w,
        end: w + interval - 1,
        accept: false,
        status,
        flags: 0,
        egress: false,
        forward: false,
        path: 0,
        credits: Vec::new(),
    }
}
