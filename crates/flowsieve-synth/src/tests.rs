//! Archive-level tests. Each generates a small archive in a temporary directory and checks it from
//! the written files alone: the inventory JSON, the gzip objects and the labels. The recount at
//! the heart of them is a second, independent evaluation of docs/semantics.md (it shares no code
//! with the generator beyond this crate's public API), so a disagreement with `truth.json` means
//! the generator wrote something other than what it accounted for.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read as _;
use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

use crate::generate::generate_with;
use crate::{Error, FlowLogSpec, GenerateConfig, Layout, generate};

/// Every file under `dir`, by relative path with `/` separators.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let r = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out);
    assert!(r.is_ok(), "every object is one valid gzip stream");
    out
}

struct Archive {
    /// Kept so the directory lives as long as the archive.
    _dir: tempfile::TempDir,
    files: BTreeMap<String, Vec<u8>>,
    truth: Value,
}

impl Archive {
    fn new(
        records: u64,
        seed: u64,
        part_limit: usize,
        adjust: impl FnOnce(&mut GenerateConfig),
    ) -> Archive {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let mut cfg = GenerateConfig::new(dir.path(), records, seed);
        cfg.labels = true;
        adjust(&mut cfg);
        let summary =
            generate_with(&cfg, part_limit, &|_, _| {}).unwrap_or_else(|e| panic!("generate: {e}"));
        let files = tree(dir.path());
        let truth: Value = serde_json::from_slice(&files["truth.json"]).unwrap_or_default();
        let a = Archive {
            _dir: dir,
            files,
            truth,
        };
        assert_eq!(summary.files, a.objects().count());
        assert_eq!(
            summary.records,
            a.flow_logs()
                .iter()
                .map(|f| f["lines"]["records"].as_u64().unwrap_or(0))
                .sum::<u64>()
        );
        a
    }

    fn flow_logs(&self) -> &Vec<Value> {
        self.truth["flow_logs"]
            .as_array()
            .unwrap_or_else(|| panic!("truth has flow_logs"))
    }

    fn objects(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.files
            .iter()
            .filter(|(k, _)| k.starts_with("logs/") && k.ends_with(".log.gz"))
    }

    fn json(&self, name: &str) -> Value {
        serde_json::from_slice(&self.files[&format!("inventory/{name}")]).unwrap_or_default()
    }

    /// The decompressed lines of every object of flow log `fl` (trailing newline checked).
    fn lines_of(&self, fl: &Value) -> Vec<(String, Vec<Vec<u8>>)> {
        let id = fl["id"].as_str().unwrap_or_default();
        self.objects()
            .filter(|(k, _)| k.contains(&format!("_{id}_")))
            .map(|(k, v)| {
                let text = gunzip(v);
                assert_eq!(text.last(), Some(&b'\n'), "{k} ends with a newline");
                let lines = text[..text.len() - 1]
                    .split(|&b| b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect();
                (k.clone(), lines)
            })
            .collect()
    }

    fn labels(&self, key: &str) -> Vec<String> {
        let stem = key.trim_start_matches("logs/").trim_end_matches(".log.gz");
        let text = String::from_utf8(self.files[&format!("labels/{stem}.tsv")].clone())
            .unwrap_or_default();
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                let (n, class) = l.split_once('\t').unwrap_or(("", ""));
                assert_eq!(n, (i + 1).to_string());
                class.to_string()
            })
            .collect()
    }
}

/// A CIDR block, parsed from the JSON.
#[derive(Clone, Copy, Debug)]
struct Net {
    ip: IpAddr,
    len: u32,
}

impl Net {
    fn parse(s: &str) -> Net {
        let (ip, len) = s.split_once('/').unwrap_or((s, "128"));
        Net {
            ip: ip.parse().unwrap_or_else(|_| panic!("address {ip}")),
            len: len.parse().unwrap_or(0),
        }
    }

    fn contains(&self, a: IpAddr) -> bool {
        match (self.ip, a) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                self.len == 0 || (u32::from(n) ^ u32::from(a)) >> (32 - self.len) == 0
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                self.len == 0 || (u128::from(n) ^ u128::from(a)) >> (128 - self.len) == 0
            }
            _ => false,
        }
    }
}

enum JPeer {
    Net(Net),
    Group(String),
    List(String),
}

struct JRule {
    id: String,
    group: String,
    egress: bool,
    proto: i64,
    from: i64,
    to: i64,
    peer: JPeer,
}

#[derive(Default)]
struct JEni {
    always_tracked: bool,
    groups: Vec<String>,
    addrs: Vec<IpAddr>,
    prefixes: Vec<Net>,
}

/// The inventory as a reader of the AWS CLI JSON sees it.
struct Inv {
    rules: Vec<JRule>,
    enis: HashMap<String, JEni>,
    lists: HashMap<String, Vec<Net>>,
    groups: HashSet<String>,
    vpc: Vec<Net>,
}

fn protocol_number(p: &str) -> i64 {
    match p {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" => 58,
        other => other.parse().unwrap_or(-2),
    }
}

impl Inv {
    fn load(a: &Archive) -> Inv {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let rules = a.json("describe-security-group-rules.json")["SecurityGroupRules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| JRule {
                id: s(&r["SecurityGroupRuleId"]),
                group: s(&r["GroupId"]),
                egress: r["IsEgress"].as_bool().unwrap_or(false),
                proto: protocol_number(r["IpProtocol"].as_str().unwrap_or_default()),
                from: r["FromPort"].as_i64().unwrap_or(-2),
                to: r["ToPort"].as_i64().unwrap_or(-2),
                peer: if let Some(c) = r["CidrIpv4"].as_str().or(r["CidrIpv6"].as_str()) {
                    JPeer::Net(Net::parse(c))
                } else if let Some(p) = r["PrefixListId"].as_str() {
                    JPeer::List(p.into())
                } else {
                    JPeer::Group(s(&r["ReferencedGroupInfo"]["GroupId"]))
                },
            })
            .collect();
        let mut enis = HashMap::new();
        for e in a.json("describe-network-interfaces.json")["NetworkInterfaces"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let list = |k: &str| e[k].as_array().cloned().unwrap_or_default();
            let addrs = |k: &str, f: &str| -> Vec<Net> {
                list(k)
                    .iter()
                    .map(|p| Net::parse(p[f].as_str().unwrap_or_default()))
                    .collect()
            };
            let mut ips: Vec<IpAddr> = addrs("PrivateIpAddresses", "PrivateIpAddress")
                .iter()
                .map(|n| n.ip)
                .collect();
            ips.extend(addrs("Ipv6Addresses", "Ipv6Address").iter().map(|n| n.ip));
            let description = e["Description"].as_str().unwrap_or_default();
            let eni = JEni {
                always_tracked: matches!(
                    e["InterfaceType"].as_str().unwrap_or_default(),
                    "nat_gateway" | "natGateway" | "vpc_endpoint" | "network_load_balancer"
                ) || description.starts_with("ELB ")
                    || e["RequesterId"] == "amazon-elb",
                groups: list("Groups").iter().map(|g| s(&g["GroupId"])).collect(),
                addrs: ips,
                prefixes: addrs("Ipv4Prefixes", "Ipv4Prefix"),
            };
            enis.insert(s(&e["NetworkInterfaceId"]), eni);
        }
        let mut lists = HashMap::new();
        for pl in a.json("describe-managed-prefix-lists.json")["PrefixLists"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = s(&pl["PrefixListId"]);
            let entries = a.json(&format!("get-managed-prefix-list-entries-{id}.json"))["Entries"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| Net::parse(e["Cidr"].as_str().unwrap_or_default()))
                .collect();
            lists.insert(id, entries);
        }
        let groups = a.json("describe-security-groups.json")["SecurityGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| s(&g["GroupId"]))
            .collect();
        let vpc_json = a.json("describe-vpcs.json");
        let v = &vpc_json["Vpcs"][0];
        let vpc = vec![
            Net::parse(v["CidrBlock"].as_str().unwrap_or_default()),
            Net::parse(
                v["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
                    .as_str()
                    .unwrap_or_default(),
            ),
        ];
        Inv {
            rules,
            enis,
            lists,
            groups,
            vpc,
        }
    }

    fn member(&self, group: &str, a: IpAddr) -> bool {
        self.enis
            .values()
            .filter(|e| e.groups.iter().any(|g| g == group))
            .any(|e| e.addrs.contains(&a) || e.prefixes.iter().any(|p| p.contains(a)))
    }

    fn peer_contains(&self, peer: &JPeer, a: IpAddr) -> bool {
        match peer {
            JPeer::Net(n) => n.contains(a),
            JPeer::Group(g) => self.groups.contains(g) && self.member(g, a),
            JPeer::List(l) => self
                .lists
                .get(l)
                .is_some_and(|v| v.iter().any(|n| n.contains(a))),
        }
    }

    fn internal(&self, a: IpAddr) -> bool {
        self.vpc.iter().any(|n| n.contains(a))
            || self
                .enis
                .values()
                .any(|e| e.addrs.contains(&a) || e.prefixes.iter().any(|p| p.contains(a)))
    }

    fn unresolved(&self, peer: &JPeer) -> bool {
        match peer {
            JPeer::Group(g) => !self.groups.contains(g),
            JPeer::List(l) => !self.lists.contains_key(l),
            JPeer::Net(_) => false,
        }
    }

    /// Rules that carry the replies of untracked flows (AWS's connection-tracking rule, read
    /// from the JSON): a used rule from/to everyone (/0) for TCP, UDP or all, and on the same
    /// ENI a rule the other way allowing all traffic (or all ports of that protocol) to/from
    /// everyone of the family. Load balancer, NAT gateway and endpoint ENIs are always tracked.
    fn untracked_replies(&self, used: &HashSet<String>) -> HashSet<String> {
        let mut out = HashSet::new();
        for e in self.enis.values().filter(|e| !e.always_tracked) {
            let rules: Vec<&JRule> = self
                .rules
                .iter()
                .filter(|r| e.groups.contains(&r.group))
                .collect();
            for o in &rules {
                let JPeer::Net(c) = &o.peer else { continue };
                if !used.contains(&o.id) || c.len != 0 || !matches!(o.proto, -1 | 6 | 17) {
                    continue;
                }
                for r in &rules {
                    let JPeer::Net(rc) = &r.peer else { continue };
                    let all_ports = r.from == -1 || (r.from == 0 && r.to == 65535);
                    if r.egress != o.egress
                        && rc.len == 0
                        && rc.ip.is_ipv4() == c.ip.is_ipv4()
                        && (r.proto == -1 || (all_ports && (o.proto == -1 || r.proto == o.proto)))
                    {
                        out.insert(r.id.clone());
                    }
                }
            }
        }
        out
    }

    /// A group peer that no ENI carries.
    fn group_without_members(&self, peer: &JPeer) -> bool {
        match peer {
            JPeer::Group(g) => !self.enis.values().any(|e| e.groups.contains(g)),
            _ => false,
        }
    }
}

#[derive(Default, Debug, PartialEq)]
struct RuleCount {
    records: u64,
    packets: u64,
    bytes: u64,
    possible: u64,
    first: Option<u64>,
    last: Option<u64>,
}

#[derive(Default, Debug)]
struct HotCount {
    records: u64,
    packets: u64,
    sources: BTreeSet<IpAddr>,
    first: Option<u64>,
    last: Option<u64>,
}

/// What one flow log's files say, recounted.
#[derive(Default)]
struct Recount {
    files: u64,
    lines: BTreeMap<&'static str, u64>,
    rules: HashMap<String, RuleCount>,
    seen: HashSet<String>,
    skipped: HashSet<String>,
    hot: BTreeMap<(Vec<String>, u64, u64, &'static str), HotCount>,
    egress_rejects: u64,
    reverse_rejects: u64,
}

fn min_opt(a: Option<u64>, b: u64) -> Option<u64> {
    Some(a.map_or(b, |a| a.min(b)))
}

fn max_opt(a: Option<u64>, b: u64) -> Option<u64> {
    Some(a.map_or(b, |a| a.max(b)))
}

/// Recounts flow log `fl` from its objects and labels, checking every line on the way.
fn recount(a: &Archive, inv: &Inv, fl: &Value) -> Recount {
    let header_names: Vec<&str> = fl["format"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .map(|f| f.trim_start_matches("${").trim_end_matches('}'))
        .collect();
    let col = |name: &str| header_names.iter().position(|&h| h == name);
    let malformed: HashSet<(String, u64)> = fl["malformed"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["file"].as_str().unwrap_or_default().to_string(),
                m["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let (c_eni, c_status, c_action) = (col("interface-id"), col("log-status"), col("action"));
    let mut r = Recount::default();
    for (key, lines) in a.lines_of(fl) {
        r.files += 1;
        let labels = a.labels(&key);
        assert_eq!(labels.len(), lines.len(), "{key}: one label per line");
        for (i, line) in lines.iter().enumerate() {
            let n = i as u64 + 1;
            let label = labels[i].as_str();
            *r.lines.entry("total").or_default() += 1;
            if n == 1 {
                assert_eq!(
                    line.as_slice(),
                    header_names.join(" ").as_bytes(),
                    "{key}: header"
                );
                assert_eq!(label, "header");
                *r.lines.entry("header").or_default() += 1;
                continue;
            }
            if malformed.contains(&(key.clone(), n)) {
                assert_eq!(label, "malformed", "{key}:{n}");
                *r.lines.entry("malformed").or_default() += 1;
                continue;
            }
            let text = std::str::from_utf8(line)
                .unwrap_or_else(|_| panic!("{key}:{n} is not UTF-8 but not listed as malformed"));
            let f: Vec<&str> = text.split(' ').collect();
            assert_eq!(f.len(), header_names.len(), "{key}:{n}: field count");
            assert!(f.iter().all(|x| !x.is_empty()), "{key}:{n}: empty field");
            let get = |name: &str| col(name).map(|c| f[c]);
            let num = |name: &str| {
                get(name)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or_else(|| panic!("{key}:{n}: {name}"))
            };
            let eni_id = c_eni.map(|c| f[c]).unwrap_or_default();
            r.seen.insert(eni_id.to_string());
            let status = c_status.map(|c| f[c]).unwrap_or("OK");
            if status == "SKIPDATA" {
                r.skipped.insert(eni_id.to_string());
            }
            match status {
                "NODATA" | "SKIPDATA" => {
                    assert_eq!(label, status.to_ascii_lowercase());
                    *r.lines
                        .entry(if status == "NODATA" {
                            "nodata"
                        } else {
                            "skipdata"
                        })
                        .or_default() += 1;
                    continue;
                }
                "OK" => {}
                other => panic!("{key}:{n}: log-status {other}"),
            }
            *r.lines.entry("records").or_default() += 1;
            assert!(
                label == "forward" || label == "reverse",
                "{key}:{n}: label {label}"
            );
            let eni = inv
                .enis
                .get(eni_id)
                .unwrap_or_else(|| panic!("{key}:{n}: unknown ENI {eni_id}"));
            let ip = |name: &str| -> IpAddr {
                get(name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{key}:{n}: {name}"))
            };
            let (src, dst) = (ip("srcaddr"), ip("dstaddr"));
            let egress = match get("flow-direction") {
                Some(d) => d == "egress",
                None => eni.addrs.contains(&src),
            };
            let remote = match (egress, get("pkt-dstaddr").is_some()) {
                (true, true) => ip("pkt-dstaddr"),
                (true, false) => dst,
                (false, true) => ip("pkt-srcaddr"),
                (false, false) => src,
            };
            let (proto, dport, packets, bytes, start, end) = (
                num("protocol"),
                num("dstport"),
                num("packets"),
                num("bytes"),
                num("start"),
                num("end"),
            );
            assert!(start <= end);
            let forward = label == "forward";
            let accept = c_action.map(|c| f[c]) == Some("ACCEPT");
            if accept && forward {
                for rule in &inv.rules {
                    let ports_ok = rule.proto == -1
                        || !(proto == 6 || proto == 17)
                        || (rule.from <= dport as i64 && dport as i64 <= rule.to);
                    if eni.groups.contains(&rule.group)
                        && rule.egress == egress
                        && (rule.proto == -1 || rule.proto == proto as i64)
                        && ports_ok
                        && inv.peer_contains(&rule.peer, remote)
                    {
                        let c = r.rules.entry(rule.id.clone()).or_default();
                        if (rule.proto == 1 || rule.proto == 58) && rule.from != -1 {
                            c.possible += 1;
                        } else {
                            c.records += 1;
                            c.packets += packets;
                            c.bytes += bytes;
                            c.first = min_opt(c.first, start);
                            c.last = max_opt(c.last, end);
                        }
                    }
                }
            } else if !accept {
                if egress {
                    r.egress_rejects += 1;
                } else if !forward {
                    r.reverse_rejects += 1;
                } else {
                    let mut groups = eni.groups.clone();
                    groups.sort();
                    let class = if inv.internal(remote) {
                        "internal"
                    } else {
                        "external"
                    };
                    let h = r.hot.entry((groups, dport, proto, class)).or_default();
                    h.records += 1;
                    h.packets += packets;
                    h.sources.insert(remote);
                    h.first = min_opt(h.first, start);
                    h.last = max_opt(h.last, end);
                }
            }
        }
    }
    r
}

/// Checks `truth.json` against the recount of every flow log.
fn check_truth(a: &Archive) {
    let inv = Inv::load(a);
    for fl in a.flow_logs() {
        let r = recount(a, &inv, fl);
        let name = fl["name"].as_str().unwrap_or_default();
        assert_eq!(fl["files"].as_u64(), Some(r.files), "{name}: files");
        let lines = &fl["lines"];
        const BUCKETS: [&str; 6] = [
            "header",
            "records",
            "nodata",
            "skipdata",
            "blank",
            "malformed",
        ];
        for k in std::iter::once("total").chain(BUCKETS) {
            let counted = r.lines.get(k).copied().unwrap_or(0);
            assert_eq!(lines[k].as_u64(), Some(counted), "{name}: lines.{k}");
        }
        let sum: u64 = BUCKETS.iter().map(|k| lines[k].as_u64().unwrap_or(0)).sum();
        assert_eq!(
            lines["total"].as_u64(),
            Some(sum),
            "{name}: the buckets add up"
        );
        assert_eq!(
            fl["other_rejects"]["egress"].as_u64(),
            Some(r.egress_rejects)
        );
        assert_eq!(
            fl["other_rejects"]["ingress_reverse"].as_u64(),
            Some(r.reverse_rejects)
        );
        let rules = fl["rules"].as_array().unwrap_or_else(|| panic!("rules"));
        assert_eq!(rules.len(), inv.rules.len(), "{name}: every rule is listed");
        let ids: Vec<&str> = rules
            .iter()
            .map(|x| x["rule_id"].as_str().unwrap_or_default())
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "{name}: rules sorted by id"
        );
        let used: HashSet<String> = r
            .rules
            .iter()
            .filter(|(_, c)| c.records > 0)
            .map(|(id, _)| id.clone())
            .collect();
        let untracked = inv.untracked_replies(&used);
        for t in rules {
            let id = t["rule_id"].as_str().unwrap_or_default();
            let rule = inv
                .rules
                .iter()
                .find(|x| x.id == id)
                .unwrap_or_else(|| panic!("{id} in the JSON"));
            let empty = RuleCount::default();
            let c = r.rules.get(id).unwrap_or(&empty);
            let got = RuleCount {
                records: t["records"].as_u64().unwrap_or(u64::MAX),
                packets: t["packets"].as_u64().unwrap_or(u64::MAX),
                bytes: t["bytes"].as_u64().unwrap_or(u64::MAX),
                possible: t["possible_records"].as_u64().unwrap_or(u64::MAX),
                first: t["first_seen"].as_u64(),
                last: t["last_seen"].as_u64(),
            };
            assert_eq!(&got, c, "{name}: {id}");
            let carriers: Vec<&String> = inv
                .enis
                .iter()
                .filter(|(_, e)| e.groups.contains(&rule.group))
                .map(|(eid, _)| eid)
                .collect();
            let logged = carriers.iter().filter(|eid| r.seen.contains(**eid)).count();
            let mut reasons: Vec<&str> = Vec::new();
            if c.records == 0 {
                if carriers.is_empty() {
                    reasons.push("no_carrier_enis");
                } else if logged == 0 {
                    reasons.push("no_logs_for_group");
                } else if logged < carriers.len() {
                    reasons.push("partial_coverage");
                }
                if carriers.iter().any(|eid| r.skipped.contains(*eid)) {
                    reasons.push("skipdata");
                }
                if inv.unresolved(&rule.peer) {
                    reasons.push("unresolved_peer");
                } else if inv.group_without_members(&rule.peer) {
                    reasons.push("peer_membership_incomplete");
                }
                if (rule.proto == 1 || rule.proto == 58) && rule.from != -1 && c.possible > 0 {
                    reasons.push("icmp_type_not_logged");
                }
                if untracked.contains(id) {
                    reasons.push("untracked_flow_dependency");
                }
            }
            let expected_status = if c.records > 0 {
                "used"
            } else if reasons.is_empty() {
                "unused"
            } else {
                "unknown"
            };
            let got_reasons: Vec<&str> = t["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            assert_eq!(
                (t["status"].as_str().unwrap_or_default(), got_reasons),
                (expected_status, reasons),
                "{name}: {id}"
            );
        }
        let hot = fl["reject_hotspots"]
            .as_array()
            .unwrap_or_else(|| panic!("hotspots"));
        assert_eq!(hot.len(), r.hot.len(), "{name}: every hotspot is listed");
        for h in hot {
            let groups: Vec<String> = h["group_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| g.as_str().unwrap_or_default().to_string())
                .collect();
            let class = if h["peer_class"] == "internal" {
                "internal"
            } else {
                "external"
            };
            let key = (
                groups,
                h["dst_port"].as_u64().unwrap_or(0),
                h["protocol"].as_u64().unwrap_or(0),
                class,
            );
            let c = r
                .hot
                .get(&key)
                .unwrap_or_else(|| panic!("{name}: hotspot {key:?} not in the files"));
            assert_eq!(h["records"].as_u64(), Some(c.records));
            assert_eq!(h["packets"].as_u64(), Some(c.packets));
            assert_eq!(h["distinct_sources"].as_u64(), Some(c.sources.len() as u64));
            assert_eq!(h["first_seen"].as_u64(), c.first);
            assert_eq!(h["last_seen"].as_u64(), c.last);
        }
        let rank = |h: &Value| {
            (
                h["peer_class"] == "external",
                std::cmp::Reverse(h["records"].as_u64()),
                std::cmp::Reverse(h["packets"].as_u64()),
            )
        };
        assert!(
            hot.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
            "{name}: ranked"
        );
    }
}

#[test]
fn truth_matches_an_independent_recount_of_the_files() {
    let a = Archive::new(30_000, 5, crate::render::PART_LIMIT, |c| c.malformed = true);
    check_truth(&a);
    // Both flow logs record the same traffic, with different windows.
    let fl = a.flow_logs();
    assert_eq!(fl.len(), 2);
    assert!(fl[1]["lines"]["records"].as_u64() > fl[0]["lines"]["records"].as_u64());
}

#[test]
fn small_objects_split_and_stay_consistent() {
    let limit = 96 * 1024;
    let a = Archive::new(20_000, 8, limit, |c| c.layout = Layout::Hive);
    let mut per_window: HashMap<String, usize> = HashMap::new();
    for (k, v) in a.objects() {
        assert!(gunzip(v).len() <= limit, "{k} exceeds the part limit");
        let window = k
            .rsplit_once('_')
            .map(|(w, _)| w.to_string())
            .unwrap_or_default();
        *per_window.entry(window).or_default() += 1;
    }
    assert!(
        per_window.values().any(|&n| n >= 3),
        "large windows are split into several objects"
    );
    check_truth(&a);
}

/// The same arguments give the same bytes, whatever the thread count; another seed does not.
#[test]
fn output_is_a_pure_function_of_the_arguments() {
    let run = |threads: usize, seed: u64| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut cfg = GenerateConfig::new(dir.path(), 12_000, seed);
        cfg.malformed = true;
        cfg.labels = true;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let r = pool.install(|| generate(&cfg));
        assert!(r.is_ok());
        tree(dir.path())
    };
    let one = run(1, 3);
    let two = run(2, 3);
    let three = run(3, 3);
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    assert!(
        one == two && two == three,
        "thread count changed the output"
    );
    let other = run(2, 4);
    assert_ne!(one.get("truth.json"), other.get("truth.json"));
}

#[test]
fn object_keys_and_windows() {
    for layout in [Layout::Plain, Layout::Hive] {
        let a = Archive::new(8_000, 2, crate::render::PART_LIMIT, |c| c.layout = layout);
        let acct = a.json("describe-network-interfaces.json")["NetworkInterfaces"][0]["OwnerId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for fl in a.flow_logs() {
            let id = fl["id"].as_str().unwrap_or_default();
            let agg = fl["aggregation_seconds"].as_u64().unwrap_or(0);
            assert!(id.starts_with("fl-"));
            for (key, lines) in a.lines_of(fl) {
                let (dir, name) = key.rsplit_once('/').unwrap_or_default();
                let parts: Vec<&str> = name.trim_end_matches(".log.gz").split('_').collect();
                assert_eq!(parts.len(), 6, "{name}");
                assert_eq!(
                    &parts[..4],
                    &[acct.as_str(), "vpcflowlogs", "us-east-1", id]
                );
                let stamp = parts[4];
                assert!(stamp.len() == 14 && stamp.ends_with('Z') && &stamp[8..9] == "T");
                assert!(parts[5].len() == 8 && parts[5].chars().all(|c| c.is_ascii_hexdigit()));
                let (y, m, d) = (&stamp[0..4], &stamp[4..6], &stamp[6..8]);
                let expected_dir = match layout {
                    Layout::Plain => {
                        format!("logs/AWSLogs/{acct}/vpcflowlogs/us-east-1/{y}/{m}/{d}")
                    }
                    Layout::Hive => format!(
                        "logs/AWSLogs/aws-account-id={acct}/aws-service=vpcflowlogs/aws-region=us-east-1/year={y}/month={m}/day={d}"
                    ),
                };
                assert_eq!(dir, expected_dir);
                let minute: u64 = stamp[11..13].parse().unwrap_or(99);
                assert_eq!(minute % 5, 0);
                // Every record's end lies in the object's 5-minute window; starts and ends
                // stay inside one aggregation window.
                let window_start = crate::time::days_from_civil(
                    y.parse().unwrap_or(0),
                    m.parse().unwrap_or(0),
                    d.parse().unwrap_or(0),
                ) as u64
                    * 86_400
                    + stamp[9..11].parse::<u64>().unwrap_or(0) * 3600
                    + minute * 60;
                let header: Vec<&[u8]> = lines[0].split(|&b| b == b' ').collect();
                let (cs, ce) = (
                    header.iter().position(|&h| h == b"start"),
                    header.iter().position(|&h| h == b"end"),
                );
                for line in lines.iter().skip(1) {
                    let f: Vec<&str> = std::str::from_utf8(line)
                        .unwrap_or_default()
                        .split(' ')
                        .collect();
                    let (Some(s), Some(e)) = (
                        cs.and_then(|c| f.get(c)?.parse::<u64>().ok()),
                        ce.and_then(|c| f.get(c)?.parse::<u64>().ok()),
                    ) else {
                        continue;
                    };
                    assert!(
                        (window_start..window_start + 300).contains(&e),
                        "{key}: end {e}"
                    );
                    assert_eq!(
                        s - s % agg,
                        e - e % agg,
                        "{key}: start and end in one aggregation window"
                    );
                }
            }
        }
    }
}

/// The custom flow log's tcp-flags: SYN without ACK only forward, SYN-ACK only reverse, REJECTs
/// carry SYN; an accepted TCP connection inside the VPC leaves four records per window.
#[test]
fn tcp_flags_and_four_records_per_window() {
    let a = Archive::new(25_000, 6, crate::render::PART_LIMIT, |c| {
        c.formats = vec![FlowLogSpec::Custom]
    });
    let inv = Inv::load(&a);
    let fl = &a.flow_logs()[0];
    assert_eq!(fl["has_tcp_flags"], true);
    let nat: HashSet<IpAddr> = a.json("describe-network-interfaces.json")["NetworkInterfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["InterfaceType"] == "nat_gateway")
        .filter_map(|e| e["PrivateIpAddress"].as_str()?.parse().ok())
        .collect();
    let mut per_conn_window: HashMap<(IpAddr, IpAddr, String, String, u64), usize> = HashMap::new();
    let mut refused = HashSet::new();
    let mut first_window_seen = (0, 0);
    let objects = a.lines_of(fl);
    // Addresses of the ENIs the flow log covers (the legacy subnet's are not).
    let eni_col = fl["format"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .position(|f| f == "${interface-id}")
        .unwrap_or(usize::MAX);
    let logged: HashSet<IpAddr> = objects
        .iter()
        .flat_map(|(_, lines)| lines.iter().skip(1))
        .filter_map(|l| {
            std::str::from_utf8(l)
                .ok()?
                .split(' ')
                .nth(eni_col)
                .map(str::to_string)
        })
        .collect::<HashSet<_>>()
        .iter()
        .filter_map(|id| inv.enis.get(id))
        .flat_map(|e| {
            e.addrs
                .iter()
                .copied()
                .chain(e.prefixes.iter().map(|p| p.ip))
        })
        .collect();
    let covered = |a: IpAddr| {
        logged.contains(&a)
            || inv
                .enis
                .values()
                .any(|e| e.prefixes.iter().any(|p| p.contains(a)) && logged.contains(&e.addrs[0]))
    };
    for (key, lines) in objects {
        let labels = a.labels(&key);
        let h: Vec<&str> = std::str::from_utf8(&lines[0])
            .unwrap_or_default()
            .split(' ')
            .collect();
        let c = |n: &str| h.iter().position(|&x| x == n).unwrap_or(usize::MAX);
        for (i, line) in lines.iter().enumerate().skip(1) {
            let f: Vec<&str> = std::str::from_utf8(line)
                .unwrap_or_default()
                .split(' ')
                .collect();
            if f.get(c("log-status")) != Some(&"OK") || f.get(c("protocol")) != Some(&"6") {
                continue;
            }
            let flags: u8 = f[c("tcp-flags")].parse().unwrap_or(255);
            let forward = labels[i] == "forward";
            let accept = f[c("action")] == "ACCEPT";
            if forward {
                assert!(
                    [0, 1, 2, 3, 4, 6].contains(&flags),
                    "{key}:{}: forward flags {flags}",
                    i + 1
                );
            } else {
                assert!(
                    [0, 1, 18, 19].contains(&flags) || (!accept && flags == 1),
                    "{key}:{}: reverse flags {flags}",
                    i + 1
                );
            }
            if !accept && forward {
                assert_eq!(flags, 2, "a refused attempt carries SYN only");
            }
            if flags & 2 != 0 {
                if forward {
                    first_window_seen.0 += 1
                } else {
                    first_window_seen.1 += 1
                }
            }
            let (ps, pd): (IpAddr, IpAddr) = (
                f[c("pkt-srcaddr")].parse().unwrap_or(IpAddr::from([0; 4])),
                f[c("pkt-dstaddr")].parse().unwrap_or(IpAddr::from([0; 4])),
            );
            let intra = covered(ps) && covered(pd) && !nat.contains(&ps) && !nat.contains(&pd);
            if intra {
                let (sp, dp) = (f[c("srcport")].to_string(), f[c("dstport")].to_string());
                let start: u64 = f[c("start")].parse().unwrap_or(0);
                let k = if (ps, &sp) < (pd, &dp) {
                    (ps, pd, sp, dp, start / 60)
                } else {
                    (pd, ps, dp, sp, start / 60)
                };
                if accept {
                    *per_conn_window.entry(k).or_default() += 1;
                } else {
                    // A refused attempt (its client's egress ACCEPT is alone) or a late packet.
                    refused.insert(k);
                }
            }
        }
    }
    assert!(first_window_seen.0 > 100 && first_window_seen.1 > 100);
    assert!(per_conn_window.len() > 1000);
    for (k, n) in per_conn_window
        .iter()
        .filter(|(k, _)| !refused.contains(*k))
    {
        assert_eq!(n % 4, 0, "{k:?}: {n} records in one window");
    }
}

#[test]
fn traps_behave_as_named() {
    for seed in [10, 11] {
        let a = Archive::new(15_000, seed, crate::render::PART_LIMIT, |_| {});
        check_truth(&a);
        let traps = a.truth["traps"]
            .as_array()
            .unwrap_or_else(|| panic!("traps"));
        let missing = a.truth["variant"]["backup_rds_rule_missing"].as_bool();
        assert_eq!(missing, Some(seed % 2 == 1));
        let names: Vec<&str> = traps.iter().filter_map(|t| t["name"].as_str()).collect();
        for n in [
            "egress_ephemeral_return_only",
            "nacl_rejected_only",
            "used_once",
            "used_twice",
            "missing_alb_health_check_rule",
            "icmp_type_not_logged",
            "no_logs_for_group",
            "unresolved_peer",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert!(names.contains(&if seed % 2 == 1 {
            "backup_rds_rule_missing"
        } else {
            "backup_rds_rule_present"
        }));
        for fl in a.flow_logs() {
            let rules: HashMap<&str, &Value> = fl["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| (r["rule_id"].as_str().unwrap_or_default(), r))
                .collect();
            let hot = fl["reject_hotspots"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for t in traps {
                let name = t["name"].as_str().unwrap_or_default();
                let ids = t["rule_ids"].as_array().cloned().unwrap_or_default();
                assert!(!ids.is_empty(), "{name}");
                for id in ids {
                    let r = rules[id.as_str().unwrap_or_default()];
                    assert_eq!(r["status"], t["expect"], "{name}: {id}");
                    assert_eq!(r["reasons"], t["reasons"], "{name}: {id}");
                    if let Some(n) = t["records"].as_u64() {
                        assert_eq!(r["records"].as_u64(), Some(n), "{name}: {id}");
                    }
                }
                if let Some(h) = t["hotspot"].as_object() {
                    let same = |x: &Value| {
                        x["group_ids"] == h["group_ids"]
                            && x["dst_port"] == h["dst_port"]
                            && x["protocol"] == h["protocol"]
                            && x["peer_class"] == h["peer_class"]
                    };
                    let pos = hot
                        .iter()
                        .position(same)
                        .unwrap_or_else(|| panic!("{name}: hotspot missing"));
                    if h["expect"] == "top_internal" {
                        let first_internal = hot.iter().position(|x| x["peer_class"] == "internal");
                        assert_eq!(first_internal, Some(pos), "{name}");
                    }
                }
            }
            let icmp = traps
                .iter()
                .find(|t| t["name"] == "icmp_type_not_logged")
                .and_then(|t| t["rule_ids"].as_array())
                .cloned()
                .unwrap_or_default();
            assert!(
                icmp.iter().any(
                    |id| rules[id.as_str().unwrap_or_default()]["possible_records"].as_u64()
                        > Some(0)
                ),
                "pings reach the bastion"
            );
            let rds = hot
                .iter()
                .any(|x| x["dst_port"] == 3306 && x["peer_class"] == "internal");
            assert_eq!(
                rds,
                seed % 2 == 1,
                "backups are refused exactly in the variant"
            );
        }
    }
}

/// Each planned malformed line is where the truth says, defective in the way it says, and the
/// only defect of its line.
#[test]
fn malformed_lines_are_where_the_truth_says() {
    let a = Archive::new(10_000, 9, crate::render::PART_LIMIT, |c| c.malformed = true);
    for fl in a.flow_logs() {
        let header: Vec<String> = fl["format"]
            .as_str()
            .unwrap_or_default()
            .split(' ')
            .map(|f| f.trim_start_matches("${").trim_end_matches('}').to_string())
            .collect();
        let objects: HashMap<String, Vec<Vec<u8>>> = a.lines_of(fl).into_iter().collect();
        let list = fl["malformed"].as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), 24, "three of each of the eight classes");
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for m in list {
            let (file, line, reason) = (
                m["file"].as_str().unwrap_or_default(),
                m["line"].as_u64().unwrap_or(0) as usize,
                m["reason"].as_str().unwrap_or_default(),
            );
            *reasons.entry(reason.to_string()).or_default() += 1;
            let bytes = &objects[file][line - 1];
            let fields: Vec<&[u8]> = bytes.split(|&b| b == b' ').collect();
            let field = m["field"].as_str();
            let value = field
                .and_then(|f| header.iter().position(|h| h == f))
                .map(|c| fields[c]);
            assert!(!matches!(field, Some("version" | "account-id")));
            match reason {
                "field_count" => assert_ne!(fields.len(), header.len()),
                "line_too_long" => assert!(bytes.len() > 32 * 1024),
                "invalid_utf8" => assert!(std::str::from_utf8(bytes).is_err() && value.is_some()),
                "empty_field" => assert_eq!(value, Some(&b""[..])),
                "invalid_number" => assert!(
                    value.is_some_and(|v| !v.iter().all(|b| b.is_ascii_digit()) && v != b"-")
                ),
                "number_out_of_range" => {
                    let v: u128 = value
                        .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
                        .unwrap_or(0);
                    let limit = match field {
                        Some("srcport" | "dstport") => 65_535,
                        Some("protocol" | "tcp-flags") => 255,
                        _ => u128::from(u64::MAX),
                    };
                    assert!(v > limit, "{field:?} = {v}");
                }
                "invalid_address" => assert!(
                    value
                        .and_then(|v| std::str::from_utf8(v).ok())
                        .is_some_and(|v| v.parse::<IpAddr>().is_err() && v != "-")
                ),
                "invalid_value" => assert!(value.is_some_and(|v| !matches!(
                    v,
                    b"ACCEPT"
                        | b"REJECT"
                        | b"OK"
                        | b"NODATA"
                        | b"SKIPDATA"
                        | b"ingress"
                        | b"egress"
                        | b"-"
                ))),
                other => panic!("unknown reason {other}"),
            }
            if reason != "field_count" && reason != "line_too_long" {
                assert_eq!(fields.len(), header.len(), "{reason}: one defect per line");
            }
        }
        assert_eq!(reasons.len(), 8);
        assert!(reasons.values().all(|&n| n == 3));
    }
    check_truth(&a);
}

#[test]
fn record_count_follows_the_target() {
    for n in [5_000u64, 60_000] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = generate(&GenerateConfig::new(dir.path(), n, 1)).unwrap_or_else(|e| panic!("{e}"));
        let ratio = s.records as f64 / n as f64;
        assert!((0.85..1.15).contains(&ratio), "{n}: wrote {}", s.records);
        assert!(s.bytes_compressed < s.bytes_uncompressed);
    }
}

#[test]
fn errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cfg = GenerateConfig::new(dir.path(), 100, 1);
    cfg.formats.clear();
    assert!(matches!(generate(&cfg), Err(Error::Config(_))));
    cfg.formats = vec![FlowLogSpec::Custom, FlowLogSpec::Custom];
    assert!(matches!(generate(&cfg), Err(Error::Config(_))));
    cfg.formats = vec![FlowLogSpec::Default];
    assert!(generate(&cfg).is_ok());
    match generate(&cfg) {
        Err(e @ Error::NotEmpty { .. }) => assert!(e.to_string().contains("logs")),
        other => panic!("a second run into the same directory must refuse: {other:?}"),
    }
    // A file where a directory should go.
    let file = dir.path().join("plain-file");
    assert!(std::fs::write(&file, b"x").is_ok());
    let cfg = GenerateConfig::new(file.join("sub"), 100, 1);
    match generate(&cfg) {
        Err(e) => assert!(e.to_string().contains("plain-file"), "{e}"),
        Ok(_) => panic!("writing under a file must fail"),
    }
    let cfg = GenerateConfig::new(dir.path().join("huge"), u64::MAX, 1);
    assert!(matches!(generate(&cfg), Err(Error::Config(_))));
    assert!("zip".parse::<Layout>().is_err());
    assert_eq!("hive".parse::<Layout>().ok(), Some(Layout::Hive));
}
