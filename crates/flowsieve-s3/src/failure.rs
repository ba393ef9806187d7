//! Why an S3 request failed, said once, cause first, on one line: [`Failure`] and its
//! [`FailureKind`]. object_store's own errors nest the same text three or four times (each
//! wrapper prints its source and returns it too) with the cause last; flowsieve-s3 instead
//! records what each HTTP attempt met ([`Attempt`], seen by `watch.rs`: the connection refused,
//! the timeout, the server's status with its S3 error code) and composes the failure from that,
//! with the bucket, endpoint, region and credentials that explain it.

use std::time::Duration;

use flowsieve_log::ErrorChain;
use object_store::client::{HttpError, HttpErrorKind};

use crate::settings::CredentialSource;

/// What kind of failure (for callers that react to some: a missing bucket, refused
/// credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The bucket does not exist (at this endpoint).
    NoSuchBucket,
    /// The object does not exist (deleted after the listing).
    NoSuchKey,
    /// The credentials were refused, or do not allow the request.
    AccessDenied,
    /// No credentials could be found (no keys, no profile, no instance role).
    NoCredentials,
    /// The bucket is in another region than the one configured.
    WrongRegion,
    /// Nothing listens at the endpoint.
    ConnectionRefused,
    /// No connection could be opened within the connect timeout.
    ConnectTimeout,
    /// No response (or no next piece of a body) within the read timeout.
    NoResponse,
    /// The endpoint's host name does not resolve.
    Unresolved,
    /// The connection was closed or reset before the response was complete.
    ConnectionClosed,
    /// The server failed (5xx) or throttled the request (429).
    ServerError,
    /// The server refused the request for another reason (another 4xx).
    Rejected,
    /// The request, retries included, did not succeed within the retry time limit.
    TimeLimit,
    /// Anything else (a TLS failure, an unreadable answer).
    Other,
}

/// Why an S3 request failed: one line, the cause first, then what explains it (endpoint,
/// region, credentials, retries).
///
/// ```text
/// no such bucket "logs" at http://127.0.0.1:9000 (region us-east-1)
/// connection refused by http://127.0.0.1:9 (after 2 retries)
/// no response from http://127.0.0.1:41234 within 1 s (gave up after 4 s, the retry time limit)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    kind: FailureKind,
    message: String,
}

impl Failure {
    pub(crate) fn new(kind: FailureKind, message: String) -> Failure {
        Failure { kind, message }
    }

    /// What kind of failure.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The same failure with a note after its message (`…; 4000 of 9000 bytes had arrived`).
    pub(crate) fn noting(mut self, note: &str) -> Failure {
        self.message.push_str("; ");
        self.message.push_str(note);
        self
    }
}

/// What explains a failure: the request's bucket, endpoint, region, credentials and limits.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) bucket: String,
    /// The endpoint as messages name it (`http://127.0.0.1:9000`, `https://s3.eu-west-1…`).
    pub(crate) endpoint: String,
    /// The region the client signs for.
    pub(crate) region: String,
    pub(crate) credentials: CredentialSource,
    pub(crate) retry_time: Duration,
}

/// How one HTTP attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    Refused {
        endpoint: String,
    },
    ConnectTimeout {
        endpoint: String,
        after: Duration,
    },
    NoResponse {
        endpoint: String,
        after: Duration,
    },
    Unresolved {
        host: String,
        detail: String,
    },
    Closed {
        endpoint: String,
    },
    Transport {
        endpoint: String,
        detail: String,
        retryable: bool,
    },
    BodyBroken {
        detail: String,
    },
    Status {
        endpoint: String,
        status: u16,
        reason: String,
        code: Option<String>,
        message: Option<String>,
    },
}

/// The timeouts an attempt ran under (to say which one expired).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) read: Duration,
}

impl Attempt {
    /// A request that got no response: which of the transport failures it was.
    pub(crate) fn transport(err: &HttpError, endpoint: &str, timeouts: Timeouts) -> Attempt {
        let endpoint = endpoint.to_owned();
        let mut connect = false;
        let mut timeout = false;
        let mut io_kind = None;
        let mut dns = None;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = cause {
            if let Some(reqwest) = e.downcast_ref::<reqwest::Error>() {
                connect |= reqwest.is_connect();
                timeout |= reqwest.is_timeout();
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                io_kind.get_or_insert(io.kind());
            }
            let text = e.to_string();
            if dns.is_none() && text.starts_with("dns error") {
                dns = Some(e.source().map_or(text, |s| ErrorChain(s).to_string()));
            }
            cause = e.source();
        }
        use std::io::ErrorKind as Io;
        match (dns, io_kind) {
            (Some(detail), _) => Attempt::Unresolved {
                host: host_of_endpoint(&endpoint).to_owned(),
                detail,
            },
            (None, Some(Io::ConnectionRefused)) => Attempt::Refused { endpoint },
            _ if timeout && connect => Attempt::ConnectTimeout {
                endpoint,
                after: timeouts.connect,
            },
            (None, Some(Io::TimedOut)) if connect => Attempt::ConnectTimeout {
                endpoint,
                after: timeouts.connect,
            },
            _ if timeout => Attempt::NoResponse {
                endpoint,
                after: timeouts.read,
            },
            (
                None,
                Some(
                    Io::ConnectionReset
                    | Io::ConnectionAborted
                    | Io::BrokenPipe
                    | Io::UnexpectedEof,
                ),
            ) => Attempt::Closed { endpoint },
            _ => Attempt::Transport {
                endpoint,
                detail: ErrorChain(err).to_string(),
                retryable: matches!(
                    err.kind(),
                    HttpErrorKind::Connect
                        | HttpErrorKind::Request
                        | HttpErrorKind::Timeout
                        | HttpErrorKind::Interrupted
                ),
            },
        }
    }

    /// A response with a failing status, and the S3 error document of its body (may be empty).
    pub(crate) fn status(endpoint: &str, status: http::StatusCode, body: &[u8]) -> Attempt {
        let body = String::from_utf8_lossy(body);
        Attempt::Status {
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            code: xml_element(&body, "Code"),
            message: xml_element(&body, "Message"),
        }
    }

    /// Whether object_store retries after this.
    pub(crate) fn retryable(&self) -> bool {
        match self {
            Attempt::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Attempt::Transport { retryable, .. } => *retryable,
            _ => true,
        }
    }

    fn code(&self) -> Option<&str> {
        match self {
            Attempt::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The kind of failure this attempt makes, when it is the last.
    pub(crate) fn kind(&self) -> FailureKind {
        match self {
            Attempt::Refused { .. } => FailureKind::ConnectionRefused,
            Attempt::ConnectTimeout { .. } => FailureKind::ConnectTimeout,
            Attempt::NoResponse { .. } => FailureKind::NoResponse,
            Attempt::Unresolved { .. } => FailureKind::Unresolved,
            Attempt::Closed { .. } | Attempt::BodyBroken { .. } => FailureKind::ConnectionClosed,
            Attempt::Transport { .. } => FailureKind::Other,
            Attempt::Status { status, .. } => match (*status, self.code()) {
                (_, Some("NoSuchBucket")) => FailureKind::NoSuchBucket,
                (_, Some("NoSuchKey")) => FailureKind::NoSuchKey,
                (
                    _,
                    Some(
                        "PermanentRedirect"
                        | "AuthorizationHeaderMalformed"
                        | "IllegalLocationConstraintException",
                    ),
                )
                | (301 | 307, _) => FailureKind::WrongRegion,
                (401 | 403, _) | (_, Some("ExpiredToken" | "InvalidToken")) => {
                    FailureKind::AccessDenied
                }
                (404, _) => FailureKind::NoSuchKey,
                (s, _) if s >= 500 || s == 429 => FailureKind::ServerError,
                _ => FailureKind::Rejected,
            },
        }
    }

    /// The attempt's failure in words, with what explains it.
    pub(crate) fn describe(&self, context: &Context) -> String {
        match self {
            Attempt::Refused { endpoint } => format!("connection refused by {endpoint}"),
            Attempt::ConnectTimeout { endpoint, after } => {
                format!("no connection to {endpoint} within {}", seconds(*after))
            }
            Attempt::NoResponse { endpoint, after } => {
                format!("no response from {endpoint} within {}", seconds(*after))
            }
            Attempt::Unresolved { host, detail } => format!("cannot resolve {host}: {detail}"),
            Attempt::Closed { endpoint } => {
                format!("{endpoint} closed the connection before the response was complete")
            }
            Attempt::Transport {
                endpoint, detail, ..
            } => format!("{endpoint}: {detail}"),
            Attempt::BodyBroken { detail } => format!("the body broke off: {detail}"),
            Attempt::Status { endpoint, .. } => self.describe_status(endpoint, context),
        }
    }

    fn describe_status(&self, endpoint: &str, context: &Context) -> String {
        let Attempt::Status {
            status,
            reason,
            code,
            message,
            ..
        } = self
        else {
            return String::new();
        };
        let said = match (code, message) {
            (Some(code), Some(message)) => format!(": {code}: {message}"),
            (Some(text), None) | (None, Some(text)) => format!(": {text}"),
            (None, None) => String::new(),
        };
        let bucket = &context.bucket;
        let region = &context.region;
        match self.kind() {
            FailureKind::NoSuchBucket => {
                format!("no such bucket {bucket:?} at {endpoint} (region {region})")
            }
            FailureKind::NoSuchKey => format!("no such object at {endpoint} (HTTP {status})"),
            FailureKind::WrongRegion => format!(
                "bucket {bucket:?} is not in region {region} (HTTP {status}{said}): set \
                 AWS_REGION to the bucket's region"
            ),
            FailureKind::AccessDenied => format!(
                "access denied by {endpoint} with {}{said}",
                context.credentials
            ),
            FailureKind::ServerError => format!("{endpoint} answered {status} {reason}{said}"),
            _ => format!("{endpoint} refused the request with {status} {reason}{said}"),
        }
    }
}

/// `15 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// The host of `scheme://host:port/…`.
fn host_of_endpoint(endpoint: &str) -> &str {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
}

/// The text of the first `<name>…</name>` of an S3 error document, unescaped and on one line.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{name}>"))?;
    let text = body[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// The failure of a request, from what its attempts met.
#[derive(Debug, Default, Clone)]
pub(crate) struct Outcome {
    /// The last attempt's failure (the cause).
    pub(crate) last: Option<Attempt>,
    /// A failed lookup of the instance metadata service (credentials).
    pub(crate) metadata: Option<Attempt>,
    /// Retries made.
    pub(crate) retries: u32,
}

impl Outcome {
    /// The failure of a request that object_store gave up on with `err`.
    pub(crate) fn failure(&self, context: &Context, err: &object_store::Error) -> Failure {
        if let (Some(metadata), CredentialSource::InstanceMetadata) =
            (&self.metadata, &context.credentials)
        {
            return no_credentials(metadata, context);
        }
        match &self.last {
            Some(attempt) => Failure::new(
                attempt.kind(),
                format!("{}{}", attempt.describe(context), self.retried()),
            ),
            None => Failure::new(FailureKind::Other, ErrorChain(err).to_string()),
        }
    }

    /// The failure of a request stopped by the retry time limit.
    pub(crate) fn time_limit(&self, context: &Context) -> Failure {
        let limit = seconds(context.retry_time);
        let message = match &self.last {
            Some(attempt) => format!(
                "{} (gave up after {limit}, the retry time limit)",
                attempt.describe(context)
            ),
            None => format!(
                "no answer from {} within {limit}, the retry time limit",
                context.endpoint
            ),
        };
        Failure::new(FailureKind::TimeLimit, message)
    }

    fn retried(&self) -> String {
        match self.retries {
            0 => String::new(),
            1 => " (after 1 retry)".to_owned(),
            n => format!(" (after {n} retries)"),
        }
    }
}

fn no_credentials(metadata: &Attempt, context: &Context) -> Failure {
    let said = match metadata {
        Attempt::Status { status: 404, .. } => {
            "no role attached to this instance (HTTP 404)".to_owned()
        }
        Attempt::Status {
            endpoint,
            status,
            reason,
            ..
        } => format!("{endpoint} answered {status} {reason}"),
        other => other.describe(context),
    };
    Failure::new(
        FailureKind::NoCredentials,
        format!(
            "no AWS credentials found: none in the environment or the AWS files, and the EC2 \
             instance metadata service gave none ({said}); set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            bucket: "logs".to_owned(),
            endpoint: "http://127.0.0.1:9000".to_owned(),
            region: "us-east-1".to_owned(),
            credentials: CredentialSource::Environment,
            retry_time: Duration::from_secs(60),
        }
    }

    fn status(code: u16, body: &str) -> Attempt {
        Attempt::status(
            "http://127.0.0.1:9000",
            http::StatusCode::from_u16(code).unwrap(),
            body.as_bytes(),
        )
    }

    #[test]
    fn s3_error_documents_become_one_line() {
        let c = context();
        let no_bucket = status(
            404,
            "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code>\n<Message>The specified \
             bucket does not exist</Message><BucketName>logs</BucketName></Error>",
        );
        assert_eq!(no_bucket.kind(), FailureKind::NoSuchBucket);
        assert_eq!(
            no_bucket.describe(&c),
            "no such bucket \"logs\" at http://127.0.0.1:9000 (region us-east-1)"
        );
        let denied = status(
            403,
            "<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you \
             provided does not exist in our records.</Message></Error>",
        );
        assert_eq!(denied.kind(), FailureKind::AccessDenied);
        assert!(!denied.retryable());
        assert_eq!(
            denied.describe(&c),
            "access denied by http://127.0.0.1:9000 with credentials from AWS_ACCESS_KEY_ID: \
             InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records."
        );
        let slow = status(
            503,
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate &amp; retry.</Message></Error>",
        );
        assert!(slow.retryable());
        assert_eq!(
            slow.describe(&c),
            "http://127.0.0.1:9000 answered 503 Service Unavailable: SlowDown: Please reduce \
             your request rate & retry."
        );
        let moved = status(301, "");
        assert_eq!(moved.kind(), FailureKind::WrongRegion);
        assert_eq!(
            moved.describe(&c),
            "bucket \"logs\" is not in region us-east-1 (HTTP 301): set AWS_REGION to the \
             bucket's region"
        );
        assert_eq!(status(400, "").kind(), FailureKind::Rejected);
        let expired = status(
            400,
            "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>",
        );
        assert_eq!(expired.kind(), FailureKind::AccessDenied);
    }

    #[test]
    fn outcomes_say_the_cause_first_and_the_retries_after() {
        let c = context();
        let refused = Outcome {
            last: Some(Attempt::Refused {
                endpoint: c.endpoint.clone(),
            }),
            metadata: None,
            retries: 2,
        };
        let err = object_store::Error::NotImplemented {
            operation: "x".to_owned(),
            implementer: "y".to_owned(),
        };
        let failure = refused.failure(&c, &err);
        assert_eq!(failure.kind(), FailureKind::ConnectionRefused);
        assert_eq!(
            failure.to_string(),
            "connection refused by http://127.0.0.1:9000 (after 2 retries)"
        );
        let silent = Outcome {
            last: Some(Attempt::NoResponse {
                endpoint: c.endpoint.clone(),
                after: Duration::from_secs(15),
            }),
            ..Outcome::default()
        };
        assert_eq!(
            silent.time_limit(&c).to_string(),
            "no response from http://127.0.0.1:9000 within 15 s (gave up after 60 s, the \
             retry time limit)"
        );
        assert_eq!(
            Outcome::default().time_limit(&c).to_string(),
            "no answer from http://127.0.0.1:9000 within 60 s, the retry time limit"
        );
        let imds = Outcome {
            metadata: Some(Attempt::Refused {
                endpoint: "http://169.254.169.254".to_owned(),
            }),
            ..Outcome::default()
        };
        let instance = Context {
            credentials: CredentialSource::InstanceMetadata,
            ..c
        };
        let failure = imds.failure(&instance, &err);
        assert_eq!(failure.kind(), FailureKind::NoCredentials);
        assert!(
            failure.to_string().starts_with(
                "no AWS credentials found: none in the environment or the AWS files, and the \
                 EC2 instance metadata service gave none (connection refused by \
                 http://169.254.169.254)"
            ),
            "{failure}"
        );
        assert!(!failure.to_string().contains("denied"));
        let forbidden = Outcome {
            metadata: Some(Attempt::status(
                "http://169.254.169.254",
                http::StatusCode::FORBIDDEN,
                b"",
            )),
            ..Outcome::default()
        };
        let failure = forbidden.failure(&instance, &err);
        assert!(
            failure.to_string().contains(
                "the EC2 instance metadata service gave none (http://169.254.169.254 answered \
                 403 Forbidden); set"
            ),
            "{failure}"
        );
        assert!(!failure.to_string().contains("denied"));
    }

    #[test]
    fn seconds_and_hosts() {
        assert_eq!(seconds(Duration::from_secs(15)), "15 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(
            host_of_endpoint("https://s3.eu-west-1.amazonaws.com"),
            "s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(host_of_endpoint("http://[::1]:9000/x"), "::1");
        assert_eq!(xml_element("<a>x</a>", "Code"), None);
    }
}
