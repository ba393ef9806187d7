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

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as KeyPath;
use object_store::{
    BackoffConfig, ClientConfigKey, ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig,
};
use tokio::sync::{Semaphore, mpsc};

use flowsieve_log::{ObjectBodies, ObjectBody, RemoteStore, Source};

use crate::error::{Error, Result};
use crate::location::S3Url;
use crate::profile::{self, Profile};

/// Objects fetched at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Retries of a failing request by default (with exponential backoff from 100 ms to 15 s).
pub const DEFAULT_MAX_RETRIES: usize = 10;
/// Bytes of a body moved through the channel at a time.
const PIECE: usize = 64 * 1024;
/// Pieces an object's channel holds.
const PIECES_PER_OBJECT: usize = 16;
/// The most bytes of one object held between its fetch and its reader: 1 MiB.
pub const BUFFERED_PER_OBJECT: usize = PIECE * PIECES_PER_OBJECT;

/// How to reach S3: endpoint, concurrency, retries. Credentials and region are not here: they
/// come from the environment and the shared AWS files (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Options {
    endpoint: Option<String>,
    concurrency: usize,
    max_retries: usize,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options::new()
    }
}

impl S3Options {
    /// The defaults: the endpoint of `AWS_ENDPOINT_URL` (else AWS's), [`DEFAULT_CONCURRENCY`]
    /// objects at once, [`DEFAULT_MAX_RETRIES`] retries.
    pub fn new() -> S3Options {
        S3Options {
            endpoint: None,
            concurrency: DEFAULT_CONCURRENCY,
            max_retries: DEFAULT_MAX_RETRIES,
        }
    }

    /// The endpoint of an S3-compatible store (`http://127.0.0.1:9000`); `None` for the
    /// environment's `AWS_ENDPOINT_URL` or AWS itself. Plain HTTP is allowed for loopback
    /// addresses, elsewhere only with `AWS_ALLOW_HTTP=true`.
    pub fn with_endpoint(mut self, endpoint: Option<String>) -> S3Options {
        self.endpoint = endpoint;
        self
    }

    /// Objects fetched at once, and fetched ahead of the ones being read (1 to 256; default
    /// 8). Memory grows with it by [`BUFFERED_PER_OBJECT`] per object.
    pub fn with_concurrency(mut self, objects: usize) -> S3Options {
        self.concurrency = objects.clamp(1, 256);
        self
    }

    /// Retries of a failing request (connection errors, 5xx, throttling, a body cut short,
    /// which is resumed where it broke), with exponential backoff from 100 ms to 15 s. 0
    /// disables retries. Default 10.
    pub fn with_max_retries(mut self, retries: usize) -> S3Options {
        self.max_retries = retries;
        self
    }

    /// Objects fetched at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// A connection to S3 (all buckets), owning a tokio runtime: lists prefixes into
/// [`Source`]s and serves their bodies as a [`RemoteStore`].
pub struct S3Store {
    options: S3Options,
    runtime: Option<tokio::runtime::Runtime>,
    permits: Arc<Semaphore>,
    clients: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    profile: Option<Profile>,
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
    /// The fetch failed (after object_store's retries); the message says how far it got.
    Failed(String),
}

/// A request to the in-order dispatcher.
struct Request {
    client: Arc<dyn ObjectStore>,
    key: KeyPath,
    sender: mpsc::Sender<Message>,
}

impl S3Store {
    /// Starts the client's runtime (two I/O threads). Nothing is sent over the network until
    /// a bucket is listed or read.
    pub fn new(options: S3Options) -> Result<Arc<S3Store>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flowsieve-s3")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(Arc::new(S3Store {
            permits: Arc::new(Semaphore::new(options.concurrency)),
            options,
            runtime: Some(runtime),
            clients: Mutex::new(HashMap::new()),
            profile: profile::from_env(),
        }))
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Only `drop` takes it.
        self.runtime
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the store"))
    }

    /// The client of a bucket, built on first use.
    fn client(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(bucket) {
            return Ok(client.clone());
        }
        let client: Arc<dyn ObjectStore> = Arc::new(self.build_client(bucket)?);
        clients.insert(bucket.to_owned(), client.clone());
        Ok(client)
    }

    fn build_client(&self, bucket: &str) -> Result<object_store::aws::AmazonS3> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let profile = self.profile.clone().unwrap_or_default();
        let client_options = ClientOptions::new()
            // A large object streams for as long as its reader takes: no whole-request limit,
            // but a stalled connection is noticed (and its body resumed by a ranged GET).
            .with_timeout_disabled()
            .with_config(ClientConfigKey::ReadTimeout, "60s")
            .with_connect_timeout(Duration::from_secs(10));
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: self.options.max_retries,
                retry_timeout: Duration::from_secs(600),
            });
        // The environment's keys win over the profile's, as in the AWS SDKs.
        if env("AWS_ACCESS_KEY_ID").is_none()
            && let (Some(key), Some(secret)) = (&profile.access_key_id, &profile.secret_access_key)
        {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
            if let Some(token) = &profile.session_token {
                builder = builder.with_token(token);
            }
        }
        let endpoint = self
            .options
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"))
            .or(profile.endpoint_url.clone());
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or(profile.region.clone());
        let mut allow_http = false;
        match &endpoint {
            Some(endpoint) => {
                builder = builder.with_endpoint(endpoint);
                allow_http = is_loopback_http(endpoint);
            }
            None if region.is_none() => {
                // AWS itself and no region configured: ask S3 where the bucket lives, rather
                // than fail with a redirect from the default us-east-1.
                let resolved = self
                    .runtime()
                    .block_on(object_store::aws::resolve_bucket_region(
                        bucket,
                        &client_options,
                    ));
                if let Ok(resolved) = resolved {
                    builder = builder.with_region(resolved);
                }
            }
            None => {}
        }
        if let Some(region) = region {
            builder = builder.with_region(region);
        }
        let mut client_options = client_options;
        if allow_http {
            client_options = client_options.with_allow_http(true);
        }
        builder
            .with_client_options(client_options)
            .build()
            .map_err(|source| Error::Config {
                bucket: bucket.to_owned(),
                source,
            })
    }

    /// Lists the objects under `url` into sources (in key order; folder markers, keys ending
    /// in `/`, skipped), each labelled `s3://bucket/key` and parsed for pruning. A URL naming
    /// one object lists that object.
    ///
    /// The prefix is matched by whole path segments, as object_store lists:
    /// `s3://b/AWSLogs/1` lists `AWSLogs/1/…`, not `AWSLogs/12/…`.
    pub fn list(self: &Arc<Self>, url: &S3Url) -> Result<Vec<Source>> {
        let client = self.client(url.bucket())?;
        let prefix = url.prefix().trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| KeyPath::from(prefix));
        let listed = self.runtime().block_on(async {
            let mut metas: Vec<object_store::ObjectMeta> =
                client.list(prefix.as_ref()).try_collect().await?;
            if metas.is_empty()
                && let Some(prefix) = &prefix
            {
                // `s3://bucket/path/to/object.log.gz`: one object, not a folder.
                match client.head(prefix).await {
                    Ok(meta) => metas.push(meta),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(metas)
        });
        let metas = listed.map_err(|err| list_error(url, err))?;
        let store: Arc<dyn RemoteStore> = self.clone();
        let mut sources: Vec<Source> = metas
            .into_iter()
            .filter(|meta| !meta.location.as_ref().ends_with('/'))
            .map(|meta| {
                Source::remote(
                    store.clone(),
                    url.object_url(meta.location.as_ref()),
                    meta.size,
                )
            })
            .collect();
        sources.sort_by(|a, b| a.label().cmp(b.label()));
        Ok(sources)
    }

    /// Starts fetching one object: through the in-order dispatcher when given, else on its
    /// own (waiting for a permit).
    fn start(
        &self,
        location: &str,
        dispatcher: Option<&mpsc::UnboundedSender<Request>>,
    ) -> io::Result<ObjectBody> {
        let (bucket, key) = split_location(location)?;
        let client = self
            .client(bucket)
            .map_err(|err| io::Error::other(err.to_string()))?;
        let key = KeyPath::from(key);
        let (sender, receiver) = mpsc::channel(PIECES_PER_OBJECT);
        let body = Box::new(S3Body {
            receiver,
            current: Bytes::new(),
            finished: false,
        });
        match dispatcher {
            Some(dispatcher) => dispatcher
                .send(Request {
                    client,
                    key,
                    sender,
                })
                .map_err(|_| io::Error::other("the S3 client has stopped"))?,
            None => {
                let permits = self.permits.clone();
                self.runtime().spawn(async move {
                    let permit = tokio::select! {
                        permit = permits.acquire_owned() => permit,
                        () = sender.closed() => return,
                    };
                    if let Ok(_permit) = permit {
                        fetch(client, key, sender).await;
                    }
                });
            }
        }
        Ok(body)
    }
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
                    fetch(request.client, request.key, request.sender).await;
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

/// Fetches one object into its channel, until the end, a failure, or the reader going away.
async fn fetch(client: Arc<dyn ObjectStore>, key: KeyPath, sender: mpsc::Sender<Message>) {
    tokio::select! {
        () = sender.closed() => {}
        () = stream_body(client, key, &sender) => {}
    }
}

async fn stream_body(client: Arc<dyn ObjectStore>, key: KeyPath, sender: &mpsc::Sender<Message>) {
    let result = match client.get(&key).await {
        Ok(result) => result,
        Err(err) => {
            let _ = sender
                .send(Message::Failed(format!("cannot fetch: {}", describe(&err))))
                .await;
            return;
        }
    };
    let expected = result.range.end.saturating_sub(result.range.start);
    let mut stream = result.into_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(mut bytes) => {
                received += bytes.len() as u64;
                while !bytes.is_empty() {
                    let piece = bytes.split_to(bytes.len().min(PIECE));
                    if sender.send(Message::Piece(piece)).await.is_err() {
                        return;
                    }
                }
            }
            Err(err) => {
                let _ = sender
                    .send(Message::Failed(format!(
                        "fetch failed after {received} of {expected} bytes: {}",
                        describe(&err)
                    )))
                    .await;
                return;
            }
        }
    }
    let last = if received == expected {
        Message::End
    } else {
        Message::Failed(format!(
            "the body ended after {received} of {expected} bytes"
        ))
    };
    let _ = sender.send(last).await;
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
                Some(Message::Failed(message)) => {
                    self.finished = true;
                    return Err(io::Error::other(message));
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

/// `s3://bucket/key` → (bucket, key).
fn split_location(location: &str) -> io::Result<(&str, &str)> {
    location
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        .ok_or_else(|| io::Error::other(format!("not an S3 object URL: {location:?}")))
}

/// `http://127.0.0.1:…`, `http://localhost:…`, `http://[::1]:…`.
fn is_loopback_http(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An object_store error as one line: the error and its causes (the server's code is usually
/// in the innermost).
fn describe(err: &object_store::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn list_error(url: &S3Url, err: object_store::Error) -> Error {
    let message = describe(&err);
    let bucket = url.bucket().to_owned();
    let url_text = url.to_string();
    let denied = matches!(
        err,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) || [
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "403 Forbidden",
    ]
    .iter()
    .any(|code| message.contains(code));
    if denied {
        return Error::AccessDenied {
            bucket,
            url: url_text,
            message,
        };
    }
    if message.contains("NoSuchBucket") {
        return Error::NoSuchBucket {
            bucket,
            url: url_text,
            message,
        };
    }
    Error::List {
        url: url_text,
        source: err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints() {
        for yes in [
            "http://127.0.0.1:9000",
            "http://localhost:5000/",
            "http://[::1]:80",
            "http://127.0.0.2",
        ] {
            assert!(is_loopback_http(yes), "{yes}");
        }
        for no in [
            "https://127.0.0.1:9000",
            "http://10.0.0.1:9000",
            "http://minio.internal",
        ] {
            assert!(!is_loopback_http(no), "{no}");
        }
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
