//! Writing one *unit*: the objects of one flow log for one 5-minute window (several parts when
//! the window is large), their labels, and the truth they carry.
//!
//! A unit regenerates every connection that can leave a record in its window or decide a NODATA
//! line of it, renders the records whose `end` falls in the window into a reused buffer, adds
//! NODATA/SKIPDATA lines for idle ENIs of the aggregation windows that end in it, inserts the
//! planned malformed lines, and writes each part once, gzip-compressed. Per-record truth is a
//! few bit-set operations and array additions.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::Layout;
use crate::error::{Error, Result};
use crate::format::{FlowLogSpec, Rec, Status, Texts, render};
use crate::malformed::{Defect, render_defect};
use crate::matcher::{Masks, RuleSet};
use crate::rng::{hash, mix, purpose};
use crate::time::civil;
use crate::traffic::{Conn, SLICE, Sim, Traffic, WinRecs, floor};
use crate::truth::{FlowTruth, HotAcc, HotKey, MalformedLine};

/// No object exceeds this many uncompressed bytes.
pub(crate) const PART_LIMIT: usize = 8 * 1024 * 1024;
/// Room kept for the longest line (the 33 KiB malformed line).
const LINE_ROOM: usize = 40 * 1024;
/// gzip level: fast, as a generator of large archives wants.
const GZIP_LEVEL: u32 = 1;

/// The class of a line, for `--labels`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    Header,
    Forward,
    Reverse,
    NoData,
    SkipData,
    Malformed,
}

impl Class {
    fn name(self) -> &'static [u8] {
        match self {
            Class::Header => b"header",
            Class::Forward => b"forward",
            Class::Reverse => b"reverse",
            Class::NoData => b"nodata",
            Class::SkipData => b"skipdata",
            Class::Malformed => b"malformed",
        }
    }
}

/// Everything a unit needs, shared read-only by all workers.
pub(crate) struct Plan<'a> {
    pub(crate) sim: Sim<'a>,
    pub(crate) traffic: &'a Traffic,
    pub(crate) texts: &'a Texts,
    pub(crate) specs: &'a [FlowLogSpec],
    pub(crate) fl_ids: &'a [String],
    pub(crate) out_dir: &'a Path,
    pub(crate) layout: Layout,
    pub(crate) labels: bool,
    pub(crate) defects: &'a BTreeMap<(usize, u64), Vec<Defect>>,
    /// Largest object, uncompressed ([`PART_LIMIT`] outside tests).
    pub(crate) part_limit: usize,
}

/// What one written object is called (relative to the output directory).
pub(crate) fn object_key(plan: &Plan<'_>, fl: usize, slot: u64, part: u32) -> String {
    let inv = plan.sim.inv;
    let t = plan.sim.t0 + slot * SLICE;
    let c = civil(t);
    let base = mix(hash(&[
        plan.sim.seed,
        purpose::OBJECT_NAME,
        plan.specs[fl].key(),
        slot,
    ])) as u32;
    // An odd multiplier makes the name a bijection of the part number: parts never collide.
    let h = base.wrapping_add(part.wrapping_mul(0x9E37_79B1));
    let (acct, region) = (&inv.account, crate::inventory::REGION);
    let dir = match plan.layout {
        Layout::Plain => format!(
            "logs/AWSLogs/{acct}/vpcflowlogs/{region}/{:04}/{:02}/{:02}",
            c.year, c.month, c.day
        ),
        Layout::Hive => format!(
            "logs/AWSLogs/aws-account-id={acct}/aws-service=vpcflowlogs/aws-region={region}/year={:04}/month={:02}/day={:02}",
            c.year, c.month, c.day
        ),
    };
    format!(
        "{dir}/{acct}_vpcflowlogs_{region}_{}_{:04}{:02}{:02}T{:02}{:02}Z_{h:08x}.log.gz",
        plan.fl_ids[fl], c.year, c.month, c.day, c.hour, c.minute
    )
}

/// The labels file of an object key.
pub(crate) fn labels_key(object: &str) -> String {
    let rest = object.strip_prefix("logs/").unwrap_or(object);
    let stem = rest.strip_suffix(".log.gz").unwrap_or(rest);
    format!("labels/{stem}.tsv")
}

struct Unit<'p, 'a> {
    plan: &'p Plan<'a>,
    fl: usize,
    slot: u64,
    spec: FlowLogSpec,
    a: u64,
    f_start: u64,
    f_end: u64,
    /// Start of the earliest aggregation window with a record in this unit.
    e0: u64,
    /// Aggregation windows whose NODATA lines land here (their last second is in the window).
    nodata_windows: Vec<u64>,
    /// Per NODATA window, per ENI: had a record.
    active: Vec<Vec<bool>>,
    header: Vec<u8>,
    buf: Vec<u8>,
    labels: Vec<u8>,
    /// Lines in the current part (header included).
    line: u64,
    part: u32,
    data_lines: u64,
    defects: Vec<Defect>,
    template: Option<Rec>,
    num: itoa::Buffer,
    proto_port: HashMap<(u8, u16), RuleSet>,
    truth: FlowTruth,
    zbuf: Vec<u8>,
}

/// Renders unit (`fl`, `slot`) and returns its truth.
pub(crate) fn render_unit(plan: &Plan<'_>, fl: usize, slot: u64) -> Result<FlowTruth> {
    let spec = plan.specs[fl];
    let a = u64::from(spec.aggregation_seconds());
    let f_start = plan.sim.t0 + slot * SLICE;
    let f_end = f_start + SLICE;
    let e0 = floor(f_start, a);
    let nodata_windows: Vec<u64> = (0..)
        .map(|k| e0 + k * a)
        .take_while(|&w| w < f_end)
        .filter(|&w| (f_start..f_end).contains(&(w + a - 1)))
        .collect();
    let n_eni = plan.sim.inv.enis.len();
    let mut header = spec.header().into_bytes();
    header.push(b'\n');
    let mut unit = Unit {
        plan,
        fl,
        slot,
        spec,
        a,
        f_start,
        f_end,
        e0,
        active: vec![vec![false; n_eni]; nodata_windows.len()],
        nodata_windows,
        buf: Vec::with_capacity(plan.part_limit),
        labels: Vec::new(),
        header,
        line: 0,
        part: 0,
        data_lines: 0,
        defects: plan.defects.get(&(fl, slot)).cloned().unwrap_or_default(),
        template: None,
        num: itoa::Buffer::new(),
        proto_port: HashMap::new(),
        truth: FlowTruth::new(plan.sim.inv),
        zbuf: Vec::new(),
    };
    unit.defects.reverse();
    unit.start_part();
    unit.connections()?;
    unit.idle_lines()?;
    while let Some(d) = unit.defects.pop() {
        unit.write_defect(&d)?;
    }
    unit.finish_part()?;
    for h in unit.truth.hotspots.values_mut() {
        h.sources.sort_unstable();
        h.sources.dedup();
    }
    Ok(unit.truth)
}

impl Unit<'_, '_> {
    fn start_part(&mut self) {
        self.buf.clear();
        self.labels.clear();
        self.buf.extend_from_slice(&self.header);
        self.line = 1;
        self.label(Class::Header);
    }

    fn label(&mut self, class: Class) {
        if self.plan.labels {
            self.labels
                .extend_from_slice(self.num.format(self.line).as_bytes());
            self.labels.push(b'\t');
            self.labels.extend_from_slice(class.name());
            self.labels.push(b'\n');
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.plan.out_dir.join(rel)
    }

    fn write_file(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        fs::write(&path, bytes).map_err(|source| Error::Write { path, source })
    }

    /// Compresses and writes the current part when it holds any line besides the header.
    fn finish_part(&mut self) -> Result<()> {
        if self.line <= 1 {
            return Ok(());
        }
        let key = object_key(self.plan, self.fl, self.slot, self.part);
        let mut zbuf = std::mem::take(&mut self.zbuf);
        zbuf.clear();
        let mut enc = GzEncoder::new(zbuf, Compression::new(GZIP_LEVEL));
        let path = self.path(&key);
        enc.write_all(&self.buf).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        let zbuf = enc
            .finish()
            .map_err(|source| Error::Write { path, source })?;
        self.write_file(&key, &zbuf)?;
        if self.plan.labels {
            self.write_file(&labels_key(&key), &self.labels)?;
        }
        self.truth.files += 1;
        self.truth.bytes_raw += self.buf.len() as u64;
        self.truth.bytes_gz += zbuf.len() as u64;
        self.truth.lines.total += 1;
        self.truth.lines.header += 1;
        self.zbuf = zbuf;
        self.part += 1;
        Ok(())
    }

    fn make_room(&mut self) -> Result<()> {
        if self.buf.len() + LINE_ROOM > self.plan.part_limit && self.line > 1 {
            self.finish_part()?;
            self.start_part();
        }
        Ok(())
    }

    /// Inserts the planned malformed lines that are due before the next data line.
    fn due_defects(&mut self) -> Result<()> {
        while self
            .defects
            .last()
            .is_some_and(|d| d.pos <= self.data_lines)
        {
            if let Some(d) = self.defects.pop() {
                self.write_defect(&d)?;
            }
        }
        Ok(())
    }

    fn write_defect(&mut self, d: &Defect) -> Result<()> {
        self.make_room()?;
        let rec = match self.template {
            Some(r) => r,
            None => self.fallback_template(),
        };
        render_defect(
            &mut self.buf,
            &mut self.num,
            self.plan.texts,
            self.spec,
            &rec,
            d,
        );
        self.line += 1;
        self.label(Class::Malformed);
        self.truth.lines.total += 1;
        self.truth.lines.malformed += 1;
        self.truth.malformed.push(MalformedLine {
            file: object_key(self.plan, self.fl, self.slot, self.part),
            line: self.line,
            reason: d.class.reason(),
            field: d.truth_field(),
        });
        Ok(())
    }

    /// A plausible record when the unit has written none yet.
    fn fallback_template(&self) -> Rec {
        let inv = self.plan.sim.inv;
        let eni = inv
            .role(crate::inventory::Role::Nginx)
            .first()
            .copied()
            .unwrap_or(0);
        let e = inv.eni(eni);
        Rec {
            src: e.primary,
            dst: e.primary,
            pkt_src: e.primary,
            pkt_dst: e.primary,
            sport: 44321,
            dport: 8000,
            proto: 6,
            packets: 3,
            bytes: 180,
            accept: true,
            flags: 2,
            egress: true,
            path: 1,
            ..Rec::idle(eni, self.f_start, self.f_start, Status::Ok)
        }
    }

    fn emit(&mut self, rec: &Rec, class: Class) -> Result<()> {
        self.due_defects()?;
        self.make_room()?;
        render(
            &mut self.buf,
            &mut self.num,
            self.plan.texts,
            self.spec,
            rec,
        );
        self.line += 1;
        self.data_lines += 1;
        self.label(class);
        self.account(rec, class);
        if rec.status == Status::Ok {
            self.template = Some(*rec);
        }
        Ok(())
    }

    /// The truth of one line (docs/semantics.md).
    fn account(&mut self, rec: &Rec, class: Class) {
        let t = &mut self.truth;
        t.lines.total += 1;
        t.seen[usize::from(rec.eni)] = true;
        match rec.status {
            Status::NoData => t.lines.nodata += 1,
            Status::SkipData => {
                t.lines.skipdata += 1;
                t.skipped[usize::from(rec.eni)] = true;
            }
            Status::Ok => t.lines.records += 1,
        }
        if rec.status != Status::Ok {
            return;
        }
        let pkt = self.spec.has_pkt_addrs();
        let remote = match (rec.egress, pkt) {
            (true, true) => rec.pkt_dst,
            (true, false) => rec.dst,
            (false, true) => rec.pkt_src,
            (false, false) => rec.src,
        };
        let forward = class == Class::Forward;
        let inv = self.plan.sim.inv;
        if rec.accept {
            if forward {
                let pp = *self
                    .proto_port
                    .entry((rec.proto, rec.dport))
                    .or_insert_with(|| Masks::proto_port(inv, rec.proto, rec.dport, None));
                let (yes, possible) = self
                    .plan
                    .sim
                    .masks
                    .credited(inv, rec.eni, rec.egress, &pp, remote);
                for r in yes.iter() {
                    t.rules[r].credit(rec.packets, rec.bytes, rec.start, rec.end);
                }
                for r in possible.iter() {
                    t.rules[r].possible += 1;
                }
            }
        } else if rec.egress {
            t.other.egress += 1;
        } else if !forward {
            t.other.ingress_reverse += 1;
        } else {
            let key = HotKey {
                groupset: inv.eni(rec.eni).groupset,
                dport: rec.dport,
                proto: rec.proto,
                internal: inv.addr_internal(remote)
                    || inv.vpc_cidr.contains(inv.addr(remote))
                    || inv.vpc_v6.contains(inv.addr(remote)),
            };
            let h = t.hotspots.entry(key).or_insert_with(HotAcc::new);
            h.records += 1;
            h.packets += rec.packets;
            h.first = h.first.min(rec.start);
            h.last = h.last.max(rec.end);
            h.sources.push(remote);
        }
    }

    fn nodata_index(&self, w: u64) -> Option<usize> {
        self.nodata_windows.iter().position(|&x| x == w)
    }

    fn connections(&mut self) -> Result<()> {
        let plan = self.plan;
        let sim = &plan.sim;
        let mut scratch = WinRecs::default();
        for p in 0..plan.traffic.patterns.len() {
            let span = plan.traffic.patterns[p].span();
            let first = self.e0.saturating_sub(span).saturating_sub(sim.t0) / SLICE;
            for slice in first..=self.slot {
                sim.for_each_conn(plan.traffic, p, slice, &mut |c: &Conn| {
                    self.connection(c, &mut scratch)
                })?;
            }
        }
        Ok(())
    }

    fn connection(&mut self, c: &Conn, scratch: &mut WinRecs) -> Result<()> {
        let sim = &self.plan.sim;
        let a = self.a;
        let mut w = floor(c.start, a).max(self.e0);
        let last = floor(c.end, a);
        while w <= last && w < self.f_end {
            let rec_end = c.end.min(w + a - 1);
            let here = (self.f_start..self.f_end).contains(&rec_end);
            let nodata = self.nodata_index(w);
            if here || nodata.is_some() {
                sim.window_records(c, w, a, scratch);
                if let Some(k) = nodata {
                    for r in &scratch.recs[..scratch.n] {
                        self.active[k][usize::from(r.eni)] = true;
                    }
                }
                if here {
                    for i in 0..scratch.n {
                        let class = if scratch.forward[i] {
                            Class::Forward
                        } else {
                            Class::Reverse
                        };
                        let rec = scratch.recs[i];
                        self.emit(&rec, class)?;
                    }
                }
            }
            w += a;
        }
        if let Some(l) = sim.late_record(c) {
            if let Some(k) = self.nodata_index(floor(l.start, a)) {
                self.active[k][usize::from(l.eni)] = true;
            }
            if (self.f_start..self.f_end).contains(&l.end) {
                self.emit(&l, Class::Reverse)?;
            }
        }
        Ok(())
    }

    /// NODATA for every covered ENI without a record in a window that ends here; SKIPDATA for a
    /// few active (ENI, window) pairs, and always one in the window holding the archive's middle.
    fn idle_lines(&mut self) -> Result<()> {
        let sim = &self.plan.sim;
        let inv = sim.inv;
        let middle = floor(sim.t0 + (sim.t_end - sim.t0) / 2, self.a);
        for k in 0..self.nodata_windows.len() {
            let w = self.nodata_windows[k];
            let forced = if w == middle {
                self.active[k].iter().position(|&x| x)
            } else {
                None
            };
            for eni in 0..inv.enis.len() {
                let e = eni as u16;
                if !inv.covered(e) {
                    continue;
                }
                let status = if !self.active[k][eni] {
                    Some(Status::NoData)
                } else if forced == Some(eni)
                    || hash(&[sim.seed, purpose::SKIPDATA, self.spec.key(), w, eni as u64]) % 1000
                        < 2
                {
                    Some(Status::SkipData)
                } else {
                    None
                };
                if let Some(status) = status {
                    let class = if status == Status::NoData {
                        Class::NoData
                    } else {
                        Class::SkipData
                    };
                    self.emit(&Rec::idle(e, w, w + self.a - 1, status), class)?;
                }
            }
        }
        Ok(())
    }
}
