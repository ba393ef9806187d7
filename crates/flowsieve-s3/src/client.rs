//! One object_store S3 client per bucket, from the [`Settings`] read from the environment and
//! the caller's [`S3Options`]: endpoint, region, credentials of a profile, HTTP client options
//! (timeouts, `AWS_ALLOW_HTTP`, proxies and the other `AWS_*` client settings object_store
//! knows), retries, and the watched HTTP connector. Returns the [`Context`] its failures are
//! explained with.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::{BackoffConfig, ClientConfigKey, ClientOptions, RetryConfig};

use crate::error::{Error, Result};
use crate::failure::{Context, Timeouts};
use crate::options::S3Options;
use crate::settings::{CredentialSource, Settings};
use crate::watch::WatchedConnector;

/// object_store's own limit on the time spent retrying, kept out of the way: a request's time is
/// bounded by flowsieve ([`S3Options::with_retry_time`]), per request and per piece of a body,
/// and object_store's limit counts from the start of a GET, so it would forbid resuming the
/// body of a large object that has streamed for longer.
const OBJECT_STORE_RETRY_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The region object_store signs for when none is configured or found.
const DEFAULT_REGION: &str = "us-east-1";

/// The HTTP client options: the environment's `AWS_*` client settings, then flowsieve's
/// timeouts and the plain-HTTP decision, which win.
fn client_options(settings: &Settings, options: &S3Options) -> ClientOptions {
    let mut client = ClientOptions::new();
    for (name, value) in std::env::vars() {
        let Some(key) = name
            .to_ascii_lowercase()
            .strip_prefix("aws_")
            .and_then(|k| k.parse::<ClientConfigKey>().ok())
        else {
            continue;
        };
        if !matches!(
            key,
            ClientConfigKey::AllowHttp
                | ClientConfigKey::Timeout
                | ClientConfigKey::ConnectTimeout
                | ClientConfigKey::ReadTimeout
        ) {
            client = client.with_config(key, value);
        }
    }
    client
        // A large object streams for as long as its reader takes: no whole-request limit, but
        // a stalled connection is noticed (and its body resumed by a ranged GET).
        .with_timeout_disabled()
        .with_connect_timeout(options.connect_timeout)
        .with_read_timeout(options.read_timeout)
        .with_allow_http(settings.allow_http)
}

/// The client of `bucket`. On AWS with no region configured, the bucket's region is asked of
/// S3 first (`runtime` runs that request).
pub(crate) fn build(
    bucket: &str,
    settings: &Settings,
    options: &S3Options,
    runtime: &tokio::runtime::Runtime,
) -> Result<(AmazonS3, Context)> {
    let client_options = client_options(settings, options);
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: options.max_retries,
            retry_timeout: OBJECT_STORE_RETRY_TIMEOUT,
        });
    if let (CredentialSource::Profile(_), Some(profile)) =
        (&settings.credentials, &settings.profile)
        && let Some((key, secret)) = profile.static_keys()
    {
        builder = builder
            .with_access_key_id(key)
            .with_secret_access_key(secret);
        if let Some(token) = &profile.session_token {
            builder = builder.with_token(token);
        }
    }
    let mut region = settings.region.clone();
    match &settings.endpoint {
        Some(endpoint) => {
            // Both keys: object_store prefers AWS_ENDPOINT_URL_S3 (read by from_env) to the
            // generic one, and the endpoint chosen here must win.
            builder = builder
                .with_config(AmazonS3ConfigKey::Endpoint, endpoint)
                .with_config(AmazonS3ConfigKey::S3Endpoint, endpoint);
        }
        None if region.is_none() => {
            // AWS itself and no region configured: ask S3 where the bucket lives, rather than
            // fail with a redirect from the default us-east-1.
            region = runtime
                .block_on(object_store::aws::resolve_bucket_region(
                    bucket,
                    &client_options,
                ))
                .ok();
        }
        None => {}
    }
    let region = region.unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let client = builder
        .with_region(&region)
        .with_client_options(client_options)
        .with_http_connector(WatchedConnector {
            metadata_host: settings.metadata_host(),
            timeouts: Timeouts {
                connect: options.connect_timeout,
                read: options.read_timeout,
            },
        })
        .build()
        .map_err(|source| Error::Config {
            bucket: bucket.to_owned(),
            source,
        })?;
    let context = Context {
        bucket: bucket.to_owned(),
        endpoint: settings.endpoint_label(Some(&region)),
        region,
        credentials: settings.credentials.clone(),
        retry_time: options.retry_time,
    };
    Ok((client, context))
}

/// A bucket's client and the context of its failures.
#[derive(Clone)]
pub(crate) struct Bucket {
    pub(crate) client: Arc<dyn object_store::ObjectStore>,
    pub(crate) context: Arc<Context>,
}
