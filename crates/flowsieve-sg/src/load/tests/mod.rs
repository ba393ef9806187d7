//! Loader tests: the fixture network, the AWS documentation samples, every input kind, paging,
//! errors with file and JSON path, findings, Terraform modules and plans, merging and ids.
//! Shared helpers live here; each submodule holds one subject.

use std::path::{Path, PathBuf};

use super::*;
use crate::Addr;
use crate::error::Result;
use crate::{
    Direction, Peer, PeeringStatus, PortSpec, Protocol, Rule, RuleId, Severity, SourceKind,
};

mod fixture;
mod history;
mod inputs;
mod merging;
mod network;
mod samples;
mod terraform;

pub(super) fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/network")
        .join(rel)
}

pub(super) fn load(rels: &[&str]) -> Inventory {
    let paths: Vec<PathBuf> = rels.iter().map(|r| testdata(r)).collect();
    Inventory::load(&paths).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn from_json(name: &str, json: &str) -> Result<Inventory> {
    let mut b = InventoryBuilder::new();
    b.add_json(name, json.as_bytes())?;
    Ok(b.build())
}

pub(super) fn codes(inv: &Inventory) -> Vec<&'static str> {
    inv.findings().iter().map(|f| f.code.as_str()).collect()
}

pub(super) fn rule<'a>(
    inv: &'a Inventory,
    group: &str,
    dir: Direction,
    port: i32,
    peer: &str,
) -> &'a Rule {
    inv.rules()
        .iter()
        .find(|r| {
            r.group_id == group
                && r.direction == dir
                && r.from_port() == port
                && r.peer_string() == peer
        })
        .unwrap_or_else(|| panic!("no rule {group} {dir} {port} {peer}"))
}

pub(super) fn sg(n: u32) -> String {
    format!("sg-0a1b2c3d4e5f600{n:02}")
}
