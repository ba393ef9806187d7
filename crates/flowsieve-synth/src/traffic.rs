//! Simulated traffic: patterns, connections, and the records a connection leaves on each ENI in
//! each aggregation window.
//!
//! A *pattern* is "these clients talk to these servers on this protocol and port, this often,
//! with this shape" (see [`build`] for the list). Connections are drawn per pattern per 5-minute
//! *slice* of start times from a stream keyed by (seed, pattern, slice), so any worker can
//! regenerate exactly the connections that may reach its file: the output does not depend on
//! which thread renders what. Whether a connection is accepted is decided by the simulated AWS
//! ([`crate::matcher::Masks::allows`] and the NACL denies) — patterns state intent, rules decide.
//!
//! Knows nothing about files or truth.

use crate::format::{Rec, Status};
use crate::inventory::{Inventory, Role, Tier};
use crate::matcher::{Masks, nacl_denies};
use crate::rng::{Stream, hash, purpose};

mod records;
pub(crate) use records::WinRecs;
use records::header_bytes;

/// Start times are drawn per slice of this many seconds (also the object-file window).
pub(crate) const SLICE: u64 = 300;

/// A connection end point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ep {
    /// An ENI, using the address `addr` (primary, secondary, prefix or IPv6).
    Eni { eni: u16, addr: u32 },
    /// An address outside the VPC.
    Ext { addr: u32 },
}

impl Ep {
    pub(crate) fn addr(self) -> u32 {
        match self {
            Ep::Eni { addr, .. } | Ep::Ext { addr } => addr,
        }
    }

    fn eni(self) -> Option<u16> {
        match self {
            Ep::Eni { eni, .. } => Some(eni),
            Ep::Ext { .. } => None,
        }
    }
}

/// The size and timing of a pattern's connections.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Duration in seconds (skewed towards the low end).
    dur: (u64, u64),
    fwd_pkts: (u64, u64),
    /// Extra request packets per minute of duration.
    ppm: (u64, u64),
    /// Response packets per 1000 request packets; `(0, 0)` for one-way flows.
    rev_permille: (u64, u64),
    fwd_bpp: (u64, u64),
    rev_bpp: (u64, u64),
    /// Share of connections the client closes with RST instead of FIN.
    rst_permille: u64,
    /// Share of connections followed by a late response packet that the client's ENI rejects
    /// (the connection is already closed): a reverse ingress REJECT.
    late_permille: u64,
}

const fn shape(
    dur: (u64, u64),
    fwd_pkts: (u64, u64),
    ppm: (u64, u64),
    rev_permille: (u64, u64),
    fwd_bpp: (u64, u64),
    rev_bpp: (u64, u64),
) -> Shape {
    Shape {
        dur,
        fwd_pkts,
        ppm,
        rev_permille,
        fwd_bpp,
        rev_bpp,
        rst_permille: 20,
        late_permille: 0,
    }
}

#[rustfmt::skip] // a table: one shape per line
mod shapes {
    use super::{Shape, shape};
    //                                    duration    request pkts  per minute   responses/1000  request B/pkt  response B/pkt
    pub(super) const WEB: Shape = shape((0, 20), (5, 30), (0, 0), (900, 1600), (80, 700), (300, 1400));
    pub(super) const REDIRECT: Shape = shape((0, 2), (4, 8), (0, 0), (900, 1100), (80, 400), (120, 400));
    pub(super) const PROXY: Shape = shape((1, 240), (6, 40), (10, 120), (900, 1500), (100, 900), (400, 1400));
    pub(super) const HEALTH: Shape = Shape { rst_permille: 0, ..shape((0, 0), (4, 6), (0, 0), (800, 1000), (60, 140), (60, 220)) };
    pub(super) const API: Shape = Shape { late_permille: 15, ..shape((0, 30), (5, 40), (0, 30), (900, 1800), (100, 900), (200, 1400)) };
    pub(super) const INFER: Shape = shape((1, 120), (6, 60), (10, 60), (1000, 3000), (200, 1400), (200, 1400));
    pub(super) const POOL: Shape = shape((60, 1500), (10, 50), (20, 200), (900, 1500), (80, 400), (100, 1400));
    pub(super) const NFS: Shape = shape((300, 1500), (20, 80), (30, 300), (900, 1300), (120, 1400), (120, 1400));
    pub(super) const HTTPS_OUT: Shape = shape((0, 30), (8, 40), (0, 20), (1000, 4000), (80, 600), (600, 1400));
    pub(super) const DOWNLOAD: Shape = shape((5, 300), (20, 200), (100, 2000), (5000, 20000), (60, 200), (1200, 1400));
    pub(super) const DNS: Shape = shape((0, 0), (1, 2), (0, 0), (1000, 1000), (60, 90), (80, 300));
    pub(super) const NTP: Shape = shape((0, 0), (1, 1), (0, 0), (1000, 1000), (76, 76), (76, 76));
    pub(super) const STATSD: Shape = shape((0, 5), (1, 30), (0, 0), (0, 0), (60, 300), (60, 60));
    pub(super) const PING: Shape = shape((0, 3), (1, 4), (0, 0), (1000, 1000), (84, 104), (84, 104));
    pub(super) const SSH: Shape = shape((5, 1500), (20, 80), (5, 60), (1000, 2000), (60, 200), (60, 400));
    pub(super) const BRUTE: Shape = Shape { rst_permille: 300, ..shape((1, 10), (10, 25), (0, 0), (1000, 1500), (60, 300), (60, 300)) };
    pub(super) const SCAN: Shape = Shape { rst_permille: 1000, ..shape((0, 1), (1, 2), (0, 0), (1000, 1000), (60, 60), (60, 60)) };
    pub(super) const SCRAPE: Shape = shape((0, 1), (5, 8), (0, 0), (1000, 3000), (80, 300), (400, 1400));
    pub(super) const SHORT_SSH: Shape = shape((2, 4), (12, 20), (0, 0), (1000, 1500), (60, 200), (60, 400));
    pub(super) const SHORT_HTTPS: Shape = shape((1, 3), (8, 12), (0, 0), (1000, 2000), (80, 600), (200, 1400));
    pub(super) const DUMP: Shape = shape((120, 600), (40, 80), (600, 3000), (3000, 8000), (60, 120), (1200, 1400));
    pub(super) const REPORT: Shape = shape((1, 60), (10, 40), (10, 60), (1000, 3000), (80, 400), (200, 1400));
}
use shapes::*;

/// How often a pattern opens connections.
pub(crate) enum Schedule {
    /// At a rate set by the archive size: this many thousandths of the records.
    Poisson(u32),
    /// Every `period` seconds for every (client, server) pair, at a pair-specific phase.
    Periodic(u64),
    /// At these times (seconds after the archive start), (client index, server index).
    At(Vec<(u64, usize, usize)>),
}

pub(crate) struct Pattern {
    /// For people reading the table and for tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) name: &'static str,
    clients: Vec<Ep>,
    servers: Vec<Ep>,
    /// Per client: the servers in its AZ (empty when any server may be chosen).
    same_az: Vec<Vec<usize>>,
    proto: u8,
    ports: Vec<u16>,
    /// The real ICMP type of ICMP packets (echo request), for the simulated AWS decision.
    icmp_type: u8,
    pub(crate) schedule: Schedule,
    shape: Shape,
}

impl Pattern {
    /// Number of (client, server) pairs.
    pub(crate) fn pairs(&self) -> usize {
        self.clients.len() * self.servers.len()
    }

    /// The longest time from a connection's start to its last record (late packet included).
    pub(crate) fn span(&self) -> u64 {
        self.shape.dur.1 + 31
    }
}

/// What became of a connection attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Accepted,
    /// Refused on the server ENI (its groups, or the NACL of its subnet).
    RejectedAtServer,
    /// Refused on the client ENI by its own egress rules.
    RejectedAtClient,
}

/// One simulated connection (or connection attempt).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conn {
    pub(crate) client: Ep,
    pub(crate) server: Ep,
    pub(crate) proto: u8,
    pub(crate) sport: u16,
    pub(crate) dport: u16,
    pub(crate) start: u64,
    pub(crate) end: u64,
    fwd_p: u64,
    fwd_b: u64,
    rev_p: u64,
    rev_b: u64,
    rst: bool,
    pub(crate) outcome: Outcome,
    /// NAT gateway ENI and its public-side source port, when the path goes through it.
    nat: Option<(u16, u16)>,
    /// Time of a late response packet rejected on the client.
    pub(crate) late: Option<u64>,
    /// traffic-path of the client's egress records and of the server's response records.
    path: u8,
    srv_path: u8,
}

/// The simulation's fixed context.
pub(crate) struct Sim<'a> {
    pub(crate) inv: &'a Inventory,
    pub(crate) masks: &'a Masks,
    pub(crate) seed: u64,
    pub(crate) t0: u64,
    /// First second after the archive.
    pub(crate) t_end: u64,
}

/// The patterns and their Poisson rates.
pub(crate) struct Traffic {
    pub(crate) patterns: Vec<Pattern>,
    /// Connections per second of each pattern (Poisson patterns only).
    pub(crate) lambda: Vec<f64>,
}

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;

/// Ports internet scanners knock on.
const SCAN_PORTS: [u16; 40] = [
    21, 22, 23, 25, 53, 80, 81, 110, 111, 135, 139, 143, 443, 445, 993, 1433, 1521, 1723, 2375,
    3000, 3306, 3389, 4444, 5000, 5432, 5900, 6379, 7001, 8000, 8080, 8081, 8443, 8888, 9000, 9090,
    9200, 10000, 11211, 27017, 50000,
];

struct Endpoints<'a> {
    inv: &'a Inventory,
}

impl Endpoints<'_> {
    fn v4(&self, roles: &[Role]) -> Vec<Ep> {
        roles
            .iter()
            .flat_map(|&r| self.inv.role(r))
            .map(|eni| Ep::Eni {
                eni,
                addr: self.inv.eni(eni).primary,
            })
            .collect()
    }

    fn v4_all(&self, role: Role) -> Vec<Ep> {
        self.inv
            .role(role)
            .into_iter()
            .flat_map(|eni| {
                let e = self.inv.eni(eni);
                std::iter::once(e.primary)
                    .chain(e.secondaries.iter().copied())
                    .map(move |addr| Ep::Eni { eni, addr })
            })
            .collect()
    }

    fn v6(&self, roles: &[Role]) -> Vec<Ep> {
        roles
            .iter()
            .flat_map(|&r| self.inv.role(r))
            .filter_map(|eni| self.inv.eni(eni).v6.map(|addr| Ep::Eni { eni, addr }))
            .collect()
    }

    fn ext(pool: &[u32]) -> Vec<Ep> {
        pool.iter().map(|&addr| Ep::Ext { addr }).collect()
    }
}

fn pattern(
    name: &'static str,
    clients: Vec<Ep>,
    servers: Vec<Ep>,
    proto: u8,
    ports: &[u16],
    schedule: Schedule,
    shape: Shape,
) -> Pattern {
    Pattern {
        name,
        clients,
        servers,
        same_az: Vec::new(),
        proto,
        ports: ports.to_vec(),
        icmp_type: 0,
        schedule,
        shape,
    }
}

/// The patterns of the simulated VPC. `d` is the archive length in seconds (one-off
/// connections are placed at fractions of it).
#[allow(clippy::too_many_lines)]
#[rustfmt::skip] // a table: one pattern per line
pub(crate) fn build(inv: &Inventory, d: u64, internet_clients: u64) -> Vec<Pattern> {
    use Role::*;
    use Schedule::{At, Periodic, Poisson};
    let ep = Endpoints { inv };
    let p = &inv.pools;
    let monitored = [Nginx, Backend, Gguf, Asr, EcsTask, Mongo];
    let internet4 = Endpoints::ext(&p.clients_v4);
    let internet6 = Endpoints::ext(&p.clients_v6);
    // The main HTTPS pattern also draws from the virtual clients (GenerateConfig::internet_clients),
    // and then carries more of the records, so that tens of millions of them can appear.
    let https_rate = if internet_clients > 0 { 600 } else { 110 };
    let https_clients: Vec<Ep> = internet4
        .iter()
        .copied()
        .chain((0..internet_clients.min(crate::inventory::MAX_VIRTUAL_CLIENTS) as u32)
            .map(|k| Ep::Ext { addr: crate::inventory::VIRTUAL_BASE + k }))
        .collect();
    let services4 = Endpoints::ext(&p.services_v4);
    let jenkins = inv.role(Jenkins)[0];
    let jenkins_prefix: Vec<Ep> = inv
        .eni(jenkins)
        .prefix_addrs
        .iter()
        .map(|&addr| Ep::Eni { eni: jenkins, addr })
        .collect();
    let jenkins_secondary: Vec<Ep> = inv
        .eni(jenkins)
        .secondaries
        .iter()
        .map(|&addr| Ep::Eni { eni: jenkins, addr })
        .collect();
    // One-offs sit 7 s into a minute and last at most 4 s: one record per flow log each.
    let at = |fraction_per_mille: u64| (d * fraction_per_mille / 1000) / 60 * 60 + 7;
    let backup_az = inv.subnets[inv.eni(inv.role(Backup)[0]).subnet].az;
    let secrets_vpce = inv
        .role(Vpce)
        .into_iter()
        .position(|v| inv.subnets[inv.eni(v).subnet].az == backup_az)
        .unwrap_or(0);

    let mut list = vec![
        pattern("internet-alb-https", https_clients, ep.v4(&[Alb1]), TCP, &[443], Poisson(https_rate), WEB),
        pattern("internet-alb-https-v6", internet6.clone(), ep.v6(&[Alb1]), TCP, &[443], Poisson(30), WEB),
        pattern("internet-alb-http-redirect", internet4.clone(), ep.v4(&[Alb1]), TCP, &[80], Poisson(20), REDIRECT),
        pattern("alb-nginx-https", ep.v4(&[Alb1]), ep.v4(&[Nginx]), TCP, &[443], Poisson(80), PROXY),
        pattern("alb-nginx-health", ep.v4(&[Alb1]), ep.v4(&[Nginx]), TCP, &[80], Poisson(50), HEALTH),
        pattern("nginx-backend", ep.v4(&[Nginx]), ep.v4(&[Backend]), TCP, &[8000], Poisson(100), API),
        pattern("nginx-frontend", ep.v4(&[Nginx]), ep.v4(&[Frontend]), TCP, &[80], Poisson(40), WEB),
        pattern("backend-gguf", ep.v4(&[Backend]), ep.v4_all(Gguf), TCP, &[8001], Poisson(40), INFER),
        pattern("backend-asr", ep.v4(&[Backend]), ep.v4(&[Asr]), TCP, &[8002], Poisson(30), INFER),
        pattern("backend-rds", ep.v4(&[Backend]), ep.v4(&[RdsPrimary]), TCP, &[3306], Poisson(40), POOL),
        same_az(inv, pattern("backend-efs", ep.v4(&[Backend]), ep.v4(&[Efs]), TCP, &[2049], Poisson(20), NFS)),
        same_az(inv, pattern("backend-vpce", ep.v4(&[Backend]), ep.v4(&[Vpce]), TCP, &[443], Poisson(40), HTTPS_OUT)),
        pattern("backend-s3", ep.v4(&[Backend]), Endpoints::ext(&p.s3), TCP, &[443], Poisson(20), DOWNLOAD),
        pattern("backend-internet", ep.v4(&[Backend]), services4.clone(), TCP, &[443], Poisson(20), HTTPS_OUT),
        same_az(inv, pattern("models-vpce", ep.v4(&[Gguf, Asr]), ep.v4(&[Vpce]), TCP, &[443], Poisson(20), HTTPS_OUT)),
        pattern("models-s3", ep.v4(&[Gguf, Asr]), Endpoints::ext(&p.s3), TCP, &[443], Poisson(5), DOWNLOAD),
        pattern("lambda-mongo", ep.v4(&[Lambda]), ep.v4(&[Mongo]), TCP, &[27017], Poisson(40), API),
        pattern("lambda-internet", ep.v4(&[Lambda]), services4.clone(), TCP, &[443], Poisson(20), HTTPS_OUT),
        same_az(inv, pattern("mongo-efs", ep.v4(&[Mongo]), ep.v4(&[MongoEfs]), TCP, &[2049], Poisson(10), NFS)),
        pattern("mongo-internet", ep.v4(&[Mongo]), services4.clone(), TCP, &[443, 80], Poisson(10), HTTPS_OUT),
        pattern("mongo-dns", ep.v4(&[Mongo]), Endpoints::ext(&p.dns), UDP, &[53], Poisson(20), DNS),
        pattern("internet-ecs-alb", internet4.clone(), ep.v4(&[Alb2]), TCP, &[80], Poisson(40), WEB),
        pattern("ecs-alb-task", ep.v4(&[Alb2]), ep.v4(&[EcsTask]), TCP, &[8000], Poisson(40), PROXY),
        pattern("ecs-alb-task-health", ep.v4(&[Alb2]), ep.v4(&[EcsTask]), TCP, &[8081], Poisson(60), HEALTH),
        pattern("ecs-alb-task-health-floor", ep.v4(&[Alb2]), ep.v4(&[EcsTask]), TCP, &[8081], Periodic(300), HEALTH),
        pattern("task-internet", ep.v4(&[EcsTask]), services4.clone(), TCP, &[443], Poisson(10), HTTPS_OUT),
        pattern("metrics-scrape", ep.v4(&[Metrics]), ep.v4(&monitored), TCP, &[9100], Poisson(30), SCRAPE),
        pattern("statsd", ep.v4(&monitored), ep.v4(&[Metrics]), UDP, &[8125], Poisson(30), STATSD),
        Pattern { icmp_type: 8, ..pattern("metrics-ping", ep.v4(&[Metrics]), ep.v4(&monitored), ICMP, &[0], Poisson(15), PING) },
        Pattern { icmp_type: 128, ..pattern("metrics-ping-v6", ep.v6(&[Metrics]), ep.v6(&monitored), ICMPV6, &[0], Poisson(10), PING) },
        pattern("metrics-remote-write", ep.v4(&[Metrics]), services4.clone(), TCP, &[443], Poisson(5), HTTPS_OUT),
        pattern("monitoring-ntp", ep.v4(&monitored), Endpoints::ext(&p.ntp), UDP, &[123], Poisson(10), NTP),
        pattern("scanners", Endpoints::ext(&p.scanners_v4), ep.v4(&[Alb1, Alb2, Bastion]), TCP, &SCAN_PORTS, Poisson(50), SCAN),
        pattern("scanners-v6", Endpoints::ext(&p.scanners_v6), ep.v6(&[Alb1, Bastion]), TCP, &SCAN_PORTS, Poisson(10), SCAN),
        pattern("ssh-brute-force", internet4.clone(), ep.v4(&[Bastion]), TCP, &[22], Poisson(20), BRUTE),
        pattern("ssh-brute-force-v6", internet6.clone(), ep.v6(&[Bastion]), TCP, &[22], Poisson(5), BRUTE),
        pattern("office-ssh", Endpoints::ext(&p.corp), ep.v4(&[Bastion]), TCP, &[22], Poisson(3), SSH),
        Pattern { icmp_type: 8, ..pattern("internet-ping-bastion", internet4, ep.v4(&[Bastion]), ICMP, &[0], Poisson(5), PING) },
        Pattern { icmp_type: 128, ..pattern("internet-ping-bastion-v6", internet6, ep.v6(&[Bastion]), ICMPV6, &[0], Poisson(2), PING) },
        pattern("bastion-internet", ep.v4(&[Bastion]), services4.clone(), TCP, &[443], Poisson(3), HTTPS_OUT),
        pattern("bastion-prometheus", ep.v4(&[Bastion]), ep.v4(&[Metrics]), TCP, &[9090], Poisson(2), WEB),
        pattern("peer-vpc-federation", Endpoints::ext(&p.peer_vpc), ep.v4(&[Metrics]), TCP, &[9090], Poisson(3), WEB),
        pattern("jenkins-forgotten-ssh", jenkins_prefix.clone(), ep.v4(&[Forgotten]), TCP, &[22], Poisson(2), SSH),
        // Floors: the self-reference and the S3 overlap are used at any archive size.
        pattern("jenkins-forgotten-ssh-floor", jenkins_prefix, ep.v4(&[Forgotten]), TCP, &[22], At(vec![(at(333), 0, 0)]), SHORT_SSH),
        pattern("backend-s3-floor", ep.v4(&[Backend]), Endpoints::ext(&p.s3), TCP, &[443], At(vec![(at(666), 0, 0)]), SHORT_HTTPS),
        pattern("jenkins-internet", ep.v4(&[Jenkins]), services4.clone(), TCP, &[443], Poisson(5), HTTPS_OUT),
        pattern("jenkins-reporting", jenkins_secondary, ep.v4(&[Reporting]), TCP, &[5432], Poisson(2), REPORT),
        pattern("forgotten-apt-v6", ep.v6(&[Forgotten]), Endpoints::ext(&p.services_v6), TCP, &[443], Poisson(1), HTTPS_OUT),
        pattern("forgotten-ntp", ep.v4(&[Forgotten]), Endpoints::ext(&p.ntp), UDP, &[123], Poisson(1), NTP),
        pattern("cluster-internet", ep.v4(&[EcsCluster]), services4, TCP, &[443], Poisson(5), HTTPS_OUT),
        pattern("backup-s3", ep.v4(&[Backup]), Endpoints::ext(&p.s3), TCP, &[443], Poisson(3), DOWNLOAD),
        pattern("backup-dns", ep.v4(&[Backup]), Endpoints::ext(&p.dns), UDP, &[53], Poisson(2), DNS),
        pattern("backup-rds-dump", ep.v4(&[Backup]), ep.v4(&[RdsPrimary]), TCP, &[3306], Periodic(3600), DUMP),
        pattern("bastion-gguf-debug", ep.v4(&[Bastion]), ep.v4(&[Gguf]), TCP, &[8001], At(vec![(at(200), 0, 0), (at(400), 0, 0), (at(600), 0, 0), (at(800), 0, 0)]), SHORT_HTTPS),
        pattern("bastion-cluster-ssh", ep.v4(&[Bastion]), ep.v4(&[EcsCluster]), TCP, &[22], At(vec![(at(500), 0, 0)]), SHORT_SSH),
        pattern("backup-secrets", ep.v4(&[Backup]), ep.v4(&[Vpce]), TCP, &[443], At(vec![(at(250), 0, secrets_vpce), (at(750), 0, secrets_vpce)]), SHORT_HTTPS),
    ];
    list.retain(|p| !p.clients.is_empty() && !p.servers.is_empty());
    list
}

fn same_az(inv: &Inventory, mut p: Pattern) -> Pattern {
    let az = |ep: Ep| ep.eni().map(|e| inv.subnets[inv.eni(e).subnet].az);
    p.same_az = p
        .clients
        .iter()
        .map(|&c| {
            (0..p.servers.len())
                .filter(|&s| az(p.servers[s]) == az(c))
                .collect()
        })
        .collect();
    p
}

/// Windows of `a` seconds are aligned to multiples of `a` (the archive start is a multiple of 600).
pub(crate) fn floor(t: u64, a: u64) -> u64 {
    t - t % a
}

impl Sim<'_> {
    /// Calls `f` for every connection of pattern `p` that starts in slice `slice`.
    pub(crate) fn for_each_conn<E>(
        &self,
        traffic: &Traffic,
        p: usize,
        slice: u64,
        f: &mut impl FnMut(&Conn) -> Result<(), E>,
    ) -> Result<(), E> {
        let pat = &traffic.patterns[p];
        let s0 = self.t0 + slice * SLICE;
        let s1 = (s0 + SLICE).min(self.t_end);
        match &pat.schedule {
            Schedule::Poisson(_) => {
                let mut rng = Stream::new(&[self.seed, purpose::CONNECTIONS, p as u64, slice]);
                let x = traffic.lambda[p] * SLICE as f64;
                let n = x as u64 + u64::from(rng.unit() < x.fract());
                for _ in 0..n {
                    let start = s0 + rng.below(SLICE);
                    let ci = rng.below(pat.clients.len() as u64) as usize;
                    let si = match pat.same_az.get(ci) {
                        Some(near) if !near.is_empty() => {
                            near[rng.below(near.len() as u64) as usize]
                        }
                        _ => rng.below(pat.servers.len() as u64) as usize,
                    };
                    let c = self.make_conn(pat, &mut rng, start, ci, si);
                    if start < s1 {
                        f(&c)?;
                    }
                }
            }
            Schedule::Periodic(period) => {
                let period = *period;
                let pairs = pat.clients.len() * pat.servers.len();
                for q in 0..pairs {
                    let phase = hash(&[self.seed, purpose::PERIODIC, p as u64, q as u64]) % period;
                    let rel = s0 - self.t0;
                    let mut t = s0 + (phase + period - rel % period) % period;
                    while t < s1 {
                        let mut rng =
                            Stream::new(&[self.seed, purpose::PERIODIC, p as u64, q as u64, t]);
                        f(&self.make_conn(
                            pat,
                            &mut rng,
                            t,
                            q / pat.servers.len(),
                            q % pat.servers.len(),
                        ))?;
                        t += period;
                    }
                }
            }
            Schedule::At(list) => {
                for (k, &(offset, ci, si)) in list.iter().enumerate() {
                    let t = self.t0 + offset;
                    if (s0..s1).contains(&t) && ci < pat.clients.len() && si < pat.servers.len() {
                        let mut rng = Stream::new(&[
                            self.seed,
                            purpose::PERIODIC,
                            p as u64,
                            u64::MAX,
                            k as u64,
                        ]);
                        f(&self.make_conn(pat, &mut rng, t, ci, si))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// One connection of `pat` starting at `start` with random end points (rate calibration).
    pub(crate) fn sample_conn(&self, pat: &Pattern, rng: &mut Stream, start: u64) -> Conn {
        let ci = rng.below(pat.clients.len() as u64) as usize;
        let si = rng.below(pat.servers.len() as u64) as usize;
        self.make_conn(pat, rng, start, ci, si)
    }

    fn eport(&self, ep: Ep, rng: &mut Stream) -> u16 {
        let (lo, hi) = match ep {
            Ep::Eni { eni, .. } => self.inv.eni(eni).eport,
            Ep::Ext { .. } => (1024, 65535),
        };
        rng.range(u64::from(lo), u64::from(hi)) as u16
    }

    fn is_instance(&self, ep: Ep) -> bool {
        ep.eni()
            .is_some_and(|e| self.inv.eni(e).instance_id().is_some())
    }

    /// traffic-path of an egress record from `from` towards the external address `to`.
    fn path_out(&self, from: Ep, to: u32) -> u8 {
        if self.inv.pools.peer_vpc.contains(&to) {
            4
        } else if self.inv.addr_s3(to) {
            if self.is_instance(from) { 7 } else { 2 }
        } else if self.is_instance(from) {
            8
        } else {
            2
        }
    }

    fn make_conn(&self, pat: &Pattern, rng: &mut Stream, start: u64, ci: usize, si: usize) -> Conn {
        let client = pat.clients[ci];
        let server = pat.servers[si];
        let proto = pat.proto;
        let icmp = proto == ICMP || proto == ICMPV6;
        let dport = if icmp {
            0
        } else {
            pat.ports[rng.below(pat.ports.len() as u64) as usize]
        };
        let sport = if icmp { 0 } else { self.eport(client, rng) };
        let (caddr, saddr) = (client.addr(), server.addr());
        let pp = Masks::proto_port(self.inv, proto, dport, Some(pat.icmp_type));
        let client_ok = match client {
            Ep::Eni { eni, .. } => self.masks.allows(self.inv, eni, true, &pp, saddr),
            Ep::Ext { .. } => true,
        };
        let server_ok = match server {
            Ep::Eni { eni, .. } => {
                !nacl_denies(self.inv, self.inv.addr(caddr), eni, proto, dport)
                    && self.masks.allows(self.inv, eni, false, &pp, caddr)
            }
            Ep::Ext { .. } => true,
        };
        let outcome = match (client_ok, server_ok) {
            (false, _) => Outcome::RejectedAtClient,
            (true, false) => Outcome::RejectedAtServer,
            (true, true) => Outcome::Accepted,
        };
        let v6 = !self.inv.addr(saddr).is_v4();
        let hdr = header_bytes(proto, v6);
        let sh = &pat.shape;
        let (end, fwd_p, fwd_b, rev_p, rev_b, rst, late) = if outcome == Outcome::Accepted {
            let dur = rng.skewed(sh.dur.0, sh.dur.1);
            let end = (start + dur).min(self.t_end - 1);
            // At least one packet per direction in every window the connection touches.
            let floor_p = (end - start) / 60 + 2;
            let fwd_p = (rng.range(sh.fwd_pkts.0, sh.fwd_pkts.1)
                + dur * rng.range(sh.ppm.0, sh.ppm.1) / 60)
                .max(floor_p);
            let rev_p = if sh.rev_permille.1 == 0 {
                0
            } else {
                (fwd_p * rng.range(sh.rev_permille.0, sh.rev_permille.1) / 1000).max(floor_p)
            };
            let fwd_b = fwd_p * rng.range(sh.fwd_bpp.0, sh.fwd_bpp.1).max(hdr);
            let rev_b = rev_p * rng.range(sh.rev_bpp.0, sh.rev_bpp.1).max(hdr);
            let rst = proto == TCP && rng.permille(sh.rst_permille);
            let late = if proto == TCP && client.eni().is_some() && rng.permille(sh.late_permille) {
                Some(end + rng.range(1, 30)).filter(|&l| l < self.t_end)
            } else {
                None
            };
            (end, fwd_p, fwd_b, rev_p, rev_b, rst, late)
        } else {
            // SYN retries (or repeated datagrams) within one minute: one window in every format.
            let tries = if proto == TCP {
                rng.range(1, 3)
            } else {
                rng.range(1, 2)
            };
            let end = (start + [0, 1, 3][(tries - 1) as usize])
                .min(floor(start, 60) + 59)
                .min(self.t_end - 1);
            (end, tries, tries * hdr, 0, 0, false, None)
        };
        let via_nat = matches!(client, Ep::Eni { eni, .. } if self.inv.tier(eni) != Tier::Public)
            && matches!(server, Ep::Ext { .. })
            && !v6
            && !self.inv.addr_s3(saddr)
            && !self.inv.pools.peer_vpc.contains(&saddr);
        let nat = via_nat.then(|| (self.inv.nat_eni, rng.range(1024, 65535) as u16));
        let path = match server {
            Ep::Eni { .. } => 1,
            Ep::Ext { .. } if via_nat => 1,
            Ep::Ext { addr } => self.path_out(client, addr),
        };
        let srv_path = match client {
            Ep::Eni { .. } => 1,
            Ep::Ext { addr } => self.path_out(server, addr),
        };
        Conn {
            client,
            server,
            proto,
            sport,
            dport,
            start,
            end,
            fwd_p,
            fwd_b,
            rev_p,
            rev_b,
            rst,
            outcome,
            nat,
            late,
            path,
            srv_path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory;

    struct World {
        inv: Inventory,
        masks: Masks,
    }

    fn world() -> World {
        let inv = inventory::build(42);
        let masks = Masks::new(&inv);
        World { inv, masks }
    }

    const T0: u64 = 1_745_193_600;

    fn sim(w: &World) -> Sim<'_> {
        Sim {
            inv: &w.inv,
            masks: &w.masks,
            seed: 42,
            t0: T0,
            t_end: T0 + 3600,
        }
    }

    fn conn(
        w: &World,
        client: Ep,
        server: Ep,
        dport: u16,
        start: u64,
        end: u64,
        outcome: Outcome,
    ) -> Conn {
        let _ = w;
        Conn {
            client,
            server,
            proto: TCP,
            sport: 40_001,
            dport,
            start,
            end,
            fwd_p: 100,
            fwd_b: 20_000,
            rev_p: 90,
            rev_b: 90_000,
            rst: false,
            outcome,
            nat: None,
            late: None,
            path: 1,
            srv_path: 1,
        }
    }

    fn eni_ep(inv: &Inventory, role: Role) -> Ep {
        let eni = inv.role(role)[0];
        Ep::Eni {
            eni,
            addr: inv.eni(eni).primary,
        }
    }

    /// A connection over four 1-minute windows: four records per window, SYN / SYN-ACK first,
    /// 0 in between, FIN last; counters add up to the connection's. In one 10-minute window it
    /// is a short connection: 3 and 19.
    #[test]
    fn long_connection_flags_and_four_records() {
        let w = world();
        let s = sim(&w);
        let (client, server) = (
            eni_ep(&w.inv, Role::Backend),
            eni_ep(&w.inv, Role::RdsPrimary),
        );
        let c = conn(
            &w,
            client,
            server,
            3306,
            T0 + 50,
            T0 + 200,
            Outcome::Accepted,
        );
        let mut out = WinRecs::default();
        let mut flags = Vec::new();
        let (mut fwd_client, mut rev_server) = (0, 0);
        let (mut bytes_fwd, mut bytes_rev) = (0, 0);
        for k in 0..4 {
            s.window_records(&c, T0 + 60 * k, 60, &mut out);
            assert_eq!(out.n, 4, "window {k}");
            let recs = &out.recs[..out.n];
            // client egress (fwd), client ingress (rev), server ingress (fwd), server egress (rev)
            assert_eq!(out.forward[..4], [true, false, true, false]);
            assert!(recs[0].egress && !recs[1].egress && !recs[2].egress && recs[3].egress);
            flags.push((recs[0].flags, recs[1].flags, recs[2].flags, recs[3].flags));
            assert_eq!(recs[0].packets, recs[2].packets);
            fwd_client += recs[0].packets;
            rev_server += recs[3].packets;
            bytes_fwd += recs[0].bytes;
            bytes_rev += recs[1].bytes;
            assert!(
                recs.iter().all(|r| r.start >= T0 + 60 * k
                    && r.end < T0 + 60 * (k + 1)
                    && r.start <= r.end)
            );
        }
        assert_eq!(
            flags,
            vec![(2, 18, 2, 18), (0, 0, 0, 0), (0, 0, 0, 0), (1, 1, 1, 1)]
        );
        assert_eq!(
            (fwd_client, rev_server, bytes_fwd, bytes_rev),
            (100, 90, 20_000, 90_000)
        );
        s.window_records(&c, T0 + 240, 60, &mut out);
        assert_eq!(out.n, 0, "nothing after the close");
        s.window_records(&c, T0, 600, &mut out);
        assert_eq!(out.n, 4);
        assert_eq!((out.recs[0].flags, out.recs[1].flags), (3, 19));
        assert_eq!((out.recs[0].packets, out.recs[1].packets), (100, 90));
    }

    #[test]
    fn rst_close_and_rejections() {
        let w = world();
        let s = sim(&w);
        let (client, server) = (eni_ep(&w.inv, Role::Alb2), eni_ep(&w.inv, Role::EcsTask));
        let mut out = WinRecs::default();
        let c = Conn {
            rst: true,
            ..conn(
                &w,
                client,
                server,
                8000,
                T0 + 10,
                T0 + 12,
                Outcome::Accepted,
            )
        };
        s.window_records(&c, T0, 60, &mut out);
        assert_eq!((out.recs[0].flags, out.recs[1].flags), (6, 18));
        // Refused on the target: the client's egress ACCEPT and the target's ingress REJECT.
        let c = Conn {
            rev_p: 0,
            rev_b: 0,
            fwd_p: 2,
            fwd_b: 80,
            ..conn(
                &w,
                client,
                server,
                8081,
                T0 + 10,
                T0 + 11,
                Outcome::RejectedAtServer,
            )
        };
        s.window_records(&c, T0, 60, &mut out);
        assert_eq!(out.n, 2);
        let (a, b) = (out.recs[0], out.recs[1]);
        assert!(a.accept && a.egress && a.flags == 2 && out.forward[0]);
        assert!(!b.accept && !b.egress && b.flags == 2 && out.forward[1] && b.packets == 2);
        // Refused by the client's own egress rules: one egress REJECT.
        let c = Conn {
            outcome: Outcome::RejectedAtClient,
            ..c
        };
        s.window_records(&c, T0, 60, &mut out);
        assert_eq!(out.n, 1);
        assert!(!out.recs[0].accept && out.recs[0].egress);
    }

    /// Through the NAT gateway: two records on the client, four on the NAT ENI whose srcaddr /
    /// dstaddr are its own and pkt-* the original end points (docs/flow-logs.md §6).
    #[test]
    fn nat_gateway_records() {
        let w = world();
        let s = sim(&w);
        let client = eni_ep(&w.inv, Role::Backend);
        let internet = w.inv.pools.services_v4[0];
        let nat = w.inv.nat_eni;
        let nat_addr = w.inv.eni(nat).primary;
        let c = Conn {
            nat: Some((nat, 5555)),
            ..conn(
                &w,
                client,
                Ep::Ext { addr: internet },
                443,
                T0 + 5,
                T0 + 8,
                Outcome::Accepted,
            )
        };
        let mut out = WinRecs::default();
        s.window_records(&c, T0, 60, &mut out);
        assert_eq!(out.n, 6);
        let n: Vec<&Rec> = out.recs[..out.n].iter().filter(|r| r.eni == nat).collect();
        assert_eq!(n.len(), 4);
        let ca = client.addr();
        assert_eq!(
            (n[0].src, n[0].dst, n[0].pkt_src, n[0].pkt_dst, n[0].egress),
            (ca, nat_addr, ca, internet, false)
        );
        assert_eq!(
            (
                n[1].src,
                n[1].dst,
                n[1].pkt_src,
                n[1].pkt_dst,
                n[1].sport,
                n[1].egress
            ),
            (nat_addr, internet, nat_addr, internet, 5555, true)
        );
        assert_eq!(
            (n[2].src, n[2].dst, n[2].dport, n[2].egress),
            (internet, nat_addr, 5555, false)
        );
        assert_eq!(
            (n[3].src, n[3].dst, n[3].pkt_src, n[3].pkt_dst, n[3].egress),
            (nat_addr, ca, internet, ca, true)
        );
    }

    /// A secondary address on the recording ENI shows as the primary in srcaddr/dstaddr and as
    /// itself in pkt-*; the remote side always sees the real address.
    #[test]
    fn secondary_addresses() {
        let w = world();
        let s = sim(&w);
        let gguf = w.inv.role(Role::Gguf)[0];
        let secondary = w.inv.eni(gguf).secondaries[0];
        let client = eni_ep(&w.inv, Role::Backend);
        let c = conn(
            &w,
            client,
            Ep::Eni {
                eni: gguf,
                addr: secondary,
            },
            8001,
            T0 + 1,
            T0 + 2,
            Outcome::Accepted,
        );
        let mut out = WinRecs::default();
        s.window_records(&c, T0, 60, &mut out);
        let (on_client, on_server) = (out.recs[0], out.recs[2]);
        assert_eq!(on_client.dst, secondary);
        assert_eq!(
            (on_server.dst, on_server.pkt_dst),
            (w.inv.eni(gguf).primary, secondary)
        );
    }

    /// Every pattern produces connections whose outcome is what the design intends.
    #[test]
    fn pattern_outcomes() {
        let w = world();
        let s = sim(&w);
        let patterns = build(&w.inv, 3600, 0);
        let mut t = Traffic {
            lambda: vec![0.02; patterns.len()],
            patterns,
        };
        t.lambda.iter_mut().for_each(|l| *l = 0.05);
        let expect_rejected = [
            "ecs-alb-task-health",
            "ecs-alb-task-health-floor",
            "bastion-gguf-debug",
            "backup-dns",
        ];
        let expect_mixed = ["scanners", "scanners-v6"];
        for (p, pat) in t.patterns.iter().enumerate() {
            let mut outcomes = Vec::new();
            for slice in 0..12 {
                let r: Result<(), ()> = s.for_each_conn(&t, p, slice, &mut |c: &Conn| {
                    outcomes.push(c.outcome);
                    Ok(())
                });
                assert!(r.is_ok());
            }
            assert!(!outcomes.is_empty(), "{}", pat.name);
            let accepted = outcomes.iter().filter(|&&o| o == Outcome::Accepted).count();
            if expect_rejected.contains(&pat.name) {
                assert_eq!(accepted, 0, "{}", pat.name);
            } else if expect_mixed.contains(&pat.name) {
                assert!(accepted > 0 && accepted < outcomes.len(), "{}", pat.name);
            } else if pat.name != "backup-rds-dump" {
                assert_eq!(accepted, outcomes.len(), "{}", pat.name);
            }
        }
    }
}
