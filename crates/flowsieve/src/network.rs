//! [`Network`]: the declared network an analysis runs against — the loaded
//! [`flowsieve_sg::Inventory`] and the [`flowsieve_sg::CompiledMatcher`] built from it once.

use std::path::Path;

use flowsieve_sg::{CompiledMatcher, Inventory};

use crate::error::Result;

/// The inventory and its compiled matcher.
#[derive(Debug)]
pub struct Network {
    inventory: Inventory,
    matcher: CompiledMatcher,
}

impl Network {
    /// Compiles the matcher of an inventory.
    pub fn new(inventory: Inventory) -> Network {
        let matcher = CompiledMatcher::new(&inventory);
        Network { inventory, matcher }
    }

    /// Loads AWS CLI JSON and Terraform state from files and directories, then compiles it.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Network> {
        Ok(Network::new(Inventory::load(paths)?))
    }

    /// The declared network.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &CompiledMatcher {
        &self.matcher
    }
}
