//! Writing a scenario's flow logs: records rendered in each flow log's format, grouped into gzip
//! objects under the AWS S3 key layout (one object per flow log and 5-minute delivery slot, or
//! per aggregation window when that is longer), with a labels file per object (`<line>\t<class>`,
//! class `header`, `forward`, `reverse`, `nodata`, `skipdata`).
//!
//! Knows nothing about security groups.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::addr::Addr;
use crate::error::{Error, Result};
use crate::format::{DEFAULT_FIELDS, Field};
use crate::rng::hash;
use crate::time::civil;

use super::model::{Account, EniKind, FlowLogIdx, Format};
use super::sim::{LineStatus, Record};

pub(crate) const REGION: &str = "us-east-1";

/// AWS's tcp-flags example format (flow-log record examples page), bytes before packets.
const FLAGS: [Field; 21] = [
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
];

const FULL: [Field; 25] = [
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
    Field::VpcId,
    Field::SubnetId,
    Field::InstanceId,
    Field::TcpFlags,
    Field::Type,
    Field::PktSrcAddr,
    Field::PktDstAddr,
    Field::Region,
    Field::AzId,
    Field::FlowDirection,
    Field::TrafficPath,
];

const PKT_NO_FLAGS: [Field; 20] = [
    Field::Version,
    Field::InterfaceId,
    Field::AccountId,
    Field::VpcId,
    Field::SubnetId,
    Field::InstanceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Type,
    Field::PktSrcAddr,
    Field::PktDstAddr,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

impl Format {
    pub(crate) fn fields(self) -> &'static [Field] {
        match self {
            Format::Default => &DEFAULT_FIELDS,
            Format::Flags => &FLAGS,
            Format::Full => &FULL,
            Format::PktNoFlags => &PKT_NO_FLAGS,
        }
    }

    fn version(self) -> u8 {
        match self {
            Format::Default => 2,
            Format::Flags | Format::PktNoFlags => 3,
            Format::Full => 5,
        }
    }

    pub(crate) fn has_tcp_flags(self) -> bool {
        self.fields().contains(&Field::TcpFlags)
    }

    /// `${version} ${account-id} …`, as `describe-flow-logs` prints it.
    pub(crate) fn log_format(self) -> String {
        let names: Vec<String> = self
            .fields()
            .iter()
            .map(|f| format!("${{{}}}", f.name()))
            .collect();
        names.join(" ")
    }

    fn header(self) -> String {
        let names: Vec<&str> = self.fields().iter().map(|f| f.name()).collect();
        names.join(" ")
    }
}

/// The `instance-id` of an ENI's records (`-` for ENIs without an instance of the account).
pub(crate) fn instance_id(a: &Account, eni: usize) -> Option<String> {
    let e = &a.enis[eni];
    matches!(e.kind, EniKind::Instance(_) | EniKind::EcsContainerInstance)
        .then(|| a.make_id("i", &e.name, 17))
}

/// The availability-zone id of a subnet (`use1-az1`, `use1-az2`, … by subnet order).
pub(crate) fn az_id(subnet: usize) -> String {
    format!("use1-az{}", subnet % 3 + 1)
}

fn write_addr(out: &mut Vec<u8>, a: Addr) {
    let _ = write!(out, "{a}");
}

fn write_field(out: &mut Vec<u8>, a: &Account, fmt: Format, field: Field, r: &Record) {
    let e = &a.enis[r.eni.0];
    let subnet = &a.subnets[e.subnet.0];
    let ok = r.status == LineStatus::Ok;
    let mut num = itoa::Buffer::new();
    match field {
        Field::Version => out.extend_from_slice(num.format(fmt.version()).as_bytes()),
        Field::AccountId => out.extend_from_slice(a.account.as_bytes()),
        Field::InterfaceId => out.extend_from_slice(e.id.as_bytes()),
        Field::VpcId => out.extend_from_slice(a.vpcs[subnet.vpc.0].id.as_bytes()),
        Field::SubnetId => out.extend_from_slice(subnet.id.as_bytes()),
        Field::InstanceId => match instance_id(a, r.eni.0) {
            Some(id) => out.extend_from_slice(id.as_bytes()),
            None => out.push(b'-'),
        },
        Field::Region => out.extend_from_slice(REGION.as_bytes()),
        Field::AzId => out.extend_from_slice(az_id(e.subnet.0).as_bytes()),
        Field::SublocationType | Field::SublocationId => out.push(b'-'),
        Field::Start => out.extend_from_slice(num.format(r.start).as_bytes()),
        Field::End => out.extend_from_slice(num.format(r.end).as_bytes()),
        Field::LogStatus => out.extend_from_slice(match r.status {
            LineStatus::Ok => b"OK",
            LineStatus::NoData => b"NODATA",
            LineStatus::SkipData => b"SKIPDATA",
        }),
        _ if !ok => out.push(b'-'),
        Field::SrcAddr => write_addr(out, r.src),
        Field::DstAddr => write_addr(out, r.dst),
        Field::PktSrcAddr => write_addr(out, r.pkt_src),
        Field::PktDstAddr => write_addr(out, r.pkt_dst),
        Field::SrcPort => out.extend_from_slice(num.format(r.sport).as_bytes()),
        Field::DstPort => out.extend_from_slice(num.format(r.dport).as_bytes()),
        Field::Protocol => out.extend_from_slice(num.format(r.protocol).as_bytes()),
        Field::Packets => out.extend_from_slice(num.format(r.packets).as_bytes()),
        Field::Bytes => out.extend_from_slice(num.format(r.bytes).as_bytes()),
        Field::Action => out.extend_from_slice(if r.accept { b"ACCEPT" } else { b"REJECT" }),
        Field::TcpFlags => out.extend_from_slice(num.format(r.flags).as_bytes()),
        Field::Type => out.extend_from_slice(b"IPv4"),
        Field::PktSrcAwsService | Field::PktDstAwsService => out.push(b'-'),
        Field::FlowDirection => {
            out.extend_from_slice(if r.egress { b"egress" } else { b"ingress" })
        }
        Field::TrafficPath => {
            if r.path == 0 {
                out.push(b'-');
            } else {
                out.extend_from_slice(num.format(r.path).as_bytes());
            }
        }
    }
}

fn render(out: &mut Vec<u8>, a: &Account, fmt: Format, r: &Record) {
    for (i, &field) in fmt.fields().iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_field(out, a, fmt, field, r);
    }
    out.push(b'\n');
}

fn label(r: &Record) -> &'static str {
    match r.status {
        LineStatus::NoData => "nodata",
        LineStatus::SkipData => "skipdata",
        LineStatus::Ok if r.forward => "forward",
        LineStatus::Ok => "reverse",
    }
}

/// What the logs came to.
#[derive(Default)]
pub(crate) struct Written {
    /// Objects per flow log.
    pub(crate) files: Vec<u64>,
    /// Lines per flow log: (records, nodata, skipdata).
    pub(crate) lines: Vec<(u64, u64, u64)>,
}

/// The object key (relative to the output directory) of a flow log's delivery slot.
fn object_key(a: &Account, fl: FlowLogIdx, slot_start: u64) -> String {
    let c = civil(slot_start);
    let acct = &a.account;
    let id = &a.flow_logs[fl.0].id;
    let h = hash(&[a.seed, 0x0B1E, fl.0 as u64, slot_start]) as u32;
    format!(
        "AWSLogs/{acct}/vpcflowlogs/{REGION}/{:04}/{:02}/{:02}/{acct}_vpcflowlogs_{REGION}_{id}_{:04}{:02}{:02}T{:02}{:02}Z_{h:08x}.log.gz",
        c.year, c.month, c.day, c.year, c.month, c.day, c.hour, c.minute
    )
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes `logs/` and `labels/` under `out` from the sorted records.
pub(crate) fn write(out: &Path, a: &Account, records: &[Record]) -> Result<Written> {
    let mut objects: BTreeMap<(FlowLogIdx, u64), Vec<&Record>> = BTreeMap::new();
    for r in records {
        let interval = a.flow_logs[r.fl.0].interval;
        let slot_len = interval.max(300);
        objects
            .entry((r.fl, r.window / slot_len * slot_len))
            .or_default()
            .push(r);
    }
    let mut written = Written {
        files: vec![0; a.flow_logs.len()],
        lines: vec![(0, 0, 0); a.flow_logs.len()],
    };
    for ((fl, slot), recs) in objects {
        let fmt = a.flow_logs[fl.0].format;
        let mut text = fmt.header().into_bytes();
        text.push(b'\n');
        let mut labels = b"1\theader\n".to_vec();
        for (i, r) in recs.iter().enumerate() {
            render(&mut text, a, fmt, r);
            let _ = writeln!(labels, "{}\t{}", i + 2, label(r));
            let l = &mut written.lines[fl.0];
            match r.status {
                LineStatus::Ok => l.0 += 1,
                LineStatus::NoData => l.1 += 1,
                LineStatus::SkipData => l.2 += 1,
            }
        }
        let key = object_key(a, fl, slot);
        let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
        let path = out.join("logs").join(&key);
        gz.write_all(&text)
            .and_then(|()| gz.try_finish())
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
        write_file(&path, &gz.get_ref()[..])?;
        let stem = key.strip_suffix(".log.gz").unwrap_or(&key);
        write_file(&out.join("labels").join(format!("{stem}.tsv")), &labels)?;
        written.files[fl.0] += 1;
    }
    Ok(written)
}
