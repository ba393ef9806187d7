//! Flow-log formats and the text of one record line.
//!
//! A record ([`Rec`]) is format-independent: ENI, addresses (as address-table indices), ports,
//! counters, times, action, status, flags, direction. [`render`] writes it in the field order of
//! a [`FlowLogSpec`], copying pre-formatted text and writing numbers with `itoa` — no `format!`.
//!
//! Knows nothing about security groups.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::inventory::{EniKind, Inventory, REGION};

/// One flow-log field this generator can write (AWS names, in `field.name()`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub(crate) enum Field {
    Version,
    AccountId,
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    SubnetId,
    InstanceId,
    TcpFlags,
    Type,
    PktSrcAddr,
    PktDstAddr,
    Region,
    AzId,
    SublocationType,
    SublocationId,
    PktSrcAwsService,
    PktDstAwsService,
    FlowDirection,
    TrafficPath,
}

impl Field {
    /// The AWS field name (`${name}` in a format, `name` in a header).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Version => "version",
            Field::AccountId => "account-id",
            Field::InterfaceId => "interface-id",
            Field::SrcAddr => "srcaddr",
            Field::DstAddr => "dstaddr",
            Field::SrcPort => "srcport",
            Field::DstPort => "dstport",
            Field::Protocol => "protocol",
            Field::Packets => "packets",
            Field::Bytes => "bytes",
            Field::Start => "start",
            Field::End => "end",
            Field::Action => "action",
            Field::LogStatus => "log-status",
            Field::VpcId => "vpc-id",
            Field::SubnetId => "subnet-id",
            Field::InstanceId => "instance-id",
            Field::TcpFlags => "tcp-flags",
            Field::Type => "type",
            Field::PktSrcAddr => "pkt-srcaddr",
            Field::PktDstAddr => "pkt-dstaddr",
            Field::Region => "region",
            Field::AzId => "az-id",
            Field::SublocationType => "sublocation-type",
            Field::SublocationId => "sublocation-id",
            Field::PktSrcAwsService => "pkt-src-aws-service",
            Field::PktDstAwsService => "pkt-dst-aws-service",
            Field::FlowDirection => "flow-direction",
            Field::TrafficPath => "traffic-path",
        }
    }
}

/// The default (version 2) format's fields, in AWS's order.
pub(crate) const DEFAULT_FIELDS: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

/// The custom format: the AWS tcp-flags example's order (bytes before packets) extended with
/// the v4 and v5 fields.
const CUSTOM_FIELDS: [Field; 29] = [
    Field::Version,
    Field::VpcId,
    Field::SubnetId,
    Field::InstanceId,
    Field::InterfaceId,
    Field::AccountId,
    Field::Type,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::PktSrcAddr,
    Field::PktDstAddr,
    Field::Protocol,
    Field::Bytes,
    Field::Packets,
    Field::Start,
    Field::End,
    Field::Action,
    Field::TcpFlags,
    Field::LogStatus,
    Field::Region,
    Field::AzId,
    Field::SublocationType,
    Field::SublocationId,
    Field::PktSrcAwsService,
    Field::PktDstAwsService,
    Field::FlowDirection,
    Field::TrafficPath,
];

/// A flow log the generator writes. Every flow log records the same ENIs and the same simulated
/// traffic; they differ in format and aggregation interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowLogSpec {
    /// The default (version 2) format, 10-minute aggregation: `version account-id interface-id
    /// srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status`.
    Default,
    /// A 29-field custom format (version 5) in a non-default order, with `tcp-flags`,
    /// `flow-direction`, `pkt-srcaddr`/`pkt-dstaddr`, `traffic-path`, `vpc-id`, `subnet-id`,
    /// `instance-id`, `type`, `az-id`, `region`, and `bytes` before `packets`; 1-minute
    /// aggregation.
    Custom,
}

impl FlowLogSpec {
    /// Both flow logs, in the order `default,custom`.
    pub const ALL: [FlowLogSpec; 2] = [FlowLogSpec::Default, FlowLogSpec::Custom];

    /// The name used on the command line (`default`, `custom`).
    pub fn name(self) -> &'static str {
        match self {
            FlowLogSpec::Default => "default",
            FlowLogSpec::Custom => "custom",
        }
    }

    /// The aggregation interval in seconds (600 or 60).
    pub fn aggregation_seconds(self) -> u32 {
        match self {
            FlowLogSpec::Default => 600,
            FlowLogSpec::Custom => 60,
        }
    }

    /// The `LogFormat` string as AWS shows it: `${version} ${account-id} …`.
    pub fn log_format(self) -> String {
        self.fields()
            .iter()
            .map(|f| format!("${{{}}}", f.name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The header line of every object of this flow log (field names without `${}`).
    pub fn header(self) -> String {
        self.fields()
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when the format carries `tcp-flags`.
    pub fn has_tcp_flags(self) -> bool {
        self.fields().contains(&Field::TcpFlags)
    }

    pub(crate) fn fields(self) -> &'static [Field] {
        match self {
            FlowLogSpec::Default => &DEFAULT_FIELDS,
            FlowLogSpec::Custom => &CUSTOM_FIELDS,
        }
    }

    /// The record version: the highest version among the format's fields.
    pub(crate) fn version(self) -> u8 {
        match self {
            FlowLogSpec::Default => 2,
            FlowLogSpec::Custom => 5,
        }
    }

    /// A stable number per spec, for random streams.
    pub(crate) fn key(self) -> u64 {
        match self {
            FlowLogSpec::Default => 1,
            FlowLogSpec::Custom => 2,
        }
    }

    /// True when the format has `pkt-srcaddr` and `pkt-dstaddr`: then they, not srcaddr/dstaddr,
    /// name the remote address (docs/semantics.md, condition 7).
    pub(crate) fn has_pkt_addrs(self) -> bool {
        self.fields().contains(&Field::PktSrcAddr) && self.fields().contains(&Field::PktDstAddr)
    }
}

impl fmt::Display for FlowLogSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FlowLogSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "default" => Ok(FlowLogSpec::Default),
            "custom" => Ok(FlowLogSpec::Custom),
            other => Err(Error::UnknownName {
                what: "format",
                name: other.into(),
                expected: "default, custom",
            }),
        }
    }
}

/// `log-status` of a line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    Ok,
    NoData,
    SkipData,
}

/// One record, format-independent. Address fields are address-table indices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub(crate) eni: u16,
    pub(crate) src: u32,
    pub(crate) dst: u32,
    pub(crate) pkt_src: u32,
    pub(crate) pkt_dst: u32,
    pub(crate) sport: u16,
    pub(crate) dport: u16,
    pub(crate) proto: u8,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) accept: bool,
    pub(crate) status: Status,
    pub(crate) flags: u8,
    pub(crate) egress: bool,
    /// `traffic-path`, 0 for `-`.
    pub(crate) path: u8,
}

impl Rec {
    /// A NODATA or SKIPDATA line of `eni` for the window `[start, end]`.
    pub(crate) fn idle(eni: u16, start: u64, end: u64, status: Status) -> Rec {
        Rec {
            eni,
            src: 0,
            dst: 0,
            pkt_src: 0,
            pkt_dst: 0,
            sport: 0,
            dport: 0,
            proto: 0,
            packets: 0,
            bytes: 0,
            start,
            end,
            accept: false,
            status,
            flags: 0,
            egress: false,
            path: 0,
        }
    }
}

/// Per-ENI text that every record of the ENI repeats.
pub(crate) struct EniText {
    interface_id: Vec<u8>,
    subnet_id: Vec<u8>,
    instance_id: Vec<u8>,
    az_id: Vec<u8>,
}

/// Pre-formatted text of the inventory for rendering.
pub(crate) struct Texts {
    pub(crate) account: Vec<u8>,
    vpc_id: Vec<u8>,
    enis: Vec<EniText>,
    addrs: Vec<Vec<u8>>,
    s3: Vec<bool>,
}

impl Texts {
    pub(crate) fn new(inv: &Inventory) -> Texts {
        let enis = inv
            .enis
            .iter()
            .map(|e| {
                let subnet = &inv.subnets[e.subnet];
                let instance = match &e.kind {
                    EniKind::Instance { instance_id } => instance_id.as_bytes().to_vec(),
                    _ => b"-".to_vec(),
                };
                EniText {
                    interface_id: e.id.as_bytes().to_vec(),
                    subnet_id: subnet.id.as_bytes().to_vec(),
                    instance_id: instance,
                    az_id: inv.azs[subnet.az].id.as_bytes().to_vec(),
                }
            })
            .collect();
        Texts {
            account: inv.account.as_bytes().to_vec(),
            vpc_id: inv.vpc_id.as_bytes().to_vec(),
            enis,
            addrs: inv
                .addrs
                .iter()
                .map(|a| a.text.as_bytes().to_vec())
                .collect(),
            s3: inv.addrs.iter().map(|a| a.s3).collect(),
        }
    }

    /// Writes address `i`'s text (a virtual client's is computed).
    pub(crate) fn write_addr(&self, out: &mut Vec<u8>, num: &mut itoa::Buffer, i: u32) {
        match i.checked_sub(crate::inventory::VIRTUAL_BASE) {
            Some(k) => {
                let v = crate::inventory::virtual_client(k).v4_value();
                for (n, shift) in [24u32, 16, 8, 0].into_iter().enumerate() {
                    if n > 0 {
                        out.push(b'.');
                    }
                    out.extend_from_slice(num.format((v >> shift) & 0xff).as_bytes());
                }
            }
            None => out.extend_from_slice(&self.addrs[i as usize]),
        }
    }

    pub(crate) fn is_v6(&self, i: u32) -> bool {
        i < crate::inventory::VIRTUAL_BASE && self.addrs[i as usize].contains(&b':')
    }

    fn is_s3(&self, i: u32) -> bool {
        i < crate::inventory::VIRTUAL_BASE && self.s3[i as usize]
    }
}

/// Writes one field of `rec` (no separator).
pub(crate) fn write_field(
    out: &mut Vec<u8>,
    num: &mut itoa::Buffer,
    t: &Texts,
    version: u8,
    field: Field,
    rec: &Rec,
) {
    let ok = rec.status == Status::Ok;
    let eni = &t.enis[usize::from(rec.eni)];
    let dash = |out: &mut Vec<u8>| out.push(b'-');
    match field {
        Field::Version => out.extend_from_slice(num.format(version).as_bytes()),
        Field::AccountId => out.extend_from_slice(&t.account),
        Field::InterfaceId => out.extend_from_slice(&eni.interface_id),
        Field::VpcId => out.extend_from_slice(&t.vpc_id),
        Field::SubnetId => out.extend_from_slice(&eni.subnet_id),
        Field::InstanceId => out.extend_from_slice(&eni.instance_id),
        Field::AzId => out.extend_from_slice(&eni.az_id),
        Field::Region => out.extend_from_slice(REGION.as_bytes()),
        Field::SublocationType | Field::SublocationId => dash(out),
        Field::Start => out.extend_from_slice(num.format(rec.start).as_bytes()),
        Field::End => out.extend_from_slice(num.format(rec.end).as_bytes()),
        Field::LogStatus => out.extend_from_slice(match rec.status {
            Status::Ok => b"OK",
            Status::NoData => b"NODATA",
            Status::SkipData => b"SKIPDATA",
        }),
        _ if !ok => dash(out),
        Field::SrcAddr => t.write_addr(out, num, rec.src),
        Field::DstAddr => t.write_addr(out, num, rec.dst),
        Field::PktSrcAddr => t.write_addr(out, num, rec.pkt_src),
        Field::PktDstAddr => t.write_addr(out, num, rec.pkt_dst),
        Field::SrcPort => out.extend_from_slice(num.format(rec.sport).as_bytes()),
        Field::DstPort => out.extend_from_slice(num.format(rec.dport).as_bytes()),
        Field::Protocol => out.extend_from_slice(num.format(rec.proto).as_bytes()),
        Field::Packets => out.extend_from_slice(num.format(rec.packets).as_bytes()),
        Field::Bytes => out.extend_from_slice(num.format(rec.bytes).as_bytes()),
        Field::Action => out.extend_from_slice(if rec.accept { b"ACCEPT" } else { b"REJECT" }),
        Field::TcpFlags => out.extend_from_slice(num.format(rec.flags).as_bytes()),
        Field::Type => out.extend_from_slice(if t.is_v6(rec.src) { b"IPv6" } else { b"IPv4" }),
        Field::PktSrcAwsService => {
            out.extend_from_slice(if t.is_s3(rec.pkt_src) { b"S3" } else { b"-" })
        }
        Field::PktDstAwsService => {
            out.extend_from_slice(if t.is_s3(rec.pkt_dst) { b"S3" } else { b"-" })
        }
        Field::FlowDirection => {
            out.extend_from_slice(if rec.egress { b"egress" } else { b"ingress" })
        }
        Field::TrafficPath => {
            if rec.path == 0 {
                dash(out);
            } else {
                out.extend_from_slice(num.format(rec.path).as_bytes());
            }
        }
    }
}

/// Writes `rec` as one line of `spec`, newline included.
pub(crate) fn render(
    out: &mut Vec<u8>,
    num: &mut itoa::Buffer,
    t: &Texts,
    spec: FlowLogSpec,
    rec: &Rec,
) {
    let version = spec.version();
    for (i, &field) in spec.fields().iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_field(out, num, t, version, field, rec);
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            FlowLogSpec::Default.header(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
        );
        assert!(
            FlowLogSpec::Default
                .log_format()
                .starts_with("${version} ${account-id} ${interface-id}")
        );
        let custom = FlowLogSpec::Custom.fields();
        assert!(custom.len() >= 20);
        let pos = |f: Field| custom.iter().position(|&x| x == f);
        assert!(
            pos(Field::Bytes) < pos(Field::Packets),
            "custom order puts bytes first"
        );
        for f in [
            Field::TcpFlags,
            Field::FlowDirection,
            Field::PktSrcAddr,
            Field::PktDstAddr,
            Field::TrafficPath,
            Field::VpcId,
            Field::SubnetId,
            Field::InstanceId,
            Field::Type,
            Field::AzId,
            Field::Region,
        ] {
            assert!(pos(f).is_some(), "{f:?}");
        }
        assert_eq!(
            "custom".parse::<FlowLogSpec>().ok(),
            Some(FlowLogSpec::Custom)
        );
        assert!("parquet".parse::<FlowLogSpec>().is_err());
        assert!(FlowLogSpec::Custom.has_tcp_flags() && !FlowLogSpec::Default.has_tcp_flags());
    }

    #[test]
    fn nodata_lines_have_dashes() {
        let inv = crate::inventory::build(1);
        let t = Texts::new(&inv);
        let mut out = Vec::new();
        let mut num = itoa::Buffer::new();
        render(
            &mut out,
            &mut num,
            &t,
            FlowLogSpec::Default,
            &Rec::idle(0, 100, 159, Status::NoData),
        );
        let line = String::from_utf8(out).unwrap_or_default();
        let fields: Vec<&str> = line.trim_end().split(' ').collect();
        assert_eq!(fields.len(), 14);
        assert_eq!(&fields[3..10], &["-"; 7]);
        assert_eq!(&fields[10..], &["100", "159", "-", "NODATA"]);
    }
}
