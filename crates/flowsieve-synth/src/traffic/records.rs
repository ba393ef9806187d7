//! What each connection writes in each aggregation window: its records on every logged ENI it
//! crosses, packets and bytes shared out so the windows add up exactly.

use super::*;

/// Bytes of an empty packet (TCP SYN, UDP/ICMP header) by family.
pub(super) fn header_bytes(proto: u8, v6: bool) -> u64 {
    match (proto == TCP, v6) {
        (true, false) => 40,
        (true, true) => 60,
        (false, false) => 28,
        (false, true) => 48,
    }
}

/// The records of one connection in one aggregation window, each flagged forward or reverse.
pub(crate) struct WinRecs {
    pub(crate) recs: [Rec; 8],
    pub(crate) forward: [bool; 8],
    pub(crate) n: usize,
}

impl Default for WinRecs {
    fn default() -> Self {
        WinRecs {
            recs: [Rec::idle(0, 0, 0, Status::Ok); 8],
            forward: [false; 8],
            n: 0,
        }
    }
}

impl WinRecs {
    fn push(&mut self, rec: Rec, forward: bool) {
        if self.n < 8 {
            self.recs[self.n] = rec;
            self.forward[self.n] = forward;
            self.n += 1;
        }
    }
}

/// This window's share of `total` packets and `total_b` bytes of a direction: every window gets
/// one packet, and the rest is spread in proportion to time, so the windows add up exactly.
fn share(c: &Conn, total: u64, total_b: u64, hdr: u64, nwin: u64, w: u64, a: u64) -> (u64, u64) {
    if total == 0 {
        return (0, 0);
    }
    let span = u128::from(c.end + 1 - c.start);
    let lo = u128::from(w.max(c.start) - c.start);
    let hi = u128::from((w + a).min(c.end + 1) - c.start);
    let cum = |extra: u64, t: u128| (u128::from(extra) * t / span) as u64;
    let extra = total.saturating_sub(nwin);
    let p = 1 + cum(extra, hi) - cum(extra, lo);
    let extra_b = total_b.saturating_sub(total * hdr);
    (p, p * hdr + cum(extra_b, hi) - cum(extra_b, lo))
}

impl Sim<'_> {
    /// True when the ENI's records are written (it lies in a subnet the flow logs cover).
    fn logged(&self, ep: Ep) -> Option<u16> {
        ep.eni().filter(|&e| self.inv.covered(e))
    }

    /// The address an ENI's own records show for its side: the primary private IPv4 when the
    /// packet used another IPv4 of the ENI (docs/flow-logs.md §6), the IPv6 address as is.
    fn local(&self, ep: Ep) -> u32 {
        match ep {
            Ep::Eni { eni, addr } if self.inv.addr(addr).is_v4() => self.inv.eni(eni).primary,
            other => other.addr(),
        }
    }

    /// Every record of `c` in window `w` (aggregation `a`), in a fixed order.
    pub(crate) fn window_records(&self, c: &Conn, w: u64, a: u64, out: &mut WinRecs) {
        out.n = 0;
        let (wf, wl) = (floor(c.start, a), floor(c.end, a));
        if w < wf || w > wl {
            return;
        }
        let first = w == wf;
        let last = w == wl;
        let nwin = (wl - wf) / a + 1;
        let v6 = !self.inv.addr(c.server.addr()).is_v4();
        let hdr = header_bytes(c.proto, v6);
        let (fp, fb) = share(c, c.fwd_p, c.fwd_b, hdr, nwin, w, a);
        let (rp, rb) = share(c, c.rev_p, c.rev_b, hdr, nwin, w, a);
        let tcp = c.proto == TCP;
        let accepted = c.outcome == Outcome::Accepted;
        let (ff, rf) = if !tcp {
            (0, 0)
        } else if !accepted {
            (2, 0)
        } else {
            let close_f = if c.rst { 4 } else { 1 };
            let close_r = if c.rst { 0 } else { 1 };
            (
                (u8::from(first) * 2) | (u8::from(last) * close_f),
                (u8::from(first) * 18) | (u8::from(last) * close_r),
            )
        };
        let (caddr, saddr) = (c.client.addr(), c.server.addr());
        let base = Rec {
            eni: 0,
            src: caddr,
            dst: saddr,
            pkt_src: caddr,
            pkt_dst: saddr,
            sport: c.sport,
            dport: c.dport,
            proto: c.proto,
            packets: fp,
            bytes: fb,
            start: c.start.max(w),
            end: c.end.min(w + a - 1),
            accept: true,
            status: Status::Ok,
            flags: ff,
            egress: true,
            path: c.path,
        };
        let reverse = Rec {
            src: saddr,
            dst: caddr,
            pkt_src: saddr,
            pkt_dst: caddr,
            sport: c.dport,
            dport: c.sport,
            packets: rp,
            bytes: rb,
            flags: rf,
            egress: false,
            path: 0,
            ..base
        };
        if let Some(eni) = self.logged(c.client) {
            let local = self.local(c.client);
            let accept = c.outcome != Outcome::RejectedAtClient;
            out.push(
                Rec {
                    eni,
                    src: local,
                    accept,
                    ..base
                },
                true,
            );
            if accepted && rp > 0 {
                out.push(
                    Rec {
                        eni,
                        dst: local,
                        ..reverse
                    },
                    false,
                );
            }
        }
        if let (Some((nat, nat_port)), true) = (c.nat, accepted)
            && self.inv.covered(nat)
        {
            let n = self.inv.eni(nat).primary;
            out.push(
                Rec {
                    eni: nat,
                    dst: n,
                    egress: false,
                    path: 0,
                    ..base
                },
                true,
            );
            out.push(
                Rec {
                    eni: nat,
                    src: n,
                    pkt_src: n,
                    sport: nat_port,
                    path: 2,
                    ..base
                },
                true,
            );
            if rp > 0 {
                out.push(
                    Rec {
                        eni: nat,
                        dst: n,
                        pkt_dst: n,
                        dport: nat_port,
                        ..reverse
                    },
                    false,
                );
                out.push(
                    Rec {
                        eni: nat,
                        src: n,
                        egress: true,
                        path: 1,
                        ..reverse
                    },
                    false,
                );
            }
        }
        if let (Some(eni), true) = (
            self.logged(c.server),
            c.outcome != Outcome::RejectedAtClient,
        ) {
            let local = self.local(c.server);
            out.push(
                Rec {
                    eni,
                    dst: local,
                    accept: accepted,
                    egress: false,
                    path: 0,
                    ..base
                },
                true,
            );
            if accepted && rp > 0 {
                out.push(
                    Rec {
                        eni,
                        src: local,
                        egress: true,
                        path: c.srv_path,
                        ..reverse
                    },
                    false,
                );
            }
        }
    }

    /// The late response packet of `c`, rejected on the client's ENI (a reverse REJECT).
    pub(crate) fn late_record(&self, c: &Conn) -> Option<Rec> {
        let t = c.late?;
        let eni = self.logged(c.client)?;
        let v6 = !self.inv.addr(c.server.addr()).is_v4();
        Some(Rec {
            eni,
            src: c.server.addr(),
            dst: self.local(c.client),
            pkt_src: c.server.addr(),
            pkt_dst: c.client.addr(),
            sport: c.dport,
            dport: c.sport,
            proto: c.proto,
            packets: 1,
            bytes: header_bytes(c.proto, v6),
            start: t,
            end: t,
            accept: false,
            status: Status::Ok,
            flags: 1,
            egress: false,
            path: 0,
        })
    }

    /// How many records `c` leaves in a flow log with aggregation `a` (for rate calibration).
    pub(crate) fn count_records(&self, c: &Conn, a: u64, scratch: &mut WinRecs) -> u64 {
        let mut n = 0;
        let mut w = floor(c.start, a);
        while w <= c.end {
            self.window_records(c, w, a, scratch);
            n += scratch.n as u64;
            w += a;
        }
        n + u64::from(self.late_record(c).is_some())
    }
}
