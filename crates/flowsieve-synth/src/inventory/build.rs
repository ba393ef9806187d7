//! Building the inventory from the seed: the VPC, subnets, groups and their rules for the four
//! seed designs, ENIs with their addresses, prefix lists, NACL denies and the external pools.

use super::*;

/// Builds the inventory of `seed`.
pub(crate) fn build(seed: u64) -> Inventory {
    Builder::new(seed).build()
}

struct Builder {
    rng: Stream,
    seed: u64,
    ids: HashSet<String>,
    used: HashSet<Addr>,
    inv: Inventory,
}

/// One rule of the design table, before its id is drawn.
struct RuleSpec {
    egress: bool,
    proto: i16,
    from: i32,
    to: i32,
    peer: PeerSpec,
    description: Option<&'static str>,
    trap: Option<Trap>,
}

enum PeerSpec {
    Cidr(Cidr),
    Group(usize),
    ForeignGroup,
    PrefixList(usize),
}

fn tcp(port: i32) -> (i16, i32, i32) {
    (TCP, port, port)
}

impl Builder {
    fn new(seed: u64) -> Builder {
        let mut rng = Stream::new(&[seed, purpose::INVENTORY]);
        let second = 20 + rng.below(70) as u8;
        let v6_bits = ((0x2600_1f18_u128) << 96) | (u128::from(rng.below(1 << 24)) << 72);
        let account = format!(
            "{}{}",
            1 + rng.below(9),
            (0..11)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect::<String>()
        );
        let n_az = 2 + (hash(&[seed, 0xA2]) % 2) as usize;
        let inv = Inventory {
            account,
            vpc_id: String::new(),
            vpc_cidr: Cidr::v4([10, second, 0, 0], 16),
            vpc_v6: Cidr::v6(v6_bits, 56),
            vpc_assoc: String::new(),
            vpc_assoc_v6: String::new(),
            dhcp_options: String::new(),
            azs: AZS[..n_az]
                .iter()
                .map(|&(name, id)| Az { name, id })
                .collect(),
            subnets: Vec::new(),
            groups: Vec::new(),
            rules: Vec::new(),
            prefix_lists: Vec::new(),
            enis: Vec::new(),
            addrs: Vec::new(),
            pools: Pools::default(),
            groupsets: Vec::new(),
            hidden_members: Vec::new(),
            nacl_denies: Vec::new(),
            backup_rds_rule_missing: seed % 2 == 1,
            nat_eni: 0,
        };
        Builder {
            rng,
            seed,
            ids: HashSet::new(),
            used: HashSet::new(),
            inv,
        }
    }

    /// A fresh `prefix-` + `n` hex id, unique within the inventory.
    fn id(&mut self, prefix: &str, n: usize) -> String {
        loop {
            let id = format!("{prefix}{}", self.rng.hex(n));
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn second_octet(&self) -> u8 {
        self.inv.vpc_cidr.network().v4_value().to_be_bytes()[1]
    }

    fn add_addr(&mut self, addr: Addr, internal: bool, s3: bool) -> u32 {
        self.used.insert(addr);
        self.inv.addrs.push(AddrInfo {
            addr,
            text: addr.to_string(),
            internal,
            s3,
        });
        (self.inv.addrs.len() - 1) as u32
    }

    fn build(mut self) -> Inventory {
        self.inv.vpc_id = self.id("vpc-", 17);
        self.inv.vpc_assoc = self.id("vpc-cidr-assoc-", 17);
        self.inv.vpc_assoc_v6 = self.id("vpc-cidr-assoc-", 17);
        self.inv.dhcp_options = self.id("dopt-", 17);
        self.subnets();
        let lists = self.prefix_lists();
        let g = self.groups();
        self.rules(&g, lists);
        self.enis(&g);
        self.pools();
        self.groupsets();
        let x = self.second_octet();
        // The model subnets' NACL denies the debug port from the public subnets: the gguf rule
        // that allows it (the NACL trap) can therefore never carry traffic.
        self.inv.nacl_denies.push(NaclDeny {
            tier: Tier::Model,
            proto: TCP,
            from: 8001,
            to: 8002,
            remote: Cidr::v4([10, x, 0, 0], 22),
        });
        self.inv
    }

    fn subnets(&mut self) {
        let x = self.second_octet();
        let v6 = self.inv.vpc_v6.network().0;
        let mut plan: Vec<(Tier, usize, Cidr, u128, String)> = Vec::new();
        for az in 0..self.inv.azs.len() {
            let a = az as u8;
            let letter = char::from(b'a' + a);
            // Tier, third octet, prefix length, IPv6 subnet number, name.
            let tiers = [
                (Tier::Public, a, 24, 0, "public"),
                (Tier::App, 16 + 16 * a, 20, 16, "app"),
                (Tier::Model, 64 + a, 24, 32, "model"),
                (Tier::Data, 80 + a, 24, 48, "data"),
            ];
            for (tier, octet, len, v6_base, name) in tiers {
                let cidr = Cidr::v4([10, x, octet, 0], len);
                plan.push((
                    tier,
                    az,
                    cidr,
                    v6_base + u128::from(a),
                    format!("{name}-{letter}"),
                ));
            }
        }
        let legacy = Cidr::v4([10, x, 200, 0], 24);
        plan.push((Tier::Legacy, 0, legacy, 200, "legacy-reporting".into()));
        for (tier, az, cidr, idx, name) in plan {
            let id = self.id("subnet-", 17);
            let assoc_v6 = self.id("subnet-cidr-assoc-", 17);
            self.inv.subnets.push(Subnet {
                id,
                name,
                az,
                cidr,
                v6: Cidr::v6(v6 | (idx << 64), 64),
                tier,
                assoc_v6,
            });
        }
    }

    /// Returns (s3 list, corp list) indices.
    fn prefix_lists(&mut self) -> (usize, usize) {
        // The AWS-managed S3 list of us-east-1 has this well-known id and these ranges.
        let s3 = [
            ([3, 5, 0, 0], 19),
            ([16, 15, 176, 0], 20),
            ([16, 182, 0, 0], 16),
            ([18, 34, 0, 0], 19),
            ([18, 34, 232, 0], 21),
            ([44, 192, 134, 240], 28),
            ([44, 192, 140, 64], 28),
            ([52, 216, 0, 0], 15),
            ([54, 231, 0, 0], 16),
        ];
        self.inv.prefix_lists.push(PrefixList {
            id: "pl-63a5400a".into(),
            name: format!("com.amazonaws.{REGION}.s3"),
            owner: "AWS".into(),
            aws_managed: true,
            entries: s3.iter().map(|&(o, l)| (Cidr::v4(o, l), None)).collect(),
            max_entries: None,
            version: 47,
        });
        let corp = self.id("pl-", 17);
        self.inv.prefix_lists.push(PrefixList {
            id: corp,
            name: "corp-office-egress".into(),
            owner: self.inv.account.clone(),
            aws_managed: false,
            entries: vec![
                (
                    Cidr::v4([198, 51, 100, 0], 26),
                    Some("HQ egress NAT".into()),
                ),
                (
                    Cidr::v4([203, 0, 113, 128], 27),
                    Some("Branch office VPN".into()),
                ),
            ],
            max_entries: Some(10),
            version: 3,
        });
        (0, 1)
    }

    #[rustfmt::skip] // a table: one group per line
    fn groups(&mut self) -> Groups {
        let add = |b: &mut Builder, name: &str, description: &str| {
            let id = b.id("sg-", 17);
            b.inv.groups.push(Group {
                id,
                name: name.into(),
                description: description.into(),
            });
            b.inv.groups.len() - 1
        };
        Groups {
            default: add(self, "default", "default VPC security group"),
            alb1: add(
                self,
                "afirgen-alb-prod-sg",
                "ALB: HTTPS/HTTP from the internet, forwards to Nginx",
            ),
            nginx: add(
                self,
                "afirgen-nginx-prod-sg",
                "Nginx reverse proxy: from the ALB only",
            ),
            frontend: add(
                self,
                "afirgen-frontend-prod-sg",
                "Static frontend: from Nginx only",
            ),
            backend: add(
                self,
                "afirgen-main-backend-prod-sg",
                "Main backend API: from Nginx only",
            ),
            gguf: add(
                self,
                "afirgen-gguf-model-prod-sg",
                "GGUF model server: from the main backend",
            ),
            asr: add(
                self,
                "afirgen-asr-ocr-prod-sg",
                "ASR/OCR server: from the main backend",
            ),
            rds: add(
                self,
                "afirgen-rds-mysql-prod-sg",
                "RDS MySQL: from the backend and backup",
            ),
            efs: add(
                self,
                "afirgen-efs-prod-sg",
                "EFS for ChromaDB: NFS from the backend",
            ),
            backup: add(
                self,
                "afirgen-backup-prod-sg",
                "Backup service: to RDS and S3 only",
            ),
            vpce: add(
                self,
                "afirgen-vpc-endpoints-prod-sg",
                "Interface VPC endpoints: HTTPS from the services",
            ),
            lambda: add(
                self,
                "RVK-mongo-db-sg",
                "Lambda API: no ingress, initiates only",
            ),
            mongo: add(self, "RVK-ecs-mongo-sg", "MongoDB on ECS Fargate"),
            mongo_efs: add(self, "mongo-efs-sg", "EFS for MongoDB data"),
            alb2: add(self, "ecs-web-alb-sg", "Public ALB of the ECS web service"),
            task: add(self, "ecs-web-task-sg", "ECS web tasks: from the ALB only"),
            cluster: add(
                self,
                "ecs-cluster-instances-sg",
                "ECS cluster EC2 container instances",
            ),
            bastion: add(self, "legacy-bastion-sg", "Legacy bastion (to be retired)"),
            monitoring: add(
                self,
                "shared-monitoring-sg",
                "Shared: ICMP and node exporter for monitoring",
            ),
            metrics: add(self, "metrics-prometheus-sg", "Prometheus / statsd host"),
            reporting: add(self, "legacy-reporting-sg", "Legacy reporting database"),
            wizard: add(
                self,
                "launch-wizard-1",
                "launch-wizard-1 created 2021-04-12T09:13:44.512Z",
            ),
        }
    }

    #[allow(clippy::too_many_lines)]
    #[rustfmt::skip] // a table: one rule per line
    fn rules(&mut self, g: &Groups, (s3, corp): (usize, usize)) {
        let x = self.second_octet();
        let any6 = || PeerSpec::Cidr(Cidr::v6(0, 0));
        let vpc4 = || PeerSpec::Cidr(Cidr::v4([10, x, 0, 0], 16));
        let vpc6 = PeerSpec::Cidr(self.inv.vpc_v6);
        let any4 = || PeerSpec::Cidr(Cidr::v4([0, 0, 0, 0], 0));
        let r = |egress: bool,
                 (proto, from, to): (i16, i32, i32),
                 peer: PeerSpec,
                 description: Option<&'static str>,
                 trap: Option<Trap>| RuleSpec {
            egress,
            proto,
            from,
            to,
            peer,
            description,
            trap,
        };
        let all = (ALL, -1, -1);
        let (i, e) = (false, true);
        let mut table: Vec<(usize, RuleSpec)> = vec![
            (g.default, r(i, all, PeerSpec::Group(g.default), None, Some(Trap::SelfReference))),
            (g.default, r(e, all, any4(), None, None)),
            (g.default, r(e, all, any6(), None, None)),
            (g.alb1, r(i, tcp(443), any4(), Some("HTTPS from the internet"), None)),
            (g.alb1, r(i, tcp(80), any4(), Some("HTTP redirect to HTTPS"), None)),
            (g.alb1, r(i, tcp(443), any6(), Some("HTTPS from the internet (IPv6)"), None)),
            (g.alb1, r(i, tcp(80), any6(), Some("HTTP redirect to HTTPS (IPv6)"), None)),
            (g.alb1, r(e, tcp(80), PeerSpec::Group(g.nginx), Some("Health checks to Nginx"), None)),
            (g.alb1, r(e, tcp(443), PeerSpec::Group(g.nginx), Some("Forward HTTPS to Nginx"), None)),
            (g.nginx, r(i, tcp(80), PeerSpec::Group(g.alb1), Some("From the ALB only"), None)),
            (g.nginx, r(i, tcp(443), PeerSpec::Group(g.alb1), Some("From the ALB only"), None)),
            (g.nginx, r(e, tcp(8000), PeerSpec::Group(g.backend), Some("API requests"), None)),
            (g.nginx, r(e, tcp(80), PeerSpec::Group(g.frontend), Some("Static content"), None)),
            (g.frontend, r(i, tcp(80), PeerSpec::Group(g.nginx), Some("From Nginx only"), None)),
            (g.frontend, r(e, (TCP, 1024, 65535), any4(), Some("Return traffic"), Some(Trap::EgressEphemeralReturnOnly))),
            (g.backend, r(i, tcp(8000), PeerSpec::Group(g.nginx), Some("From Nginx only"), None)),
            (g.backend, r(e, tcp(8001), PeerSpec::Group(g.gguf), Some("LLM inference"), None)),
            (g.backend, r(e, tcp(8002), PeerSpec::Group(g.asr), Some("Speech/OCR processing"), None)),
            (g.backend, r(e, tcp(3306), PeerSpec::Group(g.rds), Some("Database queries"), None)),
            (g.backend, r(e, tcp(2049), PeerSpec::Group(g.efs), Some("ChromaDB on EFS"), None)),
            (g.backend, r(e, tcp(443), any4(), Some("AWS services"), Some(Trap::OverlapS3))),
            (g.backend, r(e, tcp(443), PeerSpec::PrefixList(s3), Some("S3 via the gateway endpoint"), Some(Trap::OverlapS3))),
            (g.gguf, r(i, tcp(8001), PeerSpec::Group(g.backend), Some("From the main backend"), None)),
            (g.gguf, r(i, tcp(8001), PeerSpec::Cidr(Cidr::v4([10, x, 0, 0], 22)), Some("Debug access from the bastion subnets"), Some(Trap::NaclRejectedOnly))),
            (g.gguf, r(e, tcp(443), any4(), Some("S3 model downloads"), None)),
            (g.asr, r(i, tcp(8002), PeerSpec::Group(g.backend), Some("From the main backend"), None)),
            (g.asr, r(e, tcp(443), any4(), Some("S3 model downloads"), None)),
            (g.rds, r(i, tcp(3306), PeerSpec::Group(g.backend), Some("Application queries"), None)),
            (g.efs, r(i, tcp(2049), PeerSpec::Group(g.backend), Some("NFS from the main backend"), None)),
            (g.backup, r(e, tcp(3306), PeerSpec::Group(g.rds), Some("Database backup"), Some(Trap::BackupRds))),
            (g.backup, r(e, tcp(443), any4(), Some("S3 uploads and Secrets Manager"), None)),
            (g.backup, r(e, tcp(443), PeerSpec::PrefixList(s3), Some("S3 uploads"), None)),
            (g.vpce, r(i, tcp(443), PeerSpec::Group(g.backend), None, None)),
            (g.vpce, r(i, tcp(443), PeerSpec::Group(g.gguf), None, None)),
            (g.vpce, r(i, tcp(443), PeerSpec::Group(g.asr), None, None)),
            (g.vpce, r(i, tcp(443), PeerSpec::Group(g.backup), Some("Backup: Secrets Manager"), Some(Trap::UsedTwice))),
            (g.vpce, r(i, tcp(443), vpc4(), Some("Anything in the VPC"), None)),
            (g.lambda, r(e, tcp(27017), PeerSpec::Group(g.mongo), Some("MongoDB"), None)),
            (g.lambda, r(e, tcp(443), any4(), Some("AWS APIs, external services"), None)),
            (g.lambda, r(e, tcp(80), any4(), Some("Package downloads during builds"), None)),
            (g.mongo, r(i, tcp(27017), PeerSpec::Group(g.lambda), Some("Lambda API"), None)),
            (g.mongo, r(e, tcp(2049), PeerSpec::Group(g.mongo_efs), Some("Mount EFS (NFS)"), None)),
            (g.mongo, r(e, tcp(443), any4(), Some("CloudWatch Logs, ECR"), None)),
            (g.mongo, r(e, tcp(80), any4(), Some("Docker image pulls"), None)),
            (g.mongo, r(e, (UDP, 53, 53), any4(), Some("DNS resolution"), None)),
            (g.mongo_efs, r(i, tcp(2049), PeerSpec::Group(g.mongo), Some("NFS mount from ECS"), None)),
            (g.alb2, r(i, tcp(80), any4(), None, None)),
            (g.alb2, r(e, all, any4(), None, None)),
            (g.task, r(i, tcp(8000), PeerSpec::Group(g.alb2), Some("From the ALB"), Some(Trap::HealthCheckRuleMissing))),
            (g.task, r(e, all, any4(), None, None)),
            (g.cluster, r(i, tcp(22), PeerSpec::Group(g.bastion), Some("SSH from the bastion"), Some(Trap::UsedOnce))),
            (g.cluster, r(i, (TCP, 32768, 65535), PeerSpec::Group(g.alb2), Some("Dynamic port mapping (bridge mode)"), None)),
            (g.cluster, r(e, all, any4(), None, None)),
            (g.bastion, r(i, tcp(22), any4(), Some("SSH from anywhere (legacy)"), None)),
            (g.bastion, r(i, tcp(22), any6(), Some("SSH from anywhere (legacy, IPv6)"), None)),
            (g.bastion, r(i, tcp(22), PeerSpec::PrefixList(corp), Some("SSH from the offices"), None)),
            (g.bastion, r(i, (ICMP, 8, -1), any4(), Some("Ping"), Some(Trap::IcmpTypeNotLogged))),
            (g.bastion, r(i, (ICMPV6, 128, -1), any6(), Some("Ping (IPv6)"), Some(Trap::IcmpTypeNotLogged))),
            (g.bastion, r(e, all, any4(), None, None)),
            (g.bastion, r(e, all, any6(), None, None)),
            (g.monitoring, r(i, (ICMP, -1, -1), vpc4(), Some("ICMP from the VPC"), None)),
            (g.monitoring, r(i, (ICMPV6, -1, -1), vpc6, Some("ICMPv6 from the VPC"), None)),
            (g.monitoring, r(i, tcp(9100), PeerSpec::Group(g.metrics), Some("node_exporter scrape"), None)),
            (g.monitoring, r(e, (UDP, 8125, 8125), PeerSpec::Group(g.metrics), Some("statsd"), None)),
            (g.monitoring, r(e, (UDP, 123, 123), any4(), Some("NTP"), None)),
            (g.metrics, r(i, (UDP, 8125, 8125), PeerSpec::Group(g.monitoring), Some("statsd"), None)),
            (g.metrics, r(i, tcp(9090), PeerSpec::Group(g.bastion), Some("Prometheus UI via the bastion"), None)),
            (g.metrics, r(i, tcp(9090), PeerSpec::ForeignGroup, Some("Federation from the shared-services account"), Some(Trap::UnresolvedPeer))),
            (g.metrics, r(e, tcp(9100), PeerSpec::Group(g.monitoring), Some("Scrape node_exporter"), None)),
            (g.metrics, r(e, (ICMP, -1, -1), vpc4(), Some("Ping checks"), None)),
            (g.metrics, r(e, (ICMPV6, -1, -1), PeerSpec::Cidr(self.inv.vpc_v6), Some("Ping checks (IPv6)"), None)),
            (g.metrics, r(e, tcp(443), any4(), Some("Remote write"), None)),
            (g.reporting, r(i, (TCP, 5432, 5432), vpc4(), Some("Reports from the VPC"), Some(Trap::NoLogsUncovered))),
            (g.reporting, r(e, all, any4(), None, Some(Trap::NoLogsUncovered))),
            (g.wizard, r(i, tcp(22), any4(), None, Some(Trap::NoLogsNoEnis))),
            (g.wizard, r(e, all, any4(), None, Some(Trap::NoLogsNoEnis))),
        ];
        if !self.inv.backup_rds_rule_missing {
            table.push((
                g.rds,
                r(
                    i,
                    tcp(3306),
                    PeerSpec::Group(g.backup),
                    Some("Backup operations"),
                    Some(Trap::BackupRds),
                ),
            ));
        }
        let foreign_account = format!(
            "{}",
            100_000_000_000 + hash(&[self.seed, 0xF0]) % 899_999_999_999
        );
        let foreign_group = self.id("sg-", 17);
        let foreign_vpc = self.id("vpc-", 17);
        let peering = self.id("pcx-", 17);
        for (group, spec) in table {
            let peer = match spec.peer {
                PeerSpec::Cidr(c) => Peer::Cidr(c),
                PeerSpec::Group(k) => Peer::Group {
                    id: self.inv.groups[k].id.clone(),
                    user_id: self.inv.account.clone(),
                    known: Some(k),
                    vpc_id: None,
                    peering: None,
                },
                PeerSpec::ForeignGroup => Peer::Group {
                    id: foreign_group.clone(),
                    user_id: foreign_account.clone(),
                    known: None,
                    vpc_id: Some(foreign_vpc.clone()),
                    peering: Some(peering.clone()),
                },
                PeerSpec::PrefixList(k) => Peer::PrefixList {
                    id: self.inv.prefix_lists[k].id.clone(),
                    known: Some(k),
                },
            };
            let id = self.id("sgr-", 17);
            self.inv.rules.push(Rule {
                id,
                group,
                egress: spec.egress,
                proto: spec.proto,
                from: spec.from,
                to: spec.to,
                peer,
                description: spec.description.map(str::to_owned),
                trap: spec.trap,
            });
        }
        self.inv.hidden_members.push((foreign_group, Vec::new()));
    }

    /// A fresh private IPv4 in `subnet` (never .0–.3 nor the top; the upper half of an app /20 is
    /// kept for delegated prefixes).
    fn private_v4(&mut self, subnet: usize) -> Addr {
        let cidr = self.inv.subnets[subnet].cidr;
        let size: u128 = 1 << (32 - u32::from(cidr.len()));
        let hi = if size > 256 { size / 2 } else { size - 2 };
        loop {
            let a = cidr.nth(4 + u128::from(self.rng.below((hi - 4) as u64)));
            if !self.used.contains(&a) {
                return a;
            }
        }
    }

    fn eni_v6(&mut self, subnet: usize) -> Addr {
        let base = self.inv.subnets[subnet].v6.network().0;
        loop {
            let a = Addr::v6(base | u128::from(self.rng.next() | 0x1_0000));
            if !self.used.contains(&a) {
                return a;
            }
        }
    }

    fn public_ip(&mut self) -> Ipv4Addr {
        // Amazon-owned public ranges of us-east-1, e.g. 3.208.0.0/12, 44.192.0.0/11, 52.0.0.0/11.
        let bases: [[u8; 2]; 4] = [[3, 210], [44, 196], [52, 4], [54, 160]];
        let b = bases[self.rng.below(4) as usize];
        Ipv4Addr::new(
            b[0],
            b[1] + self.rng.below(8) as u8,
            self.rng.below(256) as u8,
            1 + self.rng.below(254) as u8,
        )
    }

    fn subnet_of(&self, tier: Tier, az: usize) -> usize {
        let az = az % self.inv.azs.len();
        self.inv
            .subnets
            .iter()
            .position(|s| s.tier == tier && (s.az == az || tier == Tier::Legacy))
            .unwrap_or(0)
    }

    fn eni(
        &mut self,
        role: Role,
        kind: EniKind,
        tier: Tier,
        az: usize,
        groups: Vec<usize>,
        opts: EniOpts,
    ) -> u16 {
        let subnet = self.subnet_of(tier, az);
        let id = self.id("eni-", 17);
        let a = self.private_v4(subnet);
        let primary = self.add_addr(a, true, false);
        let mut secondaries = Vec::new();
        for _ in 0..opts.secondaries {
            let a = self.private_v4(subnet);
            secondaries.push(self.add_addr(a, true, false));
        }
        let mut prefixes = Vec::new();
        let mut prefix_addrs = Vec::new();
        if opts.prefix {
            let cidr = self.inv.subnets[subnet].cidr;
            let block = 128 + self.rng.below(120) as u128;
            let p = Cidr::v4(cidr.nth(block * 16).v4_value().to_be_bytes(), 28);
            prefixes.push(p);
            for k in [3u128, 7, 12] {
                prefix_addrs.push(self.add_addr(p.nth(k), true, false));
            }
        }
        let v6 = if opts.v6 {
            let a = self.eni_v6(subnet);
            Some(self.add_addr(a, true, false))
        } else {
            None
        };
        let public_ip = match opts.public {
            Public::None => None,
            Public::Amazon => Some((self.public_ip(), false)),
            Public::Elastic => Some((self.public_ip(), true)),
        };
        let eport = match kind {
            EniKind::Instance { .. } | EniKind::Fargate { .. } => (32768, 60999),
            _ => (1024, 65535),
        };
        let mac = format!(
            "0e:{}:{}:{}:{}:{}",
            self.rng.hex(2),
            self.rng.hex(2),
            self.rng.hex(2),
            self.rng.hex(2),
            self.rng.hex(2)
        );
        let attach_id = self.id("eni-attach-", 17);
        self.inv.enis.push(Eni {
            id,
            role,
            kind,
            subnet,
            groups,
            primary,
            secondaries,
            prefixes,
            prefix_addrs,
            v6,
            public_ip,
            eport,
            mac,
            attach_id,
            groupset: 0,
        });
        (self.inv.enis.len() - 1) as u16
    }

    fn uuid(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "{}-{}-{}-{}-{}",
            r.hex(8),
            r.hex(4),
            r.hex(4),
            r.hex(4),
            r.hex(12)
        )
    }

    /// How an ENI of `role` was created; `shared` is the id of the row's load balancer, NAT
    /// gateway, endpoint or file system.
    fn kind(&mut self, role: Role, shared: &str) -> EniKind {
        match role {
            Role::Alb1 => EniKind::Alb {
                name: "afirgen-prod-alb".into(),
                lb_id: shared[..16].into(),
            },
            Role::Alb2 => EniKind::Alb {
                name: "ecs-web-alb".into(),
                lb_id: shared[..16].into(),
            },
            Role::Nat => EniKind::Nat {
                nat_id: format!("nat-{shared}"),
            },
            Role::Lambda => EniKind::Lambda {
                function: "rvk-express-api".into(),
                uuid: self.uuid(),
            },
            Role::Vpce => EniKind::Vpce {
                vpce_id: format!("vpce-{shared}"),
            },
            Role::RdsPrimary | Role::RdsStandby => EniKind::Rds,
            Role::Efs | Role::MongoEfs => EniKind::Efs {
                fs: format!("fs-{shared}"),
                fsmt: self.id("fsmt-", 17),
            },
            Role::Backend | Role::EcsTask | Role::Mongo => EniKind::Fargate {
                attachment: self.uuid(),
            },
            _ => EniKind::Instance {
                instance_id: self.id("i-", 17),
            },
        }
    }

    #[rustfmt::skip] // a table: one row per kind of ENI
    fn enis(&mut self, g: &Groups) {
        let every_az: Vec<usize> = (0..self.inv.azs.len()).collect();
        let two = vec![0, 1];
        let plain = EniOpts::default();
        let dual = EniOpts { v6: true, ..plain };
        // Role, subnet tier, one AZ per ENI (wrapping round the AZs), groups, options.
        let rows: Vec<EniRow> = vec![
            (Role::Alb1, Tier::Public, every_az.clone(), vec![g.alb1], EniOpts { v6: true, public: Public::Amazon, ..plain }),
            (Role::Alb2, Tier::Public, every_az.clone(), vec![g.alb2], EniOpts { public: Public::Amazon, ..plain }),
            (Role::Nat, Tier::Public, vec![0], vec![], EniOpts { public: Public::Elastic, ..plain }),
            (Role::Bastion, Tier::Public, vec![0], vec![g.bastion], EniOpts { v6: true, public: Public::Elastic, ..plain }),
            (Role::Nginx, Tier::App, every_az.clone(), vec![g.nginx, g.monitoring], plain),
            (Role::Frontend, Tier::App, two.clone(), vec![g.frontend], plain),
            (Role::Backend, Tier::App, every_az.iter().flat_map(|&a| [a, a]).collect(), vec![g.backend, g.monitoring], dual),
            (Role::Gguf, Tier::Model, two.clone(), vec![g.gguf, g.monitoring], EniOpts { secondaries: 1, ..plain }),
            (Role::Asr, Tier::Model, two.clone(), vec![g.asr, g.monitoring], plain),
            (Role::EcsTask, Tier::App, vec![0, 1, 2], vec![g.task, g.monitoring], dual),
            (Role::EcsCluster, Tier::App, two.clone(), vec![g.cluster], plain),
            (Role::Lambda, Tier::App, every_az.clone(), vec![g.lambda], plain),
            (Role::Mongo, Tier::App, vec![0], vec![g.mongo, g.monitoring], plain),
            (Role::Metrics, Tier::App, vec![0], vec![g.metrics], dual),
            (Role::Backup, Tier::App, vec![1], vec![g.backup], plain),
            (Role::Forgotten, Tier::App, vec![1], vec![g.default], dual),
            (Role::Jenkins, Tier::App, vec![0], vec![g.default], EniOpts { secondaries: 1, prefix: true, ..plain }),
            // Interface endpoints: Secrets Manager, CloudWatch Logs, ECR API, ECR DKR.
            (Role::Vpce, Tier::App, every_az.clone(), vec![g.vpce], plain),
            (Role::Vpce, Tier::App, every_az.clone(), vec![g.vpce], plain),
            (Role::Vpce, Tier::App, every_az.clone(), vec![g.vpce], plain),
            (Role::Vpce, Tier::App, every_az.clone(), vec![g.vpce], plain),
            (Role::RdsPrimary, Tier::Data, vec![0], vec![g.rds], plain),
            (Role::RdsStandby, Tier::Data, vec![1], vec![g.rds], plain),
            (Role::Efs, Tier::Data, every_az.clone(), vec![g.efs], plain),
            (Role::MongoEfs, Tier::Data, every_az, vec![g.mongo_efs], plain),
            (Role::Reporting, Tier::Legacy, vec![0], vec![g.reporting], plain),
        ];
        for (role, tier, azs, groups, opts) in rows {
            let shared = self.id("", 17);
            for az in azs {
                let kind = self.kind(role, &shared);
                self.eni(role, kind, tier, az, groups.clone(), opts);
            }
        }
        self.inv.nat_eni = self.inv.role(Role::Nat).first().copied().unwrap_or(0);
    }

    fn random_public_v4(&mut self) -> Addr {
        loop {
            let first = 1 + self.rng.below(222) as u8;
            // Not private, shared, loopback, link-local, documentation, benchmarking, multicast,
            // and not in the first octets of the S3 list (so no client is taken for S3).
            if matches!(
                first,
                3 | 10 | 16 | 18 | 44 | 52 | 54 | 100 | 127 | 169 | 172 | 192 | 198 | 203
            ) {
                continue;
            }
            let a = Addr::v4([
                first,
                self.rng.below(256) as u8,
                self.rng.below(256) as u8,
                1 + self.rng.below(254) as u8,
            ]);
            if !self.used.contains(&a) {
                return a;
            }
        }
    }

    fn random_public_v6(&mut self) -> Addr {
        const FIRST: [u16; 12] = [
            0x2001, 0x2003, 0x2400, 0x2401, 0x2405, 0x2601, 0x2603, 0x2605, 0x2607, 0x2a00, 0x2a02,
            0x2a05,
        ];
        loop {
            let first = FIRST[self.rng.below(FIRST.len() as u64) as usize];
            let mut second = self.rng.below(0x1_0000) as u16;
            if first == 0x2001 && second == 0x0db8 {
                second = 0x4860;
            }
            let bits = (u128::from(first) << 112)
                | (u128::from(second) << 96)
                | (u128::from(self.rng.next()) << 32)
                | u128::from(self.rng.next() as u32);
            let a = Addr::v6(bits);
            if !self.used.contains(&a) {
                return a;
            }
        }
    }

    fn pool_v4(&mut self, n: usize) -> Vec<u32> {
        (0..n)
            .map(|_| {
                let a = self.random_public_v4();
                self.add_addr(a, false, false)
            })
            .collect()
    }

    fn pool_v6(&mut self, n: usize) -> Vec<u32> {
        (0..n)
            .map(|_| {
                let a = self.random_public_v6();
                self.add_addr(a, false, false)
            })
            .collect()
    }

    fn pools(&mut self) {
        let clients_v4 = self.pool_v4(4000);
        let clients_v6 = self.pool_v6(800);
        let scanners_v4 = self.pool_v4(1500);
        let scanners_v6 = self.pool_v6(150);
        let services_v4 = self.pool_v4(60);
        let services_v6 = self.pool_v6(8);
        let ntp = self.pool_v4(8);
        let dns = [[8, 8, 8, 8], [8, 8, 4, 4], [1, 1, 1, 1], [1, 0, 0, 1]]
            .iter()
            .map(|&o| self.add_addr(Addr::v4(o), false, false))
            .collect();
        let s3_entries: Vec<Cidr> = self.inv.prefix_lists[0]
            .entries
            .iter()
            .map(|e| e.0)
            .collect();
        let mut s3 = Vec::new();
        while s3.len() < 24 {
            // The large ranges only: 3.5/19, 16.182/16, 52.216/15, 54.231/16.
            let c = [s3_entries[0], s3_entries[2], s3_entries[7], s3_entries[8]][s3.len() % 4];
            let size = 1u64 << (32 - u32::from(c.len()));
            let a = c.nth(u128::from(1 + self.rng.below(size - 2)));
            if !self.used.contains(&a) {
                s3.push(self.add_addr(a, false, true));
            }
        }
        let corp = [
            [198, 51, 100, 10],
            [198, 51, 100, 11],
            [198, 51, 100, 37],
            [203, 0, 113, 140],
            [203, 0, 113, 141],
        ]
        .iter()
        .map(|&o| self.add_addr(Addr::v4(o), false, false))
        .collect();
        let peer_vpc: Vec<u32> = (0..4)
            .map(|_| {
                let a = Addr::v4([
                    10,
                    99,
                    16 + self.rng.below(32) as u8,
                    4 + self.rng.below(250) as u8,
                ]);
                self.add_addr(a, false, false)
            })
            .collect();
        if let Some(h) = self.inv.hidden_members.first_mut() {
            h.1 = peer_vpc.clone();
        }
        self.inv.pools = Pools {
            clients_v4,
            clients_v6,
            scanners_v4,
            scanners_v6,
            services_v4,
            services_v6,
            dns,
            ntp,
            s3,
            corp,
            peer_vpc,
        };
    }

    fn groupsets(&mut self) {
        for i in 0..self.inv.enis.len() {
            let mut ids: Vec<String> = self.inv.enis[i]
                .groups
                .iter()
                .map(|&g| self.inv.groups[g].id.clone())
                .collect();
            ids.sort();
            let k = match self.inv.groupsets.iter().position(|s| *s == ids) {
                Some(k) => k,
                None => {
                    self.inv.groupsets.push(ids);
                    self.inv.groupsets.len() - 1
                }
            };
            self.inv.enis[i].groupset = k as u16;
        }
    }
}

#[derive(Clone, Copy, Default)]
enum Public {
    #[default]
    None,
    Amazon,
    Elastic,
}

/// Role, subnet tier, AZs (one ENI each), groups, options.
type EniRow = (Role, Tier, Vec<usize>, Vec<usize>, EniOpts);

#[derive(Clone, Copy, Default)]
struct EniOpts {
    v6: bool,
    secondaries: usize,
    prefix: bool,
    public: Public,
}

struct Groups {
    default: usize,
    alb1: usize,
    nginx: usize,
    frontend: usize,
    backend: usize,
    gguf: usize,
    asr: usize,
    rds: usize,
    efs: usize,
    backup: usize,
    vpce: usize,
    lambda: usize,
    mongo: usize,
    mongo_efs: usize,
    alb2: usize,
    task: usize,
    cluster: usize,
    bastion: usize,
    monitoring: usize,
    metrics: usize,
    reporting: usize,
    wizard: usize,
}
