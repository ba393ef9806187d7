//! `flowsieve.Network`: the declared network, loaded once. It keeps the bytes of the files it
//! was loaded from, so it pickles (a Spark broadcast, a multiprocessing pool) and every copy
//! builds the same network (the same fingerprint, so their partial results merge).

use std::sync::Arc;

use flowsieve::sg::{Cidr, InventoryBuilder, InventoryFiles, SnapshotSpec};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::{InventoryError, Place, inventory_error, option_error, raise};

/// The declared network: security groups, rules, ENIs, prefix lists, VPCs and what else the
/// inventory files describe.
#[pyclass(module = "flowsieve", frozen)]
pub struct Network {
    pub inner: Arc<flowsieve::Network>,
    files: InventoryFiles,
    internal_cidrs: Vec<String>,
}

impl Network {
    fn build(files: InventoryFiles, internal_cidrs: Vec<String>) -> PyResult<Network> {
        let mut builder = InventoryBuilder::new();
        files
            .add_to(&mut builder)
            .map_err(|e| inventory_error(&e))?;
        for text in &internal_cidrs {
            let cidr: Cidr = text
                .parse()
                .map_err(|e| option_error(format!("internal_cidrs: {text:?}: {e}")))?;
            builder.add_internal_cidr(cidr);
        }
        Ok(Network {
            inner: Arc::new(flowsieve::Network::new(builder.build())),
            files,
            internal_cidrs,
        })
    }
}

#[pymethods]
impl Network {
    /// Loads the inventory: AWS CLI JSON files (describe-security-groups, -security-group-rules,
    /// -network-interfaces, prefix lists, VPCs, subnets, peerings, network ACLs, flow logs, load
    /// balancers, AWS Config history) or `terraform show -json` output; files or directories.
    /// `"TIME=PATH"` (`"2025-04-01=snap/"`) is a snapshot captured at TIME, as the CLI's `-i`.
    /// `internal_cidrs` are private ranges of your own outside the VPCs (on-premises). An
    /// inventory that holds no security group, rule or network interface is refused
    /// (`InventoryError`, reason `empty_inventory`) unless `allow_empty`.
    #[staticmethod]
    #[pyo3(signature = (paths, internal_cidrs = Vec::new(), *, allow_empty = false))]
    fn load(
        py: Python<'_>,
        paths: Vec<String>,
        internal_cidrs: Vec<String>,
        allow_empty: bool,
    ) -> PyResult<Network> {
        let specs = paths
            .iter()
            .map(|p| {
                p.parse::<SnapshotSpec>()
                    .map_err(|e| option_error(format!("paths: {e}")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let files = py
            .detach(|| InventoryFiles::read(&specs))
            .map_err(|e| inventory_error(&e))?;
        let network = py.detach(|| Network::build(files, internal_cidrs))?;
        let inventory = network.inner.inventory();
        let empty = inventory.security_groups().is_empty()
            && inventory.rules().is_empty()
            && inventory.network_interfaces().is_empty();
        if empty && !allow_empty {
            let files = network.files.len();
            return Err(raise::<InventoryError>(
                format!(
                    "no security group, rule or network interface in {} ({files} JSON file(s) \
                     read): expected the JSON of aws ec2 describe-security-groups, \
                     describe-network-interfaces, … or terraform show -json",
                    paths.join(", ")
                ),
                "empty_inventory",
                Place::default(),
            ));
        }
        Ok(network)
    }

    /// A 64-bit digest of the network: analyses merge only when theirs are equal.
    #[getter]
    fn fingerprint(&self) -> u64 {
        self.inner.fingerprint()
    }

    /// Counts of what was loaded: groups, rules, ENIs, prefix lists and findings.
    fn counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let inventory = self.inner.inventory();
        [
            ("security_groups", inventory.security_groups().len()),
            ("rules", inventory.rules().len()),
            ("network_interfaces", inventory.network_interfaces().len()),
            ("prefix_lists", inventory.prefix_lists().len()),
            ("findings", inventory.findings().len()),
        ]
        .into_iter()
        .collect()
    }

    /// The inventory as the JSON document of `flowsieve inventory --format json`.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let document = flowsieve::sg::InventoryDocument::from(self.inner.inventory());
        py.detach(|| serde_json::to_string_pretty(&document))
            .map_err(|e| option_error(format!("cannot serialise the inventory: {e}")))
    }

    fn __repr__(&self) -> String {
        let inventory = self.inner.inventory();
        format!(
            "Network({} groups, {} rules, {} ENIs, fingerprint {:016x})",
            inventory.security_groups().len(),
            inventory.rules().len(),
            inventory.network_interfaces().len(),
            self.inner.fingerprint()
        )
    }

    /// Pickling: the files' bytes and the internal ranges; unpickling builds the network again.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let rebuild = py
            .import("flowsieve._flowsieve")?
            .getattr("Network")?
            .getattr("_from_bytes")?;
        let bytes = PyBytes::new(py, &self.files.to_bytes());
        let args = (bytes, self.internal_cidrs.clone()).into_pyobject(py)?;
        PyTuple::new(py, [rebuild.into_any(), args.into_any()])
    }

    /// Builds a network from what `__reduce__` gave.
    #[staticmethod]
    fn _from_bytes(py: Python<'_>, files: &[u8], internal_cidrs: Vec<String>) -> PyResult<Network> {
        let files = InventoryFiles::from_bytes(files).map_err(|e| inventory_error(&e))?;
        py.detach(|| Network::build(files, internal_cidrs))
    }
}
