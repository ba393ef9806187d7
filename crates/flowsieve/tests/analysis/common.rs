//! Shared helpers: generate an archive once per test binary, read its truth, analyse one flow
//! log of it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flowsieve::log::Source;
use flowsieve::{AnalysisConfig, Network, Report, analyze};
use serde_json::Value;

/// A generated archive: its directory (kept for the test binary's life), truth and network.
pub struct Archive {
    pub dir: PathBuf,
    pub truth: Value,
    pub network: std::sync::Arc<Network>,
    pub sources: Vec<Source>,
    _keep: tempfile::TempDir,
}

impl Archive {
    fn generate(records: u64, seed: u64, layout: flowsieve_synth::Layout) -> Archive {
        Archive::generate_with(records, seed, |config| {
            config.malformed = true;
            config.labels = true;
            config.layout = layout;
        })
    }

    /// An archive of `records` records and `seed`, configured further by `adjust`.
    pub fn generate_with(
        records: u64,
        seed: u64,
        adjust: impl FnOnce(&mut flowsieve_synth::GenerateConfig),
    ) -> Archive {
        let keep = tempfile::tempdir().expect("temp dir");
        let dir = keep.path().to_path_buf();
        let mut config = flowsieve_synth::GenerateConfig::new(dir.clone(), records, seed);
        adjust(&mut config);
        flowsieve_synth::generate(&config).expect("generate an archive");
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap())
                .unwrap();
        let network =
            std::sync::Arc::new(Network::load(&[dir.join("inventory")]).expect("inventory loads"));
        let sources = flowsieve::log::discover(&[dir.join("logs")]).expect("logs listed");
        Archive {
            dir,
            truth,
            network,
            sources,
            _keep: keep,
        }
    }

    /// The flow logs of the truth.
    pub fn flow_logs(&self) -> &[Value] {
        self.truth["flow_logs"].as_array().expect("flow_logs")
    }

    /// The objects of one flow log.
    pub fn sources_of(&self, flow_log: &Value) -> Vec<Source> {
        let id = flow_log["id"].as_str().expect("id");
        self.sources
            .iter()
            .filter(|s| s.key().flow_log_id.as_deref() == Some(id))
            .cloned()
            .collect()
    }

    /// The analysis of one flow log with the default configuration.
    pub fn analyze(&self, flow_log: &Value) -> Report {
        analyze(
            &AnalysisConfig::new(),
            &self.network,
            &self.sources_of(flow_log),
        )
        .expect("analysis")
    }

    /// The path of the labels of an object.
    pub fn labels_of(&self, source: &Source) -> PathBuf {
        let rel = source
            .path()
            .expect("a local file")
            .strip_prefix(self.dir.join("logs"))
            .expect("under logs");
        let name = rel.to_string_lossy().replace(".log.gz", ".tsv");
        self.dir.join("labels").join(name)
    }
}

/// An odd-seed archive (the backup → RDS rule is missing), plain layout.
pub fn odd() -> &'static Archive {
    static ARCHIVE: OnceLock<Archive> = OnceLock::new();
    ARCHIVE.get_or_init(|| Archive::generate(150_000, 11, flowsieve_synth::Layout::Plain))
}

/// An even-seed archive, Hive layout.
pub fn even() -> &'static Archive {
    static ARCHIVE: OnceLock<Archive> = OnceLock::new();
    ARCHIVE.get_or_init(|| Archive::generate(150_000, 12, flowsieve_synth::Layout::Hive))
}

/// The demo archive the README runs on.
pub fn demo_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/demo"))
}

/// `f` on a rayon pool of `threads` threads.
pub fn in_pool(threads: usize, f: impl FnOnce() -> Report + Send) -> Report {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// One thread over the files in order and three over them reversed give the same report.
pub fn one_and_three_threads_agree(archive: &Archive) {
    let config = AnalysisConfig::new();
    let one = in_pool(1, || {
        analyze(&config, &archive.network, &archive.sources).unwrap()
    });
    let mut reversed = archive.sources.clone();
    reversed.reverse();
    let three = in_pool(3, || analyze(&config, &archive.network, &reversed).unwrap());
    assert_eq!(one, three);
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&three).unwrap()
    );
}
