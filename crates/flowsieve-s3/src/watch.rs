//! The HTTP layer under object_store, watched: every attempt object_store makes goes through
//! [`WatchedConnector`]'s service, which records what the attempt met ([`Attempt`]: refused,
//! timed out, the server's status and S3 error code) in the [`Watch`] of the flowsieve request
//! it belongs to (a task-local set around each listing and fetch). From that record flowsieve
//! knows when retries begin (a new attempt after a retryable failure: the [`RetryNotice`]) and
//! why a request finally failed, without parsing object_store's error text.
//!
//! Requests to the EC2 instance metadata service (credentials) are recorded apart, and a
//! connection to it that fails or times out is not retried: off EC2 nothing answers there, and
//! retrying would only delay the "no credentials" message.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::BodyExt;
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService, ReqwestConnector,
};

use crate::failure::{Attempt, Context, Outcome, Timeouts};
use crate::options::{RetryHook, RetryNotice};

/// object_store's connect timeout for the instance metadata service.
const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The most bytes of an error response read for its S3 error document.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

tokio::task_local! {
    static REQUEST: Arc<Watch>;
}

/// One flowsieve request (a listing, an object's fetch) and what its attempts met.
pub(crate) struct Watch {
    location: String,
    context: Arc<Context>,
    hook: Option<RetryHook>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    outcome: Outcome,
    /// A retryable failure not yet followed by another attempt.
    pending: Option<Attempt>,
    notified: bool,
}

impl Watch {
    /// A request about `location` (`s3://bucket/key`), reporting its first retry to `hook`.
    pub(crate) fn new(
        location: String,
        context: Arc<Context>,
        hook: Option<RetryHook>,
    ) -> Arc<Watch> {
        Arc::new(Watch {
            location,
            context,
            hook,
            state: Mutex::new(State::default()),
        })
    }

    /// Runs `future` as this request: the attempts it makes are recorded here.
    pub(crate) async fn run<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        REQUEST.scope(self.clone(), future).await
    }

    /// The context of the request's failures.
    pub(crate) fn context(&self) -> &Context {
        &self.context
    }

    /// What the attempts met so far.
    pub(crate) fn outcome(&self) -> Outcome {
        self.lock().outcome.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An attempt begins: a retry when the one before failed in a retryable way.
    fn attempt(&self) {
        let notice = {
            let mut state = self.lock();
            let Some(cause) = state.pending.take() else {
                return;
            };
            state.outcome.retries += 1;
            if std::mem::replace(&mut state.notified, true) {
                return;
            }
            RetryNotice {
                location: self.location.clone(),
                cause: cause.describe(&self.context),
            }
        };
        if let Some(hook) = &self.hook {
            (hook.0)(&notice);
        }
    }

    fn failed(&self, attempt: Attempt) {
        let mut state = self.lock();
        state.pending = attempt.retryable().then(|| attempt.clone());
        state.outcome.last = Some(attempt);
    }

    fn metadata(&self, attempt: Option<Attempt>) {
        self.lock().outcome.metadata = attempt;
    }
}

/// Makes object_store's HTTP clients: reqwest's, watched.
#[derive(Debug)]
pub(crate) struct WatchedConnector {
    /// The host of the instance metadata service.
    pub(crate) metadata_host: String,
    pub(crate) timeouts: Timeouts,
}

impl HttpConnector for WatchedConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(Watched {
            inner,
            metadata_host: self.metadata_host.clone(),
            timeouts: self.timeouts,
        }))
    }
}

#[derive(Debug)]
struct Watched {
    inner: HttpClient,
    metadata_host: String,
    timeouts: Timeouts,
}

#[async_trait]
impl HttpService for Watched {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let Ok(watch) = REQUEST.try_with(Arc::clone) else {
            return self.inner.execute(request).await;
        };
        let uri = request.uri();
        let endpoint = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => watch.context().endpoint.clone(),
        };
        let metadata = uri
            .host()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            == Some(self.metadata_host.as_str());
        let head = request.method() == http::Method::HEAD;
        if !metadata {
            watch.attempt();
        }
        let timeouts = if metadata {
            Timeouts {
                connect: METADATA_CONNECT_TIMEOUT,
                ..self.timeouts
            }
        } else {
            self.timeouts
        };
        match self.inner.execute(request).await {
            Err(err) => {
                let attempt = Attempt::transport(&err, &endpoint, timeouts);
                if metadata {
                    watch.metadata(Some(attempt));
                    // Not retried: see the module docs.
                    return Err(match err.kind() {
                        HttpErrorKind::Connect | HttpErrorKind::Timeout => {
                            HttpError::new(HttpErrorKind::Unknown, err)
                        }
                        _ => err,
                    });
                }
                watch.failed(attempt);
                Err(err)
            }
            Ok(response) if response.status().is_success() => {
                if metadata {
                    watch.metadata(None);
                    return Ok(response);
                }
                let (parts, body) = response.into_parts();
                let watched = watch.clone();
                let body = body.map_err(move |err| {
                    watched.failed(Attempt::BodyBroken {
                        detail: Attempt::transport(&err, &endpoint, timeouts)
                            .describe(watched.context()),
                    });
                    err
                });
                Ok(HttpResponse::from_parts(parts, HttpResponseBody::new(body)))
            }
            Ok(response) => {
                let status = response.status();
                let (parts, body) = response.into_parts();
                let bytes = if head {
                    Bytes::new()
                } else {
                    http_body_util::Limited::new(body, ERROR_BODY_LIMIT)
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default()
                };
                let attempt = Attempt::status(&endpoint, status, &bytes);
                if metadata {
                    watch.metadata(Some(attempt));
                } else {
                    watch.failed(attempt);
                }
                Ok(HttpResponse::from_parts(parts, bytes.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::CredentialSource;

    fn watch(hook: Option<RetryHook>) -> Arc<Watch> {
        let context = Arc::new(Context {
            bucket: "logs".to_owned(),
            endpoint: "http://127.0.0.1:9".to_owned(),
            region: "us-east-1".to_owned(),
            credentials: CredentialSource::Environment,
            retry_time: Duration::from_secs(60),
        });
        Watch::new("s3://logs/AWSLogs/".to_owned(), context, hook)
    }

    #[test]
    fn the_first_retry_is_noticed_once_and_every_retry_counted() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let sink = heard.clone();
        let hook = RetryHook(Arc::new(move |n: &RetryNotice| {
            sink.lock().unwrap().push(n.to_string());
        }));
        let w = watch(Some(hook));
        let refused = Attempt::Refused {
            endpoint: "http://127.0.0.1:9".to_owned(),
        };
        w.attempt();
        w.failed(refused.clone());
        w.attempt();
        w.failed(refused.clone());
        w.attempt();
        assert_eq!(
            *heard.lock().unwrap(),
            ["retrying s3://logs/AWSLogs/ after connection refused by http://127.0.0.1:9"]
        );
        assert_eq!(w.outcome().retries, 2);
        assert_eq!(w.outcome().last, Some(refused));
    }

    #[test]
    fn a_refusal_that_is_not_retried_is_no_retry() {
        let w = watch(None);
        w.attempt();
        w.failed(Attempt::status(
            "http://127.0.0.1:9",
            http::StatusCode::FORBIDDEN,
            b"<Error><Code>AccessDenied</Code></Error>",
        ));
        w.attempt();
        assert_eq!(w.outcome().retries, 0);
    }
}
