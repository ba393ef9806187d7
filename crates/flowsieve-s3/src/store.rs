//! [`S3Store`]: listing S3 prefixes into sources, and serving object bodies to flowsieve-log's
//! synchronous readers — the only place in flowsieve with a network, an async runtime and
//! credentials.
//!
//! ## The pipeline
//!
//! ```text
//!  reader threads (rayon)              S3Store's tokio runtime
//!  ──────────────────────              ───────────────────────
//!  fetch_in_order().next() ──request──▶ dispatcher: one permit per object, in list order
//!                                         │ (at most `concurrency` objects fetched at once)
//!                                         ▼
//!  ObjectBody::read ◀── pieces ≤ 64 KiB ── fetch task: GET, stream the body (object_store
//!   (blocking_recv)     channel of 16       retries failed requests and resumes a broken body
//!                                           with a ranged GET), then End or Failed
//! ```
//!
//! The in-order iterator keeps `concurrency` objects requested ahead of the one it last handed
//! out, so while workers parse, the next objects' first bytes are already arriving. Permits go
//! out in list order, and objects are handed to readers in list order, so the earliest object
//! not yet read always holds a permit or is next to get one: the pipeline cannot deadlock
//! however few readers there are. A reader that stops early (strict mode, a parse error) drops
//! its body, which closes the channel and cancels the fetch.
//!
//! Memory: each object in flight holds at most [`BUFFERED_PER_OBJECT`] bytes in its channel;
//! at most `concurrency` objects are requested ahead, plus one per reader.
//!
//! Time: a listing page, an object's GET up to its first byte, and each next piece of a body
//! must come within the retry time ([`S3Options::with_retry_time`]), retries included, or the
//! request fails with [`FailureKind::TimeLimit`]; every request runs under a [`Watch`], which
//! notices when its retries begin and composes its [`Failure`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as KeyPath;
use tokio::sync::{Semaphore, mpsc};

use flowsieve_log::{ObjectBodies, ObjectBody, RemoteStore, Source};

use crate::client::{self, Bucket};
use crate::error::{Error, Result};
use crate::failure::{Failure, FailureKind};
use crate::location::S3Url;
use crate::options::S3Options;
use crate::settings::Settings;
use crate::watch::Watch;

/// Bytes of a body moved through the channel at a time.
const PIECE: usize = 64 * 1024;
/// Pieces an object's channel holds.
const PIECES_PER_OBJECT: usize = 16;
/// The most bytes of one object held between its fetch and its reader: 1 MiB.
pub const BUFFERED_PER_OBJECT: usize = PIECE * PIECES_PER_OBJECT;

/// A connection to S3 (all buckets), owning a tokio runtime: lists prefixes into
/// [`Source`]s and serves their bodies as a [`RemoteStore`].
pub struct S3Store {
    options: S3Options,
    settings: Settings,
    runtime: Option<tokio::runtime::Runtime>,
    permits: Arc<Semaphore>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // Do not wait for fetches still running (their readers are gone) or a DNS lookup.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What a fetch task sends its reader.
enum Message {
    Piece(Bytes),
    /// The whole body was sent.
    End,
    /// The fetch failed (after the retries).
    Failed(Failure),
}

/// A request to the in-order dispatcher.
struct Request {
    fetch: Fetch,
    sender: mpsc::Sender<Message>,
}

/// One object to fetch, and how.
struct Fetch {
    bucket: Bucket,
    key: KeyPath,
    watch: Arc<Watch>,
    retry_time: Duration,
}

/// Why a request stopped short of its answer.
enum Stop {
    Failed(object_store::Error),
    TimeLimit,
}

/// Makes ring rustls's process-wide crypto provider, once, before any client is built: reqwest is
/// built without a provider of its own (the workspace's Cargo.toml says why), and panics when it
/// finds none. A provider installed earlier by the embedding program is kept.
fn install_crypto_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // `Err` means a provider is installed already: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `future`, unless `limit` passes first.
async fn within<F: Future>(limit: Duration, future: F) -> Result<F::Output, Stop> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| Stop::TimeLimit)
}

impl S3Store {
    /// Reads the environment (endpoint, region, profile, where credentials come from: a
    /// missing profile or half a key pair is an error here) and starts the client's runtime
    /// (two I/O threads). Nothing is sent over the network until a bucket is listed or read.
    pub fn new(options: S3Options) -> Result<Arc<S3Store>> {
        install_crypto_provider();
        let settings = Settings::from_env(&options)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flowsieve-s3")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(Arc::new(S3Store {
            permits: Arc::new(Semaphore::new(options.concurrency)),
            options,
            settings,
            runtime: Some(runtime),
            buckets: Mutex::new(HashMap::new()),
        }))
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Only `drop` takes it.
        self.runtime
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the store"))
    }

    /// The client of a bucket, built on first use.
    fn bucket(&self, bucket: &str) -> Result<Bucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = buckets.get(bucket) {
            return Ok(known.clone());
        }
        let (client, context) =
            client::build(bucket, &self.settings, &self.options, self.runtime())?;
        let known = Bucket {
            client: Arc::new(client),
            context: Arc::new(context),
        };
        buckets.insert(bucket.to_owned(), known.clone());
        Ok(known)
    }

    /// The record of one request about `location`.
    fn watch(&self, location: String, bucket: &Bucket) -> Arc<Watch> {
        Watch::new(
            location,
            bucket.context.clone(),
            self.options.on_retry.clone(),
        )
    }

    /// Lists the objects under `url` into sources (in key order; folder markers, keys ending
    /// in `/`, skipped), each labelled `s3://bucket/key`, parsed for pruning, with its key below
    /// the prefix as its relative path ([`S3Url::key_below`]). A URL naming one object lists
    /// that object.
    ///
    /// The prefix is matched by whole path segments, as object_store lists:
    /// `s3://b/AWSLogs/1` lists `AWSLogs/1/…`, not `AWSLogs/12/…`. Each page of the listing
    /// must come within the retry time ([`S3Options::with_retry_time`]).
    pub fn list(self: &Arc<Self>, url: &S3Url) -> Result<Vec<Source>> {
        let bucket = self.bucket(url.bucket())?;
        let prefix = url.prefix().trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| KeyPath::from(prefix));
        let watch = self.watch(url.to_string(), &bucket);
        let listed = self.runtime().block_on(watch.run(list_objects(
            &bucket,
            prefix,
            self.options.retry_time,
        )));
        let metas = listed.map_err(|stop| Error::List {
            url: url.to_string(),
            failure: match stop {
                Stop::Failed(err) => watch.outcome().failure(watch.context(), &err),
                Stop::TimeLimit => watch.outcome().time_limit(watch.context()),
            },
        })?;
        let store: Arc<dyn RemoteStore> = self.clone();
        let mut sources: Vec<Source> = metas
            .into_iter()
            .filter(|meta| !meta.location.as_ref().ends_with('/'))
            .map(|meta| {
                let key = meta.location.as_ref();
                Source::remote(store.clone(), url.object_url(key), meta.size)
                    .with_relative_path(url.key_below(key))
            })
            .collect();
        sources.sort_by(|a, b| a.label().cmp(b.label()));
        Ok(sources)
    }

    /// The source of one object a listing found earlier (`url` names it, `size` is its size):
    /// no request is made. An object that has gone since fails when it is read, naming it.
    ///
    /// # Errors
    ///
    /// When the bucket cannot be reached with these settings (as [`Self::list`]).
    pub fn object(self: &Arc<Self>, url: &S3Url, size: u64) -> Result<Source> {
        self.bucket(url.bucket())?;
        let store: Arc<dyn RemoteStore> = self.clone();
        let key = url.prefix();
        Ok(Source::remote(store, url.object_url(key), size).with_relative_path(key))
    }

    /// Starts fetching one object: through the in-order dispatcher when given, else on its
    /// own (waiting for a permit).
    fn start(
        &self,
        location: &str,
        dispatcher: Option<&mpsc::UnboundedSender<Request>>,
    ) -> io::Result<ObjectBody> {
        let (bucket_name, key) = split_location(location)?;
        let bucket = self.bucket(bucket_name).map_err(io::Error::other)?;
        let fetch = Fetch {
            watch: self.watch(location.to_owned(), &bucket),
            bucket,
            key: KeyPath::from(key),
            retry_time: self.options.retry_time,
        };
        let (sender, receiver) = mpsc::channel(PIECES_PER_OBJECT);
        let body = Box::new(S3Body {
            receiver,
            current: Bytes::new(),
            finished: false,
        });
        match dispatcher {
            Some(dispatcher) => dispatcher
                .send(Request { fetch, sender })
                .map_err(|_| io::Error::other("the S3 client has stopped"))?,
            None => {
                let permits = self.permits.clone();
                self.runtime().spawn(async move {
                    let permit = tokio::select! {
                        permit = permits.acquire_owned() => permit,
                        () = sender.closed() => return,
                    };
                    if let Ok(_permit) = permit {
                        fetch.run(sender).await;
                    }
                });
            }
        }
        Ok(body)
    }
}

/// The objects under `prefix` (or the object `prefix` names), each page within `limit`.
async fn list_objects(
    bucket: &Bucket,
    prefix: Option<KeyPath>,
    limit: Duration,
) -> Result<Vec<object_store::ObjectMeta>, Stop> {
    let mut pages = bucket.client.list(prefix.as_ref());
    let mut metas = Vec::new();
    while let Some(meta) = within(limit, pages.next()).await? {
        metas.push(meta.map_err(Stop::Failed)?);
    }
    if metas.is_empty()
        && let Some(prefix) = &prefix
    {
        // `s3://bucket/path/to/object.log.gz`: one object, not a folder.
        match within(limit, bucket.client.head(prefix)).await? {
            Ok(meta) => metas.push(meta),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => return Err(Stop::Failed(err)),
        }
    }
    Ok(metas)
}

impl RemoteStore for S3Store {
    fn open(&self, location: &str, _size: u64) -> io::Result<ObjectBody> {
        self.start(location, None)
    }

    fn open_in_order(self: Arc<Self>, objects: Vec<(Arc<str>, u64)>) -> ObjectBodies {
        let (dispatcher, mut requests) = mpsc::unbounded_channel::<Request>();
        let permits = self.permits.clone();
        // Permits are granted in request order: see the module docs for why that matters.
        self.runtime().spawn(async move {
            while let Some(request) = requests.recv().await {
                if request.sender.is_closed() {
                    continue;
                }
                let permit = tokio::select! {
                    permit = permits.clone().acquire_owned() => permit,
                    () = request.sender.closed() => continue,
                };
                let Ok(permit) = permit else { break };
                tokio::spawn(async move {
                    let _permit = permit;
                    request.fetch.run(request.sender).await;
                });
            }
        });
        let lookahead = self.options.concurrency;
        Box::new(InOrder {
            store: self,
            objects: objects.into_iter(),
            queue: VecDeque::new(),
            lookahead,
            dispatcher,
        })
    }
}

/// The bodies of objects in list order, `lookahead` of them requested ahead.
struct InOrder {
    store: Arc<S3Store>,
    objects: std::vec::IntoIter<(Arc<str>, u64)>,
    queue: VecDeque<io::Result<ObjectBody>>,
    lookahead: usize,
    dispatcher: mpsc::UnboundedSender<Request>,
}

impl Iterator for InOrder {
    type Item = io::Result<ObjectBody>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.queue.len() <= self.lookahead {
            let Some((location, _size)) = self.objects.next() else {
                break;
            };
            let body = self.store.start(&location, Some(&self.dispatcher));
            self.queue.push_back(body);
        }
        self.queue.pop_front()
    }
}

impl Fetch {
    /// Fetches the object into its channel, until the end, a failure, or the reader going
    /// away.
    async fn run(self, sender: mpsc::Sender<Message>) {
        let watch = self.watch.clone();
        tokio::select! {
            () = sender.closed() => {}
            () = watch.run(self.stream_body(&sender)) => {}
        }
    }

    /// Why the fetch failed, once `stop` ended it.
    fn failure(&self, stop: &Stop) -> Failure {
        let outcome = self.watch.outcome();
        match stop {
            Stop::Failed(err) => outcome.failure(self.watch.context(), err),
            Stop::TimeLimit => outcome.time_limit(self.watch.context()),
        }
    }

    async fn stream_body(&self, sender: &mpsc::Sender<Message>) {
        let got = within(self.retry_time, self.bucket.client.get(&self.key)).await;
        let result = match got {
            Ok(Ok(result)) => result,
            Ok(Err(err)) => {
                let failure = self.failure(&Stop::Failed(err));
                let _ = sender.send(Message::Failed(failure)).await;
                return;
            }
            Err(stop) => {
                let _ = sender.send(Message::Failed(self.failure(&stop))).await;
                return;
            }
        };
        let expected = result.range.end.saturating_sub(result.range.start);
        let mut stream = result.into_stream();
        let mut received = 0u64;
        loop {
            let stop = match within(self.retry_time, stream.next()).await {
                Ok(None) => break,
                Ok(Some(Ok(mut bytes))) => {
                    received += bytes.len() as u64;
                    while !bytes.is_empty() {
                        let piece = bytes.split_to(bytes.len().min(PIECE));
                        if sender.send(Message::Piece(piece)).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
                Ok(Some(Err(err))) => Stop::Failed(err),
                Err(stop) => stop,
            };
            let failure = self
                .failure(&stop)
                .noting(&format!("{received} of {expected} bytes had arrived"));
            let _ = sender.send(Message::Failed(failure)).await;
            return;
        }
        let last = if received == expected {
            Message::End
        } else {
            Message::Failed(Failure::new(
                FailureKind::ConnectionClosed,
                format!("the body ended after {received} of {expected} bytes"),
            ))
        };
        let _ = sender.send(last).await;
    }
}

/// An object's body as a [`Read`], fed by its fetch task.
///
/// BE ADVISED: `read` blocks the calling thread (`blocking_recv`); call it from ordinary
/// threads (rayon workers, `main`), never from inside an async runtime.
struct S3Body {
    receiver: mpsc::Receiver<Message>,
    current: Bytes,
    finished: bool,
}

impl Read for S3Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.current.is_empty() {
                let n = buf.len().min(self.current.len());
                buf[..n].copy_from_slice(&self.current.split_to(n));
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            match self.receiver.blocking_recv() {
                Some(Message::Piece(piece)) => self.current = piece,
                Some(Message::End) => self.finished = true,
                Some(Message::Failed(failure)) => {
                    self.finished = true;
                    return Err(io::Error::new(io_kind(failure.kind()), failure));
                }
                None => {
                    // The fetch went away without saying it had finished: never pass that
                    // off as the end of the object.
                    self.finished = true;
                    return Err(io::Error::other(
                        "the fetch stopped before the end of the object (the S3 client shut down)",
                    ));
                }
            }
        }
    }
}

/// The I/O error kind a failure reads as. Never `UnexpectedEof`, `InvalidData` or
/// `InvalidInput`: the readers take those for a truncated or corrupt object.
fn io_kind(kind: FailureKind) -> io::ErrorKind {
    match kind {
        FailureKind::NoSuchBucket | FailureKind::NoSuchKey => io::ErrorKind::NotFound,
        FailureKind::AccessDenied | FailureKind::NoCredentials => io::ErrorKind::PermissionDenied,
        FailureKind::ConnectionRefused => io::ErrorKind::ConnectionRefused,
        FailureKind::ConnectTimeout | FailureKind::NoResponse | FailureKind::TimeLimit => {
            io::ErrorKind::TimedOut
        }
        FailureKind::ConnectionClosed => io::ErrorKind::ConnectionAborted,
        _ => io::ErrorKind::Other,
    }
}

/// `s3://bucket/key` → (bucket, key).
fn split_location(location: &str) -> io::Result<(&str, &str)> {
    location
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        .ok_or_else(|| io::Error::other(format!("not an S3 object URL: {location:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crypto_provider_is_installed_once_and_an_earlier_one_kept() {
        install_crypto_provider();
        let installed = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        install_crypto_provider();
        let again = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        assert!(Arc::ptr_eq(installed, again));
        // What the client builds on: a TLS client configuration with it.
        let config = rustls::ClientConfig::builder_with_provider(installed.clone())
            .with_safe_default_protocol_versions();
        assert!(config.is_ok());
    }

    #[test]
    fn locations() {
        assert_eq!(
            split_location("s3://b/AWSLogs/x.log.gz").unwrap(),
            ("b", "AWSLogs/x.log.gz")
        );
        assert!(split_location("s3://b").is_err());
        assert!(split_location("/tmp/x").is_err());
    }

    #[test]
    fn body_reports_a_fetch_that_vanished() {
        let (sender, receiver) = mpsc::channel(4);
        let mut body = S3Body {
            receiver,
            current: Bytes::new(),
            finished: false,
        };
        sender
            .try_send(Message::Piece(Bytes::from_static(b"abc")))
            .unwrap();
        drop(sender);
        let mut text = Vec::new();
        let err = body.read_to_end(&mut text).unwrap_err();
        assert_eq!(text, b"abc");
        assert!(err.to_string().contains("stopped before the end"), "{err}");
    }
}
