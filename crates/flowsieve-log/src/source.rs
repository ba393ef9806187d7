//! Sources: where flow-log objects come from, how their kind is recognised (by content, never by
//! name), and how many of them are read in parallel.
//!
//! * [`discover`] walks files and directories into a sorted, de-duplicated list of [`Source`]s,
//!   each with what its S3-style key says ([`LogObjectKey`]).
//! * [`Source::remote`] names an object of a [`RemoteStore`] (S3 through the `flowsieve-s3`
//!   crate): flowsieve-log knows no network, no runtime and no credentials, only that a store
//!   hands out an object's bytes as a [`Read`], and can fetch a bounded number of objects ahead
//!   of the one being read ([`RemoteStore::open_in_order`]).
//! * [`open`] sniffs the first bytes: gzip (`1f 8b`, multi-member) → a file of one member
//!   within the limits inflated whole (`gunzip.rs`), anything else streaming decompression,
//!   Parquet (`PAR1`) → [`crate::ParquetFlowReader`] (a remote Parquet object is read whole
//!   into memory first: Parquet needs its footer before its rows), JSON → refused with a clear
//!   message, binary content (gzip or not) → refused ([`ErrorKind::BinaryContent`]), anything
//!   else → plain text.
//! * [`fetch_in_order`] pairs sources with their bodies in list order (remote ones fetched
//!   ahead), which [`crate::read_parallel`] builds on.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

use crate::batch::FlowRecordBatch;
use crate::error::{Error, ErrorKind, Result};
use crate::format::LogFormat;
use crate::gunzip::{self, Inflated};
use crate::key::LogObjectKey;
use crate::parquet::ParquetFlowReader;
use crate::reader::{FlowLogReader, ReaderBuilder};
use crate::stats::LineStats;

/// Buffer between the file and the gzip decoder.
pub(crate) const FILE_BUFFER: usize = 256 * 1024;
/// Buffer between the gzip decoder and the line reader (whose larger reads bypass it): what
/// the first read of a gzip object's text hands over, the head sniffed for binary and JSON.
const GZIP_TEXT_BUFFER: usize = 64 * 1024;

/// The body of a remote object: a stream of its bytes. A failure to fetch it (also one in the
/// middle of the stream) is an [`io::Error`] from `read` that names the object.
pub type ObjectBody = Box<dyn Read + Send>;

/// The bodies of objects opened one after another by [`RemoteStore::open_in_order`].
pub type ObjectBodies = Box<dyn Iterator<Item = io::Result<ObjectBody>> + Send>;

/// A store of remote objects flowsieve-log reads without knowing how (S3 through the
/// `flowsieve-s3` crate, or anything else that serves bytes by location).
///
/// Implementations own their runtime, connections and retries; every error they return, or
/// that a body's `read` returns, names the object.
pub trait RemoteStore: fmt::Debug + Send + Sync + 'static {
    /// Opens one object for reading from its start. `size` is its size as listed.
    fn open(&self, location: &str, size: u64) -> io::Result<ObjectBody>;

    /// Opens `objects` (location, listed size) one after another, in that order: the iterator
    /// yields each one's body when asked. An implementation may fetch a bounded number of
    /// objects ahead of the one being read; the default opens each when it is asked for.
    fn open_in_order(self: Arc<Self>, objects: Vec<(Arc<str>, u64)>) -> ObjectBodies {
        Box::new(
            objects
                .into_iter()
                .map(move |(location, size)| self.open(&location, size)),
        )
    }
}

/// Where a source's bytes are. What both kinds would repeat of the label is not kept: a local
/// file's path is its label when that is the path's exact text (valid UTF-8, the usual case),
/// and a remote object's location is its label (a listing of 9,000 objects kept 1.4 MB of
/// paths beside their labels).
#[derive(Clone)]
enum Origin {
    /// A local file: its path when it is not the label's text.
    Local(Option<Box<Path>>),
    /// An object of a store, at the location that is the source's label.
    Remote(Arc<dyn RemoteStore>),
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Local(path) => f.debug_tuple("Local").field(path).finish(),
            Origin::Remote(_) => f.write_str("Remote"),
        }
    }
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        match (self, other) {
            (Origin::Local(a), Origin::Local(b)) => a == b,
            (Origin::Remote(store), Origin::Remote(other_store)) => Arc::ptr_eq(store, other_store),
            _ => false,
        }
    }
}

impl Eq for Origin {}

/// One flow-log object to read: a local file or an object of a [`RemoteStore`].
///
/// Besides where its bytes are, a source knows its path relative to the location it was found
/// under ([`Self::relative_path`]), from which a conversion names its output
/// ([`Self::output_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    origin: Origin,
    label: Arc<str>,
    size: u64,
    relative: Relative,
}

/// A source's relative path ([`Source::relative_path`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Relative {
    /// The last `n` bytes of the label, after a `/`, or the whole label: a file's name, or its
    /// path below a walked directory (the usual case, which then takes no memory of its own:
    /// a listing of 9,000 objects held 1.4 MB of relative paths).
    Tail(u32),
    /// Any other.
    Own(Arc<Path>),
}

impl Relative {
    /// `relative` as the tail of `label` when it is one.
    fn of(label: &str, relative: &Path) -> Relative {
        let tail = relative.to_str().and_then(|rel| {
            let head = label.strip_suffix(rel)?;
            let whole_segment = head.is_empty() || head.ends_with('/');
            (whole_segment && !rel.is_empty())
                .then(|| u32::try_from(rel.len()).ok())
                .flatten()
        });
        match tail {
            Some(n) => Relative::Tail(n),
            None => Relative::Own(Arc::from(relative)),
        }
    }
}

/// The relative path of a source with no better name.
const UNNAMED: &str = "input";

/// The suffixes flow-log objects end in, which [`Source::output_name`] replaces.
const LOG_SUFFIXES: [&str; 4] = [".log.gz", ".log", ".gz", ".parquet"];

impl Source {
    /// A local file. The label (used in issues and errors) is the path as given.
    pub fn local(path: impl Into<PathBuf>) -> Result<Source> {
        let path = path.into();
        let size = std::fs::metadata(&path)
            .map_err(|source| {
                Error::from(ErrorKind::Path {
                    path: path.clone(),
                    source,
                })
            })?
            .len();
        let label: Arc<str> = Arc::from(path.display().to_string());
        let relative = Relative::of(
            &label,
            Path::new(path.file_name().unwrap_or(UNNAMED.as_ref())),
        );
        let own = (path.as_os_str() != Path::new(&*label).as_os_str()).then(|| path.into());
        Ok(Source {
            origin: Origin::Local(own),
            label,
            size,
            relative,
        })
    }

    /// An object of a remote store, as listed: its location in the store (which is also its
    /// label, e.g. `s3://bucket/AWSLogs/…/x.log.gz`, and whose key is parsed for pruning) and
    /// its size.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use flowsieve_log::{ObjectBody, RemoteStore, Source};
    ///
    /// /// Serves every object from memory.
    /// #[derive(Debug)]
    /// struct Memory(&'static [u8]);
    ///
    /// impl RemoteStore for Memory {
    ///     fn open(&self, _location: &str, _size: u64) -> std::io::Result<ObjectBody> {
    ///         Ok(Box::new(self.0))
    ///     }
    /// }
    ///
    /// let text = b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n";
    /// let store = Arc::new(Memory(text));
    /// let source = Source::remote(store, "mem://b/AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/01/x.log", 52);
    /// assert_eq!(source.key().region.as_deref(), Some("eu-west-1"));
    /// let mut reader = flowsieve_log::open(&source, &flowsieve_log::ReaderBuilder::new())?;
    /// assert_eq!(reader.next().expect("a batch")?.num_rows(), 1);
    /// # Ok::<(), flowsieve_log::Error>(())
    /// ```
    pub fn remote(store: Arc<dyn RemoteStore>, location: impl Into<Arc<str>>, size: u64) -> Source {
        let location: Arc<str> = location.into();
        let name = location.rsplit('/').next().filter(|n| !n.is_empty());
        let relative = Relative::of(&location, Path::new(name.unwrap_or(UNNAMED)));
        Source {
            origin: Origin::Remote(store),
            label: location,
            size,
            relative,
        }
    }

    /// The same source with another relative path (an empty one is ignored): what a listing
    /// sets, the path below the directory or prefix it was found under.
    pub fn with_relative_path(mut self, relative: impl AsRef<Path>) -> Source {
        let relative = relative.as_ref();
        if !relative.as_os_str().is_empty() {
            self.relative = Relative::of(&self.label, relative);
        }
        self
    }

    /// The source's path relative to the location it was found under: below a walked directory
    /// or a listed S3 prefix, the rest of its path or key (`a/b/x.log.gz`); a file or object
    /// named directly, its name. A source made by [`Self::local`] or [`Self::remote`] and not
    /// listed has its name.
    pub fn relative_path(&self) -> &Path {
        match &self.relative {
            Relative::Tail(n) => Path::new(&self.label[self.label.len() - *n as usize..]),
            Relative::Own(path) => path,
        }
    }

    /// The relative path an output derived from this source takes: [`Self::relative_path`]
    /// with the suffix of a flow-log object (`.log.gz`, `.log`, `.gz`, `.parquet`) replaced by
    /// `.{extension}`; other names get `.{extension}` appended.
    ///
    /// ```
    /// use std::path::Path;
    /// # use flowsieve_log::{ObjectBody, RemoteStore, Source};
    /// # #[derive(Debug)] struct Nothing;
    /// # impl RemoteStore for Nothing {
    /// #     fn open(&self, _: &str, _: u64) -> std::io::Result<ObjectBody> { Ok(Box::new(&b""[..])) }
    /// # }
    /// # let store = std::sync::Arc::new(Nothing);
    /// let source = Source::remote(store, "s3://b/AWSLogs/1/x.log.gz", 0)
    ///     .with_relative_path("1/x.log.gz");
    /// assert_eq!(source.output_name("parquet"), Path::new("1/x.parquet"));
    /// ```
    pub fn output_name(&self, extension: &str) -> PathBuf {
        let relative = self.relative_path();
        let name = relative.file_name().unwrap_or(relative.as_os_str());
        let new_name = match name.to_str() {
            Some(text) => {
                let stem = LOG_SUFFIXES
                    .iter()
                    .find_map(|suffix| text.strip_suffix(suffix).filter(|s| !s.is_empty()))
                    .unwrap_or(text);
                std::ffi::OsString::from(format!("{stem}.{extension}"))
            }
            None => {
                let mut name = name.to_owned();
                name.push(format!(".{extension}"));
                name
            }
        };
        relative.with_file_name(new_name)
    }

    /// The file path of a local source; `None` for a remote object.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Local(own) => Some(own.as_deref().unwrap_or(Path::new(&*self.label))),
            Origin::Remote(_) => None,
        }
    }

    /// Whether the source is an object of a [`RemoteStore`].
    pub fn is_remote(&self) -> bool {
        matches!(self.origin, Origin::Remote(_))
    }

    /// The label used in issues and errors: the path as given, or the remote location.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }

    /// What the path or object key says about the object (account, region, date, window),
    /// parsed from the label on each call: a listing keeps no parsed copy (its strings took
    /// about 100 bytes an object).
    pub fn key(&self) -> LogObjectKey {
        LogObjectKey::parse(&self.label)
    }

    /// Size in bytes as stored (compressed for gzip).
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// Walks files and directories (recursively, in name order, skipping hidden entries and the
/// `*.partial` files a writer has not finished) into a list of sources. A file named explicitly
/// is read whatever its name. A path that does not exist is an error naming it. The same file
/// reached twice is listed once. Each source's [`Source::relative_path`] is its path below the
/// directory walked (its name for a file named explicitly).
pub fn discover<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    // What was listed, by a 128-bit hash of its canonical path: the paths themselves, kept
    // while the walk went on between the sources' labels, left 1.5 MB of holes in the heap
    // for 9,000 objects.
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| {
            Error::from(ErrorKind::Path {
                path: path.to_owned(),
                source,
            })
        })?;
        if meta.is_file() {
            if seen.insert(identity(path)) {
                sources.push(Source::local(path)?);
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|err| {
                let at = err.path().unwrap_or(path).to_owned();
                let source = err.into_io_error().unwrap_or_else(|| {
                    std::io::Error::other("filesystem loop while walking the directory")
                });
                Error::from(ErrorKind::Path { path: at, source })
            })?;
            if entry.file_type().is_file()
                && !is_partial(entry.path())
                && seen.insert(identity(entry.path()))
            {
                let below = entry.path().strip_prefix(path).unwrap_or(entry.path());
                sources.push(Source::local(entry.path())?.with_relative_path(below));
            }
        }
    }
    Ok(sources)
}

/// Whether a file is an unfinished output (`*.partial`: written, then renamed when complete).
fn is_partial(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "partial")
}

/// A file's identity: a 128-bit hash of its canonical path (two files colliding is as likely
/// as guessing a 128-bit key).
fn identity(path: &Path) -> u128 {
    use std::hash::BuildHasher;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let half = |seed| foldhash::quality::FixedState::with_seed(seed).hash_one(&canonical);
    (u128::from(half(0x5eed_0001)) << 64) | u128::from(half(0x5eed_0002))
}

/// What a source's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// gzip (`1f 8b`), possibly several members.
    Gzip,
    /// Parquet (`PAR1`).
    Parquet,
    /// Anything else: read as flow-log text.
    Text,
}

/// Recognises the kind of input from its first bytes.
pub fn sniff(first_bytes: &[u8]) -> InputKind {
    if first_bytes.starts_with(&[0x1f, 0x8b]) {
        InputKind::Gzip
    } else if first_bytes.starts_with(b"PAR1") {
        InputKind::Parquet
    } else {
        InputKind::Text
    }
}

/// A reader of one source, whatever its kind.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum SourceReader {
    /// Text, plain or gzip.
    Text(FlowLogReader<Box<dyn Read + Send>>),
    /// Parquet.
    Parquet(ParquetFlowReader),
}

impl SourceReader {
    /// Line (or, for Parquet, row) accounting so far.
    pub fn stats(&self) -> &LineStats {
        match self {
            SourceReader::Text(reader) => reader.stats(),
            SourceReader::Parquet(reader) => reader.stats(),
        }
    }

    /// The format in force: the text's header (once read; else the configured format or v2),
    /// or the Parquet file's columns.
    pub fn format(&self) -> &LogFormat {
        match self {
            SourceReader::Text(reader) => reader.format(),
            SourceReader::Parquet(reader) => reader.file_format(),
        }
    }
}

impl Iterator for SourceReader {
    type Item = Result<FlowRecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            SourceReader::Text(reader) => reader.next(),
            SourceReader::Parquet(reader) => reader.next(),
        }
    }
}

/// Opens a source for reading: sniffs its kind, decompresses gzip as a stream. A remote object
/// is fetched from its store (streamed; a Parquet object whole).
pub fn open(source: &Source, builder: &ReaderBuilder) -> Result<SourceReader> {
    match &source.origin {
        Origin::Local(own) => {
            let path = own.as_deref().unwrap_or(Path::new(&*source.label));
            let label = source.label();
            let file = File::open(path).map_err(|err| Error::io(label.to_string(), err))?;
            open_file(source, path, file, builder)
        }
        Origin::Remote(store) => {
            let body = store
                .open(&source.label, source.size)
                .map_err(|err| Error::io(source.label().to_string(), err))?;
            open_body(source, body, builder)
        }
    }
}

fn open_file(
    source: &Source,
    path: &Path,
    file: File,
    builder: &ReaderBuilder,
) -> Result<SourceReader> {
    let label = source.label().clone();
    let builder = builder.clone().with_source_label(label.clone());
    // The length now, for a gzip object read whole (0 if unknown: streamed).
    let size = file.metadata().map_or(0, |m| m.len());
    let mut file = BufReader::with_capacity(FILE_BUFFER, file);
    let head = file
        .fill_buf()
        .map_err(|err| Error::io(label.to_string(), err))?;
    match sniff(head) {
        InputKind::Parquet => Ok(SourceReader::Parquet(ParquetFlowReader::from_path(
            file.into_inner(),
            path,
            builder,
        )?)),
        kind => open_text(kind, file, size, &label, builder),
    }
}

/// Opens a source from a stream of its bytes (a remote object's body): gzip and text are read
/// as they arrive; Parquet is read whole into memory first (its footer comes last), so a
/// Parquet object costs its size in memory while it is read.
pub fn open_body(
    source: &Source,
    body: ObjectBody,
    builder: &ReaderBuilder,
) -> Result<SourceReader> {
    let label = source.label().clone();
    let builder = builder.clone().with_source_label(label.clone());
    let mut body = BufReader::with_capacity(FILE_BUFFER, body);
    let head = body
        .fill_buf()
        .map_err(|err| Error::io(label.to_string(), err))?;
    match sniff(head) {
        InputKind::Parquet => {
            let capacity = usize::try_from(source.size).unwrap_or(0).min(1 << 30);
            let mut whole = Vec::with_capacity(capacity);
            body.read_to_end(&mut whole)
                .map_err(|err| Error::io(label.to_string(), err))?;
            Ok(SourceReader::Parquet(ParquetFlowReader::from_bytes(
                bytes::Bytes::from(whole),
                builder,
            )?))
        }
        // Streamed as it arrives, never inflated whole: a store reads ahead a bounded piece of
        // each object (1 MiB for S3), so waiting for a whole body before inflating it would
        // stop the network for as long as the object takes to parse.
        kind => open_text(kind, body, 0, &label, builder),
    }
}

/// A text source's reader: plain text read as it is; gzip of `size` bytes (0: not known)
/// inflated whole when [`gunzip::inflate_object`] takes it, else decompressed as a stream.
pub(crate) fn open_text<R: BufRead + Send + 'static>(
    kind: InputKind,
    mut input: R,
    size: u64,
    label: &str,
    builder: ReaderBuilder,
) -> Result<SourceReader> {
    if kind == InputKind::Gzip {
        if !builder.whole_gzip {
            return open_gzip_stream(input, label, builder);
        }
        return match gunzip::inflate_object(input, size) {
            Inflated::Whole(text) => {
                // The head the stream's first read would hand over (64 KiB, or all of a
                // shorter text).
                let head = &text.buf[..text.len.min(GZIP_TEXT_BUFFER)];
                if let Err(err) = refuse_non_text(head, label) {
                    gunzip::recycle_text(text.buf);
                    return Err(err);
                }
                Ok(SourceReader::Text(builder.build_over(
                    Box::new(io::empty()) as Box<dyn Read + Send>,
                    text.buf,
                    text.len,
                    gunzip::recycle_text,
                )?))
            }
            Inflated::Stream(input) => open_gzip_stream(input, label, builder),
        };
    }
    let head = input
        .fill_buf()
        .map_err(|err| Error::io(label.to_owned(), err))?;
    refuse_non_text(head, label)?;
    Ok(SourceReader::Text(
        builder.build(Box::new(input) as Box<dyn Read + Send>)?,
    ))
}

/// A gzip source decompressed as a stream (flate2, several members in a row).
fn open_gzip_stream<R: BufRead + Send + 'static>(
    input: R,
    label: &str,
    builder: ReaderBuilder,
) -> Result<SourceReader> {
    let mut text = BufReader::with_capacity(GZIP_TEXT_BUFFER, MultiGzDecoder::new(input));
    // A gzip stream that is cut inside its header fails here already; report it as the
    // reader would.
    match text.fill_buf() {
        Ok(head) => refuse_non_text(head, label)?,
        Err(err) => {
            return Ok(SourceReader::Text(
                builder.build(Box::new(FailingRead(Some(err))) as Box<dyn Read + Send>)?,
            ));
        }
    }
    Ok(SourceReader::Text(
        builder.build(Box::new(text) as Box<dyn Read + Send>)?,
    ))
}

/// A source paired with its body, from [`fetch_in_order`]: [`Self::open`] makes its reader.
pub struct FetchedSource<'a> {
    source: &'a Source,
    /// A remote object's body (or why it could not be opened); `None` for a local file, which
    /// is opened by whoever reads it.
    body: Option<io::Result<ObjectBody>>,
}

impl fmt::Debug for FetchedSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedSource")
            .field("source", &self.source.label())
            .finish_non_exhaustive()
    }
}

impl<'a> FetchedSource<'a> {
    /// The source.
    pub fn source(&self) -> &'a Source {
        self.source
    }

    /// Its reader (sniffing the kind, as [`open`] does).
    pub fn open(self, builder: &ReaderBuilder) -> Result<SourceReader> {
        match self.body {
            None => open(self.source, builder),
            Some(Ok(body)) => open_body(self.source, body, builder),
            Some(Err(err)) => Err(Error::io(self.source.label().to_string(), err)),
        }
    }
}

/// Pairs sources with their bodies, in the given order. Local files are opened later by
/// whoever reads them ([`FetchedSource::open`]); the objects of each [`RemoteStore`] are
/// handed to it at once ([`RemoteStore::open_in_order`]), so it can fetch a bounded number of
/// them ahead of the one being read while earlier ones are parsed.
///
/// Consume the iterator in order (rayon's `par_bridge` does, handing items to workers as they
/// ask); its items are `Send`.
pub fn fetch_in_order<'a>(
    sources: impl IntoIterator<Item = &'a Source>,
) -> impl Iterator<Item = FetchedSource<'a>> + Send + 'a {
    let sources: Vec<&'a Source> = sources.into_iter().collect();
    // One ordered stream per store (stores compared by identity): its objects (location, size).
    type StoreObjects = (Arc<dyn RemoteStore>, Vec<(Arc<str>, u64)>);
    let mut stores: Vec<StoreObjects> = Vec::new();
    for source in &sources {
        if let Origin::Remote(store) = &source.origin {
            let object = (source.label.clone(), source.size);
            match stores.iter_mut().find(|(s, _)| Arc::ptr_eq(s, store)) {
                Some((_, objects)) => objects.push(object),
                None => stores.push((store.clone(), vec![object])),
            }
        }
    }
    let mut streams: Vec<(Arc<dyn RemoteStore>, ObjectBodies)> = stores
        .into_iter()
        .map(|(store, objects)| (store.clone(), store.open_in_order(objects)))
        .collect();
    sources.into_iter().map(move |source| {
        let body = match &source.origin {
            Origin::Local(_) => None,
            Origin::Remote(store) => Some(
                streams
                    .iter_mut()
                    .find(|(s, _)| Arc::ptr_eq(s, store))
                    .and_then(|(_, bodies)| bodies.next())
                    .unwrap_or_else(|| {
                        Err(io::Error::other(
                            "the store ended its stream of objects early",
                        ))
                    }),
            ),
        };
        FetchedSource { source, body }
    })
}

/// Hands out one stored error: lets a failure found while sniffing surface through the reader
/// like any other read error (with its line accounting).
pub(crate) struct FailingRead(pub(crate) Option<std::io::Error>);

impl Read for FailingRead {
    fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(err) => Err(err),
            None => Ok(0),
        }
    }
}

/// How much of an object's first bytes decide that it is binary.
const BINARY_SNIFF: usize = 8 * 1024;

/// JSON (a CloudWatch Logs subscription payload, an API response) and binary content are not
/// flow-log text: refused from the object's first bytes (after a byte-order mark).
fn refuse_non_text(head: &[u8], label: &str) -> Result<()> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if crate::diagnose::is_binary(&head[..head.len().min(BINARY_SNIFF)]) {
        return Err(Error::from(ErrorKind::BinaryContent {
            source_label: label.to_owned(),
        }));
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        return Err(Error::from(ErrorKind::UnsupportedRecordType {
            source_label: label.to_owned(),
            reason: "this is JSON (a CloudWatch Logs payload or an API response), not flow-log \
                     text; export the records as text or point flowsieve at the S3 objects"
                .to_owned(),
        }));
    }
    Ok(())
}

/// The format a source declares: its header line (text) or its columns (Parquet). `None` for
/// header-less text, whose format is the configured one or the default v2.
pub fn peek_format(source: &Source) -> Result<Option<LogFormat>> {
    let reader = open(
        source,
        &ReaderBuilder::new()
            .with_batch_size(1)
            .with_sample_limit(0)
            .with_whole_gzip(false),
    )?;
    match reader {
        SourceReader::Parquet(reader) => Ok(Some(reader.file_format().clone())),
        SourceReader::Text(mut reader) => {
            // Reading the first batch of one row reads the header (if any) first.
            match reader.next() {
                Some(Err(err)) if !matches!(err.kind(), ErrorKind::Truncated { .. }) => Err(err),
                _ if reader.stats().counts.header > 0 => Ok(Some(reader.format().clone())),
                _ => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn count(source: &Source) -> (u64, LineStats, Option<Error>) {
        let mut reader = open(source, &ReaderBuilder::new()).unwrap();
        let mut rows = 0;
        let mut error = None;
        for batch in reader.by_ref() {
            match batch {
                Ok(batch) => rows += batch.num_rows() as u64,
                Err(err) => error = Some(err),
            }
        }
        (rows, reader.stats().clone(), error)
    }

    const DOCS: &[u8] = include_bytes!("../../../testdata/logs/flowlogs-v2-default-docs.log");

    #[test]
    fn gzip_multi_member_and_plain_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, DOCS).unwrap();
        let multi = dir.path().join("b.bin");
        let (first, second) = DOCS.split_at(300);
        let mut bytes = gzip(first);
        bytes.extend(gzip(second));
        std::fs::write(&multi, bytes).unwrap();
        let (rows_plain, stats_plain, _) = count(&Source::local(&plain).unwrap());
        let (rows_gz, stats_gz, err) = count(&Source::local(&multi).unwrap());
        assert!(err.is_none());
        assert_eq!((rows_plain, rows_gz), (7, 7));
        assert_eq!(stats_plain.counts.records, stats_gz.counts.records);
    }

    #[test]
    fn truncated_gzip_names_the_file_and_keeps_earlier_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.log.gz");
        let mut text = Vec::new();
        for _ in 0..2000 {
            text.extend_from_slice(DOCS);
        }
        let bytes = gzip(&text);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let (rows, stats, err) = count(&Source::local(&path).unwrap());
        let err = err.expect("truncation is an error");
        assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
        assert!(err.to_string().contains("cut.log.gz"));
        assert!(rows > 1000, "{rows}");
        assert_eq!(stats.rows(), rows);
        assert_eq!(stats.malformed_by_reason[8], 1);
    }

    #[test]
    fn json_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payload.gz");
        std::fs::write(&path, gzip(b"{\"messageType\":\"DATA_MESSAGE\"}")).unwrap();
        let err = open(&Source::local(&path).unwrap(), &ReaderBuilder::new()).unwrap_err();
        assert!(err.to_string().contains("JSON"), "{err}");
    }

    #[test]
    fn discover_walks_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for name in ["b/c/2.log", "b/1.log", "a.log", ".hidden.log", "b/.x/3.log"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, DOCS).unwrap();
        }
        let file = dir.path().join("a.log");
        let sources = discover(&[dir.path().to_path_buf(), file]).unwrap();
        let names: Vec<String> = sources
            .iter()
            .map(|s| {
                s.path()
                    .unwrap()
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.log", "b/1.log", "b/c/2.log"]);
        assert!(discover(&[dir.path().join("missing")]).is_err());
    }

    #[test]
    fn discovered_sources_know_their_path_below_the_walked_directory() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a/b/one.log.gz",
            "a/two.log",
            "three.gz",
            "four.txt",
            "five.parquet",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, DOCS).unwrap();
        }
        let named = dir.path().join("a/two.log");
        let walked = discover(&[dir.path().to_path_buf()]).unwrap();
        let relative: Vec<(&Path, PathBuf)> = walked
            .iter()
            .map(|s| (s.relative_path(), s.output_name("parquet")))
            .collect();
        let expected = [
            ("a/b/one.log.gz", "a/b/one.parquet"),
            ("a/two.log", "a/two.parquet"),
            ("five.parquet", "five.parquet"),
            ("four.txt", "four.txt.parquet"),
            ("three.gz", "three.parquet"),
        ];
        assert_eq!(relative.len(), expected.len());
        for ((relative, output), (want, want_output)) in relative.iter().zip(expected) {
            assert_eq!(
                (*relative, output.as_path()),
                (Path::new(want), Path::new(want_output))
            );
        }
        let file = discover(&[named]).unwrap();
        assert_eq!(file[0].relative_path(), Path::new("two.log"));
    }

    /// A relative path that ends the label is kept as its tail (no allocation of its own);
    /// any other is kept whole; either way it reads back as given.
    #[test]
    fn relative_paths_are_tails_of_the_label_where_they_can_be() {
        let label = "/data/logs/a/b/x.log.gz";
        for (relative, tail) in [
            ("a/b/x.log.gz", true),
            ("x.log.gz", true),
            ("/data/logs/a/b/x.log.gz", true),
            ("b/x.log.gz", true),
            // Not at a segment boundary, not a tail, empty.
            (".log.gz", false),
            ("c/x.log.gz", false),
            ("", false),
        ] {
            let kept = Relative::of(label, Path::new(relative));
            assert_eq!(matches!(kept, Relative::Tail(_)), tail, "{relative}");
        }
        #[derive(Debug)]
        struct Empty;
        impl RemoteStore for Empty {
            fn open(&self, _: &str, _: u64) -> std::io::Result<ObjectBody> {
                Ok(Box::new(&b""[..]))
            }
        }
        let store: Arc<dyn RemoteStore> = Arc::new(Empty);
        let object = |relative: &str| {
            Source::remote(Arc::clone(&store), "s3://b/AWSLogs/1/x.log.gz", 1)
                .with_relative_path(relative)
        };
        for relative in [
            "AWSLogs/1/x.log.gz",
            "x.log.gz",
            "elsewhere/y.log",
            "1/x.log.gz",
        ] {
            assert_eq!(object(relative).relative_path(), Path::new(relative));
            assert_eq!(object(relative), object(relative));
        }
        assert_ne!(object("1/x.log.gz"), object("x.log.gz"));
        let named = Source::remote(Arc::clone(&store), "s3://b/k/", 1);
        assert_eq!(named.relative_path(), Path::new(UNNAMED));
    }

    #[test]
    fn output_names_replace_log_suffixes_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, DOCS).unwrap();
        let source = Source::local(&path).unwrap();
        assert_eq!(source.relative_path(), Path::new("x.log"));
        let local = |name: &str| {
            source
                .clone()
                .with_relative_path(name)
                .output_name("parquet")
        };
        for (name, expected) in [
            ("a/b.log.gz", "a/b.parquet"),
            ("b.log", "b.parquet"),
            ("c.gz", "c.parquet"),
            ("d.parquet", "d.parquet"),
            ("e.txt", "e.txt.parquet"),
            (".log", ".log.parquet"),
        ] {
            assert_eq!(local(name), Path::new(expected), "{name}");
        }
    }

    #[test]
    fn discover_skips_unfinished_outputs_in_walks_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.log", "b.parquet.partial", "c.partial"] {
            std::fs::write(dir.path().join(name), DOCS).unwrap();
        }
        let walked = discover(&[dir.path()]).unwrap();
        assert_eq!(walked.len(), 1);
        assert!(walked[0].label().ends_with("a.log"));
        let named = discover(&[dir.path().join("c.partial")]).unwrap();
        assert_eq!(named.len(), 1);
    }

    /// A local source's path is its label's text when that is the path; a path that is not
    /// UTF-8 is kept beside its (lossy) label, and still opens.
    #[test]
    fn local_paths_are_kept_once_and_opened_either_way() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir
            .path()
            .join("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/01");
        std::fs::create_dir_all(&plain).unwrap();
        let plain = plain.join("a.log");
        std::fs::write(&plain, DOCS).unwrap();
        let source = Source::local(&plain).unwrap();
        assert!(matches!(source.origin, Origin::Local(None)));
        assert_eq!(source.path(), Some(plain.as_path()));
        assert_eq!(source.key().region.as_deref(), Some("eu-west-1"));
        assert_eq!(count(&source).0, 7);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"b\xff.log"));
            std::fs::write(&odd, DOCS).unwrap();
            let source = Source::local(&odd).unwrap();
            assert_eq!(source.path(), Some(odd.as_path()));
            assert!(source.label().ends_with("b\u{fffd}.log"));
            assert_eq!(count(&source).0, 7);
        }
    }
}
