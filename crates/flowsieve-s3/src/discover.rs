//! [`Discovery`]: the one way flow-log locations — local files and directories, `s3://`
//! prefixes, standard input — become the list of [`Source`]s a run reads, whatever the command.
//!
//! One discovery makes at most one [`S3Store`] (so one tokio runtime and one read-ahead budget)
//! however many `s3://` locations it lists, and only when it meets the first of them. It lists
//! the same file or object once, can leave out what lies inside a run's own output, and can
//! prune objects by what their key says before anything is read.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flowsieve_log::{KeyFilter, Source};

use crate::error::{Error, Result};
use crate::location::{LogLocation, S3Url};
use crate::options::S3Options;
use crate::store::S3Store;

/// Lists flow-log locations into sources, for any command that reads flow logs.
///
/// * **Local** files and directories as [`flowsieve_log::discover`] walks them (sorted,
///   hidden entries and `*.partial` files skipped), each source with its path below the
///   directory ([`Source::relative_path`]).
/// * **`s3://`** prefixes listed through one [`S3Store`] made from the [`S3Options`] when the
///   first S3 location is met — one store, one runtime, one read-ahead budget per discovery,
///   however many S3 locations there are — each object with its key below the prefix.
/// * **`-`** ([`LogLocation::Stdin`]): standard input as one source ([`Source::stdin`]).
///
/// Sources come in location order, each location's in name (key) order; a file or object
/// reached twice is listed once, where it was first found. Outputs of the run can be left out
/// ([`Self::excluding_file`], [`Self::excluding_directory`]), and a [`KeyFilter`] prunes
/// objects by their key, unread ([`Self::with_filter`]); [`Listing`] counts both.
///
/// ```
/// use flowsieve_log::KeyFilter;
/// use flowsieve_s3::{Discovery, LogLocation, S3Options};
///
/// let locations: Vec<LogLocation> = vec![
///     "../../testdata/demo/logs".parse()?,
///     "../../testdata/demo/logs/".parse()?, // the same files again: listed once
/// ];
/// let listing = Discovery::new(S3Options::new())
///     .with_filter(KeyFilter::new().with_regions(["us-east-1"]))
///     .list(&locations)?;
/// assert!(!listing.sources.is_empty());
/// assert_eq!((listing.listed, listing.pruned), (listing.sources.len() as u64, 0));
/// assert!(listing.sources.iter().all(|s| s.relative_path().starts_with("AWSLogs")));
/// # Ok::<(), flowsieve_s3::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    options: S3Options,
    filter: KeyFilter,
    excluded: Vec<Excluded>,
}

/// A run's own output, whose files are not inputs.
#[derive(Debug, Clone)]
enum Excluded {
    /// An output file (and its `NAME.partial` while it is written).
    File(PathBuf),
    /// An output directory: everything under it.
    Directory(PathBuf),
}

/// What a [`Discovery`] found.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The sources to read, in order (those the filter selects).
    pub sources: Vec<Source>,
    /// Files and objects found (each once; a run's own outputs not counted).
    pub listed: u64,
    /// Those of them the filter ruled out by their key, unread.
    pub pruned: u64,
}

/// What makes two sources the same input.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Identity {
    /// A local file, by its canonical path.
    File(PathBuf),
    /// A remote object (or standard input), by its label.
    Object(Arc<str>),
}

impl Discovery {
    /// A discovery that reaches S3 with `options` (read only if an `s3://` location is listed),
    /// selects every source and excludes nothing.
    pub fn new(options: S3Options) -> Discovery {
        Discovery {
            options,
            ..Discovery::default()
        }
    }

    /// Prunes sources whose key `filter` rules out (`--account`, `--region`): they are counted
    /// in [`Listing::pruned`], never read.
    pub fn with_filter(mut self, filter: KeyFilter) -> Discovery {
        self.filter = filter;
        self
    }

    /// Leaves out the output file `path` and its `NAME.partial` temporary (a run writing into
    /// the directory it reads must not read its own earlier output).
    pub fn excluding_file(mut self, path: impl Into<PathBuf>) -> Discovery {
        self.excluded.push(Excluded::File(path.into()));
        self
    }

    /// Leaves out every file under the output directory `path`.
    pub fn excluding_directory(mut self, path: impl Into<PathBuf>) -> Discovery {
        self.excluded.push(Excluded::Directory(path.into()));
        self
    }

    /// Lists `locations`, in order. A local path that does not exist, an S3 location that
    /// cannot be listed, or S3 settings that cannot be used are errors naming the location.
    pub fn list(&self, locations: &[LogLocation]) -> Result<Listing> {
        self.list_with(
            locations,
            || S3Store::new(self.options.clone()),
            |store, url| store.list(url),
        )
    }

    /// The sources of objects listed before (by [`Self::list`], perhaps in another process),
    /// each a location naming one object and its size, in order: nothing is listed again, so
    /// the sources are exactly those objects (an S3 object that has gone since fails when it is
    /// read, naming it; a local file must still be there). Neither filters nor exclusions
    /// apply: they did when the objects were listed.
    ///
    /// ```
    /// use flowsieve_s3::{Discovery, LogLocation, S3Options};
    ///
    /// let path = "../../testdata/logs/flowlogs-v2-default-docs.log";
    /// let sources = Discovery::new(S3Options::new()).objects(&[(path.parse::<LogLocation>()?, 0)])?;
    /// assert_eq!(sources.len(), 1);
    /// # Ok::<(), flowsieve_s3::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A local file that cannot be opened, standard input (it cannot be read twice), or S3
    /// settings that cannot be used.
    pub fn objects(&self, objects: &[(LogLocation, u64)]) -> Result<Vec<Source>> {
        let mut store: Option<Arc<S3Store>> = None;
        let mut sources = Vec::with_capacity(objects.len());
        for (location, size) in objects {
            sources.push(match location {
                LogLocation::Local(path) => Source::local(path)?,
                LogLocation::S3(url) => {
                    let store = match store {
                        Some(ref store) => store,
                        None => store.insert(S3Store::new(self.options.clone())?),
                    };
                    store.object(url, *size)?
                }
                LogLocation::Stdin => {
                    return Err(Error::Stdin {
                        reason: "standard input is not an object that can be read again".to_owned(),
                    });
                }
            });
        }
        Ok(sources)
    }

    /// [`Self::list`] with the store made by `open_store` (called at most once, when the first
    /// S3 location is met) and S3 locations listed by `list_url`.
    fn list_with<S>(
        &self,
        locations: &[LogLocation],
        mut open_store: impl FnMut() -> Result<S>,
        list_url: impl Fn(&S, &S3Url) -> Result<Vec<Source>>,
    ) -> Result<Listing> {
        let excluded: Vec<(Excluded, PathBuf)> = self
            .excluded
            .iter()
            .filter_map(|e| {
                let path = match e {
                    Excluded::File(path) | Excluded::Directory(path) => path,
                };
                // An output that does not exist yet has nothing in it to leave out.
                Some((e.clone(), fs::canonicalize(path).ok()?))
            })
            .collect();
        let mut store: Option<S> = None;
        let mut seen = HashSet::new();
        let mut listing = Listing::default();
        for (i, location) in locations.iter().enumerate() {
            // Each location lists a file or object once (a walk skips what it reaches twice), so
            // only a later location can repeat one: the last keeps no identities (9,000 canonical
            // paths kept 3 MB resident for the whole run), and checks them only if others did.
            let last = i + 1 == locations.len();
            let found = match location {
                LogLocation::Local(path) => flowsieve_log::discover(std::slice::from_ref(path))?,
                LogLocation::S3(url) => {
                    let store = match store {
                        Some(ref store) => store,
                        None => store.insert(open_store()?),
                    };
                    list_url(store, url)?
                }
                LogLocation::Stdin => vec![Source::stdin()],
            };
            listing.sources.reserve(found.len());
            for source in found {
                let identity = match source.path() {
                    Some(path) if !(last && seen.is_empty() && excluded.is_empty()) => {
                        let canonical = canonical(path);
                        if excluded
                            .iter()
                            .any(|(e, output)| e.holds(&canonical, output))
                        {
                            continue;
                        }
                        Some(Identity::File(canonical))
                    }
                    Some(_) => None,
                    None => Some(Identity::Object(source.label().clone())),
                };
                let repeated = identity.is_some_and(|identity| {
                    if last {
                        seen.contains(&identity)
                    } else {
                        !seen.insert(identity)
                    }
                });
                if repeated {
                    continue;
                }
                listing.listed += 1;
                if self.filter.selects(&source.key()) {
                    listing.sources.push(source);
                } else {
                    listing.pruned += 1;
                }
            }
        }
        // The listing lives as long as the run: not up to twice its size (9,000 objects took
        // 2.9 MB for 1.6 MB of sources).
        listing.sources.shrink_to_fit();
        Ok(listing)
    }
}

impl Excluded {
    /// Whether the file at `path` (canonical) is this output, `output` being its canonical path.
    fn holds(&self, path: &Path, output: &Path) -> bool {
        match self {
            Excluded::File(_) => {
                let mut partial = output.as_os_str().to_owned();
                partial.push(".partial");
                path == output || path.as_os_str() == partial
            }
            Excluded::Directory(_) => path.starts_with(output),
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Lists every location into sources, in order: [`Discovery::list`] with nothing excluded and
/// nothing pruned, the sources alone.
pub fn discover(locations: &[LogLocation], options: &S3Options) -> Result<Vec<Source>> {
    Ok(Discovery::new(options.clone()).list(locations)?.sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const DOCS: &[u8] = include_bytes!("../../../testdata/logs/flowlogs-v2-default-docs.log");

    /// A store that serves nothing: listing an S3 URL gives one object under it.
    #[derive(Debug)]
    struct Empty;

    impl flowsieve_log::RemoteStore for Empty {
        fn open(&self, location: &str, _size: u64) -> std::io::Result<flowsieve_log::ObjectBody> {
            Err(std::io::Error::other(format!("{location}: not served")))
        }
    }

    fn fake_listing(store: &Arc<Empty>, url: &S3Url) -> Result<Vec<Source>> {
        let key = format!("{}x.log.gz", url.prefix());
        let source = Source::remote(store.clone(), url.object_url(&key), 1);
        Ok(vec![source.with_relative_path(url.key_below(&key))])
    }

    fn locations(texts: &[&str]) -> Vec<LogLocation> {
        texts.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn one_store_for_every_s3_location_and_none_without() {
        let opened = Cell::new(0);
        let open = || {
            opened.set(opened.get() + 1);
            Ok(Arc::new(Empty))
        };
        let both = locations(&["s3://bucket-a/AWSLogs/", "-", "s3://bucket-b/other/"]);
        let listing = Discovery::default()
            .list_with(&both, open, fake_listing)
            .unwrap();
        assert_eq!(opened.get(), 1, "two S3 URLs, one store");
        let labels: Vec<&str> = listing.sources.iter().map(|s| &**s.label()).collect();
        assert_eq!(
            labels,
            [
                "s3://bucket-a/AWSLogs/x.log.gz",
                flowsieve_log::STDIN_LABEL,
                "s3://bucket-b/other/x.log.gz"
            ]
        );
        assert_eq!(listing.sources[2].relative_path(), Path::new("x.log.gz"));

        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.log"), DOCS).unwrap();
        let local = [
            LogLocation::Local(dir.path().to_owned()),
            LogLocation::Stdin,
        ];
        Discovery::default()
            .list_with(&local, open, fake_listing)
            .unwrap();
        assert_eq!(opened.get(), 1, "no S3 location, no store");
    }

    #[test]
    fn each_input_once_outputs_left_out_and_pruned_counted() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let keyed = "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/04/01";
        for name in [
            "a.log".to_owned(),
            format!("{keyed}/x.log"),
            "out.parquet".to_owned(),
            "out/1.parquet".to_owned(),
        ] {
            let path = logs.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, DOCS).unwrap();
        }
        // Named explicitly, an unfinished output would be read: as the output's, it is not.
        fs::write(logs.join("out.parquet.partial"), DOCS).unwrap();
        let twice = [
            LogLocation::Local(logs.clone()),
            LogLocation::Local(logs.join("a.log")),
            LogLocation::Local(logs.join("out.parquet.partial")),
            LogLocation::Stdin,
            LogLocation::Stdin,
        ];
        let listing = Discovery::new(S3Options::new())
            .excluding_file(logs.join("out.parquet"))
            .excluding_directory(logs.join("out"))
            .with_filter(KeyFilter::new().with_regions(["us-east-1"]))
            .list(&twice)
            .unwrap();
        let relative: Vec<&Path> = listing.sources.iter().map(|s| s.relative_path()).collect();
        // x.log's key names eu-west-1: pruned; a.log's names no region: read.
        assert_eq!(relative, [Path::new("a.log"), Path::new("stdin")]);
        assert_eq!((listing.listed, listing.pruned), (3, 1));

        let all = discover(&twice[..2], &S3Options::new()).unwrap();
        assert_eq!(all.len(), 4, "a.log once, x.log and both outputs");
        // The last location keeps no identities but checks those of the others.
        let file_first = [twice[1].clone(), twice[0].clone()];
        let all = discover(&file_first, &S3Options::new()).unwrap();
        assert_eq!(all.len(), 4, "a.log once, named first");
        assert_eq!(all[0].relative_path(), Path::new("a.log"));
        assert!(discover(&locations(&["no/such/dir"]), &S3Options::new()).is_err());
    }
}
