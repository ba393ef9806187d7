//! Shared helpers of the criterion benchmarks (seeded input generators).
//!
//! [`flow_text`] renders realistic VPC Flow Log text in memory: header-less records (the
//! benchmarks parse the same bytes with arrow-csv, which has no notion of a header line) of the
//! default version-2 format or of a 25-field custom format ([`CUSTOM25_FORMAT`]). The output is a
//! pure function of (format, size, seed): ChaCha8 keyed by the seed, ranges computed with our own
//! integer arithmetic so that a `rand` upgrade cannot change the bytes.
//!
//! What the records look like, so that the parser meets the value mix of a real account:
//!
//! * 300 ENIs (`eni-` + 17 hex digits) in 3 VPCs, 12 subnets over 6 AZs, two accounts; 80 % of
//!   them attached to an instance, a tenth with an IPv6 address. Traffic is skewed: a few ENIs
//!   carry most records, as load balancers and NAT gateways do.
//! * Peers: 55 % private IPv4 (other ENIs of the pool), 37 % public IPv4, 8 % IPv6 (for the
//!   ENIs that have one; public IPv4 otherwise).
//! * TCP 85 %, UDP 12 %, ICMP 3 %; service ports from a list of common ones, ephemeral ports in
//!   32768–60999 (instances) or 1024–65535 (internet); half ingress, half egress.
//! * 82 % ACCEPT, 17 % REJECT (one to three SYNs), 1 % NODATA (every flow field `-`).
//! * `tcp-flags` as AWS ORs them over an interval (2, 18, 3, 19, 1, 4, 0, 27), `traffic-path`
//!   on egress only, `pkt-*` equal to the addresses except behind a NAT.

use std::fmt::Write as _;

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The header-less record layouts [`flow_text`] can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowTextFormat {
    /// The default format: `version account-id interface-id srcaddr dstaddr srcport dstport
    /// protocol packets bytes start end action log-status`.
    V2,
    /// The 25 fields of [`CUSTOM25_FORMAT`], in that (non-default) order.
    Custom25,
}

/// The 25-field custom format, as AWS prints it in a flow log's `LogFormat`.
pub const CUSTOM25_FORMAT: &str = "${version} ${vpc-id} ${subnet-id} ${instance-id} \
    ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} \
    ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} \
    ${tcp-flags} ${log-status} ${region} ${az-id} ${flow-direction} ${traffic-path}";

/// Generated text and what it holds.
#[derive(Debug, Clone)]
pub struct FlowText {
    /// The records, one per line, each ending with `\n`.
    pub text: Vec<u8>,
    /// Lines (every one a row: `OK` records and `NODATA` lines).
    pub lines: usize,
    /// Of which `NODATA`.
    pub nodata: usize,
}

impl FlowText {
    /// Mean line length in bytes, newline included.
    pub fn mean_line_bytes(&self) -> f64 {
        self.text.len() as f64 / self.lines.max(1) as f64
    }
}

struct Stream(ChaCha8Rng);

impl Stream {
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

struct Eni {
    id: String,
    account: &'static str,
    vpc: usize,
    subnet: usize,
    instance: Option<String>,
    v4: [u8; 4],
    v6: Option<String>,
}

const N_ENIS: u64 = 300;
const ACCOUNTS: [&str; 2] = ["123456789010", "210987654321"];
const SERVICE_PORTS: [u16; 14] = [
    443, 80, 22, 3306, 5432, 6379, 8080, 8443, 9090, 27017, 2049, 53, 123, 3389,
];
const TCP_FLAGS: [u8; 8] = [2, 18, 3, 19, 1, 4, 0, 27];
/// 2024-03-21T00:00:00Z.
const BASE_TIME: u64 = 1_710_979_200;

/// Renders about `target_bytes` of header-less flow-log text of `format` (whole lines; the
/// last line ends with a newline).
pub fn flow_text(format: FlowTextFormat, target_bytes: usize, seed: u64) -> FlowText {
    let mut rng = Stream(ChaCha8Rng::seed_from_u64(seed));
    let vpcs: Vec<String> = (0..3).map(|_| format!("vpc-{}", rng.hex(17))).collect();
    let subnets: Vec<String> = (0..12).map(|_| format!("subnet-{}", rng.hex(17))).collect();
    let enis: Vec<Eni> = (0..N_ENIS)
        .map(|i| {
            let subnet = rng.below(12) as usize;
            let vpc = subnet % 3;
            Eni {
                id: format!("eni-{}", rng.hex(17)),
                account: ACCOUNTS[usize::from(i % 10 == 0)],
                vpc,
                subnet,
                instance: rng.percent(80).then(|| format!("i-{}", rng.hex(17))),
                v4: [
                    10,
                    vpc as u8 * 16 + (subnet / 3) as u8,
                    rng.below(256) as u8,
                    rng.range(4, 254) as u8,
                ],
                v6: rng.percent(10).then(|| {
                    format!(
                        "2600:1f18:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
                        0x4000 + subnet,
                        rng.below(0x10000),
                        rng.below(0x10000),
                        rng.below(0x10000),
                        rng.below(0x10000),
                        rng.below(0x10000)
                    )
                }),
            }
        })
        .collect();

    let mut out = FlowText {
        text: Vec::with_capacity(target_bytes + 512),
        lines: 0,
        nodata: 0,
    };
    let mut line = String::with_capacity(512);
    while out.text.len() < target_bytes {
        line.clear();
        // Skewed choice: the square of a uniform favours the first ENIs.
        let r = rng.below(N_ENIS);
        let eni = &enis[(r * r / N_ENIS) as usize];
        let start = BASE_TIME + out.lines as u64 / 50 + rng.below(60);
        let end = start + rng.below(60);
        if rng.below(1000) < 10 {
            render_nodata(&mut line, format, eni, &vpcs, &subnets, start, end);
            out.nodata += 1;
        } else {
            render_record(
                &mut line, &mut rng, format, eni, &enis, &vpcs, &subnets, start, end,
            );
        }
        line.push('\n');
        out.text.extend_from_slice(line.as_bytes());
        out.lines += 1;
    }
    out
}

fn az_id(subnet: usize) -> String {
    format!("use1-az{}", subnet % 6 + 1)
}

fn render_nodata(
    line: &mut String,
    format: FlowTextFormat,
    eni: &Eni,
    vpcs: &[String],
    subnets: &[String],
    start: u64,
    end: u64,
) {
    match format {
        FlowTextFormat::V2 => {
            let _ = write!(
                line,
                "2 {} {} - - - - - - - {start} {end} - NODATA",
                eni.account, eni.id
            );
        }
        FlowTextFormat::Custom25 => {
            let _ = write!(
                line,
                "5 {} {} {} {} {} - - - - - - - - - - {start} {end} - - NODATA us-east-1 {} - -",
                vpcs[eni.vpc],
                subnets[eni.subnet],
                eni.instance.as_deref().unwrap_or("-"),
                eni.id,
                eni.account,
                az_id(eni.subnet),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render_record(
    line: &mut String,
    rng: &mut Stream,
    format: FlowTextFormat,
    eni: &Eni,
    enis: &[Eni],
    vpcs: &[String],
    subnets: &[String],
    start: u64,
    end: u64,
) {
    let peer_kind = rng.below(100);
    let (own, peer, v6) = match (peer_kind, &eni.v6) {
        (92.., Some(v6)) => (
            v6.clone(),
            format!(
                "2a05:d018:{:x}:{:x}::{:x}",
                rng.below(0x10000),
                rng.below(0x10000),
                rng.below(0x10000)
            ),
            true,
        ),
        (0..55, _) => {
            let other = rng.pick(enis).v4;
            (dotted(eni.v4), dotted(other), false)
        }
        _ => {
            let public = [
                rng.range(1, 223) as u8,
                rng.below(256) as u8,
                rng.below(256) as u8,
                rng.range(1, 254) as u8,
            ];
            (dotted(eni.v4), dotted(public), false)
        }
    };
    let protocol = match rng.below(100) {
        0..85 => 6,
        85..97 => 17,
        _ => {
            if v6 {
                58
            } else {
                1
            }
        }
    };
    let icmp = protocol == 1 || protocol == 58;
    let service = if icmp { 0 } else { *rng.pick(&SERVICE_PORTS) };
    let ephemeral = if icmp {
        0
    } else if peer_kind < 55 {
        rng.range(32768, 60999) as u16
    } else {
        rng.range(1024, 65535) as u16
    };
    let ingress = rng.percent(50);
    let reject = rng.percent(17);
    // Ingress: the peer connects to our service port; egress: we answer (or connect out).
    let (src, dst, srcport, dstport) = if ingress {
        (&peer, &own, ephemeral, service)
    } else {
        (&own, &peer, service, ephemeral)
    };
    let packets = if reject {
        rng.range(1, 3)
    } else {
        // Log-uniform-ish: mostly small flows, some big ones.
        let scale = [10, 100, 1_000, 100_000][rng.below(4) as usize];
        rng.range(1, scale)
    };
    let bytes = packets * if reject { 60 } else { rng.range(40, 1500) };
    let action = if reject { "REJECT" } else { "ACCEPT" };
    match format {
        FlowTextFormat::V2 => {
            let _ = write!(
                line,
                "2 {} {} {src} {dst} {srcport} {dstport} {protocol} {packets} {bytes} {start} {end} {action} OK",
                eni.account, eni.id
            );
        }
        FlowTextFormat::Custom25 => {
            let flags = if protocol == 6 {
                if reject { 2 } else { *rng.pick(&TCP_FLAGS) }
            } else {
                0
            };
            let (pkt_src, pkt_dst) = if !v6 && rng.percent(3) {
                // Behind a NAT gateway: the packet's original source differs.
                let original = [10, rng.below(256) as u8, rng.below(256) as u8, 7];
                (dotted(original), dst.clone())
            } else {
                (src.clone(), dst.clone())
            };
            let direction = if ingress { "ingress" } else { "egress" };
            let path = if ingress {
                "-".to_owned()
            } else {
                ["1", "1", "2", "8", "7", "1"][rng.below(6) as usize].to_owned()
            };
            let _ = write!(
                line,
                "5 {} {} {} {} {} {} {src} {dst} {srcport} {dstport} {pkt_src} {pkt_dst} {protocol} \
                 {bytes} {packets} {start} {end} {action} {flags} OK us-east-1 {} {direction} {path}",
                vpcs[eni.vpc],
                subnets[eni.subnet],
                eni.instance.as_deref().unwrap_or("-"),
                eni.id,
                eni.account,
                if v6 { "IPv6" } else { "IPv4" },
                az_id(eni.subnet),
            );
        }
    }
}

fn dotted(v4: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", v4[0], v4[1], v4[2], v4[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_well_formed() {
        for (format, fields) in [(FlowTextFormat::V2, 14), (FlowTextFormat::Custom25, 25)] {
            let a = flow_text(format, 200_000, 3);
            assert_eq!(a.text, flow_text(format, 200_000, 3).text);
            assert_ne!(a.text, flow_text(format, 200_000, 4).text);
            let text = std::str::from_utf8(&a.text).unwrap();
            assert_eq!(text.lines().count(), a.lines);
            assert!(text.lines().all(|l| l.split(' ').count() == fields));
            assert_eq!(
                text.lines()
                    .filter(|l| l.ends_with("NODATA") || l.contains(" NODATA "))
                    .count(),
                a.nodata
            );
            assert!(a.nodata > 0 && a.nodata < a.lines / 20);
            assert!(text.contains(" REJECT ") && text.contains(':'));
        }
        assert_eq!(CUSTOM25_FORMAT.split(' ').count(), 25);
    }
}
