//! Whether an analysis had anything to judge: [`Report::judgeable`] reads a report's input
//! accounting and says why no rule could be judged (nothing read, no records, nothing in the
//! window, only logs that lack the fields attribution needs, nothing attributed). Callers (the
//! CLI) turn the answer into a refusal, a warning, or an exit status; the report itself is
//! unchanged.

use crate::report::Report;

/// What a report's inputs let it judge, from [`Report::judgeable`]. Anything but
/// [`Judgeable::Yes`] means no record was attributed to a rule, so no verdict of the report
/// rests on traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Judgeable {
    /// Records were attributed: rules can be judged (each rule's status says how far).
    Yes,
    /// No object was read: the `listed` objects were all `pruned` by their key (`--since` /
    /// `--until`, accounts, regions), or none was given.
    NoObjects {
        /// Objects found under the locations.
        listed: u64,
        /// Of them, those skipped by key.
        pruned: u64,
    },
    /// Objects were read, but none held a record (only headers, NODATA, SKIPDATA or malformed
    /// lines, or objects that could not be read).
    NoRecords,
    /// Every log that holds records lacks fields attribution needs (listed in
    /// `summary.unusable_logs`).
    NoUsableLogs {
        /// Their records.
        records: u64,
    },
    /// Every record lies outside `--since` / `--until`.
    NoRecordsInWindow {
        /// The records read.
        records: u64,
    },
    /// Records lie in the window, but none could be attributed to a known ENI, a direction
    /// and an orientation (ENIs missing from the inventory, `-` fields, direction unknown).
    NothingAttributed {
        /// Records in the window (and in usable logs).
        records: u64,
    },
}

impl Report {
    /// Whether any record was attributed, and if not, why (in the order the causes are
    /// checked: objects, records, formats, window, attribution).
    ///
    /// ```
    /// use flowsieve::{AnalysisConfig, Analyzer, Judgeable, Network};
    /// use flowsieve::sg::Inventory;
    ///
    /// let network = Network::new(Inventory::load(&["../../testdata/demo/inventory"])?);
    /// let report = Analyzer::new(&AnalysisConfig::new(), network).finish();
    /// assert_eq!(report.judgeable(), Judgeable::NoObjects { listed: 0, pruned: 0 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn judgeable(&self) -> Judgeable {
        let s = &self.summary;
        let unusable = s.unattributed.unusable_format;
        let in_window = s
            .records
            .saturating_sub(unusable)
            .saturating_sub(s.unattributed.outside_window);
        if s.files == 0 {
            Judgeable::NoObjects {
                listed: s.files_listed,
                pruned: s.files_pruned,
            }
        } else if s.records == 0 {
            Judgeable::NoRecords
        } else if unusable == s.records {
            Judgeable::NoUsableLogs { records: unusable }
        } else if in_window == 0 {
            Judgeable::NoRecordsInWindow { records: s.records }
        } else if s.attributed_records == 0 {
            Judgeable::NothingAttributed { records: in_window }
        } else {
            Judgeable::Yes
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{AnalysisConfig, Analyzer, Network};
    use flowsieve_sg::Inventory;

    fn network() -> Arc<Network> {
        Arc::new(Network::new(
            Inventory::load(&["../../testdata/demo/inventory"]).unwrap(),
        ))
    }

    fn report(config: &AnalysisConfig, network: &Arc<Network>, text: &str) -> Report {
        let mut reader = config.reader_builder().build(text.as_bytes()).unwrap();
        let mut analyzer = Analyzer::new(config, Arc::clone(network));
        for batch in reader.by_ref() {
            analyzer.add_batch(&batch.unwrap());
        }
        analyzer.add_line_stats(reader.stats());
        analyzer.finish()
    }

    const UNKNOWN_ENI: &str = "2 568738793019 eni-0000000000000dead 10.34.1.1 10.34.1.2 40000 443 6 3 180 1745193600 1745193660 ACCEPT OK\n";

    #[test]
    fn each_cause_in_turn() {
        let network = network();
        let config = AnalysisConfig::new();
        assert_eq!(
            report(
                &config,
                &network,
                "2 568738793019 eni-1 - - - - - - - 1745193600 1745193660 - NODATA\n"
            )
            .judgeable(),
            Judgeable::NoRecords
        );
        assert_eq!(
            report(&config, &network, UNKNOWN_ENI).judgeable(),
            Judgeable::NothingAttributed { records: 1 }
        );
        let late = AnalysisConfig::new().with_window(Some(1_800_000_000), None);
        assert_eq!(
            report(&late, &network, UNKNOWN_ENI).judgeable(),
            Judgeable::NoRecordsInWindow { records: 1 }
        );
    }
}
